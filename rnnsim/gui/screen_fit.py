"""The main window on every screen: small laptops (1024×600), projectors, maximise and restore.

``ScreenFit(window)`` follows the window's size and state (the window passes its resize and
state-change events to ``window_event``):

- below ``COMPACT_BELOW`` pixels of height the plot docks leave the bottom and join the
  Inspector and Lecture as tabs on the right, so the canvas keeps its height (at 1024×600 the
  unfolded network keeps about 300 px); above it they go back along the bottom;
- after maximise, restore or full screen the canvas is fitted again and side panels that were
  squeezed to nothing get their width back;
- ``reset()`` puts every dock where a new window has it (View ▸ Reset layout).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QTabBar

from rnnsim.gui.panels.panel_docks import default_sizes

BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
COMPACT_BELOW = 760  # window heights (pixels) under this tab the plots on the right
PLOT_HEIGHT = 290  # the plot docks' height along the bottom
SIDE_WIDTHS = {"experiment": 300, "inspector": 300}  # default widths of the side panels
COMPACT_WIDTHS = {"experiment": 180, "inspector": 320}  # with the plots tabbed on the right
FRAME = (8, 36)  # room left on a small screen for the window manager's borders and title bar
HEADER_LINES = 3  # lines of the experiment header kept on a small screen
COLLAPSED = 120  # a side panel narrower than this (pixels) is re-opened on maximise/restore


def hide_superseded_tab_bars(window):
    """Hide the dock tab bars Qt 6 leaves behind when docks move into another tab group.

    A bar is in use when it sits right under a shown dock whose title it lists; the others
    (stale copies at the group's old place) are hidden.
    """
    docks = [
        d
        for d in window.findChildren(QDockWidget)
        if d.isVisible() and not d.isFloating() and not d.visibleRegion().isEmpty()
    ]
    for bar in (b for b in window.findChildren(QTabBar) if b.parent() is window):
        titles = {bar.tabText(i) for i in range(bar.count())}
        g = bar.geometry()
        used = any(
            d.windowTitle() in titles
            and abs(d.geometry().bottom() + 1 - g.top()) <= 6
            and d.geometry().left() < g.right()
            and g.left() < d.geometry().right()
            for d in docks
        )
        if bar.isVisible() != used:
            bar.setVisible(used)


def free_area(window):
    """(width, height) the window itself may take on its screen: the screen's free area less
    the window manager's frame (title bar, borders); None without a real screen (offscreen,
    whose 800 × 800 is arbitrary)."""
    screen = window.screen()
    if screen is None or QGuiApplication.platformName() == "offscreen":
        return None
    free = screen.availableGeometry()
    return free.width() - FRAME[0], free.height() - FRAME[1]


def initial_size(window, preferred=(1600, 1000)):
    """The size a new window opens at: ``preferred``, or the screen's free area when smaller."""
    free = free_area(window)
    if free is None:
        return preferred  # no real screen: render at full size
    return min(preferred[0], free[0]), min(preferred[1], free[1])


class ScreenFit(QObject):
    """Keeps ``window`` (a MainWindow) usable at its current size; see the module docstring."""

    def __init__(self, window, size=None):
        super().__init__(window)
        self.window = window
        self.free_area = lambda: free_area(window)  # tests give it a small screen's
        self.compact = False
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.fit)
        self._refit_canvas = False
        self._intended = size  # asked for once more when shown (the layout has settled then)
        if size is not None:  # a small screen: tab the plots first, or the window cannot shrink
            self.set_compact(size[1] < COMPACT_BELOW)
            window.resize(*size)

    # ----------------------------------------------------------------- events
    def window_event(self, kind):
        """The window got an event of type ``kind``: after a resize or a state change
        (maximise, restore, full screen) it is fitted once the events have settled.

        Called from the window's ``resizeEvent`` and ``changeEvent``: an event filter on the
        window would call into Python, taking the GIL from the training thread, for every
        event of the window (some 65 a second while it trains)."""
        if kind in (QEvent.Type.Resize, QEvent.Type.WindowStateChange):
            if kind == QEvent.Type.WindowStateChange:
                self._refit_canvas = True
            self._pending.start()

    def fit(self):
        """Arrange the docks for the window's height; after a state change, re-open squeezed
        side panels and fit the canvas."""
        w = self.window
        if self._intended is not None and w.isVisible():
            size, self._intended = self._intended, None
            if (w.width(), w.height()) != tuple(size) and not w.isMaximized():
                w.resize(*size)
                return  # its Resize event fits again
        self.set_compact(self._wants_compact())
        self.reopen_side_panels()
        if self._refit_canvas:
            self._refit_canvas = False
            w.canvas.fit()

    def _wants_compact(self) -> bool:
        """The plots go to the right in a low window, and on a low screen (whatever the
        window's height: projector fonts may have made it taller than the screen)."""
        free = self.free_area()
        return self.window.height() < COMPACT_BELOW or (
            free is not None and free[1] < COMPACT_BELOW
        )

    def fit_screen(self):
        """After the fonts changed (projector mode): the compact layout on a low screen, and
        a plain window (not maximised or full screen) no larger than the screen's free area.
        Qt keeps a maximised window inside the screen itself, given minimum sizes that fit."""
        w = self.window
        free = self.free_area()
        if free is not None and not (w.isMaximized() or w.isFullScreen()):
            width, height = min(w.width(), free[0]), min(w.height(), free[1])
            if (width, height) != (w.width(), w.height()):
                w.resize(width, height)
        self.set_compact(self._wants_compact())
        self.reopen_side_panels(force=True)  # side panels sized for the new fonts and width
        self._refit_canvas = True  # once the docks have settled
        self._pending.start()

    # ----------------------------------------------------------------- layouts
    def _plot_docks(self):
        plots = getattr(self.window, "plots", None)
        return [d for d in (plots.docks if plots is not None else []) if not d.isFloating()]

    def set_compact(self, compact):
        """Plots tabbed on the right (True) or along the bottom (False)."""
        if compact == self.compact:
            return
        self.compact = compact
        w, docks = self.window, self._plot_docks()
        header = getattr(w, "header", None)
        if header is not None:  # its whole text stays in its tooltip
            header.set_max_lines(HEADER_LINES if compact else None)
        if not docks:
            return
        shown = next(
            (d for d in docks if d.isVisible() and not d.visibleRegion().isEmpty()), docks[0]
        )
        if compact:
            anchor = w.docks["inspector"]
            for dock in docks:
                w.tabifyDockWidget(anchor, dock)
        else:
            for dock in docks:
                w.addDockWidget(BOTTOM, dock)
            for dock in docks[1:]:
                w.tabifyDockWidget(docks[0], dock)
            w.resizeDocks([docks[0]], [PLOT_HEIGHT], Qt.Orientation.Vertical)
        shown.raise_()
        hide_superseded_tab_bars(w)
        self.reopen_side_panels(force=True)

    def reopen_side_panels(self, force=False):
        """Give the side panels squeezed under ``COLLAPSED`` pixels (all with ``force``) their
        default width, or what the window can spare beside the canvas."""
        w = self.window
        spare = max(w.width() - w.centralWidget().minimumSizeHint().width() - 30, 0)
        widths = dict(COMPACT_WIDTHS if self.compact else SIDE_WIDTHS)
        if self.compact:  # the plots share the right side: give them what the canvas spares
            widths["inspector"] = max(widths["inspector"], int(0.3 * w.width()))
        scale = min(1.0, spare / sum(widths.values()))
        squeezed = [
            (dock, int(width * scale))
            for dock, width in (
                (self._shown_tab(w.docks[name]), width)
                for name, width in widths.items()
                if name in w.docks
            )
            if dock.isVisible() and (force or dock.width() < max(COLLAPSED, 0.6 * width * scale))
        ]
        if squeezed:
            w.resizeDocks(
                [d for d, _ in squeezed],
                [width for _, width in squeezed],
                Qt.Orientation.Horizontal,
            )

    def _shown_tab(self, dock):
        """The dock of ``dock``'s tab group that is on screen (resizing a hidden tab does
        nothing), else ``dock``."""
        group = [dock, *self.window.tabifiedDockWidgets(dock)]
        return next((d for d in group if not d.visibleRegion().isEmpty()), dock)

    def reset(self):
        """Every dock back where a new window puts it (shown, docked, default sizes)."""
        w = self.window
        for dock in w.findChildren(QDockWidget):
            dock.setFloating(False)
        areas = {
            "experiment": Qt.DockWidgetArea.LeftDockWidgetArea,
            "sequence": Qt.DockWidgetArea.TopDockWidgetArea,
            "inspector": RIGHT,
            "lecture": RIGHT,
        }
        for name, area in areas.items():
            w.addDockWidget(area, w.docks[name])
            w.docks[name].show()
        w.tabifyDockWidget(w.docks["inspector"], w.docks["lecture"])
        w.docks["inspector"].raise_()
        for dock in self._plot_docks():
            dock.show()
        self.compact = not self.compact  # force the plots to be placed again
        self.set_compact(self._wants_compact())
        default_sizes(w)
        if not self.compact:
            docks = self._plot_docks()
            w.resizeDocks(docks[:1], [PLOT_HEIGHT], Qt.Orientation.Vertical)
        w.canvas.fit()
