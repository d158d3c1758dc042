"""Export plots, the network canvas and whole runs: PNG, SVG, CSV, JSON, NPZ and a report.

Every file is written under a temporary name in the destination folder and moved into place
with ``os.replace``: a failed export leaves no half-written file behind.

    export_plot(plots["gradient_flow"], "out/gradient_flow.png", "png", scale=2)
    export_all("out", window, progress=lambda done, total, what: ...)
"""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter

FORMATS = ("png", "svg", "csv")
_UMASK = os.umask(0o022)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK  # what open() would give a new file
MAX_PIXELS = 12000  # longest side of an exported PNG


class ExportError(OSError):
    """An export could not be written (the message says which file and why)."""


# --------------------------------------------------------------------- atomic writing
@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; move it onto ``path`` if the block succeeds.

    On any error the temporary file is removed and an ``ExportError`` naming ``path`` is raised.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part",
                                   dir=folder)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        if isinstance(exc, ExportError) or not isinstance(exc, Exception):
            raise
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ExportError(f"cannot write {path}: {reason}") from exc


def write_bytes(path, data: bytes):
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data)


def write_text(path, text: str):
    """Write UTF-8 ``text`` to ``path`` atomically."""
    write_bytes(path, text.encode("utf-8"))


def write_csv(path, table):
    """Write a ``plots.common.Table`` (header row, then data rows) atomically."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(table.header)
        writer.writerows(table.rows())


def write_image(path, image: QImage):
    """Save ``image`` as PNG at ``path`` atomically."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise ExportError(f"cannot write {path}: the PNG encoder failed")
    buffer.close()
    write_bytes(path, bytes(data.data()))


# --------------------------------------------------------------------- rendering
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
    """Render a plot into a white QImage of its size × ``scale`` pixels."""
    from pyqtgraph.exporters import ImageExporter

    scale = check_scale(scale)
    rect = plot.scene_rect(size)
    width, height = _pixels(rect, scale)
    exporter = ImageExporter(plot.graphics.ci)
    params = exporter.parameters()
    params.param("width").setValue(width, blockSignal=exporter.widthChanged)
    params.param("height").setValue(height, blockSignal=exporter.heightChanged)
    params["background"] = QColor("white")
    return exporter.export(toBytes=True)


def plot_svg(plot, size=None) -> str:
    """The plot as SVG text (text stays text: titles and axis labels are searchable)."""
    from pyqtgraph.exporters import SVGExporter

    plot.scene_rect(size)
    exporter = SVGExporter(plot.graphics.ci)
    exporter.parameters()["background"] = QColor("white")
    svg = exporter.export(toBytes=True).decode("utf-8")
    # heatmaps are small rasters: keep their cells sharp in browsers too
    return svg.replace('image-rendering="optimizeSpeed"',
                       'image-rendering="optimizeSpeed" style="image-rendering:pixelated"')


def _pixels(rect: QRectF, scale: float) -> tuple[int, int]:
    width, height = round(rect.width() * scale), round(rect.height() * scale)
    if max(width, height) > MAX_PIXELS:
        raise ValueError(f"scale: got {scale}, which makes a {width}×{height} image; expected "
                         f"at most {MAX_PIXELS} pixels on the longest side")
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
    raise ValueError(f"canvas: got {type(canvas).__name__}, expected a QGraphicsView or the "
                     "window's NetworkCanvas")


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
    from PySide6.QtSvg import QSvgGenerator

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


# --------------------------------------------------------------------- public
def export_plot(plot, path, fmt=None, scale=1.0, size=None) -> list[str]:
    """Write one plot to ``path`` as PNG, SVG or CSV; return the paths written.

    Parameters
    ----------
    plot : rnnsim.gui.plots.base.PlotView
    path : str or os.PathLike
        Destination file. For CSV, extra tables of the plot (e.g. the full G[t, k] of the
        gradient-flow plot) go next to it as ``<stem>_<what>.csv``.
    fmt : {"png", "svg", "csv"} or None
        None takes the extension of ``path``.
    scale : float
        PNG only: pixels per on-screen pixel (2 for a sharp slide).
    size : (int, int) or None
        Lay the plot out at this size (pixels at scale 1) before rendering.
    """
    path = os.fspath(path)
    fmt = (fmt or os.path.splitext(path)[1].lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"fmt: got {fmt!r}, expected one of {', '.join(FORMATS)}")
    if fmt == "png":
        write_image(path, plot_png(plot, scale, size))
        return [path]
    if fmt == "svg":
        write_text(path, plot_svg(plot, size))
        return [path]
    return _export_tables(plot, path)


def _export_tables(plot, path) -> list[str]:
    tables = plot.tables()
    if not tables:
        raise ValueError(f"plot: {plot.title!r} has no data yet (no snapshot drawn)")
    stem = os.path.splitext(path)[0]
    written = []
    for key, table in tables.items():
        target = path if key == plot.name else f"{stem}{key.removeprefix(plot.name)}.csv"
        write_csv(target, table)
        written.append(target)
    return written


def export_canvas(canvas, path, fmt=None, scale=1.0) -> list[str]:
    """Write the network canvas as PNG or SVG; return the paths written.

    With the window's NetworkCanvas, ``path``'s stem gets ``_unfolded`` / ``_folded``.
    """
    path = os.fspath(path)
    fmt = (fmt or os.path.splitext(path)[1].lstrip(".")).lower()
    if fmt not in ("png", "svg"):
        raise ValueError(f"fmt: got {fmt!r}, expected 'png' or 'svg'")
    scenes = canvas_scenes(canvas)
    stem = os.path.splitext(path)[0]
    written = []
    for key, scene in scenes.items():
        target = path if len(scenes) == 1 else f"{stem}{key.removeprefix('network')}.{fmt}"
        if fmt == "png":
            write_image(target, scene_png(scene, scale))
        else:
            write_text(target, scene_svg(scene))
        written.append(target)
    return written
