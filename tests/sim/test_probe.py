"""Questions typed in a task's own words (rnnsim.sim.probe)."""

import numpy as np
import pytest

from rnnsim.engine import Network
from rnnsim.sim.probe import ask, completions, parse_question, unknown_words
from rnnsim.tasks import make_task
from rnnsim.tasks.wolf import MIDPOINT, PROTOTYPES


def test_wolf_question_gets_the_ambiguous_animal_and_its_answer():
    task = make_task("wolf")
    q = parse_question(task, "bear tree squirrel -> wolf")
    assert q.words == ("bear", "tree", "squirrel", "wolf/dog") and q.added == "wolf/dog"
    assert q.targets == (None, None, None, "wolf")
    np.testing.assert_array_equal(q.X[0, 0], PROTOTYPES[0])
    np.testing.assert_array_equal(q.X[-1, 0], MIDPOINT)
    assert q.mask[:, 0].tolist() == [0, 0, 0, 1] and q.D[-1, 0, 8] == 1.0
    # already ending with an animal of the question, or without targets: nothing added
    assert parse_question(task, "bear tree wolf/dog -> wolf").added is None
    assert parse_question(task, "bear tree dog -> dog").words[-1] == "dog"
    assert parse_question(task, "bear tree").words == ("bear", "tree")
    q = parse_question(task, "cow tree cat -> cow _ _ dog")
    assert q.targets == ("cow", None, None, "dog")


@pytest.mark.parametrize(
    "text, word", [("bear zebra -> wolf", "zebra"), ("bear tree -> wolves", "wolves")]
)
def test_an_unknown_word_is_named_with_the_vocabulary(text, word):
    task = make_task("wolf")
    with pytest.raises(ValueError, match=f"'{word}'.*bear, cow"):
        parse_question(task, text)
    assert [w.text for w, _ in unknown_words(task, text)] == [word]


@pytest.mark.parametrize(
    "text", ["", "   ", "-> wolf", "bear -> wolf -> dog", "bear; cow", "bear -> "]
)
def test_syntax_errors_are_refused(text):
    with pytest.raises(ValueError):
        parse_question(make_task("wolf"), text)


@pytest.mark.parametrize("name", ["copy", "temporal_xor", "reber", "text", "custom", "adding"])
def test_the_strip_words_of_a_sampled_sequence_type_back_into_its_inputs(name):
    """Every task whose inputs are exact: typing the words of a sequence gives its X."""
    task = make_task(name)
    X, D, mask = task.sample(2, np.random.default_rng(1))
    words = task.frame_labels(X[:, 0], D[:, 0], mask[:, 0])
    n = len(words) - (np.all(X[:, 0] == 0, axis=-1)[::-1].argmin() if name == "reber" else 0)
    words = words[:n]
    if task.typed_as == "characters":
        text = "".join(" " if w == "␣" else "\n" if w == "↵" else w for w in words)
        text = text.split("\n")[0]
        n = len(text)
    else:
        text = " ".join(words)
    if name == "adding":  # two decimals: the values are rounded
        np.testing.assert_allclose(parse_question(task, text).X[:, 0], X[:n, 0], atol=0.005)
        return
    np.testing.assert_array_equal(parse_question(task, text).X[:, 0], X[:n, 0])


def test_numbers_bits_and_characters():
    q = parse_question(make_task("waveform"), "0.5 -0.25 1 -> _ _ 0.7")
    assert q.X[:, 0, 0].tolist() == [0.5, -0.25, 1.0] and q.D[-1, 0, 0] == 0.7
    with pytest.raises(ValueError, match=r"'abc'.*numbers"):
        parse_question(make_task("waveform"), "0.5 abc")
    q = parse_question(make_task("adding"), "0.2* 0.9 0.4* -> 0.6")
    assert q.X[:, 0].tolist() == [[0.2, 1], [0.9, 0], [0.4, 1]]
    q = parse_question(make_task("temporal_xor"), "1 0 1 -> 1")
    assert q.X[:, 0, 0].tolist() == [1, 0, 1]
    q = parse_question(make_task("reber"), "B T S -> S|X")
    assert q.D[-1, 0].tolist() == [0, 0, 0, 1, 1, 0, 0]
    text = make_task("text")
    q = parse_question(text, "the ")
    assert q.words == ("t", "h", "e", " ") and q.targets == ("h", "e", " ", None)


def test_completions_offer_the_task_words_for_the_word_being_typed():
    task = make_task("wolf")
    assert completions(task, "bear tr") == ["tree"]
    assert set(completions(task, "bear tree sq")) == {"squirrel"}
    assert "wolf/dog" in completions(task, "bear w")
    assert "wolf/dog" not in completions(task, "bear tree -> w")  # targets are names only
    assert completions(task, "bear ") == list(task.input_words())[:12]
    assert completions(make_task("waveform"), "0.") == []


def test_ask_runs_the_network_unchanged():
    task = make_task("wolf")
    net = Network.create(n_in=task.n_in, n_hidden=8, n_out=task.n_out, seed=3)
    before = {k: v.copy() for k, v in net.params.items()}
    q = parse_question(task, "bear tree squirrel -> wolf")
    frames = ask(net, task, q, top=9)
    y = net.forward(q.X).y[:, 0]
    for t, f in enumerate(frames):
        assert [p["name"] for p in f["predictions"]] == [
            task.output_names[i] for i in np.argsort(-y[t], kind="stable")
        ]
        assert sum(p["p"] for p in f["predictions"]) == pytest.approx(1.0)
    assert frames[-1]["E"] == pytest.approx(-np.log(y[-1, 8]))
    assert all(f["E"] is None for f in frames[:-1])
    for k, v in net.params.items():
        np.testing.assert_array_equal(v, before[k])
