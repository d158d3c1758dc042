"""What a sweep measures in each run besides the task's own metric: the presets' claims.

A preset's sweep judges its claim on the heatmap, so the metric must be the claim itself,
not the task's accuracy. Each metric here is a plain function of a trained (or diverged)
``Simulation`` and the evaluation batch, run in the sweep's worker like the rest of
``evaluate_cell``:

``diverged``
    1 when the divergence guard stopped training, else 0 (the mean over seeds is the share
    of seeds that diverged). Preset ``exploding``: 1 unclipped at ws_scale 3, 0 clipped.
``loss_roughness``
    How jagged the per-update loss curve is (the Training plot: one point per weight update,
    the mean loss of the M batches that update averages): the mean over the run of
    |L[k] − m[k]| / m[k], m[k] the median of the 5 points L[k−2 .. k+2]. A curve that only
    falls (or only rises), however fast, scores 0 (the median of a monotone run of 5 is its
    middle point); only jitter counts, relative to the loss's level at the time. Measured the
    same way for every M. Preset ``minibatch``.
``flow_vs_bound``
    The measured decay per frame of the last frame's gradient flow against the lecture's
    bound γ·σ_max(W_s): max over lags ℓ ≥ 1 of (‖∂E_T/∂s_{T−ℓ}‖ / ‖∂E_T/∂s_T‖)^(1/ℓ) divided by
    γ·σ_max(W_s), at the trained weights, on the evaluation batch. ≤ 1 is the claim ("falls at
    least as fast as (γ·σ_max)^lag"); how far below 1 says how loose the bound is. Elman only
    (for gated cells the bound is not one). Preset ``vanishing``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rnnsim.engine.diagnostics import lecture_bound


@dataclass(frozen=True)
class Metric:
    """A sweep metric: ``name`` (the CSV column), ``label`` (the colour bar), ``lower``
    (lower is better: True / False, None: neither, the claim says per cell)."""

    name: str
    label: str
    lower: bool | None
    fn: object  # fn(sim, X, D, mask) -> float

    def __call__(self, sim, X, D, mask) -> float:
        return float(self.fn(sim, X, D, mask))  # type: ignore[operator]


def _diverged(sim, X, D, mask) -> float:
    return 1.0 if sim.diverged else 0.0


ROUGH_HALF = 2  # the running median spans 2·ROUGH_HALF + 1 = 5 points


def loss_roughness(losses) -> float:
    """mean over k of |L[k] − m[k]| / m[k], m[k] = median(L[k−2 .. k+2]), over the finite
    points of a loss curve (NaN with fewer than 5, or a median that is not positive)."""
    L = np.asarray(losses, dtype=float)
    L = L[np.isfinite(L)]
    w = ROUGH_HALF
    if L.size < 2 * w + 1:
        return math.nan
    windows = np.lib.stride_tricks.sliding_window_view(L, 2 * w + 1)  # (n − 2w, 2w + 1)
    median = np.median(windows, axis=1)
    if not np.all(median > 0):
        return math.nan
    return float(np.mean(np.abs(L[w:-w] - median) / median))


def _roughness(sim, X, D, mask) -> float:
    return loss_roughness(sim.history.frozen().loss)


def flow_vs_bound(G, bound: float) -> float:
    """max over lags ℓ ≥ 1 of (G[t, t+1−ℓ] / G[t, t+1])^(1/ℓ) / ``bound``, for the last row t of
    the gradient flow ``G`` (T, T+1) whose own frame has a gradient; NaN when there is none."""
    G = np.asarray(G, dtype=float)
    rows = [t for t in range(G.shape[0]) if G[t, t + 1] > 0]
    if not rows or not bound > 0:
        return math.nan
    t = rows[-1]
    lags = np.arange(1, t + 2)  # s[t+1-ℓ] for ℓ = 1 .. t+1 (down to s[0])
    ratio = G[t, t + 1 - lags] / G[t, t + 1]
    per_frame = ratio ** (1.0 / lags)
    return float(np.max(per_frame) / bound)


def _flow(sim, X, D, mask) -> float:
    net = sim.net
    if net.cell != "elman":
        raise ValueError(
            f"flow_vs_bound: got cell {net.cell!r}; γ·σ_max(W_s) bounds the Elman cell's "
            "step Jacobian only"
        )
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return flow_vs_bound(net.gradient_flow(X, D, mask), lecture_bound(net))


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("diverged", "diverged (share of seeds)", None, _diverged),
        Metric(
            "loss_roughness",
            "loss roughness (|L − median| / median)",
            True,
            _roughness,
        ),
        Metric(
            "flow_vs_bound",
            "flow decay per frame ÷ γ·σ_max",
            None,  # lower is not better: a faster decay is a worse vanishing gradient
            _flow,
        ),
    )
}


def get_metric(name: str) -> Metric:
    """The ``Metric`` named ``name`` (ValueError lists the known ones)."""
    try:
        return METRICS[name]
    except KeyError:
        raise ValueError(
            f"metric: got {name!r}, expected the task's own metric or one of {', '.join(METRICS)}"
        ) from None


def measures_diverged(name: str) -> bool:
    """Whether a diverged run still has a value of ``name`` (it has for ``diverged``)."""
    return name == "diverged"


def check_claims(claims, fields) -> tuple:
    """``claims`` as a tuple of dicts, each ``{"where": {field: value}, "at_least": v}`` or
    ``"at_most"``, its fields among ``fields`` (ValueError says which entry is wrong)."""
    if isinstance(claims, dict | str) or not hasattr(claims, "__iter__"):
        raise ValueError(f"claims: got {claims!r}, expected a list of claims")
    out = []
    for i, claim in enumerate(claims):
        where = claim.get("where", {}) if isinstance(claim, dict) else None
        senses = [k for k in ("at_least", "at_most") if isinstance(claim, dict) and k in claim]
        if (
            not isinstance(where, dict)
            or len(senses) != 1
            or set(claim) - {"where", "at_least", "at_most", "why"}
        ):
            raise ValueError(
                f"claims[{i}]: got {claim!r}, expected "
                '{"where": {field: value}, "at_least" or "at_most": number}'
            )
        line = claim[senses[0]]
        if isinstance(line, bool) or not isinstance(line, int | float) or not math.isfinite(line):
            raise ValueError(f"claims[{i}].{senses[0]}: got {line!r}, expected a finite number")
        unknown = [k for k in where if k not in fields]
        if unknown:
            raise ValueError(
                f"claims[{i}].where: got {', '.join(unknown)}, expected swept fields "
                f"({', '.join(fields)})"
            )
        out.append(dict(claim))
    return tuple(out)
