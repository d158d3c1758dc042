"""text: windows of the corpus, next character as target; file errors; generated text."""

import numpy as np
import pytest

from rnnsim.engine import Network
from rnnsim.tasks import make_task
from rnnsim.tasks.files import DEFAULT_CORPUS


def decode(task, A):
    return "".join(task.characters[int(np.argmax(a))] for a in A)


def test_default_corpus_ships_and_windows_are_substrings():
    corpus = DEFAULT_CORPUS.read_text(encoding="utf-8")
    assert 2000 < len(corpus) < 20000
    task = make_task("text", length=30)
    assert task.characters == tuple(sorted(set(corpus)))
    X, D, mask = task.sample(40, np.random.default_rng(0))
    assert X.shape == (30, 40, task.n_in) and np.all(mask == 1)
    np.testing.assert_array_equal(X[1:], D[:-1])
    for b in range(40):
        assert decode(task, X[:, b]) + decode(task, D[-1:, b]) in corpus


def test_chance_is_the_most_frequent_character(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("aaab" * 50, encoding="utf-8")
    task = make_task("text", path=str(f), length=10)
    assert task.chance == 0.75 and task.characters == ("a", "b")
    _X, D, mask = task.sample(4000, np.random.default_rng(1))
    always_a = np.zeros_like(D)
    always_a[..., 0] = 1.0
    assert task.score(always_a, D, mask)["accuracy"] == pytest.approx(0.75, abs=0.01)
    assert task.score(D, D, mask)["bits_per_char"] == 0.0


def test_lowercase_and_visible_names(tmp_path):
    f = tmp_path / "b.txt"
    f.write_text("Ab C\nab c\n" * 5, encoding="utf-8")
    task = make_task("text", path=f, lowercase=True, length=5)
    assert task.characters == ("\n", " ", "a", "b", "c")
    assert task.input_names == ("↵", "␣", "a", "b", "c")
    assert task.values["path"] == str(f)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"path: '.*' is empty, expected text"),
        (b"  \n\n", r"path: '.*' is empty"),
        (b"hello\nwor\x00ld", r"path: '.*' line 2, column 4: a NUL byte; expected a text file"),
        (b"caf\xc3\xa9\nna\xffve", r"path: '.*' line 2, column 3: byte 0xff is not UTF-8 text"),
    ],
)
def test_bad_files_name_the_line_and_column(tmp_path, content, message):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        make_task("text", path=str(f))


def test_missing_file_and_too_short_text(tmp_path):
    with pytest.raises(ValueError, match=r"path: got '.*nowhere.txt', expected an existing"):
        make_task("text", path=str(tmp_path / "nowhere.txt"))
    f = tmp_path / "short.txt"
    f.write_text("tiny text", encoding="utf-8")
    with pytest.raises(ValueError, match=r"length: got 50, expected at most 8"):
        make_task("text", path=str(f))


def replay(task, net, seed_text, n, rng, temperature):
    """Sampling as documented (p ∝ y^(1/temperature)), re-running the whole text every step
    instead of carrying the state."""
    text = seed_text
    for _ in range(n):
        y = net.forward(task.encode(text)[:, None, :]).y[-1, 0]
        p = y ** (1.0 / temperature)
        text += task.characters[int(rng.choice(len(p), p=p / p.sum()))]
    return text[len(seed_text) :]


@pytest.mark.parametrize("cell", ["elman", "lstm", "gru"])
@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_generate_carries_the_state(cell, temperature):
    task = make_task("text")
    net = Network.create(cell=cell, n_in=task.n_in, n_hidden=12, n_out=task.n_out, seed=3)
    for p in net.params.values():
        p *= 3.0  # sharper, state-dependent outputs
    a = task.generate(net, "The state", 30, np.random.default_rng(5), temperature)
    assert a == replay(task, net, "The state", 30, np.random.default_rng(5), temperature)
    assert len(a) == 30 and set(a) <= set(task.characters) and len(set(a)) > 5
    assert task.generate(net, "x", 0, np.random.default_rng(0)) == ""


def test_generate_rejects_bad_arguments():
    task = make_task("text")
    net = Network.create(n_in=task.n_in, n_hidden=4, n_out=task.n_out)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"seed_text: character '€' at position 3 is not in"):
        task.generate(net, "ab€", 5, rng)
    with pytest.raises(ValueError, match=r"seed_text: got '', expected non-empty text"):
        task.generate(net, "", 5, rng)
    with pytest.raises(ValueError, match=r"n: got -1, expected an integer >= 0"):
        task.generate(net, "a", -1, rng)
    with pytest.raises(ValueError, match=r"temperature: got 0, expected a number > 0"):
        task.generate(net, "a", 1, rng, temperature=0)
    with pytest.raises(ValueError, match=r"net: got Network\(.*\), expected a Network with"):
        task.generate(Network.create(n_in=3, n_hidden=4, n_out=3), "a", 1, rng)
