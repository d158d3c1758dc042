"""FrameRenderer: one frame of a recording, drawn from the scenes the window draws.

The renderer owns its own NetworkCanvas (and, with plots, its own activations and
gradient-flow plots): nothing of the window is drawn into or changed. Frames are composed in a
design space 1280 wide (and as high as the frame's shape makes it) and scaled to the frame's
size, so a 1920-wide recording is the same picture with every line and letter 1.5 times larger.

With projector-mode fonts (``options.projector``, the zoom of View ▸ Projector mode) the
header, the colour bars and the plots are laid out that many times larger in the same space,
and the unfolded network is drawn that much larger than it fits, cut to the columns and rows
around the current step, as the window's projector mode follows the step. The folded network
is drawn whole, as large as its place allows up to that zoom (beside the unfolded one it gets a
wider share for it).

    renderer = FrameRenderer(options)
    image = renderer.image(frame, n_frames)     # (H, W, 3) uint8
    svg = renderer.svg(frame, n_frames)         # the same frame as vector SVG text
    renderer.close()
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtSvg import QSvgGenerator

from rnnsim.gui.canvas import NetworkCanvas
from rnnsim.gui.canvas.canvas import MODES
from rnnsim.gui.canvas.notation import sub
from rnnsim.gui.canvas.unfolded_update import current_column
from rnnsim.gui.plots.activations import ActivationsPlot
from rnnsim.gui.plots.gradient_flow import GradientFlowPlot

BASE_W = 1280
HEADER_H = 58
LEGEND_H = 46
PLOTS_W = 500  # the plots' column with content "canvas+plots"
FOLDED_SHARE = 0.28  # of the canvas width, with view "both"
FOLDED_TITLE_ROOM = 40  # scene pixels right of the folded network's first layout
PLOT_ZOOM_OUT = 1.3  # plots are laid out this much larger than their place, then shrunk to it
PLOT_SHARES = (0.42, 0.58)  # of the column's height: activations, gradient flow
MAX_FOLDED_SHARE = 0.42  # the folded network's share with projector-mode fonts, at most
MAX_PLOTS_SHARE = 0.5  # the plots' column with projector-mode fonts, at most (of BASE_W)
VIEW_MODES = {"both": MODES[0], "unfolded": MODES[1], "folded": MODES[2]}


# per cell: the forward equation of step t, what one step back multiplies by, what an update
# changes (the lecture's Elman names; the gated cells in the notation of the Lecture panel)
def _forward(cell: str, t: int) -> str:
    s, s_prev, x = sub("s", t), sub("s", t - 1), sub("x", t)
    if cell == "lstm":
        c, c_prev = sub("c", t), sub("c", t - 1)
        f, i, g, o = (sub(gate, t) for gate in "figo")
        return f"{c} = {f}⊙{c_prev} + {i}⊙{g},  {s} = {o}⊙tanh({c}) (gates from {x} and {s_prev})"
    if cell == "gru":
        z, n = sub("z", t), sub("n", t)
        return f"{s} = (1 − {z})⊙{n} + {z}⊙{s_prev} (gates z, r and n from {x} and {s_prev})"
    if cell == "feedforward":
        return f"{s} = Φ({x}·W_x + b_s), no memory: {s_prev} is not used"
    return f"{s} = Φ({x}·W_x + {s_prev}·W_s + b_s)"


BACK_STEP = {
    "elman": "each step back multiplies by diag(Φ′(a))·W_sᵀ",
    "lstm": "each step back carries the gradient along c, scaled by the forget gate f",
    "gru": "each step back carries the gradient along s, scaled by the update gate z",
    "feedforward": "nothing is carried back through time (no W_s)",
}
UPDATED = {
    "elman": "W_x, W_s, W_y",
    "lstm": "the gates' weights and W_y",
    "gru": "the gates' weights and W_y",
    "feedforward": "W_x, W_y",
}


def caption(frame, grad_of="E") -> str:
    """What the frame shows, in the lecture's notation (the equations of the frame's cell)."""
    snap, part = frame.snapshot, frame.part
    c = snap.cursor
    cell = snap.cell if snap.cell in BACK_STEP else "elman"
    loss = "E_T" if grad_of == "E_T" else "E"
    if part == "update":
        return (
            f"weight update {snap.updates}: W ← W − η·ΔW for {UPDATED[cell]} "
            "(the next sequence starts)"
        )
    if part == "backward" or (part == "start" and c.phase != "forward"):
        j = 0 if c.phase == "update" else c.k + 1
        if part == "start":
            j = c.k + 1
        return f"backward (BPTT): ∂{loss}/∂{sub('s', j)} reached; {BACK_STEP[cell]}"
    if c.t == 0:
        return f"t = 0: the initial state {sub('s', 0)}, before the first frame"
    if part == "start" and c.t == snap.T:
        return (
            f"forward pass done: {sub('s', 1)} … {sub('s', c.t)} and E = Σ E_t computed; next, BPTT"
        )
    t = c.t
    y, s, e = sub("y", t), sub("s", t), sub("E", t)
    return f"forward, t = {t}: {_forward(cell, t)},  {y} = {s}·W_y + b_y,  {e}"


class FrameRenderer:
    """Draws frames of a recording with its own canvas and plots (see the module docstring).

    Parameters
    ----------
    options : AnimationOptions
    """

    def __init__(self, options):
        self.options = options
        self.zoom = z = options.projector  # 1: the window's normal sizes
        self.width, self.height = options.size
        self.base_h = BASE_W * self.height / self.width
        self.header_h, self.legend_h = HEADER_H * z, round(LEGEND_H * z)
        self.plots_w = min(PLOTS_W * z, MAX_PLOTS_SHARE * BASE_W)  # with content canvas+plots
        self.canvas = NetworkCanvas()
        self.canvas.set_mode(VIEW_MODES[options.view])
        self.canvas.set_grad_source(options.grad_of == "E_T")
        self.canvas.resize(BASE_W, round(self.base_h - self.header_h) - self.legend_h)
        self.canvas.legend.set_zoom(z)
        self.canvas.legend.resize(BASE_W, self.legend_h)
        self.plots = []
        if options.content == "canvas+plots":
            self.plots = [ActivationsPlot(), GradientFlowPlot()]
        self._plot_out = {}  # plot name → the factor it is laid out at (see _plots)
        self._title_font = _font(17 * z, bold=True)
        self._caption_font = _font(13 * z)
        self._small_font = _font(10.5 * z)

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
        canvas_rect = self._canvas_rect(self.zoom)
        if self.plots:
            self._plots(
                painter,
                QRectF(canvas_rect.right(), canvas_rect.top(), self.plots_w, canvas_rect.height()),
            )
        self._canvas(painter, canvas_rect, self._canvas_rect(1.0), snap)
        painter.save()
        painter.translate(0, self.base_h - self.legend_h)
        self.canvas.legend.render(painter, QPoint(0, 0))
        painter.restore()
        painter.restore()

    def _canvas_rect(self, zoom) -> QRectF:
        """The networks' part of the frame (design pixels) with projector zoom ``zoom``: below
        the header, above the colour bars, left of the plots."""
        header_h, legend_h = HEADER_H * zoom, round(LEGEND_H * zoom)
        plots_w = min(PLOTS_W * zoom, MAX_PLOTS_SHARE * BASE_W) if self.plots else 0
        return QRectF(0, header_h, BASE_W - plots_w, self.base_h - header_h - legend_h)

    def _header(self, painter, frame, n_frames):
        snap, z, header_h = frame.snapshot, self.zoom, self.header_h
        painter.fillRect(QRectF(0, 0, BASE_W, header_h), QColor(246, 247, 250))
        painter.setPen(QPen(QColor(200, 200, 205), 1))
        painter.drawLine(QPointF(0, header_h), QPointF(BASE_W, header_h))
        title = getattr(snap.experiment, "title", "") or "rnnsim"
        painter.setPen(QColor(25, 25, 30))
        painter.setFont(self._title_font)
        painter.drawText(
            QRectF(14, 4 * z, BASE_W - 300 * z, 26 * z),
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
            QRectF(BASE_W - 300 * z, 4 * z, 300 * z - 14, 26 * z),
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
            QRectF(14, 30 * z, BASE_W - 28, 24 * z),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            caption(frame, self.options.grad_of),
        )

    def _canvas(self, painter, rect, normal, snap):
        """The networks in ``rect``; ``normal`` is their place without projector-mode fonts."""
        view = self.options.view
        folded, unfolded = self.canvas.folded_scene, self.canvas.unfolded_scene
        if view != "both":
            scene = folded if view == "folded" else unfolded
            self._scene(painter, scene, _inner(rect), _inner(normal), snap)
            return
        share = self._folded_share(rect, _inner(_left(normal)))
        split = rect.left() + rect.width() * share
        self._scene(painter, folded, _inner(_left(rect, share)), _inner(_left(normal)), snap)
        painter.setPen(QPen(QColor(215, 215, 220), 1))
        painter.drawLine(
            QPointF(split, rect.top() + 10), QPointF(split, rect.top() + rect.height() - 10)
        )
        self._scene(painter, unfolded, _inner(_right(rect, share)), _inner(_right(normal)), snap)

    def _folded_share(self, rect, normal) -> float:
        """The folded network's share of the canvas ``rect`` (view "both"): FOLDED_SHARE, or
        with projector-mode fonts the width it needs at its larger scale (at most
        MAX_FOLDED_SHARE); the unfolded network keeps the rest."""
        source = self._source(self.canvas.folded_scene)
        if self.zoom == 1.0 or source.isEmpty():
            return FOLDED_SHARE
        fit = min(normal.width() / source.width(), normal.height() / source.height())
        scale = min(fit * self.zoom, (rect.height() - 2 * PAD) / source.height())
        share = (source.width() * scale + 2 * PAD) / rect.width()
        return min(max(share, FOLDED_SHARE), MAX_FOLDED_SHARE)

    def _source(self, scene):
        source = scene.sceneRect()
        if scene is self.canvas.folded_scene:  # its title grows ("… · backward")
            source = source.adjusted(0, 0, FOLDED_TITLE_ROOM, 0)
        return source

    def _scene(self, painter, scene, target, normal, snap):
        """Draw ``scene`` fitted into ``target``. With projector-mode fonts: ``zoom`` times as
        large as it fits into ``normal`` (its place without them); the unfolded network is
        then cut to the columns and rows around the current step that ``target`` holds, as the
        window's projector mode follows the step; the folded network (one picture from x_t to
        y_t, no step to follow) is drawn whole, smaller than that if it must be."""
        source = self._source(scene)
        if source.isEmpty():
            return
        scale = min(target.width() / source.width(), target.height() / source.height())
        if self.zoom != 1.0:
            fit = min(normal.width() / source.width(), normal.height() / source.height())
            if scene is not self.canvas.unfolded_scene or scene.geometry is None:
                scale = min(scale, fit * self.zoom)
            else:
                scale = fit * self.zoom
                col = current_column(snap.cursor, snap.T)
                focus = self.canvas.columns_rect(col, col).center()
                w = min(source.width(), target.width() / scale)
                h = min(source.height(), target.height() / scale)
                left = min(max(focus.x() - w / 2, source.left()), source.right() - w)
                top = min(max(focus.y() - h / 2, source.top()), source.bottom() - h)
                source = QRectF(left, top, w, h)
        w, h = source.width() * scale, source.height() * scale
        fitted = QRectF(
            target.left() + (target.width() - w) / 2, target.top() + (target.height() - h) / 2, w, h
        )
        painter.save()
        painter.setClipRect(fitted, Qt.ClipOperation.IntersectClip)
        scene.render(painter, fitted, source)
        painter.restore()

    def _plots(self, painter, rect):
        as_picture = isinstance(painter.device(), QSvgGenerator)
        painter.setPen(QPen(QColor(215, 215, 220), 1))
        painter.drawLine(rect.topLeft(), rect.bottomLeft())
        top = rect.top()
        for plot, share in zip(self.plots, PLOT_SHARES, strict=True):
            target = QRectF(rect.left() + 2, top, rect.width() - 2, rect.height() * share)
            top += target.height()
            # projector-mode fonts: laid out smaller, then enlarged, but never below the
            # panels' minimum size (a cramped plot is drawn a little smaller, never cut, as in
            # the window); the factor only grows, so the plot keeps its size from frame to frame
            out = self._plot_out.get(plot.name, PLOT_ZOOM_OUT / self.zoom)
            for attempt in range(3):  # a larger layout may choose the other arrangement
                size = (round(target.width() * out), round(target.height() * out))
                with plot.laid_out(size) as source:
                    if self.zoom != 1.0 and attempt < 2:
                        least = plot.graphics.ci.effectiveSizeHint(Qt.SizeHint.MinimumSize)
                        need = max(least.width() / target.width(), least.height() / target.height())
                        if need > out + 1e-9:
                            out = need
                            continue
                    if as_picture:  # pyqtgraph's curves do not survive Qt's SVG generator
                        picture = _picture(plot, source, 2 * self.width / BASE_W, out)
                        painter.drawImage(target, picture)
                    else:
                        plot.scene().render(painter, target, source)
                break
            self._plot_out[plot.name] = out


def _picture(plot, source, scale, out=PLOT_ZOOM_OUT) -> QImage:
    image = QImage(
        QSize(
            round(source.width() * scale / out),
            round(source.height() * scale / out),
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


PAD = 8  # around each network, design pixels


def _inner(rect):
    return rect.adjusted(PAD, PAD, -PAD, -PAD)


def _left(rect, share=FOLDED_SHARE):
    """The folded network's part of the canvas ``rect`` (view "both")."""
    return QRectF(rect.left(), rect.top(), rect.width() * share, rect.height())


def _right(rect, share=FOLDED_SHARE):
    """The unfolded network's part of the canvas ``rect`` (view "both")."""
    split = rect.width() * share
    return QRectF(rect.left() + split, rect.top(), rect.width() - split, rect.height())


def _font(pixels, bold=False) -> QFont:
    font = QFont("DejaVu Sans")
    font.setPixelSize(round(pixels))
    font.setBold(bold)
    return font
