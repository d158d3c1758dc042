"""Whether a run met its preset's claim: the verdict printed in the PDF handout.

    verdict = claim_verdict(experiment, results, snapshot)
    verdict.claim, verdict.met, verdict.reason     # met: True, False or None (not decidable)

A run is matched to a preset by the preset's title. Each claim is checked with the test that
backs it in ``tests/sim/test_presets.py``, reduced to what one run has: its metrics on a fresh
batch, its history, and the gradient flow of the shown sequence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnsim.gui.number_format import fixed, number, sci
from rnnsim.sim.presets import list_presets


@dataclass(frozen=True)
class Verdict:
    """A preset's claim and whether this run met it (None: one run cannot decide)."""

    preset: str
    claim: str
    met: bool | None
    reason: str

    @property
    def label(self) -> str:
        """ "met", "not met" or "not decided by this run"."""
        return {True: "met", False: "not met"}.get(self.met, "not decided by this run")


def find_preset(experiment):
    """The preset whose experiment has ``experiment``'s title, else None."""
    title = getattr(experiment, "title", "")
    try:
        presets = list_presets()
    except (OSError, ValueError):
        return None
    return next((p for p in presets if title and p.experiment.title == title), None)


def claim_verdict(experiment, results: dict, snapshot=None) -> Verdict | None:
    """The verdict for ``experiment``'s preset claim; None when it is no preset's."""
    preset = find_preset(experiment)
    if preset is None or not preset.claim:
        return None
    check = CHECKS.get(preset.name)
    met, reason = (
        (None, "this claim compares several runs (the preset's Compare or Sweep shows it)")
        if check is None
        else check(experiment, results, snapshot)
    )
    updates = int(results.get("updates", getattr(snapshot, "updates", 0)) or 0)
    if met is not None and updates < preset.updates:
        reason += (
            f" (the claim is about {preset.updates} updates; this run has {updates}, so "
            "the verdict is provisional)"
        )
    return Verdict(preset.name, preset.claim, met, reason)


def _metric(results, name):
    value = results.get("metrics", {}).get(name)
    return None if value is None or value != value else float(value)


def _at_least(name, level):
    def check(experiment, results, snapshot):
        value = _metric(results, name)
        if value is None:
            return None, f"no {name} was measured"
        return value >= level, f"{name} = {fixed(value, 3)} (needs >= {level:g})"

    return check


def _lstm_rescue(experiment, results, snapshot):
    value = _metric(results, "final_accuracy")
    if value is None:
        return None, "no final_accuracy was measured"
    if experiment.cell == "lstm":
        return value >= 0.9, f"LSTM final_accuracy = {fixed(value, 3)} (needs >= 0.9)"
    return value <= 0.65, (
        f"{experiment.cell} final_accuracy = {fixed(value, 3)} (the claim: at chance, <= 0.65)"
    )


def _no_memory(experiment, results, snapshot):
    final, context = _metric(results, "final_accuracy"), _metric(results, "context_accuracy")
    if final is None:
        return None, "no final_accuracy was measured"
    if experiment.cell != "feedforward":
        return final >= 0.95, (
            f"{experiment.cell} final_accuracy = {fixed(final, 3)} (the claim: >= 0.95 with memory)"
        )
    named = context is None or context >= 0.95
    return abs(final - 0.5) <= 0.08 and named, (
        f"without memory final_accuracy = {fixed(final, 3)} (the claim: within 0.08 of chance 0.5)"
        + ("" if context is None else f", context_accuracy = {fixed(context, 3)} (needs >= 0.95)")
    )


def _truncated(experiment, results, snapshot):
    value = _metric(results, "final_accuracy")
    if value is None:
        return None, "no final_accuracy was measured"
    if experiment.bptt_steps:
        return abs(value - 0.5) <= 0.1, (
            f"cut at {experiment.bptt_steps} steps: "
            f"final_accuracy = {fixed(value, 3)} "
            "(the claim: near 0.5)"
        )
    return value >= 0.9, f"full BPTT: final_accuracy = {fixed(value, 3)} (needs >= 0.9)"


def _exploding(experiment, results, snapshot):
    diverged = (
        bool(results.get("diverged"))
        or "diverged" in (getattr(snapshot, "message", "") or "").lower()
    )
    if experiment.clip_norm is None:
        return diverged, (
            "training diverged without clipping"
            if diverged
            else "training did not diverge without clipping"
        )
    loss = np.asarray(getattr(getattr(snapshot, "history", None), "loss", []), float)
    if diverged or len(loss) < 21 or not np.isfinite(loss).all():
        return False if diverged else None, (
            "training diverged with clipping" if diverged else "too few updates to judge the loss"
        )
    fell = loss[-20:].mean() < loss[0] / 5
    return fell, (
        f"with clip_norm = {experiment.clip_norm:g} the loss fell from "
        f"{number(loss[0])} to {number(loss[-20:].mean())} (needs a fifth)"
    )


def _vanishing(experiment, results, snapshot):
    flow = getattr(snapshot, "grad_flow", None)
    if flow is None or experiment.activation != "sigmoid":
        return None, "no gradient flow of a sigmoid network was recorded"
    row = np.asarray(flow)[-1]
    if not np.all(row > 0):
        return None, "the gradient of the last frame is zero somewhere"
    bound = snapshot.gamma * snapshot.sigma_max
    worst = float(np.max(row[:-1] / row[1:]))
    return worst <= bound * (1 + 1e-9), (
        f"largest step ratio ‖∂E_T/∂s_(k−1)‖/‖∂E_T/∂s_k‖ = {fixed(worst, 3)} against "
        f"γ·σ_max(W_s) = {fixed(bound, 3)}; over {len(row) - 1} frames the gradient changed by a "
        f"factor {sci(row[0] / row[-1], 3)}"
    )


CHECKS = {
    "no-memory": _no_memory,
    "wolf": _at_least("final_accuracy", 0.95),
    "elman-xor": _at_least("accuracy", 0.95),
    "minibatch": _at_least("final_accuracy", 0.95),
    "lstm-rescue": _lstm_rescue,
    "truncated": _truncated,
    "exploding": _exploding,
    "vanishing": _vanishing,
}
