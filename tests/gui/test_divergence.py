"""A diverged network leaves a readable window: no exception, no Qt warning, short numbers.

The preset ``exploding`` (ReLU, σ_max(W_s) = 3, SGD without clipping) overflows within a few
updates. The window is driven there as a user would (Train N, then Run and Step through the
overflowing sequence) and every number it draws is checked for legibility.
"""

import math
import os

import numpy as np
import pytest
from PySide6.QtGui import QFontMetricsF

from rnnsim.gui.canvas.legends import _ticks, fitting_ticks
from rnnsim.gui.number_format import fixed, number, sci, vector
from rnnsim.gui.settings import open_settings

HARMLESS = ("propagateSizeHints",)  # the offscreen platform's own notice
LONGEST_NUMBER = len("−1.234e-123")


def test_numbers_are_short_and_finite_safe():
    assert number(4.0015249403990047e143) == "4.002e143"
    assert number(8.899123) == "8.899"
    assert number(float("nan")) == "nan"
    assert number(math.inf) == "inf" and number(-math.inf) == "−inf"
    assert number(None) == "—"
    assert number(np.int64(300)) == "300"
    assert sci(1.5e-7) == "1.5e-7" and sci(float("nan")) == "nan"
    assert fixed(0.8) == "0.80" and fixed(3e200) == "3e200"
    assert vector([np.nan, np.inf, -np.inf, 1.234567]) == "[nan, inf, −inf, 1.235]"
    for x in (1e-300, -7.25e299, 123456789.0, 1 / 3):
        assert len(number(x)) <= LONGEST_NUMBER


def test_a_zero_is_written_without_a_sign():
    # a frame whose loss is exactly 0 computed -0.0 and the handout read "E2 = -0"
    assert number(-0.0) == "0" and number(np.float32(-0.0)) == "0"
    assert fixed(-0.0) == "0.00" and fixed(-0.004) == "0.00" and fixed(-0.006) == "-0.01"
    assert sci(-0.0) == "0.0e0" and sci(-1.5e-7) == "-1.5e-7"
    assert number(-1e-300) == "-1e-300" and number(-0.25) == "-0.25"  # not zeros: signed


def test_the_legend_paints_broken_scales(qtbot):
    from rnnsim.gui.canvas.colors import DIVERGING, GRADIENT, ColorScale
    from rnnsim.gui.canvas.legends import LegendBar

    legend = LegendBar()
    qtbot.addWidget(legend)
    legend.resize(700, 46)
    nan, inf = float("nan"), float("inf")
    legend.set_scales(
        [
            ("s", ColorScale(0.0, inf, DIVERGING)),
            ("x", ColorScale(nan, nan, DIVERGING)),
            ("y", ColorScale(-4.0e250, 4.0e250, DIVERGING)),
            ("g", ColorScale(-inf, 3.0, GRADIENT, log=True)),
        ]
    )
    assert not legend.grab().isNull()  # paintEvent ran without raising
    assert _ticks(legend.scales[2][1])[1] == ["-4e250", "0", "4e250"]


@pytest.fixture
def exploding(qtbot, tmp_path):
    from rnnsim.catalog import preset_experiment
    from rnnsim.gui import MainWindow

    experiment = preset_experiment("exploding")
    assert experiment.clip_norm is None and experiment.clip_value is None
    win = MainWindow(experiment, settings=open_settings(tmp_path / "settings.ini"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    for _ in range(2):  # after the window's own first sizing; the plots tab at this height
        win.resize(1280, 720)
        qtbot.wait(100)
    assert (win.width(), win.height()) == (1280, 720)
    qtbot.waitUntil(lambda: win.snapshot is not None, timeout=15000)
    yield win
    win.close()


def _legend_labels_fit(legend):
    metrics = QFontMetricsF(legend._font)
    n = max(len(legend.scales), 1)
    bar_w = int(max(60, min(legend.BAR_W, (legend.width() - 24 - 44 * n) / n)))
    for title, scale in legend.scales:
        assert math.isfinite(scale.lo) and math.isfinite(scale.hi), title
        _, labels = fitting_ticks(scale, bar_w, metrics)
        assert len(labels) >= 2, f"{title}: no tick labels"
        widths = [metrics.horizontalAdvance(label) for label in labels]
        assert max(widths) <= bar_w / 2, (title, labels)
        assert sum(widths) < bar_w, (title, labels)  # side by side, they do not overlap


@pytest.mark.slow
def test_the_exploding_preset_diverges_into_a_readable_window(exploding, qtbot, qtlog, tmp_path):
    win = exploding
    win.train_n.setValue(200)
    win.actions.actionTrain.trigger()
    qtbot.waitUntil(lambda: "diverged" in win.message.text(), timeout=60000)
    qtbot.waitUntil(lambda: win.worker.state == "idle", timeout=30000)
    # run through the overflowing sequences (states of 1e100 and more, then inf and nan) until
    # Run stops by itself at the next update that diverges, as Train N did
    win.speed.setValue(len(win.speed_values) - 1)
    win.actions.actionRun.trigger()
    qtbot.waitUntil(lambda: "Run stopped" in win.message.text(), timeout=60000)
    qtbot.waitUntil(lambda: win.worker.state == "idle", timeout=10000)
    assert "rolled back" in win.message.text() and "Reset" in win.message.text()
    for _ in range(win.snapshot.T + 3):  # forward to the end and into the backward sweep
        win.actions.actionStep.trigger()
    qtbot.waitUntil(lambda: win.snapshot.cursor.phase != "forward", timeout=10000)
    qtbot.wait(300)
    win.draw_newest()
    shot = win.grab()
    shot.save(str(os.environ.get("RNNSIM_KEEP_SHOT", tmp_path / "diverged.png")))
    assert not shot.isNull()

    snap = win.snapshot
    s = np.asarray(snap.s, dtype=float)
    assert np.nanmax(np.abs(s)) > 1e6 or not np.isfinite(s).all(), "nothing overflowing shown"
    _legend_labels_fit(win.canvas.legend)
    for part in win.status.text().split("  "):
        assert len(part) < 80, part
    for word in win.status.labels["loss"].text().replace(":", " ").split():
        assert len(word) <= LONGEST_NUMBER, word
    items = win.canvas.unfolded_scene.items_by_id
    room = win.canvas.unfolded_scene.geometry.pitch
    for j in range(1, snap.T + 1):
        for name in ("E", "grad_text"):
            item = items[(name, j)]
            assert item.boundingRect().width() <= room, (name, j, item.text())
    bars = 0
    for dock, plot in zip(win.plots.docks, win.plots.plots.values(), strict=True):
        dock.raise_()  # its tab clicked: laid out at the dock's size
        plot.show_snapshot(snap)
        plot.graphics.grab()
        bars += _plot_numbers_are_legible(plot)
    assert bars >= 2  # the states' and the weights' colour bars at least
    problems = [r.message for r in qtlog.records if not any(h in r.message for h in HARMLESS)]
    assert problems == []


def _plot_numbers_are_legible(plot) -> int:
    """Every value axis and colour bar of ``plot`` writes short numbers (number_format, never
    "4e+143" or a row of digits); returns how many colour bars drew labels."""
    from PySide6.QtGui import QImage, QPainter

    from rnnsim.gui.plots.number_axis import ColorBar, NumberAxis

    def drawn(axis):
        image = QImage(10, 10, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        try:
            specs = axis.generateDrawSpecs(painter)
        finally:
            painter.end()
        return [text for _, _, text in (specs[2] if specs else [])]

    items = plot.graphics.scene().items()
    bars = [item for item in items if isinstance(item, ColorBar) and item.isVisible()]
    for item in items:
        if isinstance(item, NumberAxis) and item.isVisible() and item.style["showValues"]:
            for text in drawn(item):
                if item._tickLevels is None:  # values, not words set as ticks
                    assert len(text) <= LONGEST_NUMBER and "+" not in text, (plot.name, text)
    counted = 0
    for bar in bars:
        labels = drawn(bar.axis)
        assert len(set(labels)) == len(labels), (plot.name, labels)
        counted += len(labels) >= 2
    return counted
