"""The plots' grid: opaque lines of the colour the translucent grid gave on white, under
the curves (drawing translucent grid lines was most of a plot's repaint)."""

import pyqtgraph as pg
from PySide6.QtGui import QImage, QPainter

from rnnsim.gui.plots.common import GRID_ALPHA, OpaqueGridAxis, style_plot


def test_grid_lines_are_opaque_blends_on_white_drawn_under_the_curves(qtbot):
    view = pg.GraphicsLayoutWidget()
    qtbot.addWidget(view)
    view.resize(600, 400)
    plot = style_plot(view.addPlot(), "t", "x", "y", log_y=True)
    plot.plot([1, 2, 3], [1, 10, 100])
    view.show()
    qtbot.waitExposed(view)
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        assert isinstance(axis, OpaqueGridAxis)
        assert axis.zValue() < plot.vb.zValue()
        image = QImage(10, 10, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        translucent = pg.AxisItem.generateDrawSpecs(axis, painter)[1]
        opaque = axis.generateDrawSpecs(painter)[1]
        painter.end()
        assert len(opaque) == len(translucent) > 0
        assert opaque[0][0].color().alpha() == 255
        for (pen, a, b), (tpen, ta, tb) in zip(opaque, reversed(translucent), strict=True):
            assert (a, b) == (ta, tb)
            alpha = tpen.color().alphaF()
            assert 0 < alpha <= GRID_ALPHA + 1e-3
            want = [round(alpha * c + (1 - alpha) * 255) for c in tpen.color().getRgb()[:3]]
            assert list(pen.color().getRgb()[:3]) == want
            assert pen.color().alpha() == 255
