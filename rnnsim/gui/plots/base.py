"""PlotView: the base of every docked plot (a pyqtgraph layout, optional controls, a table)."""

from __future__ import annotations

import contextlib
import time

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from rnnsim.gui.plots.common import EXPORT_SIZE, Table, plot_axes, style_plot
from rnnsim.gui.plots.menus import install_plot_menu

WIDE = 2.2  # a plot wider than this many times its height puts its panels side by side
LEGEND_LINES = 5  # lines a one-column legend below a plot may take
NARROW = 640  # a plot narrower than this lists its legend entries in one column
MIN_FIT = 0.6  # a plot too large for its dock is drawn down to this scale before it is cut


class _TimedLayoutWidget(pg.GraphicsLayoutWidget):
    """A GraphicsLayoutWidget that adds up the seconds its paint events take (pyqtgraph paints
    in Python, holding the GIL the training thread needs): ``PlotDocks`` budgets with it."""

    paint_seconds = 0.0
    zoom = 1.0  # projector mode: the whole plot (fonts, lines, symbols) drawn this much larger

    def set_zoom(self, zoom):
        """Draw everything ``zoom`` times larger (1: as laid out)."""
        self.zoom = float(zoom)
        self.resizeEvent(None)

    def effective_zoom(self):
        """The projector zoom, lowered (to MIN_FIT at most) when the panels' minimum size does
        not fit the view: a narrow dock shows the whole plot a little smaller, never cut."""
        ci = getattr(self, "ci", None)
        if ci is None:  # still being built
            return self.zoom
        least = ci.effectiveSizeHint(Qt.SizeHint.MinimumSize)
        fit = min(self.width() / max(least.width(), 1.0), self.height() / max(least.height(), 1.0))
        return max(min(self.zoom, fit), min(self.zoom, MIN_FIT))

    applied = 1.0  # the zoom the view is drawn at now
    frozen = False  # an export is laying the plot out at its own size: leave the view alone

    def refit(self):
        """Apply the effective zoom again if the panels' minimum size changed it."""
        if not self.frozen and abs(self.effective_zoom() - self.applied) > 1e-3:
            self.resizeEvent(None)

    def resizeEvent(self, event):
        if self.closed:
            return
        zoom = self.applied = self.effective_zoom()
        self.autoPixelRange = zoom == 1.0
        if zoom == 1.0:
            super().resizeEvent(event)
            return
        self.range = QRectF(0, 0, self.width() / zoom, self.height() / zoom)
        pg.GraphicsView.setRange(self, self.range, padding=0, disableAutoPixel=True)
        self.updateMatrix()

    def paintEvent(self, event):
        start = time.perf_counter()
        super().paintEvent(event)
        self.paint_seconds += time.perf_counter() - start


class PlotView(QWidget):
    """A docked plot: pyqtgraph items created once, updated from Snapshots.

    Subclasses set ``name`` (the file stem of exports: ``gradient_flow``), ``title`` (the dock
    title), build their items in ``_build`` and redraw them in ``_draw(snapshot)`` with
    ``setData``/``setImage`` only. ``tables()`` returns the data behind the plot.
    """

    name = "plot"
    title = "Plot"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName(f"{self.name}Plot")
        self.snapshot = None
        self.graphics = _TimedLayoutWidget()
        self.graphics.setBackground("w")
        self.graphics.ci.setContentsMargins(6, 6, 12, 6)
        self.controls = QHBoxLayout()
        self.controls.setContentsMargins(6, 2, 6, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(self.controls)
        layout.addWidget(self.graphics, 1)
        self._arrangements = {}  # "tall"/"wide" → [(item, row, col)], see ``arrange``
        self._rows = {}  # "tall"/"wide" → {row: (stretch, max height or None)}
        self.arrangement = "tall"
        self.legends_below = []  # legends in their own row (common.legend_below)
        self._build()
        install_plot_menu(self)

    # ------------------------------------------------------------------ subclass hooks
    def _build(self):
        raise NotImplementedError

    def _draw(self, snapshot):
        raise NotImplementedError

    def tables(self) -> dict[str, Table]:
        """File stem → the data behind the plot (empty before the first snapshot)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ public
    def show_snapshot(self, snapshot):
        """Redraw every item from ``snapshot`` (a ``rnnsim.sim.Snapshot``)."""
        self.snapshot = snapshot
        self._draw(snapshot)
        self.graphics.refit()

    def set_zoom(self, zoom):
        """Projector mode: fonts, lines and symbols ``zoom`` times larger (exports unchanged)."""
        self.graphics.set_zoom(zoom)

    def add_plot(self, row, col, title, x_label, y_label, **style) -> pg.PlotItem:
        """A styled PlotItem at (row, col) of the layout (see ``common.style_plot``).

        Built with its final axes and without pyqtgraph's context menu (right-click opens the
        export menu): building default axes and a menu only to replace or disable them cost
        about a fifth of each plot's construction, and a window builds twenty of them."""
        plot = self.graphics.addPlot(row=row, col=col, enableMenu=False, axisItems=plot_axes())
        return style_plot(plot, title, x_label, y_label, **style)

    def arrange(self, tall, wide, tall_rows=None, wide_rows=None):
        """Let the panels move with the plot's shape: ``tall`` and ``wide`` list
        ``(item, row, col)`` for each layout (e.g. heatmap over traces in a tall dock, beside
        them in a wide one, such as the tabbed docks along the bottom of the window). The
        ``*_rows`` give ``{row: (stretch, max height or None)}``. Starts tall."""
        self._arrangements = {"tall": list(tall), "wide": list(wide)}
        self._rows = {"tall": dict(tall_rows or {}), "wide": dict(wide_rows or {})}
        self._apply_rows("tall")

    def arrangement_for(self, width, height) -> str:
        """The arrangement ("wide" or "tall") for a plot of ``width`` × ``height`` pixels."""
        return "wide" if width > WIDE * max(1, height) else "tall"

    def set_arrangement(self, name):
        """Put the panels in arrangement ``name`` ("tall" or "wide"; no-op without ``arrange``)."""
        if not self._arrangements or name == self.arrangement:
            return
        ci = self.graphics.ci
        for item, *_ in self._arrangements[self.arrangement]:
            ci.removeItem(item)
        for item, row, col in self._arrangements[name]:
            ci.addItem(item, row=row, col=col)
        self._apply_rows(name)
        self.arrangement = name
        self._arranged(name)
        self.graphics.refit()

    def _arranged(self, name):
        """Hook: the panels were just put in arrangement ``name``."""

    def _apply_rows(self, name):
        layout = self.graphics.ci.layout
        used = {row for _, row, _ in self._arrangements[name]}
        for row in range(max(used | {layout.rowCount() - 1}) + 1):
            # a row left empty by the other arrangement takes no room
            stretch, high = self._rows[name].get(row, (1, None) if row in used else (0, 0))
            layout.setRowStretchFactor(row, stretch)
            layout.setRowMaximumHeight(row, 1e6 if high is None else high)
            layout.setRowSpacing(row, layout.verticalSpacing() if row in used else 0)
            if row not in used:
                layout.setRowMinimumHeight(row, 0)

    def resizeEvent(self, event):
        """Pick the arrangement (and the legends' columns) for the new shape."""
        super().resizeEvent(event)
        for legend in self.legends_below:
            columns = legend.wide_columns if self.width() >= NARROW else legend.narrow_columns
            if legend.columnCount != columns:
                legend.setColumnCount(columns)
                if self.arrangement == "tall":  # one column needs more lines
                    self.graphics.ci.layout.setRowMaximumHeight(
                        legend.row, legend.rows * 22 if columns > 1 else LEGEND_LINES * 21
                    )
        self.set_arrangement(self.arrangement_for(self.width(), self.height()))

    @contextlib.contextmanager
    def laid_out(self, size=None):
        """Lay the plot out at ``size`` (default ``EXPORT_SIZE``) while the block renders it.

        Exports do not depend on the dock's size on screen (a cramped dock would give a cramped
        figure); the on-screen layout is restored afterwards, before anything is repainted.
        Yields the scene rectangle to render.
        """
        w, h = size or EXPORT_SIZE
        shown = self.arrangement
        self.graphics.frozen = True
        self.set_arrangement(self.arrangement_for(w, h))
        rect = QRectF(0, 0, w, h)
        view, ci = self.graphics, self.graphics.ci
        old_scene, old_geometry = view.sceneRect(), ci.geometry()
        old_transform = view.transform()  # a zoomed view (projector, cramped dock)
        view.resetTransform()  # exports are laid out at scale 1
        boxes = [item for item in self.scene().items() if isinstance(item, pg.ViewBox)]
        ranges = [(box, box.viewRange(), box.autoRangeEnabled()) for box in boxes]
        self._layout(rect, rect)
        try:
            yield rect
        finally:
            self.set_arrangement(shown)
            self.graphics.frozen = False
            view.setTransform(old_transform)
            self._layout(old_scene, old_geometry)
            for box, (x, y), auto in ranges:  # an aspect-locked box widened its range
                box.setRange(xRange=x, yRange=y, padding=0)
                box.enableAutoRange(x=auto[0], y=auto[1])
            self.scene().prepareForPaint()

    def _layout(self, scene_rect, geometry):
        self.graphics.setSceneRect(scene_rect)
        self.graphics.ci.setGeometry(geometry)
        self.graphics.ci.layout.activate()
        self.graphics.scene().prepareForPaint()  # view boxes update their transforms now

    def contextMenuEvent(self, event):
        """Right-click anywhere on the plot: the export menu (the view boxes have none)."""
        self.export_menu.exec(event.globalPos())
        event.accept()

    def scene(self):
        """The QGraphicsScene that holds the plot items."""
        return self.graphics.scene()
