"""Every preset's guide: its steps are checked against what the app shows at their moments.

A guide's steps (2 to 4) each say what to look for after the forward sweep, during the
backward sweep or after n updates. Each step has a check here, run on the Simulation the
window drives, brought to the step's moment from the preset's fresh weights (updates: trained
with the preset's own seed); the table must cover every step of every preset.
"""

import numpy as np
import pytest

from rnnsim.sim import Simulation
from rnnsim.sim.presets import PLOT_NAMES, VIEWS, list_presets, load_preset
from rnnsim.sim.sequence import SequenceRun
from tests.tasks.training import one_blas_thread

PRESETS = {p.name: p for p in list_presets()}
EVAL_SEED = 7


@pytest.fixture(scope="module", autouse=True)
def single_blas_thread():
    with one_blas_thread():
        yield


def last_row(snap):
    """(T+1,) ‖∂E_T/∂s_k‖ of the displayed sequence (the canvas' 'Gradient of: E_T')."""
    return np.asarray(snap.grad_flow[snap.T - 1])


def evaluation(sim, n=1000):
    X, D, mask = sim.task.sample(n, np.random.default_rng(EVAL_SEED))
    return sim.task.score(sim.net.forward(X).y, D, mask)


def trained_variant(name, changes, updates):
    sim = Simulation(load_preset(name).experiment.with_values(changes))
    sim.train(updates)
    return sim


# ------------------------------------------------------------------------ the checks
def no_memory_forward(sim, snap):
    assert snap.cell == "feedforward" and not np.any(snap.weights["Ws"])
    W, b = snap.weights["Wx"], snap.weights["bs"]
    np.testing.assert_allclose(snap.s[1:], np.tanh(snap.X @ W + b), rtol=1e-12, atol=1e-15)


def no_memory_backward(sim, snap):
    row = last_row(snap)
    assert row[snap.T] > 0 and not np.any(row[: snap.T])


def no_memory_updates(sim, snap):
    score = evaluation(sim)
    assert abs(score["final_accuracy"] - 0.5) <= 0.08  # chance on the last animal …
    assert score["context_accuracy"] >= 0.95  # … while it names the bear or cow
    elman = evaluation(trained_variant("no-memory", {"cell": "elman"}, sim.updates))
    assert elman["final_accuracy"] >= 0.95  # the Elman RNN gets it right


def wolf_forward(sim, snap):
    assert snap.input_tokens[-1] == "wolf/dog" and snap.y[-1].max() < 0.5


def wolf_backward(sim, snap):
    row = last_row(snap)
    assert row[1] > 1e-3 * row[snap.T]


def final_at_least(value):
    def check(sim, snap):
        assert evaluation(sim)["final_accuracy"] >= value

    return check


def at_chance(sim, snap):
    assert abs(evaluation(sim)["final_accuracy"] - 0.5) <= 0.1


def vanishing_forward(sim, snap):
    assert snap.gamma == 0.25 and np.all((snap.s[1:] > 0) & (snap.s[1:] < 1))


def vanishing_backward(sim, snap):
    row = last_row(snap)
    bound = snap.sigma_max / 4
    assert bound == pytest.approx(0.5)
    T = snap.T
    assert np.all(row[:T] / row[1 : T + 1] <= bound * (1 + 1e-9))
    assert row[1] < 1e-9 * row[T]


def exploding_forward(sim, snap):
    assert snap.activation == "relu" and snap.sigma_max == pytest.approx(3.0)
    norms = np.linalg.norm(snap.s, axis=1)
    assert norms[-1] > norms[1]


def exploding_backward(sim, snap):
    row = last_row(snap)
    assert row[1] > 10 * row[snap.T]


def exploding_updates(sim, snap):
    assert sim.diverged and sim.updates < 10 and "diverged" in sim.message
    clipped = trained_variant("exploding", {"clip_norm": "1"}, 300)
    assert not clipped.diverged and clipped.updates == 300


def short_memory_forward(sim, snap):
    assert snap.T == 7 and snap.input_tokens[0] in ("bear", "cow")
    assert snap.input_tokens[-1] == "wolf/dog"


def short_memory_backward(sim, snap):
    row = last_row(snap)
    assert row[1] < row[snap.T] / 10


def minibatch_forward(sim, snap):
    assert sim.updates == 0 and np.isfinite(snap.loss) and snap.loss > 0
    assert snap.loss == pytest.approx(float(sim.run.view()["E"].sum() / sim.run.B))
    assert not any(np.any(d) for d in snap.delta_weights.values())


def minibatch_backward(sim, snap):
    while sim.cursor.phase == "backward":
        sim.step()
    assert sim.cursor.phase == "update" and sim.accumulator.count == 1 == sim.accumulator.M
    before = {k: v.copy() for k, v in sim.net.params.items()}
    sim.step()
    assert sim.updates == 1 and any(np.any(sim.net.params[k] != before[k]) for k in before)


def truncated_forward(sim, snap):
    assert snap.bptt_cuts == (5, 10) and snap.T == 12


def truncated_backward(sim, snap):
    while not sim.run.swept:
        sim.step()
    run = sim.run
    full = SequenceRun(sim.net, run.X, run.D, run.mask, None)
    full.run_forward()
    full.run_backward()
    cut, whole = run.dE_ds(), full.dE_ds()
    last = snap.bptt_cuts[-1]  # s_10: the state after the last cut's frame
    np.testing.assert_allclose(cut[last + 1 :], whole[last + 1 :], rtol=1e-12, atol=1e-15)
    for j in range(1, last + 1):  # every state before: the later losses never reach it
        assert not np.allclose(cut[j], whole[j])


def lstm_forward(sim, snap):
    assert snap.c is not None and 0.6 < float(np.mean(snap.gates["f"])) < 0.8


def lstm_backward(sim, snap):
    row = last_row(snap)
    assert 1e-5 < row[1] / row[snap.T] < 1e-2
    elman = Simulation(load_preset("lstm-rescue").experiment.with_values({"cell": "elman"}))
    other = last_row(elman.snapshot())
    assert other[1] / other[-1] < 1e-7


def checked_in_the_window(sim, snap):
    """tests/gui/test_lesson_path.py trains the LSTM rescue in the window with Train N (its
    budget, 1000 updates) and checks final_accuracy >= 0.9 there."""
    raise AssertionError("not run here")


def xor_forward(sim, snap):
    assert snap.mask[0] == 0 and np.all(snap.mask[1:] == 1)


def xor_updates(sim, snap):
    assert evaluation(sim)["accuracy"] >= 0.95


def text_forward(sim, snap):
    np.testing.assert_allclose(snap.y.sum(axis=1), 1.0)
    assert snap.target_tokens[:-1] == snap.input_tokens[1:]


def text_updates(sim, snap):
    X, D, mask = sim.task.sample(1000, np.random.default_rng(EVAL_SEED))
    freq = D.reshape(-1, sim.task.n_out).mean(0)
    unigram = sim.task.score(np.broadcast_to(freq, D.shape), D, mask)["bits_per_char"]
    assert sim.task.score(sim.net.forward(X).y, D, mask)["bits_per_char"] < unigram - 0.5
    text = sim.task.generate(sim.net, "the ", 200, np.random.default_rng(0), temperature=0.5)
    corpus = "".join(sim.task.characters[c] for c in sim.task.codes)
    words = [w for w in text.split()[1:-1] if len(w) >= 3]  # whole words, not the cut ends
    assert words and sum(f" {w} " in corpus for w in words) >= len(words) / 2


CHECKS = {
    "no-memory": (no_memory_forward, no_memory_backward, no_memory_updates),
    "wolf": (wolf_forward, wolf_backward, final_at_least(0.95)),
    "vanishing": (vanishing_forward, vanishing_backward, at_chance),
    "exploding": (exploding_forward, exploding_backward, exploding_updates),
    "short-memory": (short_memory_forward, short_memory_backward, final_at_least(0.9)),
    "minibatch": (minibatch_forward, minibatch_backward, final_at_least(0.95)),
    "truncated": (truncated_forward, truncated_backward, at_chance),
    "lstm-rescue": (lstm_forward, lstm_backward, checked_in_the_window),
    "elman-xor": (xor_forward, xor_updates),
    "text": (text_forward, text_updates),
}
CASES = [(name, i) for name, checks in CHECKS.items() for i in range(len(checks))]


def test_every_step_of_every_preset_has_a_check_and_the_guide_sets_up_the_lesson():
    assert set(CHECKS) == set(PRESETS)
    for name, preset in PRESETS.items():
        assert 2 <= len(preset.steps) <= 4, name
        assert len(CHECKS[name]) == len(preset.steps), name
        assert preset.view in VIEWS and preset.plot in PLOT_NAMES, name
        assert preset.gradient_of in ("E", "E_T"), name
        for step in preset.steps:
            if step.at == "updates":
                assert step.n == preset.updates, name  # Train N's budget reaches the step


def drive(sim, step):
    """Bring ``sim`` to ``step``'s moment as the student would (Right, or Train N)."""
    if step.at == "updates":
        sim.train(step.n)
        return
    while sim.cursor.t < sim.run.T:
        sim.step()
    if step.at == "backward":
        sim.step()  # the sweep's first step back
        while sim.cursor.phase == "backward" and sim.cursor.k >= 0 and not sim.run.swept:
            sim.step()


CHEAP = [(n, i) for n, i in CASES if PRESETS[n].steps[i].at != "updates"]
TRAINED = [
    (n, i)
    for n, i in CASES
    if PRESETS[n].steps[i].at == "updates" and CHECKS[n][i] is not checked_in_the_window
]


@pytest.mark.parametrize("name, index", CHEAP)
def test_steps_in_a_sequence_show_what_they_say(name, index):
    preset = PRESETS[name]
    step = preset.steps[index]
    sim = Simulation(preset.experiment)
    drive(sim, step)
    snap = sim.snapshot()
    assert step.reached(snap.cursor, snap.T, snap.updates)
    assert not any(
        s.reached(snap.cursor, snap.T, snap.updates) for s in preset.steps if s.at == "updates"
    )
    CHECKS[name][index](sim, snap)


@pytest.mark.slow
@pytest.mark.parametrize("name, index", TRAINED)
def test_steps_after_training_show_what_they_say(name, index):
    preset = PRESETS[name]
    step = preset.steps[index]
    sim = Simulation(preset.experiment)
    drive(sim, step)
    snap = sim.snapshot()
    if not sim.diverged:
        assert step.reached(snap.cursor, snap.T, snap.updates)
    CHECKS[name][index](sim, snap)


@pytest.mark.parametrize("seed", range(5))
def test_the_exploding_steps_in_a_sequence_hold_in_every_seed(seed):
    """σ_max(W_s) = 3: ‖s_T‖ > ‖s_1‖ and ∂E_T/∂s_1 more than 10× the last frame's in seeds
    0-4 (measured: 30× to 8e5×; σ_max = 2 held neither in every seed)."""
    preset = PRESETS["exploding"]
    experiment = preset.experiment.with_values({"seed": seed})
    for step, check in zip(preset.steps[:2], CHECKS["exploding"][:2], strict=True):
        sim = Simulation(experiment)
        drive(sim, step)
        snap = sim.snapshot()
        assert step.reached(snap.cursor, snap.T, snap.updates)
        check(sim, snap)


def test_steps_are_reached_in_the_order_of_the_lesson():
    preset = PRESETS["wolf"]
    sim = Simulation(preset.experiment)
    reached = []
    for _ in range(3 * sim.run.T):
        snap = sim.snapshot()
        reached.append(tuple(s.reached(snap.cursor, snap.T, snap.updates) for s in preset.steps))
        sim.step()
    firsts = [next(k for k, r in enumerate(reached) if r[i]) for i in range(2)]
    assert firsts[0] < firsts[1]
    assert not any(r[2] for r in reached[: sim.run.T])
