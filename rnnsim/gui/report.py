"""The short report of an export: the pictures, the settings and the results (Markdown, HTML)."""

from __future__ import annotations

import datetime as _dt
import html
import json
import re

from rnnsim.gui.number_format import number
from rnnsim.sim.sweep_grid import value_label


def experiment_settings(experiment) -> list[tuple[str, str]]:
    """(name, value) rows of every experiment field, knobs as ``task.<knob>``."""
    data = experiment.to_dict() if hasattr(experiment, "to_dict") else dict(vars(experiment))
    rows = []
    for name, value in data.items():
        if name in ("schema", "title", "description"):
            continue
        if name == "knobs" and isinstance(value, dict):
            rows += [(f"task.{k}", value_label(v)) for k, v in value.items()]
        else:
            rows.append((name, value_label(value)))
    return rows


#: Characters that mean something in Markdown wherever they stand (CommonMark lets a backslash
#: make any ASCII punctuation literal).
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|&~])")
#: ... and at the start of a line: headings, quotes, lists, numbered lists.
_MD_LINE_START = re.compile(r"^(\s*)([#>+\-=]+|\d+[.)])(?=\s|$)", re.MULTILINE)
DEFAULT_FILES = ("experiment.json", "weights.npz", "metrics.json")


def md_text(text) -> str:
    """``text`` as literal Markdown: markup characters backslash-escaped, each line break
    kept as ``<br>`` (so a paragraph or a table cell stays one block)."""
    text = _MD_INLINE.sub(r"\\\1", str(text).replace("\r\n", "\n").replace("\r", "\n"))
    text = _MD_LINE_START.sub(
        lambda m: m.group(1) + "".join(f"\\{c}" if not c.isdigit() else c for c in m.group(2)), text
    )
    return "<br>".join(line.strip() for line in text.split("\n"))


def html_text(text) -> str:
    """``text`` as literal HTML (``<``, ``>``, ``&`` and quotes escaped), line breaks kept."""
    return "<br>".join(html.escape(line) for line in str(text).splitlines() or [""])


def plot_caption(plot) -> str:
    """The plot's one-line description (first line of its class docstring)."""
    doc = (type(plot).__doc__ or plot.title).strip()
    return doc.splitlines()[0]


def _figures(plots, canvas_files):
    figs = [
        (f"{stem}.png", title, caption, [f"{stem}.svg", *csvs])
        for stem, title, caption, csvs in plots
    ]
    figs += [(f"{stem}.png", title, "", [f"{stem}.svg"]) for stem, title in canvas_files]
    return figs


def _title(experiment) -> str:
    return getattr(experiment, "title", "") or "rnnsim run"


def report_markdown(experiment, results: dict, plots, canvas_files, files=DEFAULT_FILES) -> str:
    """The report as Markdown.

    Parameters
    ----------
    experiment : rnnsim.sim.Experiment
    results : dict
        ``{"updates": N, "metrics": {...}, ...}`` as written to ``metrics.json``.
    plots : list of (stem, title, caption, csv file names)
    canvas_files : list of (stem, title)
    files : sequence of str
        The data files beside the report (experiment, state or weights, metrics).

    Everything the user typed (title, description, settings such as a custom sequence) is
    escaped (``md_text``): a ``|`` or a line break cannot break a table.
    """
    lines = [
        f"# {md_text(_title(experiment))}",
        "",
        f"Exported by rnnsim on {_dt.datetime.now().strftime('%Y-%m-%d %H:%M')}.",
        "",
    ]
    if getattr(experiment, "description", ""):
        lines += [md_text(experiment.description), ""]
    lines += [
        "## Results",
        "",
        "| quantity | value |",
        "|---|---|",
        f"| weight updates | {md_text(results.get('updates', ''))} |",
    ]
    lines += [f"| {md_text(k)} | {number(v)} |" for k, v in results.get("metrics", {}).items()]
    lines += [f"| {md_text(k)} | {md_text(v)} |" for k, v in training_notices(results)]
    lines += ["", "## Settings", "", "| setting | value |", "|---|---|"]
    lines += [f"| {md_text(k)} | {md_text(v)} |" for k, v in experiment_settings(experiment)]
    lines += ["", "## Figures", ""]
    for png, title, caption, others in _figures(plots, canvas_files):
        links = ", ".join(f"[{md_text(o)}]({o})" for o in others)
        lines += [
            f"### {md_text(title)}",
            "",
            f"![{md_text(title)}]({png})",
            "",
            (f"{md_text(caption)} " if caption else "") + f"Also: {links}.",
            "",
        ]
    lines += [f"Files: {_file_list(files, '`{}`')}.", ""]
    return "\n".join(lines)


def _file_list(files, pattern) -> str:
    notes = {
        "experiment.json": " (open it in rnnsim)",
        "run.npz": " (open it in rnnsim, or continue it with rnnsim train --experiment run.npz)",
    }
    return ", ".join(pattern.format(f) + notes.get(f, "") for f in files)


def report_html(experiment, results: dict, plots, canvas_files, files=DEFAULT_FILES) -> str:
    """The same report as a standalone HTML page (pictures linked, not embedded)."""
    e = html.escape
    rows = [("weight updates", str(results.get("updates", "")))]
    rows += [(k, number(v)) for k, v in results.get("metrics", {}).items()]
    rows += training_notices(results)
    parts = [
        "<!DOCTYPE html>",
        "<html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(_title(experiment))}</title>",
        "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#202020}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;"
        "text-align:left}img{max-width:100%;border:1px solid #ddd}</style></head><body>",
        f"<h1>{e(_title(experiment))}</h1>",
        f"<p>Exported by rnnsim on {_dt.datetime.now().strftime('%Y-%m-%d %H:%M')}.</p>",
    ]
    if getattr(experiment, "description", ""):
        parts.append(f"<p>{html_text(experiment.description)}</p>")
    parts += [
        "<h2>Results</h2>",
        _table(("quantity", "value"), rows),
        "<h2>Settings</h2>",
        _table(("setting", "value"), experiment_settings(experiment)),
        "<h2>Figures</h2>",
    ]
    for png, title, caption, others in _figures(plots, canvas_files):
        links = ", ".join(f"<a href='{e(o)}'>{e(o)}</a>" for o in others)
        parts += [
            f"<h3>{e(title)}</h3>",
            f"<img src='{e(png)}' alt='{e(title)}'>",
            f"<p>{e(caption)} Also: {links}.</p>",
        ]
    links = _file_list([e(f) for f in files], "<a href='{0}'>{0}</a>")
    parts += [f"<p>Files: {links}.</p>", "</body></html>", ""]
    return "\n".join(parts)


def training_notices(results: dict) -> list[tuple[str, str]]:
    """Rows for a run stopped by Ctrl-C (``results["interrupted"]``), a divergence
    (``"diverged"``) or a loss warning (``"warning"``)."""
    rows = []
    if results.get("interrupted"):
        rows.append(
            ("interrupted", f"Ctrl-C stopped training after update {results.get('updates')}")
        )
    d = results.get("diverged")
    if d:
        back = (
            "no earlier weights to roll back to"
            if d.get("rolled_back_to") is None
            else f"rolled back to the weights after update {d['rolled_back_to']}"
        )
        rows.append(
            ("training diverged", f"at update {d.get('update')}: {d.get('reason')}; {back}")
        )
    if results.get("warning"):
        rows.append(("warning", str(results["warning"])))
    return rows


def _table(header, rows) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html_text(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def results_from_snapshot(snapshot) -> dict:
    """``{"updates", "loss", "metrics"}`` from the last entry of the snapshot's history."""
    h = snapshot.history
    metrics = {k: float(v[-1]) for k, v in h.metrics.items() if len(v)}
    loss = float(h.loss[-1]) if len(h.loss) else float("nan")
    return json.loads(
        json.dumps(
            {
                "updates": int(snapshot.updates),
                "metrics": metrics,
                "loss": None if loss != loss else loss,
                "metrics_of": "the last training batch",
            }
        )
    )
