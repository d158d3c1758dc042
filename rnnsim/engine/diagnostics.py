"""Diagnostics of the vanishing (and exploding) gradient: spectra of W_s and step Jacobians.

The lecture's argument: each factor of the BPTT product is the step Jacobian

    ∂s[t+1]/∂s[t] = diag(Φ'(a[t]))·W_sᵀ          (Elman; 0-based frames)

whose spectral norm is at most γ·σ_max(W_s), γ = sup|Φ'| (1/4 sigmoid, 1 tanh, ReLU,
identity). When that bound is below 1 the gradient reaching a state k steps back shrinks at
least like (γ·σ_max)^k.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .activations import Activation, get_activation
from .cells import get_cell
from .trace import Trace

__all__ = [
    "eigenvalues",
    "gamma_of",
    "jacobian_norms",
    "lecture_bound",
    "sigma_max",
    "singular_values",
]

_CHUNK_BYTES = 64 * 2**20  # at most this many bytes of stacked Jacobians at once


def _matrix(name: str, W, square: bool = False) -> np.ndarray:
    W = np.asarray(W)
    if W.ndim != 2 or W.dtype.kind not in "fiu" or 0 in W.shape:
        raise ValueError(
            f"{name}: got an array of shape {W.shape} and dtype {W.dtype}, "
            "expected a non-empty 2-D real matrix"
        )
    if square and W.shape[0] != W.shape[1]:
        raise ValueError(f"{name}: got shape {W.shape}, expected a square matrix")
    if not np.all(np.isfinite(W)):
        raise ValueError(f"{name}: contains NaN or Inf, expected finite values")
    return W


def singular_values(W) -> np.ndarray:
    """Singular values of W (min(m, n),), in descending order."""
    return np.linalg.svd(_matrix("W", W), compute_uv=False)


def sigma_max(W) -> float:
    """The largest singular value σ_max(W) = ‖W‖₂."""
    return float(singular_values(W)[0])


def eigenvalues(W) -> np.ndarray:
    """Eigenvalues of the square matrix W (n,), complex, sorted by descending modulus."""
    ev = np.linalg.eigvals(_matrix("W", W, square=True)).astype(complex)
    return ev[np.argsort(-np.abs(ev), kind="stable")]


def gamma_of(activation: str | Activation) -> float:
    """γ = sup|Φ'|: 1/4 for sigmoid, 1 for tanh, ReLU and identity.

    Parameters
    ----------
    activation : str or Activation
        A registered name ("sigmoid", "tanh", "relu", "identity") or an ``Activation``.
    """
    if isinstance(activation, Activation):
        return float(activation.gamma)
    return float(get_activation(activation).gamma)


def _recurrent_block(net) -> np.ndarray:
    """The (H, H) block of W_s that feeds Φ: all of W_s (Elman), W_sg (LSTM), W_sn (GRU)."""
    H, Ws = net.n_hidden, net.params["Ws"]
    if net.cell == "lstm":
        return Ws[:, 3 * H : 4 * H]
    if net.cell == "gru":
        return Ws[:, 2 * H : 3 * H]
    return Ws


def lecture_bound(net) -> float:
    """The lecture's bound γ·σ_max(W_s) on ‖∂s[t+1]/∂s[t]‖₂.

    For Elman this is the true upper bound of every ``jacobian_norms`` entry. For LSTM and
    GRU it is the same expression for the candidate path only: γ of the network's activation
    Φ times σ_max of the candidate's recurrent block (LSTM: W_sg = ``Ws[:, 3H:4H]``; GRU:
    W_sn = ``Ws[:, 2H:3H]``). It is *not* a bound on the gated Jacobian, whose gate paths
    (the LSTM's c[t] → c[t+1] = diag(f), the GRU's diag(z)) keep it near 1: comparing the two
    shows why the gates were invented.
    """
    return gamma_of(net.activation) * sigma_max(_recurrent_block(net))


def _check_trace(net, trace) -> None:
    if not isinstance(trace, Trace):
        raise ValueError(f"trace: got {type(trace).__name__}, expected a Trace from net.forward(X)")
    H, G = net.n_hidden, net.params["bs"].shape[-1]
    if (
        trace.s.shape[1:] != (trace.B, H)
        or trace.a.shape != (trace.T, trace.B, G)
        or trace.s.dtype != net.params["Ws"].dtype
    ):
        raise ValueError(
            f"trace: got states {trace.s.shape} {trace.s.dtype} and "
            f"pre-activations {trace.a.shape}, expected (T+1, B, {H}) "
            f"{net.params['Ws'].dtype} and (T, B, {G}) for this network"
        )


def _spectral_norms(J: np.ndarray) -> np.ndarray:
    """‖J[..]‖₂ of stacked matrices J (..., m, n); NaN where J has a non-finite entry."""
    finite = np.isfinite(J).all(axis=(-2, -1))
    if finite.all():
        return np.linalg.norm(J, ord=2, axis=(-2, -1))
    out = np.full(J.shape[:-2], np.nan, dtype=J.dtype)
    out[finite] = np.linalg.norm(J[finite], ord=2, axis=(-2, -1))
    return out


def _elman_norms(net, trace) -> np.ndarray:
    """‖diag(Φ'(a[t]))·W_sᵀ‖₂ (T, B), in chunks of samples."""
    T, B, H = trace.a.shape
    dphi = get_activation(net.activation).df(trace.a, trace.s[1:]).reshape(T * B, H)
    WsT = net.params["Ws"].T  # (H, H) ∂a/∂s transposed
    out = np.empty(T * B, dtype=dphi.dtype)
    step = max(1, _CHUNK_BYTES // (H * H * dphi.itemsize))
    for i in range(0, T * B, step):
        out[i : i + step] = _spectral_norms(dphi[i : i + step, :, None] * WsT)
    return out.reshape(T, B)


def _batch_slice(trace: Trace, sl: slice) -> Trace:
    """The trace of samples ``sl`` (every array with the batch on axis 1)."""

    def cut(v):
        return v[:, sl] if isinstance(v, np.ndarray) and v.ndim >= 2 else v

    return dataclasses.replace(
        trace,
        X=trace.X[:, sl],
        s=trace.s[:, sl],
        a=trace.a[:, sl],
        z=trace.z[:, sl],
        y=trace.y[:, sl],
        c=cut(trace.c),
        gates={k: cut(v) for k, v in trace.gates.items()},
        cache={k: cut(v) for k, v in trace.cache.items()},
    )


def _gated_norms(net, trace, full_state: bool) -> np.ndarray:
    """Norms of the exact step Jacobian of a gated cell, one row of it per unit vector.

    The cell's ``backward_step`` is a vector–Jacobian product; fed the rows of an identity
    matrix (as leading dimensions) it returns the rows of the Jacobian, exactly.
    """
    T, B, H = trace.T, trace.B, net.n_hidden
    cell = get_cell(net.cell)(net.n_in, H, get_activation(net.activation))
    lstm_full = full_state and cell.has_c
    n = 2 * H if lstm_full else H
    eye = np.eye(n, dtype=trace.s.dtype)  # (n, n) output components of (s[t+1], c[t+1])
    ds = np.ascontiguousarray(np.broadcast_to(eye[:, None, :H], (n, B, H)))
    dc = np.ascontiguousarray(np.broadcast_to(eye[:, None, H:], (n, B, H))) if lstm_full else None
    out = np.empty((T, B), dtype=trace.s.dtype)
    step = max(1, _CHUNK_BYTES // (n * n * trace.s.itemsize))
    for b0 in range(0, B, step):
        sl = slice(b0, min(B, b0 + step))
        prep = cell.prepare_backward(_batch_slice(trace, sl), net.params)
        ds_b = ds[:, sl]
        dc_b = dc[:, sl] if dc is not None else None
        for t in range(T):
            _, ds_prev, dc_prev = cell.backward_step(t, ds_b, dc_b, prep)  # (n, b, H) each
            rows = np.concatenate([ds_prev, dc_prev], axis=-1) if lstm_full else ds_prev
            out[t, sl] = _spectral_norms(rows.transpose(1, 0, 2))
    return out


def jacobian_norms(net, trace: Trace, *, full_state: bool = True) -> np.ndarray:
    """Spectral norms of the step Jacobians, per frame and sample.

    Elman: ``‖∂s[t+1]/∂s[t]‖₂ = ‖diag(Φ'(a[t]))·W_sᵀ‖₂``, never above ``lecture_bound(net)``.
    GRU: the exact Jacobian ∂s[t+1]/∂s[t] of the cell (all gate paths included).
    LSTM: the state is the pair (s, c); with ``full_state`` (default) the norm of the exact
    (2H, 2H) Jacobian ∂(s[t+1], c[t+1])/∂(s[t], c[t]); with ``full_state=False`` the norm of
    ∂s[t+1]/∂s[t] at fixed c[t] (H, H).

    Parameters
    ----------
    net : Network
    trace : Trace
        ``net.forward(X, ...)`` of the same network (same parameters).
    full_state : bool
        Only read for LSTM, see above.

    Returns
    -------
    ndarray (T, B)
        Norm of frame t's Jacobian for sample b, in the network's dtype.

    Notes
    -----
    An exploding network's trace may hold inf/NaN: the norm of a Jacobian with a non-finite
    entry is NaN, without NumPy warnings. Exact SVD-based norms: cost O(T·B·n³) for n×n
    Jacobians; meant for the app's network sizes. Stacked Jacobians are formed at most
    64 MiB at a time.
    """
    _check_trace(net, trace)
    with np.errstate(all="ignore"):
        if net.cell == "elman":
            return _elman_norms(net, trace)
        return _gated_norms(net, trace, full_state)
