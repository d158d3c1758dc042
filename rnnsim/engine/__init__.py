"""The lecture's recurrent networks in NumPy: cells, readout, losses, BPTT, gradient flow.

from rnnsim.engine import Network
net = Network.create(cell="elman", n_in=4, n_hidden=16, n_out=3, seed=0)
loss, grads = net.loss_and_grads(X, D)      # X (T, B, n_in), D (T, B, n_out)
"""

from .activations import ACTIVATIONS, Activation, get_activation
from .cells import CELLS, ElmanCell, FeedForwardCell, GRUCell, LSTMCell, get_cell
from .diagnostics import (
    eigenvalues,
    gamma_of,
    jacobian_norms,
    lecture_bound,
    sigma_max,
    singular_values,
)
from .gradcheck import GradcheckResult, gradcheck
from .gradients import (
    GradientAccumulator,
    clip_by_norm,
    clip_by_value,
    global_norm,
    grad_norms,
)
from .init import INITIALIZERS, init_matrix, scale_to_sigma_max
from .network import BackwardSweep, Network, Trace
from .optim import (
    OPTIMIZERS,
    SGD,
    Adagrad,
    Adam,
    Momentum,
    Nesterov,
    Optimizer,
    RMSprop,
    make_optimizer,
)
from .outputs import LOSSES, OUTPUTS, check_output_loss

__all__ = [
    "ACTIVATIONS",
    "CELLS",
    "INITIALIZERS",
    "LOSSES",
    "OPTIMIZERS",
    "OUTPUTS",
    "SGD",
    "Activation",
    "Adagrad",
    "Adam",
    "BackwardSweep",
    "ElmanCell",
    "FeedForwardCell",
    "GRUCell",
    "GradcheckResult",
    "GradientAccumulator",
    "LSTMCell",
    "Momentum",
    "Nesterov",
    "Network",
    "Optimizer",
    "RMSprop",
    "Trace",
    "check_output_loss",
    "clip_by_norm",
    "clip_by_value",
    "eigenvalues",
    "gamma_of",
    "get_activation",
    "get_cell",
    "global_norm",
    "grad_norms",
    "gradcheck",
    "init_matrix",
    "jacobian_norms",
    "lecture_bound",
    "make_optimizer",
    "scale_to_sigma_max",
    "sigma_max",
    "singular_values",
]
