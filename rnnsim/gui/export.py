"""Export plots, the network canvas and whole runs: PNG, SVG, CSV, JSON, NPZ and a report.

Every file is written atomically (``rnnsim.sim.atomic``): a failed export leaves no
half-written file behind.

    export_plot(plots["gradient_flow"], "out/gradient_flow.png", "png", scale=2)
    export_all("out", plots=docks, canvas=canvas, experiment=experiment, snapshot=snapshot)
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QGraphicsView

from rnnsim.gui import report
from rnnsim.gui.render import (
    MAX_PIXELS,
    TooLarge,
    canvas_scenes,
    plot_png,
    plot_svg,
    scene_png,
    scene_svg,
)
from rnnsim.gui.report import plot_caption, report_html, report_markdown
from rnnsim.gui.report_pdf import write_report_pdf
from rnnsim.sim import Experiment
from rnnsim.sim import atomic as sim_atomic

FORMATS = ("png", "svg", "csv")
#: A PNG too large at the asked scale is drawn at the largest scale that fits, down to this;
#: below it (text would be unreadable) the PNG is not written and the SVG stands for it.
MIN_FIT_SCALE = 0.25


class PlotSet(Protocol):
    """What ``export_all`` needs of the window's ``PlotDocks``."""

    plots: dict[str, Any]

    def refresh(self) -> None:
        """Draw the newest snapshot into every plot."""


class ExportError(OSError):
    """An export could not be written (the message says which file and why)."""


# --------------------------------------------------------------------- atomic writing
@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; move it onto ``path`` if the block succeeds.

    ``rnnsim.sim.atomic.atomic_path``, with every failure reported as an ``ExportError``
    naming ``path`` (the temporary file is removed).
    """
    path = os.fspath(path)
    try:
        with sim_atomic.atomic_path(path) as tmp:
            yield tmp
    except ExportError:
        raise
    except Exception as exc:
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


# --------------------------------------------------------------------- public
def fitting_png(render, scale, path, warn=None):
    """``render(scale)``, or ``render(s)`` at the largest scale s that fits (MAX_PIXELS a side)
    when the asked one is too large; ``warn(line)`` says so. ValueError when even
    MIN_FIT_SCALE is too large."""
    try:
        return render(scale)
    except TooLarge as exc:
        name = os.path.basename(os.fspath(path))
        if exc.fit < MIN_FIT_SCALE:
            raise ValueError(
                f"too large for a PNG ({exc.size[0]}×{exc.size[1]} pixels "
                f"at scale {exc.scale:g}; it would need scale {exc.fit:g}, "
                f"below {MIN_FIT_SCALE:g}): use the SVG"
            ) from None
        if warn is not None:
            warn(
                f"{name}: drawn at scale {exc.fit:g}, not {exc.scale:g} ({exc.size[0]}×"
                f"{exc.size[1]} pixels would exceed {MAX_PIXELS} on a side)"
            )
        return render(exc.fit)


def export_plot(plot, path, fmt=None, scale=1.0, size=None, warn=None) -> list[str]:
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
    warn : callable or None
        ``warn(line)`` when the PNG is drawn at a smaller scale than asked (``fitting_png``).
    """
    path = os.fspath(path)
    fmt = (fmt or os.path.splitext(path)[1].lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"fmt: got {fmt!r}, expected one of {', '.join(FORMATS)}")
    if fmt == "png":
        write_image(path, fitting_png(lambda s: plot_png(plot, s, size), scale, path, warn))
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


def export_canvas(canvas, path, fmt=None, scale=1.0, warn=None) -> list[str]:
    """Write the network canvas as PNG or SVG; return the paths written.

    With the window's NetworkCanvas, ``path``'s stem gets ``_unfolded`` / ``_folded``. A PNG
    too large at ``scale`` is drawn smaller (``fitting_png``; ``warn(line)`` says so).
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
            write_image(
                target, fitting_png(lambda s, sc=scene: scene_png(sc, s), scale, target, warn)
            )
        else:
            write_text(target, scene_svg(scene))
        written.append(target)
    return written


# --------------------------------------------------------------------- export all
def export_all(
    folder,
    *,
    plots: PlotSet | Mapping[str, Any] | None = None,
    canvas: QGraphicsView | None = None,
    experiment: Experiment | None = None,
    snapshot=None,
    save_weights=None,
    results=None,
    progress=None,
    scale=2.0,
    weights=True,
    data_files=(),
    warn=None,
) -> list[str]:
    """Write everything into ``folder``; return the paths written.

    Writes ``experiment.json``, ``weights.npz`` and ``metrics.json`` first, then every plot
    as ``<name>.png`` (``scale`` × its size; smaller when that would be too large, see
    ``fitting_png``), ``<name>.svg`` and ``<name>.csv``; the canvas as PNG and SVG;
    ``report.md`` / ``report.html`` with the pictures and settings; and ``report.pdf``, the
    printable handout (``report_pdf``).

    Parameters
    ----------
    folder : str or os.PathLike
        Created if missing.
    plots : PlotDocks (refreshed first), or dict name → PlotView, or None
    canvas : QGraphicsView (a NetworkCanvas is one) or None
    experiment : rnnsim.sim.Experiment
    snapshot : rnnsim.sim.Snapshot or None
        Its weights are written when ``save_weights`` is None.
    save_weights : callable or None
        ``save_weights(path)`` writes the NPZ atomically (the CLI passes ``Simulation.save``).
    results : dict or None
        What ``metrics.json`` holds; None takes the last training entry of the snapshot.
    progress : callable or None
        ``progress(done, total, what)`` after each file.
    weights : bool
        False: no ``weights.npz`` (``rnnsim train`` writes the whole state as ``run.npz``).
    data_files : sequence of str
        Files the caller wrote into ``folder`` itself (e.g. ``run.npz``), named in the report.
    warn : callable or None
        Given, a figure that cannot be drawn is skipped and ``warn(line)`` says why (and
        says when a PNG is drawn at a smaller scale than asked); None: it raises.

    Raises
    ------
    ExportError
        A file could not be written (files already written are complete; none is partial).
    """
    if experiment is None:
        raise ValueError("experiment: got None, expected the Experiment to export")
    if plots is not None and not isinstance(plots, Mapping):
        plots.refresh()
        plots = plots.plots
    plots = {} if plots is None or snapshot is None else dict(plots)
    folder = os.fspath(folder)
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create the folder {folder}: {exc.strerror or exc}") from exc
    if results is None:
        results = report.results_from_snapshot(snapshot) if snapshot is not None else {}
    data = _data_jobs(
        folder, experiment, snapshot, save_weights if weights else None, results, weights
    )
    figure_jobs, figures, canvas_files = _figure_jobs(folder, plots, canvas, scale, warn)
    files = [*data_files, *(what for what, _ in data)]
    report_job = (
        "report",
        lambda: _write_reports(folder, experiment, results, figures, canvas_files, files),
    )
    pdf_job = (
        "report.pdf",
        lambda: _report_pdf(folder, experiment, results, snapshot, plots, canvas),
    )
    jobs = [
        *((what, job, False) for what, job in data),
        *((what, job, True) for what, job in figure_jobs),
        (*report_job, False),
        (*pdf_job, True),
    ]
    written = []
    for i, (what, job, figure) in enumerate(jobs):
        written += _run_job(what, job, warn if figure else None)
        if progress is not None:
            progress(i + 1, len(jobs), what)
    return written


def _run_job(what, job, warn):
    """The paths ``job()`` wrote; with ``warn``, a failure is a warning line and no paths."""
    if warn is None:
        return job()
    try:
        return job()
    except (ValueError, OSError, RuntimeError) as exc:
        warn(f"{what}: skipped: {exc}")
        return []


def _data_jobs(folder, experiment, snapshot, save_weights, results, weights):
    """(file name, callable returning the paths written): experiment, weights, metrics."""
    join = os.path.join
    jobs = [
        (
            "experiment.json",
            lambda: _write(join(folder, "experiment.json"), experiment.to_json() + "\n"),
        )
    ]
    if weights and (save_weights is not None or snapshot is not None):
        jobs.append(
            ("weights.npz", lambda: _weights(join(folder, "weights.npz"), save_weights, snapshot))
        )
    jobs.append(
        (
            "metrics.json",
            lambda: _write(join(folder, "metrics.json"), json.dumps(results, indent=2) + "\n"),
        )
    )
    return jobs


def _figure_jobs(folder, plots, canvas, scale, warn):
    """(what, callable) for each plot and canvas file, and the report's lists of them."""
    join = os.path.join
    jobs, figures, canvas_files = [], [], []
    for name, plot in plots.items():
        csvs = [os.path.basename(p) for p in _csv_names(plot, join(folder, f"{name}.csv"))]
        figures.append((name, plot.title, _caption(plot), csvs))
        jobs += [
            (
                f"{name}.png",
                lambda p=plot, n=name: export_plot(
                    p, join(folder, f"{n}.png"), "png", scale, warn=warn
                ),
            ),
            (f"{name}.svg", lambda p=plot, n=name: export_plot(p, join(folder, f"{n}.svg"), "svg")),
            (f"{name}.csv", lambda p=plot, n=name: export_plot(p, join(folder, f"{n}.csv"), "csv")),
        ]
    if canvas is not None:
        scenes = canvas_scenes(canvas)
        canvas_files = [(key, key.replace("_", " ").capitalize()) for key in scenes]
        for key, scene in scenes.items():
            for fmt in ("png", "svg"):
                jobs.append(
                    (
                        f"{key}.{fmt}",
                        lambda f=fmt, k=key, sc=scene: _scene_file(
                            sc, join(folder, f"{k}.{f}"), f, scale, warn
                        ),
                    )
                )
    return jobs, figures, canvas_files


def _scene_file(scene, path, fmt, scale, warn):
    if fmt == "png":
        write_image(path, fitting_png(lambda s: scene_png(scene, s), scale, path, warn))
    else:
        write_text(path, scene_svg(scene))
    return [path]


def _csv_names(plot, path):
    stem = os.path.splitext(path)[0]
    return [
        path if key == plot.name else f"{stem}{key.removeprefix(plot.name)}.csv"
        for key in plot.tables()
    ]


def _caption(plot):
    return plot_caption(plot)


def _write(path, text):
    write_text(path, text)
    return [path]


def _weights(path, save_weights, snapshot):
    if save_weights is not None:
        try:
            save_weights(path)
        except (OSError, ValueError) as exc:
            raise ExportError(f"cannot write {path}: {exc}") from exc
        return [path]
    buffer = io.BytesIO()
    np.savez(buffer, **{name: np.asarray(w) for name, w in snapshot.weights.items()})
    write_bytes(path, buffer.getvalue())
    return [path]


def _write_reports(folder, experiment, results, figures, canvas_files, files):
    paths = [os.path.join(folder, "report.md"), os.path.join(folder, "report.html")]
    write_text(paths[0], report_markdown(experiment, results, figures, canvas_files, files))
    write_text(paths[1], report_html(experiment, results, figures, canvas_files, files))
    return paths


def _report_pdf(folder, experiment, results, snapshot, plots, canvas):
    return write_report_pdf(
        os.path.join(folder, "report.pdf"),
        experiment,
        results,
        snapshot=snapshot,
        plots=plots,
        canvas=canvas,
    )
