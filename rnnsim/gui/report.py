"""The short report of an export: the pictures, the settings and the results (Markdown, HTML)."""

from __future__ import annotations

import datetime as _dt
import html
import json

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



def plot_caption(plot) -> str:
    """The plot's one-line description (first line of its class docstring)."""
    doc = (type(plot).__doc__ or plot.title).strip()
    return doc.splitlines()[0]


def _figures(plots, canvas_files):
    figs = [(f"{stem}.png", title, caption, [f"{stem}.svg", *csvs])
            for stem, title, caption, csvs in plots]
    figs += [(f"{stem}.png", title, "", [f"{stem}.svg"]) for stem, title in canvas_files]
    return figs


def _title(experiment) -> str:
    return getattr(experiment, "title", "") or "rnnsim run"


def report_markdown(experiment, results: dict, plots, canvas_files) -> str:
    """The report as Markdown.

    Parameters
    ----------
    experiment : rnnsim.sim.Experiment
    results : dict
        ``{"updates": N, "metrics": {...}, ...}`` as written to ``metrics.json``.
    plots : list of (stem, title, caption, csv file names)
    canvas_files : list of (stem, title)
    """
    lines = [f"# {_title(experiment)}", "",
             f"Exported by rnnsim on {_dt.datetime.now().strftime('%Y-%m-%d %H:%M')}.", ""]
    if getattr(experiment, "description", ""):
        lines += [experiment.description, ""]
    lines += ["## Results", "", "| quantity | value |", "|---|---|",
              f"| weight updates | {results.get('updates', '')} |"]
    lines += [f"| {k} | {value_label(v)} |" for k, v in results.get("metrics", {}).items()]
    lines += ["", "## Settings", "", "| setting | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in experiment_settings(experiment)]
    lines += ["", "## Figures", ""]
    for png, title, caption, others in _figures(plots, canvas_files):
        links = ", ".join(f"[{o}]({o})" for o in others)
        lines += [f"### {title}", "", f"![{title}]({png})", "",
                  (f"{caption} " if caption else "") + f"Also: {links}.", ""]
    lines += ["Files: `experiment.json` (open it in rnnsim), `weights.npz`, `metrics.json`.", ""]
    return "\n".join(lines)


def report_html(experiment, results: dict, plots, canvas_files) -> str:
    """The same report as a standalone HTML page (pictures linked, not embedded)."""
    e = html.escape
    rows = [("weight updates", str(results.get("updates", "")))]
    rows += [(k, value_label(v)) for k, v in results.get("metrics", {}).items()]
    parts = ["<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
             f"<title>{e(_title(experiment))}</title>",
             "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#202020}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;"
             "text-align:left}img{max-width:100%;border:1px solid #ddd}</style></head><body>",
             f"<h1>{e(_title(experiment))}</h1>",
             f"<p>Exported by rnnsim on {_dt.datetime.now().strftime('%Y-%m-%d %H:%M')}.</p>"]
    if getattr(experiment, "description", ""):
        parts.append(f"<p>{e(experiment.description)}</p>")
    parts += ["<h2>Results</h2>", _table(("quantity", "value"), rows),
              "<h2>Settings</h2>", _table(("setting", "value"), experiment_settings(experiment)),
              "<h2>Figures</h2>"]
    for png, title, caption, others in _figures(plots, canvas_files):
        links = ", ".join(f"<a href='{e(o)}'>{e(o)}</a>" for o in others)
        parts += [f"<h3>{e(title)}</h3>", f"<img src='{e(png)}' alt='{e(title)}'>",
                  f"<p>{e(caption)} Also: {links}.</p>"]
    parts += ["<p>Files: <a href='experiment.json'>experiment.json</a> (open it in rnnsim), "
              "<a href='weights.npz'>weights.npz</a>, "
              "<a href='metrics.json'>metrics.json</a>.</p>", "</body></html>", ""]
    return "\n".join(parts)


def _table(header, rows) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def results_from_snapshot(snapshot) -> dict:
    """``{"updates", "loss", "metrics"}`` from the last entry of the snapshot's history."""
    h = snapshot.history
    metrics = {k: float(v[-1]) for k, v in h.metrics.items() if len(v)}
    loss = float(h.loss[-1]) if len(h.loss) else float("nan")
    return json.loads(json.dumps({"updates": int(snapshot.updates), "metrics": metrics,
                                  "loss": None if loss != loss else loss,
                                  "metrics_of": "the last training batch"}))
