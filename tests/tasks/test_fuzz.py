"""Nothing crashes: any typed text, CSV or file content either loads or raises ValueError."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnsim.tasks import make_task

TYPED = st.lists(
    st.sampled_from([*"ab _-> ;#\n\té", "bear", "wolf", "wolf/dog", "->"]), max_size=30
).map("".join)
CELL = st.sampled_from(["0", "1", "0.5", "0", "1", "1", "-2e3", "", "nan", "abc", '"1"'])
ROW = st.lists(CELL, min_size=2, max_size=4).map(",".join)
HEADER = st.sampled_from(["x:a,d:b", "x:a,d:b", "seq,x:a,d:b", "x:a,x:b,d:c", "x:a,y", ""])
CSV = st.tuples(HEADER, st.lists(ROW, max_size=6)).map(lambda hr: "\n".join([hr[0], *hr[1]]))
FAST = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def loads_or_refuses(**knobs):
    try:
        task = make_task("custom", **knobs)
    except ValueError as exc:
        assert str(exc)
        return
    X, D, mask = task.sample(3, np.random.default_rng(0))
    assert X.shape[:2] == D.shape[:2] == mask.shape and mask.sum() > 0
    assert all(isinstance(task.input_token(x), str) for x in X[:, 0])


@FAST
@given(text=TYPED, vocabulary=st.sampled_from(["auto", "wolf"]))
def test_any_typed_text(text, vocabulary):
    loads_or_refuses(sequences=text, vocabulary=vocabulary)


@FAST
@given(text=CSV)
def test_any_csv_text(tmp_path, text):
    f = tmp_path / "fuzz.csv"
    f.write_text(text, encoding="utf-8")
    loads_or_refuses(path=str(f))


@FAST
@given(data=st.binary(max_size=80))
@pytest.mark.parametrize("suffix", [".csv", ".txt"])
def test_any_bytes(tmp_path, suffix, data):
    f = tmp_path / f"fuzz{suffix}"
    f.write_bytes(data)
    loads_or_refuses(path=str(f))
    try:
        make_task("text", path=str(f), length=2)
    except ValueError as exc:
        assert "path" in str(exc) or "length" in str(exc)


def test_directory_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"path: got '.*', expected an existing text file"):
        make_task("custom", path=str(tmp_path))
