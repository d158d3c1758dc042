"""Learning with the engine: the lecture's short-term memory claim, reproduced on the wolf story.

Settings are the wolf task's ``recommended`` ones (Adam, lr 0.01, 48 hidden units, clipping
at 5, batches of 32), tuned over seeds 0-9 (docs/tasks.md lists the measurements).
"""

import numpy as np
import pytest

from rnnsim.tasks import make_task
from rnnsim.tasks.wolf import WolfTask

from .training import evaluate, one_blas_thread, train

SETTINGS = {k: v for k, v in WolfTask.recommended.items() if k != "activation"}
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def single_thread():
    with one_blas_thread():
        yield


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_elman_remembers_the_bear_two_frames_back(seed):
    task = make_task("wolf", gap=2)
    net, _ = train(task, cell="elman", activation="tanh", updates=400, seed=seed, **SETTINGS)
    assert evaluate(task, net, n=2000)["final_accuracy"] >= 0.95


def test_sigmoid_elman_forgets_the_bear_thirty_frames_back():
    task = make_task("wolf", gap=30)
    _, history = train(
        task, cell="elman", activation="sigmoid", updates=2000, seed=0, check_every=250, **SETTINGS
    )
    finals = [s["final_accuracy"] for _, s in history]
    assert len(finals) == 8 and max(finals) <= 0.65
    assert history[-1][1]["context_accuracy"] > 0.95  # it does see the bear, then forgets


def test_lstm_remembers_the_bear_thirty_frames_back_on_the_same_budget():
    task = make_task("wolf", gap=30)
    net, _ = train(task, cell="lstm", activation="tanh", updates=2000, seed=0, **SETTINGS)
    assert evaluate(task, net, n=2000)["final_accuracy"] >= 0.9


def test_text_network_beats_the_unigram_and_writes_from_its_alphabet():
    task = make_task("text", length=30, lowercase=True)
    _X, D, mask = task.sample(2000, np.random.default_rng(7))
    freq = D.reshape(-1, task.n_out).mean(0)
    unigram_bits = task.score(np.broadcast_to(freq, D.shape), D, mask)["bits_per_char"]
    net, _ = train(task, cell="lstm", n_hidden=48, lr=0.01, updates=300, seed=0)
    scores = evaluate(task, net)
    assert scores["bits_per_char"] < unigram_bits - 0.5
    assert scores["accuracy"] > task.chance + 0.1
    text = task.generate(net, "the network ", 80, np.random.default_rng(0), temperature=0.5)
    assert len(text) == 80 and set(text) <= set(task.characters)
