"""custom with a CSV file: layout, output detection, and errors that name line and column."""

import numpy as np
import pytest

from rnnsim.tasks import make_task

ONE_HOT = """seq,x:fur,x:wild,d:dog,d:wolf
1,1,0,,
1,0.5,0.5,1,0
2,1,1,,
2,0.5,0.5,0,1
2,0.5,0.5,0,1
"""


def csv_task(tmp_path, text, **knobs):
    f = tmp_path / "data.csv"
    f.write_text(text, encoding="utf-8")
    return make_task("custom", path=str(f), **knobs)


def test_layout_sequences_targets_and_mask(tmp_path):
    task = csv_task(tmp_path, ONE_HOT)
    assert task.input_names == ("fur", "wild") and task.output_names == ("dog", "wolf")
    assert (task.output, task.loss, task.count) == ("softmax", "cross_entropy", 2)
    X, D, mask = task._X, task._D, task._mask
    np.testing.assert_array_equal(X[:, 0], [[1, 0], [0.5, 0.5], [0, 0]])
    np.testing.assert_array_equal(mask, [[0, 0], [1, 1], [0, 1]])
    np.testing.assert_array_equal(D[:, 1], [[0, 0], [0, 1], [0, 1]])
    assert task.chance == pytest.approx(2 / 3)
    assert task.output_token(D[1, 1]) == "wolf" and task.input_token(X[0, 0]) == "1 0"
    Xs, _Ds, ms = task.sample(50, np.random.default_rng(0))
    assert Xs.shape == (3, 50, 2) and {int(ms[:, b].sum()) for b in range(50)} == {1, 2}


def test_blank_lines_separate_sequences_without_a_seq_column(tmp_path):
    task = csv_task(tmp_path, "x:a,d:y\n0.1,0.2\n0.3,0.4\n\n0.5,0.6\n")
    assert task.count == 2 and task.output == "linear" and task.primary_metric == "mse"
    np.testing.assert_array_equal(task._X[:, :, 0], [[0.1, 0.5], [0.3, 0]])
    assert task.chance == pytest.approx(np.var([0.2, 0.4, 0.6]))


def test_binary_targets_get_a_sigmoid(tmp_path):
    task = csv_task(tmp_path, "x:a,d:p,d:q\n1,1,1\n0,0,0\n1,0,1\n")
    assert (task.output, task.loss) == ("sigmoid", "binary_cross_entropy")
    assert task.output_token(np.array([1.0, 1.0])) == "p|q"
    assert task.chance == pytest.approx(1 / 3)


def test_output_knob_is_checked_against_the_targets(tmp_path):
    assert csv_task(tmp_path, ONE_HOT, output="sigmoid").output == "sigmoid"
    assert csv_task(tmp_path, ONE_HOT, output="linear").loss == "mse"
    with pytest.raises(
        ValueError,
        match=r"line 3: targets \[0.5, 2.0\] do not suit output "
        r"'sigmoid'",
    ):
        csv_task(tmp_path, "x:a,d:p,d:q\n1,0,1\n1,0.5,2\n", output="sigmoid")
    with pytest.raises(
        ValueError,
        match=r"line 2: targets \[0.0, 0.0\] do not suit output "
        r"'softmax'",
    ):
        csv_task(tmp_path, "x:a,d:p,d:q\n1,0,0\n", output="softmax")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("seq,x:a,d:y\n1,2,3\n1,2\n", r"line 3: got 2 fields, expected 3 \(as in the header"),
        ("seq,x:a,d:y\n1,2,3\n1,2,3,4\n", r"line 3: got 4 fields, expected 3"),
        (
            "x:a,x:b,d:y\n1,2,3\n4,five,6\n",
            r"line 3, column 2 \(x:b\): got 'five', expected a "
            r"finite number",
        ),
        ("x:a,d:y\n1,nan\n", r"line 2, column 2 \(d:y\): got 'nan', expected a finite number"),
        ("x:a,d:y\n,1\n", r"line 2, column 1 \(x:a\): got '', expected a finite number"),
        ("x:a,d:p,d:q\n1,1,\n", r"line 2, column 3: empty target cell"),
        ("x:a,y:b\n1,2\n", r"line 1, column 2: column name 'y:b'; expected 'x:<name>'"),
        ("x:a,x:b\n1,2\n", r"line 1: no target column"),
        ("d:a\n1\n", r"line 1: no input column"),
        ("x:a,d:b\n", r"line 2: no data rows"),
        ("\n\n", r"is empty"),
        ("x:a,d:b\n1,\n2,\n", r"sequence 1 has no frame with a target"),
    ],
)
def test_bad_csv_names_line_and_column(tmp_path, text, message):
    with pytest.raises(ValueError, match=r"path: '.*data.csv'.*" + message):
        csv_task(tmp_path, text)


def test_binary_csv(tmp_path):
    f = tmp_path / "data.csv"
    f.write_bytes(b"x:a,d:b\n1,2\n\x89PNG\x00\x00")
    with pytest.raises(ValueError, match=r"line 3, column 5: a NUL byte"):
        make_task("custom", path=str(f))
