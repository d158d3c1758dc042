"""Export: PNG size, SVG text, CSV numbers, atomic writes and errors, Export all, menus."""

import csv
import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QContextMenuEvent, QImage
from PySide6.QtWidgets import QApplication, QGraphicsScene, QGraphicsView, QMenu

from rnnsim.gui.export import ExportError, export_all, export_canvas, export_plot
from rnnsim.gui.plots import PlotDocks, add_export_actions, menus
from rnnsim.gui.plots.base import EXPORT_SIZE
from rnnsim.gui.plots.gradient_flow import GradientFlowPlot
from rnnsim.gui.plots.spectrum import SpectrumPlot
from rnnsim.sim import Experiment
from tests.gui.plot_snapshots import make_plot_snapshot

SVG_TEXT = "{http://www.w3.org/2000/svg}text"


@pytest.fixture
def flow(qtbot):
    plot = GradientFlowPlot()
    qtbot.addWidget(plot)
    plot.show_snapshot(make_plot_snapshot(T=7, H=4, activation="sigmoid"))
    return plot


@pytest.fixture
def docks(qtbot):
    docks = PlotDocks(None)
    for dock in docks.docks:
        qtbot.addWidget(dock)
    docks.update(make_plot_snapshot(T=6, H=4, n_updates=50))
    return docks


@pytest.fixture
def view(qtbot):
    scene = QGraphicsScene()
    widget = QGraphicsView(scene)
    widget.kept_scene = scene
    qtbot.addWidget(widget)
    return widget


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def leftovers(folder):
    return [n for n in os.listdir(folder) if n.endswith(".part")]


# ---------------------------------------------------------------------- one plot
@pytest.mark.parametrize("scale", [1, 2, 1.5])
def test_png_has_the_plot_size_times_the_scale(flow, tmp_path, scale):
    path = tmp_path / "gradient_flow.png"
    assert export_plot(flow, path, "png", scale) == [str(path)]
    image = QImage(str(path))
    assert (image.width(), image.height()) == (
        round(EXPORT_SIZE[0] * scale),
        round(EXPORT_SIZE[1] * scale),
    )
    assert image.pixelColor(2, 2).name() == "#ffffff"
    assert len({image.pixel(x, image.height() // 2) for x in range(0, image.width(), 7)}) > 3


def test_a_visible_plot_exports_at_the_export_size_and_keeps_its_screen_layout(qtbot, tmp_path):
    plot = SpectrumPlot()
    qtbot.addWidget(plot)
    plot.resize(420, 260)  # a cramped dock
    plot.show()
    qtbot.waitExposed(plot)
    plot.show_snapshot(make_plot_snapshot())
    qtbot.wait(200)  # the layout settles
    before = (
        plot.graphics.ci.geometry(),
        plot.graphics.sceneRect(),
        plot.plane.vb.viewRange(),
        plot.plane.vb.sceneBoundingRect(),
    )
    export_plot(plot, tmp_path / "s.png", scale=2)
    export_plot(plot, tmp_path / "s.svg")
    image = QImage(str(tmp_path / "s.png"))
    assert (image.width(), image.height()) == (2 * EXPORT_SIZE[0], 2 * EXPORT_SIZE[1])
    root = ET.parse(tmp_path / "s.svg").getroot()
    assert root.get("viewBox").split() == ["0", "0", str(EXPORT_SIZE[0]), str(EXPORT_SIZE[1])]
    after = (
        plot.graphics.ci.geometry(),
        plot.graphics.sceneRect(),
        plot.plane.vb.viewRange(),
        plot.plane.vb.sceneBoundingRect(),
    )
    assert after[:2] == before[:2]
    # axes may keep the wider tick labels of the export size: the range moves a little at most
    np.testing.assert_allclose(after[2], before[2], rtol=0.1)


def test_svg_parses_and_contains_the_title_and_axis_labels(flow, tmp_path):
    path = tmp_path / "gradient_flow.svg"
    export_plot(flow, path)
    root = ET.parse(path).getroot()
    texts = " ".join("".join(t.itertext()) for t in root.iter(SVG_TEXT))
    for label in (
        "lag t − k (time steps back)",
        "‖∂E_t/∂s_k‖ (log scale)",
        "‖∂E_t/∂s_k‖ against the lag t − k",
    ):
        assert label in texts


def test_csv_has_a_header_and_the_plotted_numbers(flow, tmp_path):
    paths = export_plot(flow, tmp_path / "gradient_flow.csv")
    assert [os.path.basename(p) for p in paths] == ["gradient_flow.csv", "gradient_flow_matrix.csv"]
    header, rows = read_csv(paths[0])
    assert header == [
        "lag",
        "k",
        "live_dE_ds_norm",
        "last_frame_G",
        "mean_over_frames_G",
        "lecture_bound",
    ]
    snap = flow.snapshot
    G = np.asarray(snap.grad_flow)
    values = np.array(rows, dtype=float)
    np.testing.assert_array_equal(values[:, 0], np.arange(8))
    np.testing.assert_array_equal(values[:, 3], G[6, 7 - np.arange(8)])
    np.testing.assert_array_equal(
        values[:, 2], np.linalg.norm(snap.dE_ds[7 - np.arange(8)], axis=1)
    )
    header, rows = read_csv(paths[1])
    assert header[:2] == ["t", "k=0"] and len(header) == 9
    np.testing.assert_array_equal(np.array(rows, dtype=float)[:, 1:], G)


def test_every_plot_exports_csv_with_its_numbers(docks, tmp_path):
    docks.refresh()
    snap = docks.snapshot
    for name, plot in docks.plots.items():
        paths = export_plot(plot, tmp_path / f"{name}.csv")
        header, rows = read_csv(paths[0])
        assert rows and all(len(r) == len(header) for r in rows)
    header, rows = read_csv(tmp_path / "training.csv")
    np.testing.assert_array_equal([float(r[header.index("loss")]) for r in rows], snap.history.loss)
    header, rows = read_csv(tmp_path / "weights.csv")
    ws = [float(r[3]) for r in rows if r[0] == "Ws"]
    np.testing.assert_array_equal(ws, np.asarray(snap.weights["Ws"]).ravel())
    header, rows = read_csv(tmp_path / "activations.csv")
    assert header[:3] == ["t", "x_t", "s_t[0]"]
    np.testing.assert_array_equal(np.array([r[2:] for r in rows], dtype=float), snap.s)


def test_bad_format_and_scale_are_named(flow, tmp_path):
    with pytest.raises(ValueError, match="fmt: got 'jpg'"):
        export_plot(flow, tmp_path / "x.jpg")
    with pytest.raises(ValueError, match="scale: got 0"):
        export_plot(flow, tmp_path / "x.png", scale=0)


# ---------------------------------------------------------------------- failures
def test_unwritable_folder_raises_and_leaves_nothing(flow, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    for fmt in ("png", "svg", "csv"):
        with pytest.raises(ExportError, match="cannot write"):
            export_plot(flow, blocker / f"gradient_flow.{fmt}")
    assert sorted(os.listdir(tmp_path)) == ["file.txt"]


def test_failure_while_writing_leaves_no_half_written_file(flow, tmp_path, monkeypatch):
    (tmp_path / "gradient_flow.svg").mkdir()  # os.replace onto a folder fails
    with pytest.raises(ExportError, match=r"gradient_flow\.svg"):
        export_plot(flow, tmp_path / "gradient_flow.svg")
    assert leftovers(tmp_path) == []

    def rows_then_disk_full(self):
        yield next(iter(zip(*self.columns, strict=True)))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("rnnsim.gui.plots.common.Table.rows", rows_then_disk_full)
    with pytest.raises(ExportError, match="No space left"):
        export_plot(flow, tmp_path / "gradient_flow.csv")
    assert not (tmp_path / "gradient_flow.csv").exists() and leftovers(tmp_path) == []


def test_interactive_export_shows_the_error(flow, tmp_path, monkeypatch):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    shown = []
    monkeypatch.setattr(menus.dialogs, "save_path", lambda *a: str(blocker / "g.svg"))
    monkeypatch.setattr(menus.dialogs, "error", lambda parent, text: shown.append(text))
    assert menus.export_plot_interactive(flow, "svg") is None
    assert len(shown) == 1 and "g.svg" in shown[0]
    assert os.listdir(tmp_path) == ["file.txt"]


def test_context_menu_and_file_menu_actions_export(flow, docks, view, tmp_path, monkeypatch, qtbot):
    monkeypatch.setattr(
        menus.dialogs,
        "save_path",
        lambda parent, title, suggested, f: str(tmp_path / os.path.basename(suggested)),
    )
    monkeypatch.setattr(menus.dialogs, "scale", lambda parent, w, h: 2)
    png = next(a for a in flow.export_menu.actions() if a.objectName().endswith("_png"))
    png.trigger()
    assert QImage(str(tmp_path / "gradient_flow.png")).width() == 2 * EXPORT_SIZE[0]
    menu = QMenu()
    qtbot.addWidget(menu)
    view.scene().addRect(0, 0, 100, 50)
    add_export_actions(menu, docks, view)
    subs = [a.menu().objectName() for a in menu.actions() if a.menu()]
    assert subs == [f"exportMenu_{n}" for n in docks.plots] + ["exportMenu_network"]
    svg = menu.findChild(QMenu, "exportMenu_network").actions()[1]
    svg.trigger()
    ET.parse(tmp_path / "network.svg")


# ---------------------------------------------------------------------- canvas, all
def test_canvas_png_and_svg_of_a_graphics_view(tmp_path, view):
    view.scene().addRect(0, 0, 300, 100)
    view.scene().addText("W_s")
    export_canvas(view, tmp_path / "network.png", scale=2)
    image = QImage(str(tmp_path / "network.png"))
    rect = view.scene().itemsBoundingRect()
    assert (image.width(), image.height()) == (
        round(2 * (rect.width() + 20)),
        round(2 * (rect.height() + 20)),
    )
    export_canvas(view, tmp_path / "network.svg")
    root = ET.parse(tmp_path / "network.svg").getroot()
    assert "W_s" in "".join(root.itertext())


def test_export_all_writes_every_file_with_progress(docks, tmp_path, view):
    view.scene().addEllipse(0, 0, 40, 40)
    steps = []
    out = tmp_path / "run"
    written = export_all(
        out,
        plots=docks,
        canvas=view,
        experiment=Experiment(),
        snapshot=docks.snapshot,
        progress=lambda done, total, what: steps.append((done, total, what)),
    )
    names = set(os.listdir(out))
    for plot in docks.plots:
        assert {f"{plot}.png", f"{plot}.svg", f"{plot}.csv"} <= names
    assert {
        "network.png",
        "network.svg",
        "experiment.json",
        "weights.npz",
        "metrics.json",
        "report.md",
        "report.html",
        "gradient_flow_matrix.csv",
        "saturation_histogram.csv",
    } <= names
    assert sorted(os.path.basename(p) for p in written) == sorted(names)
    assert steps[-1][0] == steps[-1][1] == len(steps)
    assert Experiment.from_json((out / "experiment.json").read_text()) == Experiment()
    with np.load(out / "weights.npz") as npz:
        np.testing.assert_array_equal(npz["Ws"], docks.snapshot.weights["Ws"])
    report = (out / "report.md").read_text()
    assert "![Gradient flow through time](gradient_flow.png)" in report
    assert "| task.gap | 2 |" in report and "| weight updates | 50 |" in report
    assert "<img src='spectrum.png'" in (out / "report.html").read_text()


def test_export_all_into_an_unwritable_folder_fails_cleanly(docks, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="cannot create the folder"):
        export_all(blocker / "run", plots=docks, experiment=Experiment(), snapshot=docks.snapshot)
    assert os.listdir(tmp_path) == ["file.txt"]


def test_svg_heatmaps_are_embedded_sharp_and_restored_after(qtbot, tmp_path):
    import base64
    import re

    from rnnsim.gui.plots.weights import WeightsPlot

    plot = WeightsPlot()
    qtbot.addWidget(plot)
    snap = make_plot_snapshot(H=16, n_in=10, n_out=9)
    plot.show_snapshot(snap)  # never laid out: the SVG comes first
    export_plot(plot, tmp_path / "weights.svg")
    svg = (tmp_path / "weights.svg").read_text()
    sizes = re.findall(r'<image x="0" y="0" width="(\d+)" height="(\d+)"', svg)
    assert ("416", "260") in sizes  # W_x (10 × 16), every cell 26 × 26 pixels
    assert "image-rendering:pixelated" in svg
    href = re.search(r'width="416" height="260"[^>]*base64,([^"]+)"', svg).group(1)
    embedded = QImage.fromData(base64.b64decode(href))
    assert embedded.pixelColor(415, 259) == embedded.pixelColor(390, 234)  # one cell
    np.testing.assert_array_equal(plot.images["Wx"].image, snap.weights["Wx"])
    rect = plot.images["Wx"].mapRectToParent(plot.images["Wx"].boundingRect())
    assert (rect.left(), rect.top(), rect.width(), rect.height()) == (-0.5, -0.5, 16, 10)


def test_right_click_on_the_plot_opens_the_export_menu(flow, monkeypatch):
    shown = []
    monkeypatch.setattr(flow.export_menu, "exec", lambda pos: shown.append(pos))
    viewport = flow.graphics.viewport()
    local = QPoint(200, 150)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, local, viewport.mapToGlobal(local))
    QApplication.sendEvent(viewport, event)
    assert shown == [viewport.mapToGlobal(local)]
    labels = [a.text() for a in flow.export_menu.actions()]
    assert labels == ["PNG image…", "SVG drawing…", "CSV data…"]
