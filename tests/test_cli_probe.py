"""rnnsim probe: the trained network on your own sequence (issue 14)."""

import json

import numpy as np
import pytest

from rnnsim import cli
from rnnsim.sim import Experiment, Simulation, save_experiment


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The wolf story (gap 2) after 300 updates, saved as a state .npz and as JSON + NPZ."""
    folder = tmp_path_factory.mktemp("probe")
    sim = Simulation(Experiment())
    sim.train(300)
    sim.save(folder / "run.npz")
    save_experiment(sim.experiment, folder / "run.json")  # an old pair: same experiment
    return sim, folder


def lines(text):
    return [line for line in text.splitlines() if line.strip()]


def test_probe_prints_each_frame_and_ends_with_the_frames_as_json(trained, capsys):
    sim, folder = trained
    weights = {k: v.copy() for k, v in sim.net.params.items()}
    code = cli.main(
        [
            "probe",
            "--experiment",
            str(folder / "run.npz"),
            "--sequence",
            "bear tree squirrel -> wolf",
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    result = json.loads(lines(out.out)[-1])
    frames = result["frames"]
    assert [f["input"] for f in frames] == ["bear", "tree", "squirrel", "wolf/dog"]
    assert [f["target"] for f in frames] == [None, None, None, "wolf"]
    assert [f["t"] for f in frames] == [1, 2, 3, 4]
    for f in frames:
        assert len(f["predictions"]) == 3
        ps = [p["p"] for p in f["predictions"]]
        assert ps == sorted(ps, reverse=True) and 0 < sum(ps) <= 1 + 1e-12
    assert frames[0]["predictions"][0]["name"] == "bear"  # the trained network names frames
    last = frames[-1]
    assert last["predictions"][0]["name"] == "wolf"  # it learned the story (gap 2)
    assert last["E"] == pytest.approx(-np.log(last["predictions"][0]["p"]))
    text = lines(out.out)
    assert any(
        line.startswith("t=4") and "wolf/dog" in line and "target wolf" in line for line in text
    )
    for name, v in sim.net.params.items():  # probing changes nothing
        np.testing.assert_array_equal(v, weights[name])


def test_probe_json_only_and_from_an_experiment_json(trained, capsys):
    _, folder = trained
    code = cli.main(
        [
            "probe",
            "--experiment",
            str(folder / "run.json"),
            "--json",
            "--sequence",
            "cow flower cat wolf/dog -> dog",
            "--top",
            "2",
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert len(lines(out.out)) == 1
    frames = json.loads(out.out)["frames"]
    assert [f["input"] for f in frames] == ["cow", "flower", "cat", "wolf/dog"]
    assert frames[-1]["target"] == "dog" and len(frames[-1]["predictions"]) == 2
    assert frames[-1]["predictions"][0]["name"] == "dog"


def test_probe_unknown_word_is_one_line_naming_it_exit_2(trained, capsys):
    _, folder = trained
    code = cli.main(
        [
            "probe",
            "--experiment",
            str(folder / "run.npz"),
            "--sequence",
            "bear zebra squirrel -> wolf",
        ]
    )
    out = capsys.readouterr()
    assert code == 2
    assert out.out == ""
    err = lines(out.err)
    assert len(err) == 1 and "'zebra'" in err[0] and "wolf/dog" in err[0]


def test_probe_refuses_a_missing_state_file(tmp_path, capsys):
    code = cli.main(["probe", "--experiment", str(tmp_path / "none.npz"), "--sequence", "bear"])
    err = capsys.readouterr().err
    assert code == 2 and len(lines(err)) == 1 and "none.npz" in err
