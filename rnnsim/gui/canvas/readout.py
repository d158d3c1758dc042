"""Words drawn over y_t: the top predictions with their probabilities ("bear 0.80 / cow 0.20")."""

from __future__ import annotations

import numpy as np

from rnnsim.gui.number_format import fixed

PROBABILISTIC = ("softmax", "sigmoid")


def output_kind(snapshot):
    """The output function of the snapshot's network ("softmax", "sigmoid" or "linear")."""
    kind = getattr(snapshot.experiment, "output", None)
    if isinstance(kind, str):
        return kind
    y = np.asarray(snapshot.y)
    if y.size and y.shape[1] > 1 and np.allclose(y.sum(axis=1), 1.0, atol=1e-6):
        return "softmax"
    return "linear"


def top_predictions(y, names, kind, top=2, floor=0.05):
    """The strongest outputs of one frame as (name, value) pairs, strongest first.

    Parameters
    ----------
    y : ndarray
        (n_out,) outputs of one frame after the output function.
    names : sequence of str
        (n_out,) names of the output units.
    kind : str
        The output function; probabilities keep entries >= ``floor`` after the first.
    """
    values = np.asarray(y, dtype=float).tolist()
    # sorted in Python: NumPy's argsort gives up the GIL, which the training thread then takes
    # (``CanvasArrow.set_style``); strongest first, ties in index order, NaN last (as
    # np.argsort(-y, kind="stable"))
    order = sorted(range(len(values)), key=lambda i: (values[i] != values[i], -values[i]))
    order = order[:top]
    pairs = [(names[i] if i < len(names) else f"y[{i}]", values[i]) for i in order]
    if kind in PROBABILISTIC:
        pairs = pairs[:1] + [p for p in pairs[1:] if p[1] >= floor]
    return pairs


def prediction_text(y, names, kind, top=2, pairs=None):
    """Lines of text for the top predictions of one frame ("bear 0.80\\ncow 0.20");
    ``pairs``: ``top_predictions(y, names, kind, top)`` when already computed."""
    if len(y) == 1:
        name = names[0] if names else "y"
        return f"{name} {fixed(y[0])}"
    if pairs is None:
        pairs = top_predictions(y, names, kind, top)
    return "\n".join(f"{n} {fixed(v)}" for n, v in pairs)
