"""Issue 12's smaller defects, one test each: control characters, --set task=..., negative
cross-entropy targets, broken presets, custom data that is too long."""

import shutil

import numpy as np
import pytest

from rnnsim import cli
from rnnsim.engine import Network
from rnnsim.sim import Experiment
from rnnsim.sim.presets import list_presets, presets_dir


@pytest.mark.parametrize(
    ("values", "match"),
    [
        (
            {"task": "custom", "task.sequences": "a\x01b -> c"},
            r"sequences: line 1, column 2: control character '\\x01'",
        ),
        (
            {"task": "custom", "task.sequences": "a b -> c\nbear\x1btree -> wolf"},
            r"line 2, column 5: control character '\\x1b'",
        ),
        ({"title": "mine\x07"}, r"title: control character '\\x07' at position 5"),
    ],
)
def test_control_characters_are_refused_with_line_and_column(values, match):
    """`a\\x01b -> c` trained, then the SVG export failed (ExpatError): now refused when read."""
    with pytest.raises(ValueError, match=match):
        Experiment().with_values(values)


def test_control_characters_in_a_text_corpus_or_a_file_name_are_refused(tmp_path):
    """The text task's tokens are characters: a corpus with \\x01 trained, then the SVG
    export failed (ExpatError, traceback). Now refused when read, as typed tokens are."""
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("ab\tcd\nef\x0cgh\n" * 5)
    with pytest.raises(
        ValueError, match=r"corpus.txt' line 2, column 3: control character '\\x0c'"
    ):
        Experiment(task="text", knobs={"path": str(corpus), "length": 4})
    corpus.write_text("ab\tcd\nefgh\n" * 5)  # tabs and newlines are text
    Experiment(task="text", knobs={"path": str(corpus), "length": 4})
    named = tmp_path / "na\x01me.txt"
    with pytest.raises(ValueError, match=r"path: control character '\\x01' at position"):
        Experiment(task="text", knobs={"path": str(named), "length": 4})


def test_control_characters_in_csv_column_names_are_refused(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x:a\x02,d:y\n1,0\n")
    with pytest.raises(ValueError, match=r"line 1, column 1: column name .* control"):
        Experiment(task="custom", knobs={"path": str(path)})


def test_set_task_takes_the_new_tasks_output_and_loss(tmp_path):
    """A CSV of 0/1 targets through --set: sigmoid and binary cross-entropy, not the old
    task's softmax."""
    path = tmp_path / "multi.csv"
    path.write_text("x:a,d:y,d:z\n0,1,0\n1,0,1\n0,1,1\n")
    exp = Experiment().with_values({"task": "custom", "task.path": str(path)})
    assert (exp.output, exp.loss) == ("sigmoid", "binary_cross_entropy")
    typed = exp.with_values({"task.path": "", "task.sequences": "a b -> c"})
    assert (typed.output, typed.loss) == ("softmax", "cross_entropy")
    with pytest.raises(
        ValueError, match="output: got 'softmax', but task 'custom' needs 'sigmoid'"
    ):
        Experiment().with_values({"task": "custom", "task.path": str(path), "output": "softmax"})


def test_set_task_through_the_command_line(tmp_path, capsys):
    path = tmp_path / "multi.csv"
    path.write_text("x:a,d:y,d:z\n0,1,0\n1,0,1\n0,1,1\n")
    args = cli.build_parser().parse_args(
        ["train", "--set", "task=custom", "--set", f"task.path={path}", "--out", "x"]
    )
    assert cli.load_start(args).output == "sigmoid"


def test_negative_cross_entropy_targets_are_refused():
    net = Network.create(n_in=2, n_hidden=3, n_out=2, seed=1)
    X, D = np.zeros((3, 1, 2)), np.array([[[1.0, -1.0]]] * 3)
    with pytest.raises(ValueError, match=r"D: got negative targets \(min -1\).*cross_entropy"):
        net.loss_and_grads(X, D)
    mse = Network.create(n_in=2, n_hidden=3, n_out=2, output="linear", loss="mse")
    loss, _ = mse.loss_and_grads(X, D)  # negative regression targets are fine
    assert loss > 0


@pytest.fixture
def broken_presets(tmp_path, monkeypatch):
    shutil.copy(presets_dir() / "wolf.json", tmp_path / "wolf.json")
    (tmp_path / "broken.json").write_text('{"schema": 1, "n_hidden": "many"')
    monkeypatch.setenv("RNNSIM_PRESETS", str(tmp_path))
    return tmp_path


def test_a_broken_preset_is_skipped_with_one_warning_line(broken_presets, capsys):
    assert [p.name for p in list_presets()] == ["wolf"]
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("rnnsim: warning: preset 'broken' skipped: ")
    assert "broken.json" in err[0]
    assert cli.main(["presets"]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("wolf (default)") and "broken" not in out.out
    assert len(out.err.splitlines()) == 1 and "broken.json" in out.err


def test_a_broken_default_preset_falls_back_to_the_built_in_default(broken_presets, capsys):
    from rnnsim.sim import default_experiment

    (broken_presets / "wolf.json").write_text("{")
    assert default_experiment() == Experiment()
    assert "preset 'wolf' skipped" in capsys.readouterr().err


def test_a_typed_sequence_too_long_stops_reading_at_the_limit(tmp_path):
    """A 20 MB typed sequence (T ~ 10⁷) parsed for 134 s, then MemoryError."""
    path = tmp_path / "long.txt"
    path.write_text("a " * 5_000_000 + "-> b\n")
    with pytest.raises(
        ValueError,
        match=r"line 1, column 20003: more than 10000 tokens in "
        "one sequence",
    ):
        Experiment(task="custom", knobs={"path": str(path)})


def test_a_guide_nested_too_deep_skips_its_preset_with_one_warning_line(broken_presets, capsys):
    """A guide nested 200,000 deep ended `rnnsim presets` (RecursionError): now skipped."""
    (broken_presets / "broken.json").unlink()
    shutil.copy(presets_dir() / "wolf.json", broken_presets / "deep.json")
    (broken_presets / "guides").mkdir()
    (broken_presets / "guides" / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    assert cli.main(["presets"]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("wolf (default)") and "deep" not in out.out
    (line,) = out.err.splitlines()
    assert line.startswith("rnnsim: warning: preset 'deep' skipped: ")
    assert "guides/deep.json" in line and "nested more than 32 levels" in line


def test_a_broken_sweep_plan_is_ignored_not_a_traceback(tmp_path):
    """--plot and --resume read sweep.json: too deep or missing keys ended in a traceback."""
    from rnnsim.sim import sweep_files
    from rnnsim.sim.sweep import SweepSpec
    from rnnsim.sim.sweep_grid import SweepResult

    spec = SweepSpec(Experiment(), "n_hidden", [4, 8], updates=1, eval_batch=4)
    sweep_files.write_plan(tmp_path, spec, SweepResult.empty(spec))
    assert sweep_files.read_plan(tmp_path)["x_values"] == [4, 8]
    for text in (
        "[" * 200_000 + "]" * 200_000,
        '{"schema": 1, "x": "n_hidden"}',
        '{"schema": 1, "x": "n_hidden", "y": null, "z": null, "x_values": 5}',
    ):
        (tmp_path / "sweep.json").write_text(text)
        assert sweep_files.read_plan(tmp_path) is None  # --plot then reads grid.csv alone
