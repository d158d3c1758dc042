"""Small networks and data shared by the engine tests."""

import numpy as np

from rnnsim.engine import Network

CELL_NAMES = ("elman", "lstm", "gru", "feedforward")
ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "identity")
OUTPUT_LOSSES = (
    ("linear", "mse"),
    ("sigmoid", "mse"),
    ("softmax", "mse"),
    ("softmax", "cross_entropy"),
    ("sigmoid", "binary_cross_entropy"),
)


def make_data(net, T, B, rng, loss=None):
    """Inputs, targets fitting the loss, a mask with some zeros and a non-zero s0."""
    loss = loss or net.loss_name
    X = rng.normal(size=(T, B, net.n_in)).astype(net.dtype)
    if loss == "cross_entropy":
        D = np.eye(net.n_out)[rng.integers(0, net.n_out, size=(T, B))]
    elif loss == "binary_cross_entropy":
        D = (rng.uniform(size=(T, B, net.n_out)) > 0.5).astype(float)
    else:
        D = rng.normal(size=(T, B, net.n_out))
    mask = (rng.uniform(size=(T, B)) > 0.25).astype(float)
    mask[0, 0] = 0.0
    mask[-1] = 1.0
    s0 = rng.normal(size=(B, net.n_hidden)) * 0.5
    return X, D.astype(net.dtype), mask.astype(net.dtype), s0.astype(net.dtype)


def kink_distance(net, X, s0):
    """Smallest |input| of a ReLU in the forward pass (inf when no ReLU is used).

    ReLU acts on the Elman pre-activation, on the LSTM candidate a_g and cell state c, and on
    the GRU candidate a_n. Finite differences across a kink at 0 do not measure a derivative.
    With a ReLU candidate and c0 = 0 the LSTM cell state is a sum of products i·g ≥ 0, so a c
    that is exactly 0 stays 0 under small perturbations (every g in it is a clipped ReLU) and
    only the non-zero c need a margin.
    """
    if net.activation != "relu":
        return np.inf
    tr = net.forward(X, s0)
    H = net.n_hidden
    if net.cell in ("elman", "feedforward"):
        return np.abs(tr.a).min()
    if net.cell == "lstm":
        c = tr.c[1:][tr.c[1:] != 0.0]
        return min(np.abs(tr.a[:, :, 3 * H :]).min(), np.abs(c).min(initial=np.inf))
    return np.abs(tr.a[:, :, 2 * H :]).min()


def smooth_case(cell, activation, output, loss, T=6, B=2, n_in=3, H=4, n_out=3, margin=0.02):
    """A network and data whose ReLU inputs all stay at least ``margin`` away from the kink.

    The data seed is the first of 0, 1, 2, … for which that holds (for the other activations
    it is 0); the finite-difference steps in the tests move these inputs by less than 1e-3.
    """
    net = Network.create(
        cell, n_in, H, n_out, activation=activation, output=output, loss=loss, seed=3
    )
    for seed in range(200):
        X, D, mask, s0 = make_data(net, T, B, np.random.default_rng(seed))
        if kink_distance(net, X, s0) > margin:
            return net, X, D, mask, s0
    raise AssertionError("no data seed keeps the ReLU inputs away from 0")
