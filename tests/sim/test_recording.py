"""Recording plans: which steps of one sequence become frames, from which state."""

import numpy as np
import pytest

from rnnsim.sim import Simulation
from rnnsim.sim.recording import RecordingPlan, check_parts, rewind, simulation_for_recording
from tests.sim.conftest import small


def test_a_plan_counts_the_frames_it_yields():
    for parts, expected in (
        (("forward", "backward", "update"), 1 + 4 + 5 + 1),
        (("backward",), 1 + 5),
        (("forward",), 1 + 4),
        (("update",), 2),
    ):
        sim = simulation_for_recording(small())
        plan = RecordingPlan.of(sim, parts)
        frames = list(plan.frames(sim))
        assert plan.T == 4 and plan.n_frames == len(frames) == expected, parts
        assert [f.index for f in frames] == list(range(expected))
        assert frames[0].part == "start"
        assert {f.part for f in frames[1:]} == set(parts)


def test_the_frames_follow_the_cursor_of_the_step_button():
    sim = simulation_for_recording(small())
    frames = list(RecordingPlan.of(sim).frames(sim))
    cursors = [(f.snapshot.cursor.t, f.snapshot.cursor.phase) for f in frames]
    assert cursors[:5] == [(t, "forward") for t in range(5)]
    assert [c[1] for c in cursors[5:9]] == ["backward"] * 4
    assert cursors[9] == (4, "update")  # the sweep is complete and M = 1 gradient is in
    assert frames[-1].snapshot.updates == 1 and frames[-1].part == "update"


def test_without_a_due_update_the_recording_ends_with_the_sweep():
    sim = simulation_for_recording(small(update_every=2))
    plan = RecordingPlan.of(sim)
    assert not plan.update and plan.n_frames == 1 + 4 + 5
    assert list(plan.frames(sim))[-1].snapshot.updates == 0


def test_parts_are_checked():
    assert check_parts("update, forward") == ("forward", "update")
    with pytest.raises(ValueError, match="parts: got 'sideways'"):
        check_parts("sideways")
    with pytest.raises(ValueError, match="parts"):
        check_parts("")


def test_a_saved_state_mid_sequence_is_recorded_from_that_sequence_s_first_frame(tmp_path):
    sim = Simulation(small())
    sim.train(3)
    for _ in range(2):
        sim.step()
    shown, cursor = sim.snapshot(), sim.cursor
    assert cursor.phase == "backward"
    sim.save(tmp_path / "run.npz")
    copy = simulation_for_recording(state=tmp_path / "run.npz")
    assert copy.cursor.t == 0 and copy.cursor.phase == "forward"
    first = copy.snapshot()
    np.testing.assert_array_equal(first.X, shown.X)  # the same sequence …
    assert first.updates == 3 and sim.cursor == cursor  # … and the saved run is untouched


def test_after_its_sweep_the_next_sequence_is_recorded(tmp_path):
    sim = Simulation(small())
    while not sim.run.swept:
        sim.step()
    sim.save(tmp_path / "run.npz")
    copy = simulation_for_recording(state=tmp_path / "run.npz")
    assert copy.updates == 1 and copy.cursor.t == 0  # the due update was applied on the way


def test_training_first_then_the_shown_sequence_from_its_start():
    sim = simulation_for_recording(small(), train=5)
    assert sim.updates == 5 and (sim.cursor.t, sim.cursor.phase) == (0, "forward")
    again = simulation_for_recording(small(), train=5)
    np.testing.assert_array_equal(sim.snapshot().X, again.snapshot().X)
    with pytest.raises(ValueError, match="train"):
        simulation_for_recording(small(), train=-1)


def test_rewind_leaves_a_sequence_start_alone():
    sim = Simulation(small())
    X = sim.snapshot().X
    rewind(sim)
    np.testing.assert_array_equal(sim.snapshot().X, X)
