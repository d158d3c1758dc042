"""PlotView: the base of every docked plot (a pyqtgraph layout, optional controls, a table)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from rnnsim.gui.plots.common import Table, style_plot

EXPORT_SIZE = (960, 600)  # pixels at scale 1 when the plot is not on screen


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
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.graphics.ci.setContentsMargins(6, 6, 12, 6)
        self.controls = QHBoxLayout()
        self.controls.setContentsMargins(6, 2, 6, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(self.controls)
        layout.addWidget(self.graphics, 1)
        self._build()
        from rnnsim.gui.plots.menus import install_plot_menu

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

    def add_plot(self, row, col, title, x_label, y_label, **style) -> pg.PlotItem:
        """A styled PlotItem at (row, col) of the layout (see ``common.style_plot``)."""
        plot = self.graphics.addPlot(row=row, col=col)
        return style_plot(plot, title, x_label, y_label, **style)

    def scene_rect(self, size=None) -> QRectF:
        """The scene rectangle to render; lays the plot out at ``size`` first when hidden.

        A plot in a hidden dock (or in the headless CLI) has never been laid out, so it is
        given ``size`` (default ``EXPORT_SIZE``) before rendering; a visible plot is rendered
        as it is on screen.
        """
        if not self.graphics.isVisible() or size is not None:
            w, h = size or EXPORT_SIZE
            self.graphics.resize(w, h)
            rect = QRectF(0, 0, w, h)
            self.graphics.setSceneRect(rect)
            self.graphics.ci.setGeometry(rect)
            self.graphics.ci.layout.activate()
        else:
            rect = QRectF(self.graphics.viewport().rect())
        self.graphics.scene().prepareForPaint()  # view boxes update their transforms now
        return rect

    def scene(self):
        """The QGraphicsScene that holds the plot items."""
        return self.graphics.scene()
