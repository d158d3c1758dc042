"""Text the network writes, in the snapshot of the text task (rnnsim.sim.samples)."""

import numpy as np
import pytest

from rnnsim.sim import Experiment, Simulation
from rnnsim.sim.samples import SampleCache, generate_sample, seed_text_for


def text_experiment(**changes):
    base = {
        "task": "text",
        "knobs": {"length": 12, "lowercase": True},
        "cell": "elman",
        "n_hidden": 12,
        "batch_size": 4,
        "seed": 1,
        "lr": 0.02,
    }
    base.update(changes)
    return Experiment(**base)


def test_snapshot_carries_generated_text_in_the_alphabet():
    sim = Simulation(text_experiment())
    generated = sim.snapshot().extras["generated"]
    assert generated.seed_text == "the "
    assert generated.temperature == 0.5
    assert len(generated.text) == 80
    assert set(generated.text) <= set(sim.task.characters)
    assert generated.updates == 0 and generated.error == ""


def test_other_tasks_have_no_generated_text():
    assert "generated" not in Simulation(Experiment(n_hidden=4)).snapshot().extras


def test_sample_is_cached_per_weights_version_and_changes_with_training():
    sim = Simulation(text_experiment())
    first = sim.snapshot().extras["generated"]
    sim.step()  # a forward step: the weights are unchanged
    assert sim.snapshot().extras["generated"] is first
    assert sim.samples.count == 1
    sim.train(20)
    trained = sim.snapshot().extras["generated"]
    assert sim.samples.count == 2
    assert trained.updates == 20 and trained.text != first.text
    assert set(trained.text) <= set(sim.task.characters)


def test_same_weights_write_the_same_text_after_undo():
    sim = Simulation(text_experiment(batch_size=2, knobs={"length": 3, "lowercase": True}))
    before = sim.snapshot().extras["generated"]
    while sim.updates == 0:
        sim.step()
    after = sim.snapshot().extras["generated"]
    assert after.updates == 1 and after.text != before.text
    while sim.updates == 1:
        sim.step_back()
    assert sim.snapshot().extras["generated"].text == before.text


def test_throttled_sample_kept_for_min_interval():
    sim = Simulation(text_experiment())
    cache = SampleCache(min_interval=3600.0)
    first = cache.get(sim, throttle=True)
    sim.train(5)
    assert cache.get(sim, throttle=True) is first  # training: at most one per interval
    assert cache.get(sim, throttle=False).updates == 5  # stepping: every new weights


def test_reset_is_seen_by_the_cache():
    sim = Simulation(text_experiment())
    first = sim.snapshot().extras["generated"]
    sim.train(10)
    sim.snapshot()
    sim.reset()
    assert sim.snapshot().extras["generated"].text == first.text


def test_diverged_network_says_so_instead_of_sampling():
    sim = Simulation(text_experiment())
    sim.net.params["Ws"][0, 0] = np.nan
    generated = generate_sample(sim)
    assert generated.text == "" and "diverged" in generated.error


def test_seed_text_falls_back_to_the_corpus_start(tmp_path):
    path = tmp_path / "abc.txt"
    path.write_text("abcabcabcabcabcabcabcabc", encoding="utf-8")
    sim = Simulation(text_experiment(knobs={"path": str(path), "length": 5}))
    assert seed_text_for(sim.task) == "abca"
    assert sim.snapshot().extras["generated"].seed_text == "abca"


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="min_interval"):
        SampleCache(min_interval=-1)
    with pytest.raises(ValueError, match="task: got 'wolf'"):
        generate_sample(Simulation(Experiment(n_hidden=4)))
