"""Render plots and the network canvas into images (QImage) and SVG text."""

from __future__ import annotations

import contextlib

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import SVGExporter
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator

MAX_PIXELS = 12000  # longest side of an exported PNG
SHARP_PIXELS = 256  # heatmaps go into an SVG with at least this many pixels on their short side


def check_scale(scale) -> float:
    """The PNG scale factor as a float in (0, 8]; ValueError otherwise."""
    try:
        value = float(scale)
    except (TypeError, ValueError):
        value = float("nan")
    if not 0 < value <= 8:
        raise ValueError(f"scale: got {scale!r}, expected a number in (0, 8]")
    return value


def plot_png(plot, scale=1.0, size=None) -> QImage:
    """Render a plot into a white QImage of its size × ``scale`` pixels.

    The image's device-pixel ratio is ``scale``, so everything (including legends and labels,
    which ignore view transformations) is drawn ``scale`` times larger, as on a HiDPI screen.
    """
    scale = check_scale(scale)
    with plot.laid_out(size) as rect:
        width, height = _pixels(rect, scale)
        image = QImage(QSize(width, height), QImage.Format.Format_ARGB32)
        image.setDevicePixelRatio(scale)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        target = QRectF(0, 0, width / scale, height / scale)
        plot.scene().render(painter, target, rect)
        painter.end()
    image.setDevicePixelRatio(1.0)
    return image


def plot_svg(plot, size=None) -> str:
    """The plot as SVG text (text stays text: titles and axis labels are searchable)."""
    with sharp_heatmaps(plot), plot.laid_out(size):
        exporter = SVGExporter(plot.graphics.ci)
        exporter.parameters()["background"] = QColor("white")
        svg = exporter.export(toBytes=True).decode("utf-8")
    return svg.replace(
        'image-rendering="optimizeSpeed"',
        'image-rendering="optimizeSpeed" style="image-rendering:pixelated"',
    )


@contextlib.contextmanager
def sharp_heatmaps(plot):
    """Embed each small heatmap with every cell repeated k×k times (then restore it).

    SVG viewers smooth a scaled raster: a 16 × 16 matrix would come out blurred.
    """
    saved = []
    for item in plot.scene().items():
        image = getattr(item, "image", None)
        if not isinstance(item, pg.ImageItem) or image is None or image.ndim != 2:
            continue
        k = min(-(-SHARP_PIXELS // max(min(image.shape), 1)), 2048 // max(image.shape))
        if k > 1:
            rect = item.mapRectToParent(item.boundingRect())
            saved.append((item, image, rect))
            item.setImage(np.repeat(np.repeat(image, k, axis=0), k, axis=1), autoLevels=False)
            item.setRect(rect)
    try:
        yield
    finally:
        for item, image, rect in saved:
            item.setImage(image, autoLevels=False)
            item.setRect(rect)


class TooLarge(ValueError):
    """A PNG would be larger than MAX_PIXELS on a side at the asked scale.

    Attributes
    ----------
    scale : float
        The asked scale.
    size : (int, int)
        The image's pixels at that scale.
    fit : float
        The largest scale at which it fits.
    """

    def __init__(self, scale: float, width: int, height: int, fit: float):
        super().__init__(
            f"scale: got {scale:g}, which makes a {width}×{height} image; "
            f"expected at most {MAX_PIXELS} pixels on the longest side"
        )
        self.scale, self.size, self.fit = scale, (width, height), fit


def _pixels(rect: QRectF, scale: float) -> tuple[int, int]:
    width, height = round(rect.width() * scale), round(rect.height() * scale)
    if max(width, height) > MAX_PIXELS:
        longest = max(rect.width(), rect.height())
        fit = int(1000 * MAX_PIXELS / longest) / 1000  # rounded down: it fits
        raise TooLarge(scale, width, height, fit)
    return max(width, 1), max(height, 1)


def canvas_scenes(canvas) -> dict[str, object]:
    """File stem → QGraphicsScene of a canvas.

    A QGraphicsView gives ``{"network": its scene}``; the window's NetworkCanvas gives its
    unfolded and folded networks (``network_unfolded``, ``network_folded``).
    """
    if hasattr(canvas, "unfolded_scene"):
        return {"network_unfolded": canvas.unfolded_scene, "network_folded": canvas.folded_scene}
    if hasattr(canvas, "scene") and callable(canvas.scene) and canvas.scene() is not None:
        return {"network": canvas.scene()}
    raise ValueError(
        f"canvas: got {type(canvas).__name__}, expected a QGraphicsView or the "
        "window's NetworkCanvas"
    )


def scene_png(scene, scale=1.0) -> QImage:
    """Render the whole of ``scene`` (its items' bounding rectangle) into a white image."""
    scale = check_scale(scale)
    source = scene.itemsBoundingRect().adjusted(-10, -10, 10, 10)
    width, height = _pixels(source, scale)
    image = QImage(QSize(width, height), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    scene.render(painter, QRectF(0, 0, width, height), source)
    painter.end()
    return image


def scene_svg(scene, title="rnnsim network") -> str:
    """The whole of ``scene`` as SVG text."""
    source = scene.itemsBoundingRect().adjusted(-10, -10, 10, 10)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(source.size().toSize())
    generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
    generator.setTitle(title)
    painter = QPainter(generator)
    painter.fillRect(QRectF(0, 0, source.width(), source.height()), QColor("white"))
    scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
    painter.end()
    buffer.close()
    return bytes(data.data()).decode("utf-8")
