"""The report as a printable handout: ``report.pdf`` through Qt's own PDF writer.

Text is laid out by a QTextDocument (selectable, searchable text); the network and every plot
are drawn by their own scenes onto the PDF's painter, so lines and text stay vector graphics
(heatmaps stay pictures). A4 or Letter.

    write_report_pdf("out/report.pdf", experiment, results, snapshot=snap, plots=plots,
                     canvas=canvas, page_size="a4")
"""

from __future__ import annotations

import datetime as _dt
import html
import os

import numpy as np
from PySide6.QtCore import QLocale, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QFont,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from rnnsim.gui.number_format import number, sci
from rnnsim.gui.render import sharp_heatmaps
from rnnsim.gui.report import experiment_settings, plot_caption, training_notices
from rnnsim.gui.report_claims import claim_verdict
from rnnsim.sim import atomic
from rnnsim.sim.sweep_grid import value_label

PAGE_SIZES = {"a4": QPageSize.PageSizeId.A4, "letter": QPageSize.PageSizeId.Letter}
DPI = 96  # the screen's logical DPI: pyqtgraph lays text out for it (fonts in points)
MARGIN_MM = 15
STRIP_COLUMNS = 8  # a long unfolded network is drawn in rows of this many time steps …
MAX_STRIPS = 5  # … in at most this many rows (longer rows for longer sequences)
FIGURE_SIZE = (960, 600)  # a plot's layout on the page (as in exports), pixels at scale 1


def default_page_size() -> str:
    """ "letter" where the locale measures in inches (US), else "a4"."""
    imperial = QLocale().measurementSystem() == QLocale.MeasurementSystem.ImperialUSSystem
    return "letter" if imperial else "a4"


def write_report_pdf(
    path, experiment, results: dict, *, snapshot=None, plots=None, canvas=None, page_size=None
) -> list[str]:
    """Write the handout to ``path`` atomically; return ``[path]``.

    Parameters
    ----------
    experiment : rnnsim.sim.Experiment
    results : dict
        ``{"updates": N, "metrics": {...}, ...}`` as written to ``metrics.json``.
    snapshot : rnnsim.sim.Snapshot or None
        The live numbers of the equations (the shown sequence, the weights, the gradients).
    plots : dict name → PlotView or None
        Every plot gets half a page, drawn from its scene.
    canvas : NetworkCanvas or None
        The folded and unfolded network get a page.
    page_size : {"a4", "letter"} or None
        None: ``default_page_size()``.
    """
    page_size = page_size or default_page_size()
    if page_size not in PAGE_SIZES:
        raise ValueError(f"page_size: got {page_size!r}, expected 'a4' or 'letter'")
    path = os.fspath(path)
    with atomic.atomic_path(path) as tmp:
        writer = QPdfWriter(tmp)
        writer.setResolution(DPI)
        writer.setPageSize(QPageSize(PAGE_SIZES[page_size]))
        writer.setPageMargins(QMarginsF(*[MARGIN_MM] * 4), QPageLayout.Unit.Millimeter)
        writer.setTitle(getattr(experiment, "title", "") or "rnnsim report")
        writer.setCreator("rnnsim")
        painter = QPainter(writer)
        if not painter.isActive():
            raise OSError(f"cannot write {path}: the PDF writer did not start")
        try:
            _Handout(writer, painter).write(experiment, results, snapshot, plots or {}, canvas)
        finally:
            painter.end()
    return [path]


class _Handout:
    def __init__(self, writer, painter):
        self.writer, self.painter = writer, painter
        rect = writer.pageLayout().paintRectPixels(DPI)
        self.width, self.height = rect.width(), rect.height()
        self.pages = 0

    def new_page(self):
        if self.pages:
            self.writer.newPage()
        self.pages += 1

    def write(self, experiment, results, snapshot, plots, canvas):
        self._text(report_html(experiment, results, snapshot))
        if canvas is not None and snapshot is not None:
            self._network(canvas)
        figures = [(p.title, _caption(p), p) for p in plots.values()]
        for i in range(0, len(figures), 2):
            self.new_page()
            half = self.height / 2
            for j, (title, caption, plot) in enumerate(figures[i : i + 2]):
                self._figure(QRectF(0, j * half, self.width, half - 20), title, caption, plot)

    def _document(self, text_html):
        doc = QTextDocument()
        doc.documentLayout().setPaintDevice(self.writer)
        font = QFont("DejaVu Sans")
        font.setPointSizeF(10)
        doc.setDefaultFont(font)
        doc.setDefaultStyleSheet(STYLE)
        doc.setHtml(text_html)
        doc.setPageSize(QSizeF(self.width, self.height))
        return doc

    def _text(self, text_html):
        doc = self._document(text_html)
        for page in range(doc.pageCount()):
            self.new_page()
            self.painter.save()
            self.painter.translate(0, -page * self.height)
            doc.drawContents(self.painter, QRectF(0, page * self.height, self.width, self.height))
            self.painter.restore()

    def _heading(self, rect, title, caption):
        doc = self._document(f"<h2>{html.escape(title)}</h2><p>{html.escape(caption)}</p>")
        doc.setTextWidth(rect.width())
        self.painter.save()
        self.painter.translate(rect.topLeft())
        doc.drawContents(self.painter, QRectF(0, 0, rect.width(), doc.size().height()))
        self.painter.restore()
        return QRectF(
            rect.left(),
            rect.top() + doc.size().height(),
            rect.width(),
            rect.height() - doc.size().height(),
        )

    def _network(self, canvas):
        if not hasattr(canvas, "folded_scene"):  # a plain QGraphicsView
            self.new_page()
            rest = self._heading(QRectF(0, 0, self.width, self.height), "The network", "")
            scene = canvas.scene()
            _fit(self.painter, scene, rest, scene.itemsBoundingRect().adjusted(-10, -10, 10, 10))
            return
        self.new_page()
        rest = self._heading(
            QRectF(0, 0, self.width, self.height),
            "The network",
            "The folded network (x_t → s_t with its W_s loop → y_t) and the "
            "network unfolded over the shown sequence, as on the canvas"
            + (
                f", {_per_strip(canvas)} time steps a row."
                if _columns(canvas) > STRIP_COLUMNS
                else "."
            ),
        )
        top = QRectF(rest.left(), rest.top(), rest.width(), rest.height() * 0.36)
        folded = canvas.folded_scene
        _fit(self.painter, folded, top, folded.sceneRect().united(folded.itemsBoundingRect()))
        strips = _strips(canvas)
        height = (rest.bottom() - top.bottom() - 20) / len(strips)
        for i, source in enumerate(strips):
            target = QRectF(rest.left(), top.bottom() + 20 + i * height, rest.width(), height - 8)
            _fit(self.painter, canvas.unfolded_scene, target, source, left=True)

    def _figure(self, rect, title, caption, plot):
        rest = self._heading(rect, title, caption)
        with sharp_heatmaps(plot), plot.laid_out(FIGURE_SIZE) as source:
            scale = min(rest.width() / source.width(), rest.height() / source.height())
            target = QRectF(
                rest.left(), rest.top(), source.width() * scale, source.height() * scale
            )
            plot.scene().render(self.painter, target, source)


def _columns(canvas) -> int:
    key = canvas.unfolded_scene.key
    return 0 if key is None else key.T


def _per_strip(canvas) -> int:
    return max(STRIP_COLUMNS, -(-(_columns(canvas) + 1) // MAX_STRIPS))


def _strips(canvas) -> list[QRectF]:
    """Scene rectangles of the unfolded network, ``_per_strip`` time steps each."""
    T, scene, n = _columns(canvas), canvas.unfolded_scene, _per_strip(canvas)
    if T <= STRIP_COLUMNS:
        return [scene.sceneRect()]
    whole = scene.sceneRect()
    out = []
    for first in range(0, T + 1, n):
        last = min(first + n - 1, T)
        rect = canvas.columns_rect(first, last)
        out.append(QRectF(rect.left(), whole.top(), rect.width(), whole.height()))
    return out


def _fit(painter, scene, target, source, left=False):
    if source.isEmpty():
        return
    scale = min(target.width() / source.width(), target.height() / source.height())
    w, h = source.width() * scale, source.height() * scale
    x = target.left() if left else target.left() + (target.width() - w) / 2
    painter.save()
    painter.setClipRect(QRectF(x, target.top(), w, h))
    scene.render(painter, QRectF(x, target.top(), w, h), source, Qt.AspectRatioMode.KeepAspectRatio)
    painter.restore()


def _caption(plot):
    return plot_caption(plot)


STYLE = """
h1 { font-size: 18pt; color: #1a1a1e; }
h2 { font-size: 13pt; color: #14408c; margin-top: 10px; }
p, li { font-size: 10pt; }
.eq { font-size: 11pt; font-style: italic; margin-left: 12px; }
.num { font-size: 9.5pt; color: #333333; margin-left: 12px; }
.met { color: #14783a; font-weight: bold; }
.notmet { color: #b00020; font-weight: bold; }
.open { color: #8a4b00; font-weight: bold; }
td, th { padding: 2px 8px; font-size: 9.5pt; }
th { background-color: #eef0f5; text-align: left; }
"""


def report_html(experiment, results: dict, snapshot=None) -> str:
    """The handout's text (HTML for QTextDocument): the experiment, its claim and verdict,
    the results, the lecture's equations with this run's numbers, the settings."""
    e = html.escape
    title = getattr(experiment, "title", "") or "rnnsim run"
    parts = [
        f"<h1>{e(title)}</h1>",
        f"<p>rnnsim handout, {_dt.datetime.now().strftime('%Y-%m-%d %H:%M')}. "
        f"Task <b>{e(experiment.task)}</b>, cell <b>{e(experiment.cell)}</b>, "
        f"Φ = {e(experiment.activation)}, {experiment.n_hidden} hidden units.</p>",
    ]
    if getattr(experiment, "description", ""):
        parts.append(f"<p>{e(experiment.description)}</p>")
    parts += _claim_html(experiment, results, snapshot)
    rows = [("weight updates", str(results.get("updates", "")))]
    rows += [(k, value_label(v)) for k, v in results.get("metrics", {}).items()]
    if results.get("loss") is not None:
        rows.append(("loss", value_label(results["loss"])))
    rows += training_notices(results)  # Ctrl-C, a divergence, a growing loss
    parts += [
        "<h2>Results</h2>",
        f"<p>Measured on {e(str(results.get('metrics_of', 'the last training batch')))}.</p>",
        _table(("quantity", "value"), rows),
    ]
    parts += equations_html(experiment, snapshot)
    parts += ["<h2>Settings</h2>", _table(("setting", "value"), experiment_settings(experiment))]
    return "".join(parts)


def _claim_html(experiment, results, snapshot):
    verdict = claim_verdict(experiment, results, snapshot)
    if verdict is None:
        return [
            "<h2>The claim</h2><p>This experiment is not one of the presets, so it makes "
            "no claim to check.</p>"
        ]
    css = {True: "met", False: "notmet"}.get(verdict.met, "open")
    return [
        f"<h2>The claim (preset {html.escape(verdict.preset)})</h2>",
        f"<p>{html.escape(verdict.claim)}</p>",
        f"<p>This run: <span class='{css}'>{verdict.label}</span>: "
        f"{html.escape(verdict.reason)}.</p>",
    ]


def _vector(v, n=6):
    v = np.asarray(v, float).ravel()
    text = ", ".join(f"{number(x)}" for x in v[:n])
    return f"[{text}{', …' if len(v) > n else ''}]"


def equations_html(experiment, snapshot) -> list[str]:
    """The lecture's equations, each with the numbers of this run's shown sequence."""
    out = ["<h2>The lecture's equations with this run's numbers</h2>"]
    eq = [
        (
            "The state",
            "s<sub>t</sub> = Φ(x<sub>t</sub>·W<sub>x</sub> + s<sub>t−1</sub>·"
            "W<sub>s</sub> + b<sub>s</sub>)",
        ),
        (
            "The output and the loss",
            "y<sub>t</sub> = s<sub>t</sub>·W<sub>y</sub> + b<sub>y</sub>;"
            "  E<sub>t</sub> = loss(y<sub>t</sub>, d<sub>t</sub>);"
            "  E = Σ<sub>t</sub> E<sub>t</sub>",
        ),
        (
            "Backpropagation Through Time",
            "∂E<sub>N</sub>/∂W<sub>s</sub> = Σ<sub>i</sub> "
            "∂E<sub>N</sub>/∂y<sub>N</sub> · ∂y<sub>N</sub>/∂s<sub>N</sub> · (Π<sub>j=i+1..N</sub>"
            " ∂s<sub>j</sub>/∂s<sub>j−1</sub>) · ∂s<sub>i</sub>/∂W<sub>s</sub>",
        ),
        (
            "The vanishing gradient",
            "∂s<sub>j</sub>/∂s<sub>j−1</sub> = diag(Φ′(a<sub>j</sub>))·"
            "W<sub>s</sub><sup>T</sup>,  ‖·‖ ≤ γ·σ<sub>max</sub>(W<sub>s</sub>)",
        ),
        ("The weight update", "W ← W − η · (1/M) Σ<sub>m=1..M</sub> ∂E<sup>(m)</sup>/∂W"),
    ]
    numbers = _numbers(experiment, snapshot)
    for (title, formula), lines in zip(eq, numbers, strict=True):
        out.append(f"<p><b>{title}</b></p><p class='eq'>{formula}</p>")
        out += [f"<p class='num'>{line}</p>" for line in lines]
    return out


def _numbers(experiment, snap):
    """For each equation, lines of this run's numbers (HTML)."""
    if snap is None:
        return [["(no sequence was shown)"]] * 5
    w = snap.weights
    T, t = snap.T, len(snap.s) - 1
    shapes = ", ".join(f"{_name(k)}: {'×'.join(map(str, np.shape(v)))}" for k, v in w.items())
    state = [
        f"Φ = {html.escape(snap.activation)}; {shapes}.",
        f"The shown sequence: {html.escape(' '.join(snap.input_tokens))} (T = {T}); "
        f"s<sub>{t}</sub> = {_vector(snap.s[t])}.",
    ]
    E = np.asarray(snap.E, float)
    losses = ", ".join(f"E<sub>{i + 1}</sub> = {number(x)}" for i, x in enumerate(E[:8]))
    output = [
        f"{losses}{', …' if len(E) > 8 else ''}; E = Σ E<sub>t</sub> = "
        f"{number(float(np.nansum(E * np.asarray(snap.mask[: len(E)], float))))}."
    ]
    bound = snap.gamma * snap.sigma_max
    bptt, vanishing = (
        ["(the backward sweep has not been run on this sequence)"],
        [
            f"γ = {snap.gamma:g} for {html.escape(snap.activation)}, "
            f"σ<sub>max</sub>(W<sub>s</sub>) = {number(snap.sigma_max)}, so each step back "
            f"multiplies ‖∂E<sub>T</sub>/∂s‖ by at most "
            f"γ·σ<sub>max</sub> = <b>{number(bound)}</b>."
        ],
    )
    if snap.grad_flow is not None:
        row = np.asarray(snap.grad_flow)[-1]
        lags = [(T - k, row[k]) for k in range(T, -1, -1)]
        shown = ", ".join(f"lag {lag}: {sci(g, 3)}" for lag, g in lags[:6])
        bptt = [
            f"‖∂E<sub>T</sub>/∂s<sub>k</sub>‖ back from the last frame: {shown}"
            f"{', …' if len(lags) > 6 else ''}."
        ]
        if row[-1] > 0:
            vanishing.append(
                f"Over all {T} frames: ‖∂E<sub>T</sub>/∂s<sub>0</sub>‖ / "
                f"‖∂E<sub>T</sub>/∂s<sub>T</sub>‖ = "
                f"<b>{number(row[0] / row[-1])}</b>, "
                f"within the bound (γ·σ<sub>max</sub>)<sup>{T}</sup> = "
                f"{number(_power(bound, T))}."
            )
    norms = ", ".join(
        f"‖∂E/∂{_name(k)}‖ = {number(v)}" for k, v in snap.grad_norms.items() if k.startswith("W")
    )
    changes = ", ".join(
        f"‖Δ{_name(k)}‖ = {number(float(np.linalg.norm(v)))}"
        for k, v in snap.delta_weights.items()
        if k.startswith("W")
    )
    clip = "none" if experiment.clip_norm is None else f"{experiment.clip_norm:g}"
    update = [
        f"η = {experiment.lr:g} ({html.escape(experiment.optimizer)}), M = "
        f"{experiment.update_every}, clip_norm = {clip}; after {snap.updates} updates.",
        f"Last gradient: {norms}; clipped: {'yes' if snap.clipped else 'no'}.",
        f"Last change: {changes}.",
    ]
    return [state, output, bptt, vanishing, update]


def _name(param: str) -> str:
    """``Wx`` → W<sub>x</sub> (the lecture's notation)."""
    return f"{param[0]}<sub>{param[1:]}</sub>" if len(param) > 1 and param[0] in "Wb" else param


def _table(header, rows) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table cellspacing='0' border='0'><tr>{head}</tr>{body}</table>"


def _power(base: float, exponent: int) -> float:
    """``base ** exponent``, inf where a float overflows (an exploding network's bound)."""
    try:
        return float(base) ** exponent
    except OverflowError:
        return float("inf")
