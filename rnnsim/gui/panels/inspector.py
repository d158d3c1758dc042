"""Inspector: the numbers behind a clicked unit, state or weight matrix of the current snapshot."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from rnnsim.engine import get_activation
from rnnsim.gui.canvas.unfolded_update import current_column
from rnnsim.gui.number_format import fixed, number

PARAM_ROLE = {
    "Wx": "input → state",
    "Ws": "state → state (the recurrence)",
    "Wy": "state → output",
    "bs": "state bias",
    "by": "output bias",
}


_f = number


def _spectral_norm(M):
    """The largest singular value of ``M`` (nan when ``M`` holds nan or inf: no SVD)."""
    return float(np.linalg.norm(M, 2)) if np.all(np.isfinite(M)) else float("nan")


def _row(name, value):
    return f"<tr><td style='padding-right:10px'>{name}</td><td><b>{value}</b></td></tr>"


def phi_prime(activation, a):
    """Φ'(a) of the named activation, through the engine's definition."""
    act = get_activation(activation)
    a = np.atleast_1d(np.asarray(a, dtype=float))
    out = act.df(a, act.f(a))
    return out


def state_html(snap, j):
    """The whole state s_j: its norm and range, Φ' and the step Jacobian, ∂E/∂s_j."""
    rows = []
    title = f"<h3>state s<sub>{j}</sub> ({snap.s.shape[1]} units)</h3>"
    if j > snap.cursor.t:
        return title + f"<p>Not computed yet: the forward pass is at t = {snap.cursor.t}.</p>"
    s = np.asarray(snap.s[j], dtype=float)
    rows += [
        _row(f"‖s<sub>{j}</sub>‖", _f(float(np.linalg.norm(s)))),
        _row("mean, min / max", f"{_f(s.mean())}, {_f(s.min())} / {_f(s.max())}"),
    ]
    if j >= 1 and snap.cell == "elman":
        a = np.asarray(snap.a[j - 1], dtype=float)
        d = phi_prime(snap.activation, a)  # (H,) Φ'(a_j)
        jac = d[:, None] * np.asarray(snap.weights["Ws"], dtype=float).T  # diag(Φ')·W_sᵀ
        rows += [
            _row(f"mean / max Φ'(a<sub>{j}</sub>)", f"{_f(d.mean())} / {_f(d.max())}"),
            _row(
                f"‖∂s<sub>{j}</sub>/∂s<sub>{j - 1}</sub>‖ = ‖diag(Φ')·W<sub>s</sub><sup>T</sup>‖",
                _f(_spectral_norm(jac)),
            ),
            _row(
                "lecture's bound γ·σ<sub>max</sub>(W<sub>s</sub>)", _f(snap.gamma * snap.sigma_max)
            ),
        ]
    grad = snap.dE_ds[j]
    reached = not np.all(np.isnan(grad))
    rows.append(
        _row(
            f"‖∂E/∂s<sub>{j}</sub>‖",
            _f(float(np.linalg.norm(grad))) if reached else "not reached by the backward sweep yet",
        )
    )
    return title + "<table>" + "".join(rows) + "</table>"


class InspectorPanel(QWidget):
    """Shows the selected unit's s_t, a_t, Φ'(a_t), y_t, ∂E/∂s_t, or a matrix's statistics."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.text = QTextBrowser()
        self.text.setObjectName("inspectorText")
        self.text.setOpenExternalLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.text)
        self.selection = None
        self.snapshot = None
        self.text.setHtml("<i>Click a unit, a state or a weight arrow on the canvas.</i>")

    def set_selection(self, selection):
        """Inspect ``selection`` (a canvas Selection) in the current snapshot."""
        self.selection = selection
        self._render()

    def update_snapshot(self, snapshot):
        """Refresh the numbers from a newer snapshot (when shown; else when it is shown)."""
        self.snapshot = snapshot
        if self.selection is not None and self.isVisible():
            self._render()

    def showEvent(self, event):
        super().showEvent(event)
        self._render()

    def html(self):
        """The panel's current text as HTML."""
        return self.text.toHtml()

    def _render(self):
        sel, snap = self.selection, self.snapshot
        if sel is None or snap is None:
            return
        if sel.kind == "W":
            html = self._matrix(snap, sel.name)
        else:
            j = current_column(snap.cursor, snap.T) if sel.j is None else sel.j
            if sel.unit is None and sel.kind == "s":
                html = state_html(snap, j)
            else:
                html = self._unit(snap, sel.kind, j, sel.unit)
        self.text.setHtml(html)

    def _unit(self, snap, kind, j, unit):
        t = snap.cursor.t
        frame = j - 1
        rows = []
        head = {
            "s": f"state s<sub>{j}</sub>",
            "c": f"cell state c<sub>{j}</sub>",
            "x": f"input x<sub>{j}</sub>",
            "y": f"output y<sub>{j}</sub>",
        }[kind]
        title = f"<h3>unit {unit} of {head}</h3>"
        if j > t:
            return title + f"<p>Not computed yet: the forward pass is at t = {t}.</p>"
        if kind == "x":
            rows.append(_row(f"x<sub>{j}</sub>[{unit}]", _f(float(snap.X[frame, unit]))))
            rows.append(_row("token", snap.input_tokens[frame]))
            nearest = snap.nearest_tokens[frame] if frame < len(snap.nearest_tokens) else ""
            if nearest and nearest != snap.input_tokens[frame]:
                rows.append(_row("features nearest to", nearest))
        elif kind == "y":
            name = snap.output_names[unit] if unit < len(snap.output_names) else str(unit)
            rows.append(_row(f"y<sub>{j}</sub>[{unit}] ({name})", _f(float(snap.y[frame, unit]))))
            rows.append(_row(f"d<sub>{j}</sub>[{unit}]", _f(float(snap.D[frame, unit]))))
        elif kind == "c":
            rows.append(_row(f"c<sub>{j}</sub>[{unit}]", _f(float(snap.c[j, unit]))))
        else:
            rows += self._state_rows(snap, j, unit)
        if frame >= 0 and kind != "x":
            rows.append(_row(f"y<sub>{j}</sub> (all outputs)", self._named_outputs(snap, frame)))
            masked = bool(snap.mask[frame])
            rows.append(
                _row(
                    f"E<sub>{j}</sub>",
                    _f(float(snap.E[frame])) if masked else "no loss on this frame",
                )
            )
        return title + "<table>" + "".join(rows) + "</table>"

    def _state_rows(self, snap, j, unit):
        rows = [_row(f"s<sub>{j}</sub>[{unit}]", _f(float(snap.s[j, unit])))]
        frame, H = j - 1, snap.s.shape[1]
        if frame >= 0 and snap.cell == "elman":
            a = float(snap.a[frame, unit])
            rows.append(_row(f"a<sub>{j}</sub>[{unit}]", _f(a)))
            rows.append(
                _row(
                    f"Φ'(a<sub>{j}</sub>) ({snap.activation})",
                    _f(float(phi_prime(snap.activation, a)[0])),
                )
            )
        elif frame >= 0:
            for name, values in snap.gates.items():
                rows.append(
                    _row(f"gate {name}<sub>{j}</sub>[{unit}]", _f(float(values[frame, unit])))
                )
        grad = snap.dE_ds[j] if j < snap.dE_ds.shape[0] else np.full(H, np.nan)
        if np.all(np.isnan(grad)):
            rows.append(_row(f"∂E/∂s<sub>{j}</sub>", "not reached by the backward sweep yet"))
        else:
            rows.append(_row(f"∂E/∂s<sub>{j}</sub>[{unit}]", _f(float(grad[unit]))))
            rows.append(_row(f"‖∂E/∂s<sub>{j}</sub>‖", _f(float(np.linalg.norm(grad)))))
        if j in snap.bptt_cuts:
            rows.append(_row("truncated BPTT", f"the gradient is cut at s<sub>{j}</sub>"))
        return rows

    def _named_outputs(self, snap, frame):
        y = snap.y[frame]
        order = np.argsort(-y, kind="stable")[:5]
        names = snap.output_names
        return ", ".join(f"{names[i] if i < len(names) else i} {fixed(y[i])}" for i in order)

    def _matrix(self, snap, name):
        W = snap.weights.get(name)
        if W is None:
            return f"<h3>{name}</h3><p>This network has no parameter {name}.</p>"
        W = np.asarray(W, dtype=float)
        dW = snap.delta_weights.get(name)
        shape = " × ".join(map(str, W.shape))
        rows = [
            _row("role", PARAM_ROLE.get(name, name)),
            _row("shape", shape),
            _row("mean", _f(float(W.mean()))),
            _row("std", _f(float(W.std()))),
            _row("min / max", f"{_f(W.min())} / {_f(W.max())}"),
            _row("‖W‖ (Frobenius)", _f(float(np.linalg.norm(W)))),
        ]
        if name == "Ws":
            rows.append(_row("σ<sub>max</sub>(W<sub>s</sub>)", _f(snap.sigma_max)))
            bound = snap.gamma * snap.sigma_max
            trend = "vanishes" if bound < 1 else "may explode"
            rows.append(
                _row(
                    "γ·σ<sub>max</sub> (lecture's bound)",
                    f"{_f(bound)}: the gradient {trend} like ({_f(bound)})<sup>lag</sup>",
                )
            )
            rows.append(_row("|eigenvalue| max", _f(float(np.max(np.abs(snap.eigenvalues))))))
        if dW is not None:
            rows.append(_row("‖ΔW‖ of the last update", _f(float(np.linalg.norm(dW)))))
        if name in snap.grad_norms:
            rows.append(_row("‖∂E/∂W‖ (last, before clipping)", _f(float(snap.grad_norms[name]))))
        rows.append(_row("clipping fired", "yes" if snap.clipped else "no"))
        label = f"{name[0]}<sub>{name[1:]}</sub>"
        return f"<h3>weight matrix {label}</h3><table>" + "".join(rows) + "</table>"
