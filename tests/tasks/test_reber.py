"""reber: strings follow the grammar, targets are the legal next symbols; chance is the best
accuracy without memory."""

import numpy as np
import pytest

from rnnsim.tasks import make_task
from rnnsim.tasks.reber import SYMBOLS

# Reber's diagram written independently of the task: (node, symbol) -> node; 0 = after B.
DIAGRAM = {
    (0, "T"): 1,
    (0, "P"): 2,
    (1, "S"): 1,
    (1, "X"): 3,
    (2, "T"): 2,
    (2, "V"): 4,
    (3, "X"): 2,
    (3, "S"): 5,
    (4, "P"): 3,
    (4, "V"): 5,
    (5, "E"): 6,
}


def legal_after(node):
    return {s for (n, s) in DIAGRAM if n == node}


def walk(symbols):
    """Legal next-symbol sets after each symbol of a plain Reber string (asserts it is one)."""
    assert symbols[0] == "B"
    node, sets = 0, [{"T", "P"}]
    for s in symbols[1:]:
        node = DIAGRAM[(node, s)]
        sets.append(legal_after(node) if node != 6 else set())
    assert node == 6
    return sets


def strings(task, n, seed):
    X, D, mask = task.sample(n, np.random.default_rng(seed))
    for b in range(n):
        frames = int(mask[:, b].sum())
        assert np.all(mask[frames:, b] == 0) and np.all(X[frames:, b] == 0)
        syms = [SYMBOLS[int(np.argmax(x))] for x in X[:frames, b]] + ["E"]
        targets = [{s for s, v in zip(SYMBOLS, d, strict=True) if v} for d in D[:frames, b]]
        yield syms, targets


def test_plain_strings_follow_the_grammar_and_targets_are_legal_sets():
    task = make_task("reber")
    for syms, targets in strings(task, 300, 0):
        assert targets == walk(syms)[:-1]


def test_embedded_strings_wrap_a_reber_string_and_repeat_the_branch():
    task = make_task("reber", embedded=True)
    assert task.primary_metric == "final_accuracy" and task.chance == 0.5
    branches = set()
    for syms, targets in strings(task, 300, 1):
        branch = syms[1]
        branches.add(branch)
        assert syms[0] == "B" and syms[-2:] == [branch, "E"]
        assert targets[:2] == [{"T", "P"}, {"B"}]
        inner = walk(syms[2:-2])
        assert targets[2:-2] == inner[:-1]
        assert targets[-2:] == [{branch}, {"E"}]  # the frame that needs the long memory
    assert branches == {"T", "P"}


@pytest.mark.parametrize("embedded", [False, True])
def test_chance_is_the_best_memoryless_accuracy(embedded):
    """Fit the best predictor that sees only the current symbol (most frequent target set per
    symbol) on 4000 strings and score it on 4000 others: it matches the computed chance."""
    task = make_task("reber", embedded=embedded)
    X, D, mask = task.sample(4000, np.random.default_rng(0))
    counts = {}
    for x, d in zip(X[mask > 0], D[mask > 0], strict=True):
        key = (int(np.argmax(x)), tuple(d))
        counts[key] = counts.get(key, 0) + 1
    best = {}
    for (sym, d), c in counts.items():
        if c > best.get(sym, (0, None))[0]:
            best[sym] = (c, d)
    X, D, mask = task.sample(4000, np.random.default_rng(1))
    y = np.array(
        [[best[int(np.argmax(x))][1] if x.any() else np.zeros(7) for x in row] for row in X]
    )
    s = task.score(y, D, mask)
    expected = make_task("reber").chance if not embedded else None
    if not embedded:
        assert s["accuracy"] == pytest.approx(expected, abs=0.01)
        assert task.chance == pytest.approx(9 / 14)
    else:
        assert s["final_accuracy"] == pytest.approx(0.5, abs=0.03)


def test_max_length_pads_and_never_cuts():
    task = make_task("reber", max_length=10)
    X, _D, mask = task.sample(500, np.random.default_rng(2))
    assert X.shape == (10, 500, 7) and mask.sum(0).max() <= 10
    for syms, _ in strings(task, 200, 3):
        walk(syms)


def test_tokens():
    task = make_task("reber")
    assert task.output_token(np.array([0, 1, 1, 0, 0, 0, 0.0])) == "T|P"
    assert task.output_token(np.zeros(7)) == "·" and task.input_token(np.eye(7)[6]) == "E"
