"""Recordings of the step-through: formats read back, reproducible frames, bounded streaming,
missing extras, cancelling."""

import os
import sys

import numpy as np
import pytest
from PIL import Image

from rnnsim.gui.animation import AnimationOptions, Cancelled, MissingExtra, record
from rnnsim.gui.animation.compose import caption
from rnnsim.gui.animation.encoders import changed_box, sequence_path
from rnnsim.sim import Experiment
from rnnsim.sim.recording import simulation_for_recording

THREE = AnimationOptions(parts=("forward",), width=320, fps=5, hold_first=0.6, hold_last=1.0)


def tiny(**changes):
    """A wolf experiment of T = 2 frames: its forward pass is 3 frames (s_0, s_1, s_2)."""
    base = {"n_hidden": 3, "batch_size": 2, "seed": 5}
    return Experiment(**base).with_values({"task.gap": "0", **changes})


def three_frames(path, options=THREE, **changes):
    return record(simulation_for_recording(tiny(**changes)), options, str(path))


@pytest.mark.parametrize("ext", [".gif", ".webp", ".apng"])
def test_three_frames_written_and_read_back_with_pillow(qapp, tmp_path, ext):
    path = tmp_path / f"a{ext}"
    assert three_frames(path) == [str(path)]
    pngs = [np.asarray(Image.open(p)) for p in three_frames(tmp_path / "png" / "f.png")]
    with Image.open(path) as im:
        assert im.n_frames == 3 and im.size == (320, 180)
        durations = []
        for i in range(3):
            im.seek(i)
            im.load()
            durations.append(im.info["duration"])
            pixels = np.asarray(im.convert("RGB")).astype(int)
            if ext == ".gif":  # 256 colours per frame: close
                assert np.abs(pixels - pngs[i]).mean() < 2
            else:  # lossless: the frame comes back exactly
                np.testing.assert_array_equal(pixels, pngs[i])
    assert durations == [600, 200, 1000]  # hold first, one step at 5 fps, hold last
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


def test_three_frames_as_mp4_read_back_with_pyav(qapp, tmp_path):
    av = pytest.importorskip("av")
    path = tmp_path / "a.mp4"
    three_frames(path)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.width, stream.height) == (320, 180)
        frames = list(container.decode(stream))
        duration = float(container.duration / 1e6)
    assert len(frames) == 3 + 1 + 5  # at 5 fps: 0.6 s held, one step, 1.0 s held
    assert duration == pytest.approx(0.6 + 0.2 + 1.0, abs=1e-6)
    first = np.asarray(Image.open(three_frames(tmp_path / "png" / "f.png")[0])).astype(int)
    assert np.abs(frames[0].to_ndarray(format="rgb24") - first).mean() < 8  # H.264, 4:2:0


def test_two_recordings_with_the_same_settings_give_identical_png_frames(qapp, tmp_path):
    options = AnimationOptions(content="canvas+plots", width=480, parts=("backward", "update"))
    runs = []
    for name in ("a", "b"):
        sim = simulation_for_recording(tiny(), train=3)
        paths = record(sim, options, str(tmp_path / name / "f.png"))
        runs.append([open(p, "rb").read() for p in paths])
    assert len(runs[0]) == 1 + 3 + 1 and [os.path.basename(p) for p in paths][:2] == [
        "f_0001.png",
        "f_0002.png",
    ]
    assert runs[0] == runs[1]
    assert len(set(runs[0])) == len(runs[0])  # and every step changes the picture


def test_svg_frames_are_vector_with_text(qapp, tmp_path):
    paths = three_frames(tmp_path / "svg" / "f.svg")
    assert len(paths) == 3
    text = open(paths[1], encoding="utf-8").read()
    assert text.startswith("<?xml") and "<svg" in text and "<image" not in text.split("<g", 1)[0]
    assert "The wolf and the dog" in text and "forward, t = 1" in text


def test_a_missing_video_library_gives_one_line_naming_the_extra(qapp, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)  # import av → ImportError
    with pytest.raises(MissingExtra) as info:
        three_frames(tmp_path / "a.mp4")
    message = str(info.value)
    assert "\n" not in message and "rnnsim[video]" in message
    assert os.listdir(tmp_path) == []


def test_cancelling_leaves_nothing_behind(qapp, tmp_path):
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 2

    for name in ("a.gif", "f.png"):
        with pytest.raises(Cancelled, match="after 2 of 3 frames"):
            record(simulation_for_recording(tiny()), THREE, str(tmp_path / name), should_stop=stop)
        calls.clear()
    assert os.listdir(tmp_path) == []


def test_the_gif_stores_only_what_changed():
    a = np.full((6, 8, 3), 255, np.uint8)
    b = a.copy()
    b[2:4, 3:5] = 0
    assert changed_box(None, a) == (0, 0, 8, 6)
    assert changed_box(a, b) == (3, 2, 5, 4)
    assert changed_box(a, a.copy()) is None
    assert sequence_path("out/f.png", 0, 12) == "out/f_0001.png"
    assert sequence_path("f.svg", 11, 12345) == "f_00012.svg"


def _extent(mask):
    """(width, height) in pixels of the bounding box of ``mask``'s True pixels."""
    rows, cols = np.nonzero(mask)
    return cols.max() - cols.min() + 1, rows.max() - rows.min() + 1


def _title_and_step(image):
    """The pixel extents of the title (the first band of near-black text from the top) and
    of the current step's column on the unfolded canvas (its forward highlight, pale yellow)."""
    rgb = image.astype(int)
    dark = (rgb < 60).all(axis=2)
    rows = np.flatnonzero(dark.any(axis=1))
    end = rows[0]
    while end + 1 < len(dark) and dark[end + 1].any():
        end += 1
    title = np.zeros_like(dark)
    title[rows[0] : end + 1] = dark[rows[0] : end + 1]
    step = (np.abs(rgb - (255, 245, 207)) <= 3).all(axis=2)
    return _extent(title), _extent(step)


def test_projector_fonts_draw_the_text_larger(qapp, tmp_path):
    """--projector 1.5: the title and the network are drawn 1.5 times larger; the window's
    zoom factors are the recording's (one source of truth)."""
    from rnnsim.gui import projector, view_menu

    assert view_menu.DEFAULT_ZOOM is projector.DEFAULT_ZOOM and view_menu.ZOOMS is projector.ZOOMS
    sizes = {}
    for zoom in (1.0, projector.DEFAULT_ZOOM):
        options = AnimationOptions(parts=("forward",), width=640, projector=zoom)
        paths = three_frames(tmp_path / str(zoom) / "f.png", options)
        with Image.open(paths[1]) as im:  # forward, t = 1
            sizes[zoom] = _title_and_step(np.asarray(im.convert("RGB")))
            assert im.size == (640, 360)
    (title, step), (big_title, big_step) = sizes[1.0], sizes[1.5]
    assert big_title[0] / title[0] == pytest.approx(1.5, abs=0.08)  # the title's width
    assert big_title[1] > title[1]  # its height: few pixels, rounded
    assert big_step[0] / step[0] == pytest.approx(1.5, abs=0.05)  # the step's column
    svg = three_frames(tmp_path / "svg" / "f.svg", options)  # vector frames work too
    assert "The wolf and the dog" in open(svg[1], encoding="utf-8").read()


def test_options_are_checked():
    assert AnimationOptions(width=1921 - 2).size == (1918, 1078)
    assert AnimationOptions(width=960, height=400).size == (960, 400)
    for bad in (
        {"width": 2000},
        {"fps": 0},
        {"view": "sideways"},
        {"parts": ("up",)},
        {"height": 100},
        {"hold_last": -1},
        {"projector": 0.5},
        {"projector": 4},
        {"projector": True},
        {"projector": float("nan")},
    ):
        with pytest.raises(ValueError, match=next(iter(bad)).replace("_", ".")):
            AnimationOptions(**bad)
    assert AnimationOptions(fps=4, hold_first=0, hold_last=3).durations_ms(3) == [250, 250, 3000]
    assert AnimationOptions().projector == 1.0 and AnimationOptions(projector=2).projector == 2.0


def test_captions_speak_the_lecture_s_notation(qapp):
    sim = simulation_for_recording(tiny())
    from rnnsim.sim.recording import RecordingPlan

    texts = [caption(f) for f in RecordingPlan.of(sim).frames(sim)]
    assert texts[0].startswith("t = 0: the initial state s₀")
    assert texts[1].startswith("forward, t = 1: s₁ = Φ(x₁·W_x + s₀·W_s + b_s)")
    assert texts[3].startswith("backward (BPTT): ∂E/∂s₂")
    assert texts[5].startswith("backward (BPTT): ∂E/∂s₀")
    assert texts[-1].startswith("weight update 1: W ← W − η·ΔW")


@pytest.mark.parametrize(
    "cell, forward, back, update",
    [
        ("lstm", "c₁ = f₁⊙c₀ + i₁⊙g₁,  s₁ = o₁⊙tanh(c₁)", "forget gate", "the gates' weights"),
        ("gru", "s₁ = (1 − z₁)⊙n₁ + z₁⊙s₀", "update gate", "the gates' weights"),
        ("feedforward", "s₁ = Φ(x₁·W_x + b_s), no memory", "nothing is carried", "W_x, W_y"),
    ],
)
def test_captions_follow_the_cell(qapp, cell, forward, back, update):
    sim = simulation_for_recording(tiny(cell=cell))
    from rnnsim.sim.recording import RecordingPlan

    texts = [caption(f) for f in RecordingPlan.of(sim).frames(sim)]
    assert texts[1].startswith(f"forward, t = 1: {forward}")
    assert "W_s" not in texts[1] and "Φ′" not in " ".join(texts)
    assert back in texts[3] and texts[3].startswith("backward (BPTT): ∂E/∂s₂")
    assert texts[-1].startswith(f"weight update 1: W ← W − η·ΔW for {update}")
