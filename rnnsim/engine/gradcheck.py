"""Gradient check: analytic BPTT gradients against central differences (as in min-char-rnn).

For a sample of entries θ_j of every parameter::

    numeric  n = (E(θ_j + ε) − E(θ_j − ε)) / (2ε)                         (stencil=2)
             n = (8·(E(θ_j + ε) − E(θ_j − ε)) − (E(θ_j + 2ε) − E(θ_j − 2ε))) / (12ε)
                                                                          (stencil=4)
    analytic a = loss_and_grads(...)[1][name][j]
    relative error = |a − n| / max(|a| + |n|, tiny)

With ``bptt_steps`` = k the analytic gradient is the truncated one; the numeric reference is
then the derivative of the same loss with the states (s, and c for the LSTM) at the cuts
0, k, 2k, … held at their unperturbed values, which is exactly what truncation computes.

The two-point stencil is min-char-rnn's; its error is O(ε²) from truncation plus about
1e-16·|E|/ε from rounding, which for entries with a small gradient can reach 1e-6 in relative
terms. The four-point central stencil has an O(ε⁴) truncation error, so a larger ε keeps both
errors near 1e-11.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .network import Network
from .validation import check_bptt_steps

TINY = np.finfo(np.float64).tiny


@dataclass(frozen=True)
class GradcheckResult:
    """Outcome of ``gradcheck``.

    Attributes
    ----------
    max_rel_error : float
        Largest relative error over all checked entries.
    per_param : dict str → float
        Largest relative error per parameter.
    details : dict str → list of (index, analytic, numeric, rel_error)
        Every checked entry.
    """

    max_rel_error: float
    per_param: dict
    details: dict = field(default_factory=dict)

    def passed(self, tol: float = 1e-6) -> bool:
        """True when every checked entry has a relative error below ``tol``."""
        return self.max_rel_error < tol


def relative_error(a, n) -> float:
    """|a − n| / max(|a| + |n|, tiny): 0 when both are exactly 0."""
    return float(abs(a - n) / max(abs(a) + abs(n), TINY))


def gradcheck(
    net, X, D, mask=None, s0=None, bptt_steps=None, samples=10, eps=1e-5, seed=0, stencil=2
) -> GradcheckResult:
    """Compare ``net.loss_and_grads`` with central differences on sampled entries.

    Parameters
    ----------
    net : Network
        Its parameters are perturbed in place and restored exactly. For a float32 network
        the differences are taken on a float64 copy with the same parameter values, so
        the result measures how far its float32 gradients are from the exact derivative
        (expect ~1e-6 rather than ~1e-9).
    X, D, mask, s0, bptt_steps
        As for ``Network.loss_and_grads``.
    samples : int >= 1
        Entries checked per parameter (all entries if the parameter has fewer).
    eps : float > 0
        Finite-difference step.
    seed : int
        Seed of the entry sampling.
    stencil : {2, 4}
        Points of the central difference.

    Returns
    -------
    GradcheckResult
    """
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 1:
        raise ValueError(f"samples: got {samples!r}, expected an integer >= 1")
    if isinstance(eps, bool) or not isinstance(eps, int | float) or not 0 < eps < np.inf:
        raise ValueError(f"eps: got {eps!r}, expected a positive finite number")
    if stencil not in (2, 4) or isinstance(stencil, bool):
        raise ValueError(f"stencil: got {stencil!r}, expected 2 or 4")
    k = check_bptt_steps(bptt_steps)
    _, grads = net.loss_and_grads(X, D, mask, s0, bptt_steps=k)
    ref, X, D, mask, s0 = _in_float64(net, X, D, mask, s0)
    loss = _loss_function(ref, X, D, mask, s0, k)
    rng = np.random.default_rng(seed)
    per_param, details = {}, {}
    for name, W in ref.params.items():
        flat = W.reshape(-1)
        picks = rng.choice(flat.size, size=min(samples, flat.size), replace=False)
        rows = []
        for j in picks:
            numeric = _central_difference(flat, j, loss, eps, stencil)
            analytic = float(grads[name].reshape(-1)[j])
            rows.append((int(j), analytic, numeric, relative_error(analytic, numeric)))
        details[name] = rows
        per_param[name] = max(r[3] for r in rows)
    return GradcheckResult(max(per_param.values()), per_param, details)


def _in_float64(net, X, D, mask, s0):
    """The network and data in float64 (a copy of the network if it is float32)."""
    if net.dtype == np.float64:
        return net, X, D, mask, s0
    ref = Network(
        net.cell,
        net.activation,
        net.output,
        net.loss_name,
        net.n_in,
        net.n_hidden,
        net.n_out,
        {k: v.astype(np.float64) for k, v in net.params.items()},
        "float64",
    )

    def up(a):
        return a if a is None or a.dtype == np.bool_ else a.astype(np.float64)

    return ref, up(X), up(D), up(mask), up(s0)


def _central_difference(flat, j, loss, eps, stencil):
    """∂E/∂flat[j] by central differences; flat[j] is restored exactly."""
    old = flat[j]

    def at(step):
        flat[j] = old + step
        return loss()

    try:
        first = at(eps) - at(-eps)
        if stencil == 2:
            return first / (2.0 * eps)
        return (8.0 * first - (at(2.0 * eps) - at(-2.0 * eps))) / (12.0 * eps)
    finally:
        flat[j] = old


def _loss_function(net, X, D, mask, s0, k):
    """E as a function of the live parameters; chunked with frozen boundary states if k."""
    T = X.shape[0]
    if k is None or k >= T:
        return lambda: net.loss(X, D, mask, s0)
    ref = net.forward(X, s0)
    starts = range(0, T, k)
    masks = [None if mask is None else mask[a : a + k] for a in starts]
    boundary = [(ref.s[a].copy(), None if ref.c is None else ref.c[a].copy()) for a in starts]

    def chunked():
        total = 0.0
        for a, m, (s_a, c_a) in zip(starts, masks, boundary, strict=True):
            trace = net.forward(X[a : a + k], s_a, c0=c_a)
            total += float(net.losses(trace, D[a : a + k], m).sum())
        return total / X.shape[1]

    return chunked
