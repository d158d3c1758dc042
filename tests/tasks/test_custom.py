"""custom: typed tokens, text files in the typed syntax, CSV files; errors name line and column."""

import numpy as np
import pytest

from rnnsim.engine import Network
from rnnsim.tasks import make_task
from rnnsim.tasks.wolf import MIDPOINT, PROTOTYPES


def tokens(task, A, b=0):
    return [task.input_token(x) for x in A[:, b]]


def targets(task, D, mask, b=0):
    return [task.output_token(d) if m else "_" for d, m in zip(D[:, b], mask[:, b], strict=True)]


def test_one_target_belongs_to_the_last_frame():
    task = make_task("custom", sequences="bear tree squirrel -> wolf")
    X, D, mask = task.sample(3, np.random.default_rng(0))
    assert task.input_names == task.output_names == ("bear", "tree", "squirrel", "wolf")
    assert tokens(task, X) == ["bear", "tree", "squirrel"]
    assert targets(task, D, mask) == ["_", "_", "wolf"]
    assert (task.output, task.loss, task.primary_metric) == ("softmax", "cross_entropy", "accuracy")


def test_targets_align_right_and_underscore_skips_a_frame():
    task = make_task("custom", sequences="a b c d -> x _ y")
    _X, D, mask = task.sample(1, np.random.default_rng(0))
    assert targets(task, D, mask) == ["_", "x", "_", "y"]


def test_without_arrow_each_token_predicts_the_next():
    task = make_task("custom", sequences="the cat sat on the mat")
    X, D, mask = task.sample(1, np.random.default_rng(0))
    assert tokens(task, X) == ["the", "cat", "sat", "on", "the"]
    assert targets(task, D, mask) == ["cat", "sat", "on", "the", "mat"]


def test_several_sequences_comments_and_padding():
    text = "# my data\nbear tree -> wolf ; cow -> dog\n\ncow flower cat wolf/dog -> dog  # farm"
    task = make_task("custom", sequences=text)
    assert task.count == 3
    X, _D, mask = task.sample(200, np.random.default_rng(1))
    assert X.shape[0] == 4 and mask.sum(0).max() == 1
    seen = {tuple(t for t in tokens(task, X, b) if t != "·") for b in range(200)}
    assert seen == {("bear", "tree"), ("cow",), ("cow", "flower", "cat", "wolf/dog")}
    for b in range(200):
        n = sum(t != "·" for t in tokens(task, X, b))
        assert np.all(mask[n:, b] == 0) and np.all(X[n:, b] == 0) and mask[n - 1, b] == 1


def test_chance_is_the_most_frequent_target():
    task = make_task("custom", sequences="a -> x; b -> x; c -> y; d e -> x")
    assert task.chance == 0.75


def test_wolf_vocabulary_probes_a_network_trained_on_the_story():
    task = make_task("custom", vocabulary="wolf", sequences="bear tree squirrel wolf/dog -> wolf")
    wolf = make_task("wolf")
    assert (task.n_in, task.n_out) == (wolf.n_in, wolf.n_out)
    assert task.output_names == wolf.output_names
    X, D, mask = task.sample(1, np.random.default_rng(0))
    np.testing.assert_array_equal(X[:3, 0], PROTOTYPES[[0, 2, 4]])
    np.testing.assert_array_equal(X[3, 0], MIDPOINT)
    assert tokens(task, X) == ["bear", "tree", "squirrel", "wolf/dog"]
    net = Network.create(n_in=wolf.n_in, n_hidden=8, n_out=wolf.n_out)
    assert set(task.score(net.forward(X).y, D, mask)) == {"accuracy", "final_accuracy"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "bear tree wolff -> wolf",
            r"sequences: line 1, column 11: unknown token 'wolff'; "
            r"accepted: bear, cow",
        ),
        (
            "bear tree -> wolf\ncow tree -> doggo",
            r"sequences: line 2, column 13: unknown token "
            r"'doggo'",
        ),
        ("cow tree -> wolf/dog", r"line 1, column 13: unknown token 'wolf/dog'"),
    ],
)
def test_unknown_token_names_line_and_column(text, message):
    with pytest.raises(ValueError, match=message):
        make_task("custom", vocabulary="wolf", sequences=text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a b -> c -> d", r"line 1, column 10: a second '->'"),
        ("ok -> x;  -> y", r"line 1, column 11: no input tokens before '->'"),
        ("a b ->", r"line 1, column 5: no target tokens after '->'"),
        ("a b\n a -> x y z", r"line 2, column 9: 3 targets for 1 inputs"),
        ("a b; lonely", r"line 1, column 5: one token and no '->'"),
        ("a _ b -> c", r"line 1, column 3: '_' as an input"),
        ("  # only a comment", r"sequences: got .*, expected at least one sequence"),
        ("a -> _", r"sequences: line 1, column 6: every target is ._.; expected at least one"),
        ("a b; c -> _", r"line 1, column 11: every target is"),
    ],
)
def test_typed_syntax_errors_name_line_and_column(text, message):
    with pytest.raises(ValueError, match=message):
        make_task("custom", sequences=text)


def test_typed_text_file(tmp_path):
    f = tmp_path / "story.txt"
    f.write_text("bear tree -> wolf\n# farm\ncow tree -> dog\n", encoding="utf-8")
    task = make_task("custom", path=str(f), sequences="ignored -> because path is set")
    assert task.count == 2 and "ignored" not in task.input_names
    f.write_text("bear tree -> wolf\n\ncow tree -> -> dog\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"path: '.*story.txt': line 3, column 13: a second"):
        make_task("custom", path=str(f))


def test_typed_sequences_need_a_softmax():
    with pytest.raises(ValueError, match=r"output: got 'linear', expected 'auto' or 'softmax'"):
        make_task("custom", output="linear")


def test_too_many_tokens_are_refused():
    text = " ".join(f"w{i}" for i in range(1200))
    with pytest.raises(
        ValueError, match=r"sequences: line 1, column 1: 1200 distinct tokens, at most 1000"
    ):
        make_task("custom", sequences=text)


def test_too_much_data_is_refused(monkeypatch):
    import rnnsim.tasks.custom as custom

    monkeypatch.setattr(custom, "MAX_VALUES", 100)
    with pytest.raises(
        ValueError,
        match=r"sequences: line 2, column 1: 2 sequences of up to 7 frames with 4 \+ 4 "
        r"units are too large; at most 100 values",
    ):
        make_task("custom", sequences="a b c d a b c -> d\na -> b")


def test_reading_stops_at_the_sequence_that_makes_the_data_too_large(monkeypatch, tmp_path):
    """A 20 MB file of 10,000-frame sequences parsed for 83 s (1.6 GB) before it was refused;
    now reading stops at the line that crosses the limit (4 sequences fit, the 5th does not)."""
    import rnnsim.tasks.custom as custom

    monkeypatch.setattr(custom, "MAX_VALUES", 100)
    path = tmp_path / "many.txt"
    path.write_text("a b c -> d\n" * 1000)  # 3 frames, 4 tokens: 3 * 8 values a sequence
    with pytest.raises(ValueError, match=r"line 5, column 1: 5 sequences of up to 3 frames"):
        make_task("custom", path=str(path))
    rows = "".join(f"{i // 3},1,0,1\n" for i in range(3000))  # 3 frames, 9 values each
    (tmp_path / "many.csv").write_text("seq,x:a,x:b,d:y\n" + rows)
    with pytest.raises(ValueError, match=r"line 35: 12 sequences of up to 3 frames with 2 \+ 1"):
        make_task("custom", path=str(tmp_path / "many.csv"))
    (tmp_path / "field.csv").write_text("x:a,d:y\n" + "1" * 200_000 + ",1\n")
    with pytest.raises(ValueError, match=r"field.csv' line 2: field larger than field limit"):
        make_task("custom", path=str(tmp_path / "field.csv"))
