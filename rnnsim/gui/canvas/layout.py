"""Geometry of the unfolded network: one column per time step, rows x_t → s_t → y_t."""

from __future__ import annotations

from dataclasses import dataclass

from rnnsim.gui.canvas.items import PITCH, block_shape

GATE_NAMES = {"lstm": ("i", "f", "o", "g"), "gru": ("z", "r", "n")}
NO_MEMORY = ("feedforward",)  # cells without the W_s loop: drawn without it


def has_loop(cell: str) -> bool:
    """Whether ``cell`` carries s_{t−1} into s_t (every cell but the feed-forward one)."""
    return cell not in NO_MEMORY


@dataclass(frozen=True)
class LayoutKey:
    """What decides the scene's items: a change here rebuilds them, anything else updates them."""

    T: int
    H: int
    n_in: int
    n_out: int
    cell: str

    @classmethod
    def of(cls, snapshot):
        """The layout key of a Snapshot."""
        return cls(
            snapshot.T, snapshot.s.shape[1], snapshot.X.shape[1], snapshot.D.shape[1], snapshot.cell
        )


@dataclass(frozen=True)
class Geometry:
    """Scene coordinates of every row and column (y grows downwards)."""

    key: LayoutKey
    pitch: float  # distance between columns
    y_text: float  # top of the E_t and prediction lines
    y_out: float  # top of the y_t blocks
    y_cell: float | None  # top of the LSTM c_t blocks
    y_state: float  # top of the s_t blocks
    y_grad: float  # the gradient arrows ∂E/∂s
    y_gates: float  # top of the gate bars
    y_in: float  # top of the x_t blocks
    y_token: float  # top of the token names under x_t
    height: float

    def block_size(self, n):
        """(width, height) of a block of n units."""
        rows, cols = block_shape(n)
        return cols * PITCH, rows * PITCH

    def center_x(self, j):
        """Horizontal centre of column j (state index j = 0..T)."""
        return j * self.pitch + self.pitch / 2

    def block_left(self, j, n):
        """Left edge of a block of n units centred in column j."""
        return self.center_x(j) - self.block_size(n)[0] / 2

    @property
    def width(self):
        """Width of all T + 1 columns."""
        return (self.key.T + 1) * self.pitch


def make_geometry(key):
    """Lay out the rows for ``key``: prediction text, y, (c), s, gradient, (gates), x, tokens."""
    widest = max(block_shape(n)[1] for n in (key.H, key.n_in, key.n_out)) * PITCH
    pitch = max(widest + 84.0, 128.0)
    y_text = 0.0
    y_out = y_text + 62.0
    out_h = block_shape(key.n_out)[0] * PITCH
    y_cell = y_out + out_h + 44.0 if key.cell == "lstm" else None
    state_top = (
        (y_cell + block_shape(key.H)[0] * PITCH + 36.0)
        if y_cell is not None
        else y_out + out_h + 44.0
    )
    state_h = block_shape(key.H)[0] * PITCH
    y_grad = state_top + state_h + 14.0
    y_gates = y_grad + 24.0
    gap = 92.0 if key.cell in GATE_NAMES else 62.0
    y_in = state_top + state_h + gap
    y_token = y_in + block_shape(key.n_in)[0] * PITCH + 6.0
    return Geometry(
        key, pitch, y_text, y_out, y_cell, state_top, y_grad, y_gates, y_in, y_token, y_token + 40.0
    )
