"""Next-symbol prediction on the Reber grammar and its embedded variant."""

from __future__ import annotations

import numpy as np

from .base import Knob, Task, check_batch, check_scored, masked_mean

SYMBOLS = ("B", "T", "P", "S", "X", "V", "E")
_INNER = {
    0: (("T", 1), ("P", 2)),
    1: (("S", 1), ("X", 3)),
    2: (("T", 2), ("V", 4)),
    3: (("X", 2), ("S", 5)),
    4: (("P", 3), ("V", 5)),
}


def grammar(embedded: bool) -> dict:
    """The grammar as state → ((symbol, next state), ...); it starts at "start", ends at "end".

    Each state's transitions are taken with equal probability. The embedded grammar is
    B (T|P) <Reber string> (the same T|P) E: two copies of the inner grammar, tagged by branch.
    """
    g: dict = {}

    def inner(tag, exit_state):
        g[(tag, "start")] = (("B", (tag, 0)),)
        for state, moves in _INNER.items():
            g[(tag, state)] = tuple((sym, (tag, nxt)) for sym, nxt in moves)
        g[(tag, 5)] = (("E", exit_state),)

    if not embedded:
        inner("", "end")
        g["start"] = g.pop(("", "start"))
        return g
    g["start"] = (("B", "fork"),)
    g["fork"] = (("T", ("T", "start")), ("P", ("P", "start")))
    for branch in ("T", "P"):
        inner(branch, (branch, "exit"))
        g[(branch, "exit")] = ((branch, "last"),)
    g["last"] = (("E", "end"),)
    return g


def legal(g: dict, state) -> tuple[str, ...]:
    """The symbols that may follow in ``state``."""
    return tuple(sym for sym, _ in g[state])


def generate(g: dict, rng: np.random.Generator) -> tuple[list[str], list]:
    """One string of ``g``: its symbols and the state after each symbol."""
    symbols, states, state = [], [], "start"
    while state != "end":
        moves = g[state]
        sym, state = moves[int(rng.integers(0, len(moves)))] if len(moves) > 1 else moves[0]
        symbols.append(sym)
        states.append(state)
    return symbols, states


def memoryless_accuracy(g: dict) -> float:
    """Best frame accuracy of a predictor that sees only the current symbol.

    From the expected number of times each transition is taken per string (absorbing Markov
    chain: visits = first row of (I − Q)⁻¹), every frame is a transition (symbol → state) whose
    target is legal(state); the best memoryless answer to a symbol is its most frequent target.
    """
    states = [s for s in g if s != "end"]
    index = {s: i for i, s in enumerate(states)}
    Q = np.zeros((len(states), len(states)))  # transient transition probabilities
    for s, moves in g.items():
        for _, nxt in moves:
            if nxt != "end":
                Q[index[s], index[nxt]] += 1.0 / len(moves)
    visits = np.linalg.inv(np.eye(len(states)) - Q)[index["start"]]  # expected visits per state
    weight: dict[str, dict[tuple, float]] = {}
    for s, moves in g.items():
        for sym, nxt in moves:
            if nxt != "end":
                targets = weight.setdefault(sym, {})
                key = legal(g, nxt)
                targets[key] = targets.get(key, 0.0) + visits[index[s]] / len(moves)
    best = sum(max(t.values()) for t in weight.values())
    return float(best / sum(sum(t.values()) for t in weight.values()))


class ReberTask(Task):
    """See ``description``."""

    name = "reber"
    title = "Reber grammar"
    description = (
        "Strings of Reber's finite-state grammar (B T/P ... E). At every frame the network sees "
        "one symbol and must name every symbol that may come next (sigmoid outputs, one per "
        "symbol; a frame is right when exactly the legal ones are above 0.5). The grammar "
        "reuses symbols in several states, so the current symbol alone is not enough: chance "
        "is the accuracy of the best predictor without memory. The embedded variant wraps a "
        "Reber string as B T <string> T E or B P <string> P E: predicting the second-to-last "
        "symbol (final_accuracy, chance 0.5) needs a memory across the whole inner string."
    )
    knobs = (
        Knob("embedded", "bool", False, help="Embedded Reber grammar (long memory)."),
        Knob(
            "max_length",
            "int",
            30,
            10,
            200,
            help="Frames per batch T; longer strings are "
            "drawn again, shorter ones padded (unscored).",
        ),
    )
    output = "sigmoid"
    loss = "binary_cross_entropy"

    def _setup(self):
        self.n_in = self.n_out = len(SYMBOLS)
        self.input_names = self.output_names = SYMBOLS
        self._grammar = grammar(self.values["embedded"])
        self._legal = {
            s: self._multi_hot(legal(self._grammar, s)) for s in self._grammar if s != "end"
        }
        self.primary_metric = "final_accuracy" if self.values["embedded"] else "accuracy"
        self.chance = 0.5 if self.values["embedded"] else memoryless_accuracy(self._grammar)

    @staticmethod
    def _multi_hot(symbols) -> np.ndarray:
        return np.array([float(s in symbols) for s in SYMBOLS])

    def sample(self, batch, rng):
        """X (T, B, 7) one-hot symbols (the last E is never an input), D (T, B, 7) the legal
        next symbols, mask (T, B) one on real frames, zero on padding; T = max_length."""
        B, T = check_batch(batch), self.values["max_length"]
        X, D, mask = np.zeros((T, B, 7)), np.zeros((T, B, 7)), np.zeros((T, B))
        for b in range(B):
            symbols, states = generate(self._grammar, rng)
            while len(symbols) - 1 > T:
                symbols, states = generate(self._grammar, rng)
            n = len(symbols) - 1
            X[np.arange(n), b, [SYMBOLS.index(s) for s in symbols[:n]]] = 1.0
            D[:n, b] = [self._legal[s] for s in states[:n]]
            mask[:n, b] = 1.0
        return X, D, mask

    def score(self, y, D, mask):
        """accuracy (frames with exactly the legal symbols above 0.5), sequence_accuracy (every
        frame right); embedded: final_accuracy, the frame that must recall T or P."""
        y, D, mask = check_scored(y, D, mask)
        right = np.all((y > 0.5) == (D > 0.5), axis=-1)  # (T, B)
        out = {
            "accuracy": masked_mean(right, mask),
            "sequence_accuracy": float(np.mean(np.all(right | (mask == 0), axis=0))),
        }
        if self.values["embedded"]:
            T, B = mask.shape
            last = T - 1 - np.argmax(mask[::-1] > 0, axis=0)  # (B,) frame that predicts E
            recall = np.maximum(last - 1, 0)  # (B,) frame that predicts the branch symbol
            out["final_accuracy"] = float(np.mean(right[recall, np.arange(B)]))
        return out

    def encode_target(self, word):
        """The legal next symbols joined by ``|`` (``T|P``) as a multi-hot target."""
        d = np.zeros(self.n_out)
        for part in word.split("|"):
            d[self._word_at(part, SYMBOLS, "target")] = 1.0
        return d

    def output_token(self, d):
        """The legal next symbols joined by ``|`` (``T|P``), ``·`` on padding."""
        names = [s for s, v in zip(SYMBOLS, d, strict=True) if v > 0.5]
        return "|".join(names) if names else "·"
