"""report.pdf: written by Export all, opened by a PDF reader, with the equations' text, the
live numbers, vector figures, the preset's claim and its verdict; A4 and Letter."""

import os
import unicodedata

import pytest
from PySide6.QtWidgets import QApplication

pypdf = pytest.importorskip("pypdf")

from rnnsim import catalog  # noqa: E402
from rnnsim.gui.export import export_all  # noqa: E402
from rnnsim.gui.report_claims import claim_verdict  # noqa: E402
from rnnsim.gui.report_pdf import write_report_pdf  # noqa: E402
from rnnsim.sim import Simulation  # noqa: E402

PATH_OPERATORS = (b" re\n", b" l\n", b" c\n", b" m\n")


@pytest.fixture
def run():
    """A small vanishing-preset run, swept once."""
    experiment = catalog.preset_experiment("vanishing").with_values(
        {"task.gap": "3", "n_hidden": "4", "batch_size": "4"}
    )
    sim = Simulation(experiment)
    sim.train(3)
    sim.run_to_end()
    return sim, sim.snapshot()


@pytest.fixture
def shown(qapp, run):
    """The run drawn by its own canvas and plots."""
    from rnnsim.gui.canvas import NetworkCanvas
    from rnnsim.gui.plots import PlotDocks

    sim, snapshot = run
    canvas, docks = NetworkCanvas(), PlotDocks(None)
    canvas.resize(1200, 600)
    canvas.show_snapshot(snapshot)
    docks.update(snapshot)
    yield sim, snapshot, canvas, docks
    for widget in [canvas, *docks.docks]:
        widget.close()
        widget.deleteLater()
    docks.deleteLater()
    QApplication.processEvents()


def flat(text):
    """Text without white space (the reader puts tabs and breaks between runs of text) and
    ligatures ("ﬂ" → "fl")."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def read(path):
    reader = pypdf.PdfReader(str(path))
    return reader, [flat(page.extract_text()) for page in reader.pages]


def test_export_all_writes_a_report_pdf_a_reader_opens(shown, tmp_path):
    sim, snapshot, canvas, docks = shown
    written = export_all(
        tmp_path, plots=docks, canvas=canvas, experiment=sim.experiment, snapshot=snapshot
    )
    assert str(tmp_path / "report.pdf") in written
    reader, pages = read(tmp_path / "report.pdf")
    text = "\n".join(pages)
    assert reader.metadata.title == "The vanishing gradient"
    for words in (
        "The lecture's equations with this run's numbers",
        "Backpropagation Through Time",
        "diag(Φ′(a",
        "W ← W − η",
        "E = Σ E",
        "γ = 0.25 for sigmoid",
        "The claim (preset vanishing)",
        "Row T−1 of the gradient flow",
    ):
        assert flat(words) in text, words
    assert flat(f"σmax(Ws) = {snapshot.sigma_max:.4g}") in text
    titles = [flat(plot.title) for plot in docks.plots.values()]
    assert all(any(title in page for page in pages) for title in titles)
    assert len(pages) >= 2 + 1 + (len(titles) + 1) // 2  # text, network, two plots a page


def test_the_figures_are_vector_graphics(shown, tmp_path):
    sim, snapshot, canvas, docks = shown
    path = tmp_path / "report.pdf"
    write_report_pdf(
        path,
        sim.experiment,
        {"updates": 3, "metrics": {}},
        snapshot=snapshot,
        canvas=canvas,
        plots={"gradient_flow": docks.plots["gradient_flow"]},
        page_size="a4",
    )
    reader, pages = read(path)
    network = next(
        p for p, text in zip(reader.pages, pages, strict=True) if text.startswith("Thenetwork")
    )
    stream = network.get_contents().get_data()
    assert sum(stream.count(op) for op in PATH_OPERATORS) > 200  # shapes, not a picture
    assert "/Image" not in str(network["/Resources"].get("/XObject", {}))
    assert "foldednetwork" in flat(network.extract_text())  # the canvas's own text stays text
    flow = reader.pages[-1]
    assert "Gradientflowthroughtime" in flat(flow.extract_text())
    assert sum(flow.get_contents().get_data().count(op) for op in PATH_OPERATORS) > 100


@pytest.mark.parametrize(("size", "points"), [("a4", (595, 842)), ("letter", (612, 792))])
def test_a4_and_letter(qapp, run, tmp_path, size, points):
    sim, snapshot = run
    path = tmp_path / f"{size}.pdf"
    write_report_pdf(
        path, sim.experiment, {"updates": 3, "metrics": {}}, snapshot=snapshot, page_size=size
    )
    box = pypdf.PdfReader(str(path)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == points
    with pytest.raises(ValueError, match="page_size"):
        write_report_pdf(tmp_path / "x.pdf", sim.experiment, {}, page_size="a5")
    assert sorted(os.listdir(tmp_path)) == [f"{size}.pdf"]


def test_the_verdict_follows_the_preset_s_own_test(run):
    sim, snapshot = run
    wolf = catalog.preset_experiment("wolf")
    met = claim_verdict(wolf, {"updates": 300, "metrics": {"final_accuracy": 0.97}})
    assert met.met is True and met.label == "met" and "0.970" in met.reason
    missed = claim_verdict(wolf, {"updates": 300, "metrics": {"final_accuracy": 0.6}})
    assert missed.met is False
    early = claim_verdict(wolf, {"updates": 30, "metrics": {"final_accuracy": 0.97}})
    assert "provisional" in early.reason
    vanishing = claim_verdict(sim.experiment, {"updates": 3}, snapshot)
    assert vanishing.preset == "vanishing" and vanishing.met is True  # a theorem: always met
    sweep = claim_verdict(catalog.preset_experiment("short-memory"), {"updates": 300})
    assert sweep.met is None and sweep.label == "not decided by this run"
    assert claim_verdict(wolf.with_values({"title": "mine"}), {}) is None
    none = catalog.preset_experiment("no-memory")
    results = {"updates": 300, "metrics": {"final_accuracy": 0.47, "context_accuracy": 0.99}}
    assert claim_verdict(none, results).met is True
    results["metrics"]["final_accuracy"] = 0.9  # a network without memory cannot do this
    assert claim_verdict(none, results).met is False


def test_the_pdf_is_written_atomically(qapp, run, tmp_path, monkeypatch):
    sim, snapshot = run
    import rnnsim.gui.report_pdf as module

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(module, "report_html", boom)
    with pytest.raises(RuntimeError):
        write_report_pdf(tmp_path / "r.pdf", sim.experiment, {}, snapshot=snapshot)
    assert os.listdir(tmp_path) == []
