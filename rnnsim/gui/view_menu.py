"""View ▸ Projector mode, Canvas only, Full screen and Reset layout.

    from rnnsim.gui.view_menu import ViewActions
    window.view_actions = ViewActions(window)     # once, after the docks and plots exist

Projector mode draws everything larger for a lecture hall: the panels' fonts, every plot
(fonts, lines and symbols, through the plot's own zoom; exports are not affected), the
canvas (fitted larger, following the current step) and its colour bars. Its zoom factor is
remembered in QSettings (``view/projector_zoom``), as is whether it was on.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu

from rnnsim.gui.projector import DEFAULT_ZOOM, ZOOMS, valid_zoom

ZOOM_KEY = "view/projector_zoom"
ON_KEY = "view/projector"


def view_menu(window) -> QMenu:
    """The window's View menu (made when missing)."""
    for menu in window.menuBar().findChildren(QMenu):
        if menu.title().replace("&", "") == "View":
            return menu
    return window.menuBar().addMenu("&View")


def _zoom_setting(settings) -> float:
    zoom = settings.value(ZOOM_KEY, DEFAULT_ZOOM)
    return float(zoom) if valid_zoom(zoom) else DEFAULT_ZOOM


class ViewActions:
    """The View menu's display actions of ``window`` (a MainWindow); objectNames
    ``actionProjectorMode``, ``actionCanvasOnly``, ``actionFullScreen``, ``actionResetLayout``.
    """

    def __init__(self, window):
        self.window = window
        self.zoom = _zoom_setting(window.settings)
        self.base_font = window.font()
        self._hidden_by_canvas_only = []
        self._was_maximized = False
        menu = view_menu(window)
        menu.addSeparator()
        self.projector = self._action(
            menu,
            "actionProjectorMode",
            "&Projector mode",
            QKeySequence("Ctrl+Shift+P"),
            True,
            "Larger fonts, lines and canvas for a lecture hall",
        )
        zooms = menu.addMenu("Projector &zoom")
        zooms.setObjectName("projectorZoomMenu")
        group = QActionGroup(zooms)
        for z in ZOOMS:
            action = zooms.addAction(f"{z:g}×")
            action.setCheckable(True)
            action.setChecked(abs(z - self.zoom) < 1e-9)
            action.triggered.connect(lambda _=False, z=z: self.set_zoom(z))
            group.addAction(action)
        self.canvas_only = self._action(
            menu,
            "actionCanvasOnly",
            "&Canvas only",
            QKeySequence("Ctrl+Shift+C"),
            True,
            "Hide every panel and plot: the canvas and the step controls only",
        )
        self.full_screen = self._action(
            menu,
            "actionFullScreen",
            "&Full screen",
            QKeySequence(Qt.Key.Key_F11),
            True,
            "Fill the screen (F11 again to leave)",
        )
        self.reset_layout = self._action(
            menu,
            "actionResetLayout",
            "&Reset layout",
            None,
            False,
            "Every panel and plot back where a new window has it",
        )
        self.projector.toggled.connect(self.set_projector)
        self.canvas_only.toggled.connect(self.set_canvas_only)
        self.full_screen.toggled.connect(self.set_full_screen)
        self.reset_layout.triggered.connect(self.reset)
        if window.settings.value(ON_KEY, False) in (True, "true"):
            self.projector.setChecked(True)

    def _action(self, menu, name, text, shortcut, checkable, tip):
        action = QAction(text, self.window)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.setCheckable(checkable)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        menu.addAction(action)
        self.window.addAction(action)  # the shortcut works with the menu bar hidden too
        return action

    # ----------------------------------------------------------------- projector
    def set_zoom(self, zoom):
        """Use (and remember) projector zoom ``zoom``; applied at once when the mode is on."""
        self.zoom = float(zoom)
        self.window.settings.setValue(ZOOM_KEY, self.zoom)
        if self.projector.isChecked():
            self.apply(self.zoom)
            fit = getattr(self.window, "screen_fit", None)
            if fit is not None:
                fit.fit_screen()

    def set_projector(self, on):
        """Projector mode on or off (remembered); off, the window gets its size back (larger
        fonts may have widened it beyond a small screen)."""
        w = self.window
        w.settings.setValue(ON_KEY, bool(on))
        plain = not (w.isMaximized() or w.isFullScreen())
        if on:
            self._size_before = (w.width(), w.height()) if plain else None
        self.apply(self.zoom if on else 1.0)
        size = getattr(self, "_size_before", None)
        if not on and size is not None and plain:
            w.resize(*size)
        fit = getattr(w, "screen_fit", None)
        if fit is not None:
            fit.fit_screen()  # larger fonts: still inside a small screen

    def apply(self, zoom):
        """Draw the window's fonts, plots and canvas ``zoom`` times larger."""
        w = self.window
        font = self.base_font
        if zoom != 1.0:
            font = type(font)(font)
            size = font.pointSizeF() if font.pointSizeF() > 0 else 9.0
            font.setPointSizeF(size * zoom)
        w.setFont(font)
        plots = getattr(w, "plots", None)
        for plot in plots.plots.values() if plots is not None else ():
            plot.set_zoom(zoom)
        w.canvas.legend.set_zoom(zoom)
        for view in (w.canvas.unfolded, w.canvas.folded):
            view.zoom_bias = zoom
        w.canvas.fit()
        if w.canvas.snapshot is not None:
            w.canvas.show_snapshot(w.canvas.snapshot)  # follow the current step again

    # ----------------------------------------------------------------- layouts
    def set_canvas_only(self, on):
        """Hide every dock (remembering which were shown), or show them again."""
        w = self.window
        if on:
            self._hidden_by_canvas_only = [d for d in w.findChildren(QDockWidget) if d.isVisible()]
            for dock in self._hidden_by_canvas_only:
                dock.hide()
        else:
            for dock in self._hidden_by_canvas_only:
                dock.show()
            self._hidden_by_canvas_only = []
        w.canvas.fit()

    def set_full_screen(self, on):
        """Full screen, or back to the window (maximised if it was)."""
        w = self.window
        if on:
            self._was_maximized = w.isMaximized()
            w.showFullScreen()
        elif self._was_maximized:
            w.showMaximized()
        else:
            w.showNormal()

    def reset(self):
        """Leave canvas-only, then put every dock back where a new window has it."""
        if self.canvas_only.isChecked():
            self.canvas_only.setChecked(False)
        fit = getattr(self.window, "screen_fit", None)
        if fit is not None:
            fit.reset()
