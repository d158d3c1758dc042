"""FrameRenderer: one frame of a recording, drawn from the scenes the window draws.

The renderer owns its own NetworkCanvas (and, with plots, its own activations and
gradient-flow plots): nothing of the window is drawn into or changed. Frames are composed in a
design space 1280 wide (and as high as the frame's shape makes it) and scaled to the frame's
size, so a 1920-wide recording is the same picture with every line and letter 1.5 times larger.

    renderer = FrameRenderer(options)
    image = renderer.image(frame, n_frames)     # (H, W, 3) uint8
    svg = renderer.svg(frame, n_frames)         # the same frame as vector SVG text
    renderer.close()
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

from rnnsim.gui.canvas.canvas import MODES
from rnnsim.gui.canvas.notation import sub

BASE_W = 1280
HEADER_H = 58
LEGEND_H = 46
PLOTS_W = 500  # the plots' column with content "canvas+plots"
FOLDED_SHARE = 0.28  # of the canvas width, with view "both"
FOLDED_TITLE_ROOM = 40  # scene pixels right of the folded network's first layout
PLOT_ZOOM_OUT = 1.3  # plots are laid out this much larger than their place, then shrunk to it
PLOT_SHARES = (0.42, 0.58)  # of the column's height: activations, gradient flow
VIEW_MODES = {"both": MODES[0], "unfolded": MODES[1], "folded": MODES[2]}


def caption(frame, grad_of="E") -> str:
    """What the frame shows, in the lecture's notation."""
    snap, part = frame.snapshot, frame.part
    c = snap.cursor
    loss = "E_T" if grad_of == "E_T" else "E"
    if part == "update":
        return (
            f"weight update {snap.updates}: W ← W − η·ΔW for W_x, W_s, W_y "
            "(the next sequence starts)"
        )
    if part == "backward" or (part == "start" and c.phase != "forward"):
        j = 0 if c.phase == "update" else c.k + 1
        if part == "start":
            j = c.k + 1
        return (
            f"backward (BPTT): ∂{loss}/∂{sub('s', j)} reached; each step back multiplies "
            "by diag(Φ′(a))·W_sᵀ"
        )
    if c.t == 0:
        return f"t = 0: the initial state {sub('s', 0)}, before the first frame"
    if part == "start" and c.t == snap.T:
        return (
            f"forward pass done: {sub('s', 1)} … {sub('s', c.t)} and E = Σ E_t computed; next, BPTT"
        )
    t = c.t
    return (
        f"forward, t = {t}: {sub('s', t)} = Φ({sub('x', t)}·W_x + {sub('s', t - 1)}·W_s "
        f"+ b_s),  y_{t} = {sub('s', t)}·W_y + b_y,  E_{t}"
    )


class FrameRenderer:
    """Draws frames of a recording with its own canvas and plots (see the module docstring).

    Parameters
    ----------
    options : AnimationOptions
    """

    def __init__(self, options):
        from rnnsim.gui.canvas import NetworkCanvas

        self.options = options
        self.width, self.height = options.size
        self.base_h = BASE_W * self.height / self.width
        self.canvas = NetworkCanvas()
        self.canvas.set_mode(VIEW_MODES[options.view])
        self.canvas.set_grad_source(options.grad_of == "E_T")
        self.canvas.resize(BASE_W, round(self.base_h) - HEADER_H - LEGEND_H)
        self.canvas.legend.resize(BASE_W, LEGEND_H)
        self.plots = []
        if options.content == "canvas+plots":
            from rnnsim.gui.plots.activations import ActivationsPlot
            from rnnsim.gui.plots.gradient_flow import GradientFlowPlot

            self.plots = [ActivationsPlot(), GradientFlowPlot()]
        self._title_font = _font(17, bold=True)
        self._caption_font = _font(13)
        self._small_font = _font(10.5)

    def close(self):
        """Delete the renderer's own widgets."""
        for widget in [self.canvas, *self.plots]:
            widget.close()
            widget.deleteLater()
        self.plots = []

    # ----------------------------------------------------------------- output
    def image(self, frame, n_frames) -> np.ndarray:
        """The frame as a (height, width, 3) uint8 RGB array."""
        image = QImage(QSize(self.width, self.height), QImage.Format.Format_RGB888)
        image.fill(QColor("white"))
        painter = QPainter(image)
        self.paint(painter, frame, n_frames)
        painter.end()
        row = image.bytesPerLine()
        data = np.frombuffer(image.constBits(), np.uint8, count=row * self.height)
        return (
            data.reshape(self.height, row)[:, : 3 * self.width]
            .reshape(self.height, self.width, 3)
            .copy()
        )

    def svg(self, frame, n_frames) -> str:
        """The frame as SVG text: the canvas as vector shapes with text as text; the plots of
        "canvas+plots" as embedded pictures."""
        from PySide6.QtSvg import QSvgGenerator

        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
        generator.setSize(QSize(self.width, self.height))
        generator.setViewBox(QRectF(0, 0, self.width, self.height))
        generator.setTitle(f"rnnsim frame {frame.index + 1} of {n_frames}")
        painter = QPainter(generator)
        painter.fillRect(QRectF(0, 0, self.width, self.height), QColor("white"))
        self.paint(painter, frame, n_frames)
        painter.end()
        buffer.close()
        return bytes(data.data()).decode("utf-8")

    # ----------------------------------------------------------------- drawing
    def paint(self, painter: QPainter, frame, n_frames):
        """Draw ``frame`` with ``painter`` over a device of the frame's size."""
        snap = frame.snapshot
        self.canvas.show_snapshot(snap)
        for plot in self.plots:
            plot.show_snapshot(snap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.save()
        painter.scale(self.width / BASE_W, self.width / BASE_W)
        self._header(painter, frame, n_frames)
        body = QRectF(0, HEADER_H, BASE_W, self.base_h - HEADER_H - LEGEND_H)
        canvas_rect = body
        if self.plots:
            canvas_rect = QRectF(body.left(), body.top(), body.width() - PLOTS_W, body.height())
            self._plots(painter, QRectF(canvas_rect.right(), body.top(), PLOTS_W, body.height()))
        self._canvas(painter, canvas_rect)
        painter.save()
        painter.translate(0, self.base_h - LEGEND_H)
        self.canvas.legend.render(painter, QPoint(0, 0))
        painter.restore()
        painter.restore()

    def _header(self, painter, frame, n_frames):
        snap = frame.snapshot
        painter.fillRect(QRectF(0, 0, BASE_W, HEADER_H), QColor(246, 247, 250))
        painter.setPen(QPen(QColor(200, 200, 205), 1))
        painter.drawLine(0, HEADER_H, BASE_W, HEADER_H)
        title = getattr(snap.experiment, "title", "") or "rnnsim"
        painter.setPen(QColor(25, 25, 30))
        painter.setFont(self._title_font)
        painter.drawText(
            QRectF(14, 4, BASE_W - 300, 26),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            title,
        )
        painter.setFont(self._small_font)
        painter.setPen(QColor(90, 90, 95))
        where = (
            f"sequence {snap.cursor.sequence} · {snap.updates} updates · "
            f"frame {frame.index + 1}/{n_frames}"
        )
        painter.drawText(
            QRectF(BASE_W - 300, 4, 286, 26),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            where,
        )
        painter.setFont(self._caption_font)
        painter.setPen(
            QColor(150, 40, 30)
            if frame.part == "backward"
            else QColor(20, 100, 45)
            if frame.part == "update"
            else QColor(20, 60, 140)
        )
        painter.drawText(
            QRectF(14, 30, BASE_W - 28, 24),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            caption(frame, self.options.grad_of),
        )

    def _canvas(self, painter, rect):
        view = self.options.view
        folded, unfolded = self.canvas.folded_scene, self.canvas.unfolded_scene
        pad = 8
        if view == "both":
            split = rect.left() + rect.width() * FOLDED_SHARE
            self._scene(
                painter,
                folded,
                QRectF(
                    rect.left() + pad,
                    rect.top() + pad,
                    split - rect.left() - 2 * pad,
                    rect.height() - 2 * pad,
                ),
            )
            painter.setPen(QPen(QColor(215, 215, 220), 1))
            painter.drawLine(
                QRectF(split, rect.top() + 10, 0, rect.height() - 20).topLeft(),
                QRectF(split, rect.top() + 10, 0, rect.height() - 20).bottomLeft(),
            )
            rect = QRectF(split, rect.top(), rect.right() - split, rect.height())
            scene = unfolded
        else:
            scene = folded if view == "folded" else unfolded
        self._scene(painter, scene, rect.adjusted(pad, pad, -pad, -pad))

    def _scene(self, painter, scene, target):
        source = scene.sceneRect()
        if scene is self.canvas.folded_scene:  # its title grows ("… · backward")
            source = source.adjusted(0, 0, FOLDED_TITLE_ROOM, 0)
        if source.isEmpty():
            return
        scale = min(target.width() / source.width(), target.height() / source.height())
        w, h = source.width() * scale, source.height() * scale
        fitted = QRectF(
            target.left() + (target.width() - w) / 2, target.top() + (target.height() - h) / 2, w, h
        )
        scene.render(painter, fitted, source)

    def _plots(self, painter, rect):
        from PySide6.QtSvg import QSvgGenerator

        as_picture = isinstance(painter.device(), QSvgGenerator)
        painter.setPen(QPen(QColor(215, 215, 220), 1))
        painter.drawLine(rect.topLeft(), rect.bottomLeft())
        top = rect.top()
        for plot, share in zip(self.plots, PLOT_SHARES, strict=True):
            target = QRectF(rect.left() + 2, top, rect.width() - 2, rect.height() * share)
            top += target.height()
            size = (round(target.width() * PLOT_ZOOM_OUT), round(target.height() * PLOT_ZOOM_OUT))
            with plot.laid_out(size) as source:
                if as_picture:  # pyqtgraph's curves do not survive Qt's SVG generator
                    painter.drawImage(target, _picture(plot, source, 2 * self.width / BASE_W))
                else:
                    plot.scene().render(painter, target, source)


def _picture(plot, source, scale) -> QImage:
    image = QImage(
        QSize(
            round(source.width() * scale / PLOT_ZOOM_OUT),
            round(source.height() * scale / PLOT_ZOOM_OUT),
        ),
        QImage.Format.Format_RGB32,
    )
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    plot.scene().render(painter, QRectF(image.rect()), source)
    painter.end()
    return image


def _font(pixels, bold=False) -> QFont:
    font = QFont("DejaVu Sans")
    font.setPixelSize(round(pixels))
    font.setBold(bold)
    return font
