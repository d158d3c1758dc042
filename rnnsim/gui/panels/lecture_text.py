"""The Lecture panel's text: each concept with its formula and where to see it on screen."""

from __future__ import annotations

# Links "show:NAME" select something on the canvas (a weight matrix) when clicked.
SECTIONS = {
    "state": (
        "The state carries the past",
        "<i>s<sub>t</sub> = Φ(x<sub>t</sub>·W<sub>x</sub> + s<sub>t−1</sub>·W<sub>s</sub> + "
        "b<sub>s</sub>)</i>",
        "The state s<sub>t</sub> depends on the input x<sub>t</sub> and on the previous state "
        "s<sub>t−1</sub>: it is the network's short-term memory. On the canvas each step fills "
        "one column: x<sub>t</sub> (bottom, with the frame's word), s<sub>t</sub> (middle, "
        "units coloured by their activation) and y<sub>t</sub> (top). Row vectors, weights "
        "multiplied on the right: <a href='show:Wx'>W<sub>x</sub></a> is inputs × hidden, "
        "<a href='show:Ws'>W<sub>s</sub></a> hidden × hidden.",
    ),
    "unfolded": (
        "Folded and unfolded",
        "<i>s<sub>t</sub> = f(s<sub>t−1</sub>, x<sub>t</sub>)</i>, the same W at every t",
        "The folded network (left) is one cell with a loop W<sub>s</sub>. Unfolding the loop "
        "over time gives a deep feed-forward network with one layer per time step (right) "
        "whose layers all share W<sub>x</sub>, W<sub>s</sub> and W<sub>y</sub>.",
    ),
    "output": (
        "Output and loss",
        "<i>y<sub>t</sub> = s<sub>t</sub>·W<sub>y</sub> + b<sub>y</sub>;  "
        "E<sub>t</sub> = loss(y<sub>t</sub>, d<sub>t</sub>);  E = Σ<sub>t</sub> E<sub>t</sub></i>",
        "Over each y<sub>t</sub> the canvas prints the strongest predictions with their "
        'probabilities (like the lecture\'s "bear 0.8 / cow 0.2"): green when the top one is '
        "the target d<sub>t</sub>, red when not, and E<sub>t</sub> above. "
        "<a href='show:Wy'>W<sub>y</sub></a> reads the output from the state.",
    ),
    "bptt": (
        "Backpropagation Through Time",
        "<i>∂E<sub>N</sub>/∂W<sub>s</sub> = Σ<sub>i</sub> ∂E<sub>N</sub>/∂y<sub>N</sub> · "
        "∂y<sub>N</sub>/∂s<sub>N</sub> · (Π<sub>j=i+1..N</sub> ∂s<sub>j</sub>/∂s<sub>j−1</sub>) "
        "· ∂s<sub>i</sub>/∂W<sub>s</sub></i>",
        "After the forward pass, the backward sweep goes from the last step to the first. The "
        "arrows under the states point right to left; their width and colour show "
        "‖∂E/∂s<sub>k</sub>‖ on a log scale (legend below the canvas). With <i>Gradient of: "
        "E_T</i> above the canvas they show the lecture's ∂E<sub>N</sub>/∂s<sub>i</sub>: the "
        "last frame's loss alone, carried back step by step.",
    ),
    "vanishing": (
        "The vanishing (and exploding) gradient",
        "<i>∂s<sub>j</sub>/∂s<sub>j−1</sub> = diag(Φ'(a<sub>j</sub>))·W<sub>s</sub><sup>T</sup>, "
        " ‖·‖ ≤ γ·σ<sub>max</sub>(W<sub>s</sub>)</i>",
        "Each step back multiplies the gradient by a factor whose norm is at most "
        "γ·σ<sub>max</sub>(<a href='show:Ws'>W<sub>s</sub></a>), γ = 1/4 for the sigmoid and 1 "
        "for tanh. Below 1 the gradient fades geometrically with the lag (the arrows turn pale "
        "and thin towards the left); above 1 it can explode. Now: γ·σ<sub>max</sub> = "
        "<b>{bound}</b>.",
    ),
    "minibatch": (
        "Mini-batch updates",
        "<i>W ← W − η · (1/M) Σ<sub>m=1..M</sub> ∂E<sup>(m)</sup>/∂W</i>",
        "Gradients are computed for every sequence but the weights change once every M = "
        "<b>{M}</b> sequences, with their average. The badge right of the last column says how "
        "many gradients are pending and marks the update when it is applied.",
    ),
    "truncated": (
        "Truncated BPTT",
        "<i>∂E/∂s<sub>j</sub> stops at every cut: j = k, 2k, …</i>",
        "With bptt_steps = k the sequence is cut into chunks of k steps: the state carries over "
        "a cut but the gradient does not. Cuts are drawn as red dashed lines (✂).",
    ),
    "clipping": (
        "Gradient clipping",
        "<i>if ‖g‖ > θ:  g ← θ · g / ‖g‖</i>",
        "When the gradient's norm exceeds the threshold θ it is rescaled to θ: the cure for "
        "exploding gradients (not for vanishing ones). Clipping fired on the last update: "
        "<b>{clipped}</b>.",
    ),
    "lstm": (
        "LSTM",
        "<i>c<sub>t</sub> = f<sub>t</sub>⊙c<sub>t−1</sub> + i<sub>t</sub>⊙g<sub>t</sub>,  "
        "s<sub>t</sub> = o<sub>t</sub>⊙tanh(c<sub>t</sub>)</i>",
        "The cell state c<sub>t</sub> (its own row above the states) is carried by a forget "
        "gate f instead of a squashing W<sub>s</sub>: while f ≈ 1 the gradient along it does "
        "not vanish. Gates i, f, o, g are the small bars beside each state.<br>"
        "<b>In the words of the LSTM note:</b> the <b>long-term memory</b> is c<sub>t</sub>, "
        "the <b>short-term memory</b> is s<sub>t</sub> (often written h<sub>t</sub>). "
        "<b>Forget gate</b> = f: f<sub>t</sub>⊙c<sub>t−1</sub> keeps part of the long-term "
        "memory. <b>Learn gate</b> = i with g: g<sub>t</sub> is what could be learned from "
        "x<sub>t</sub> and s<sub>t−1</sub>, i<sub>t</sub>⊙g<sub>t</sub> what is learned. "
        "<b>Remember gate</b> = the sum c<sub>t</sub> = f<sub>t</sub>⊙c<sub>t−1</sub> + "
        "i<sub>t</sub>⊙g<sub>t</sub>, the new long-term memory. <b>Use gate</b> = o: "
        "s<sub>t</sub> = o<sub>t</sub>⊙tanh(c<sub>t</sub>), the part used now (the new "
        "short-term memory and the output's input).",
    ),
    "feedforward": (
        "A network without memory",
        "<i>s<sub>t</sub> = Φ(x<sub>t</sub>·W<sub>x</sub> + b<sub>s</sub>)   "
        "(W<sub>s</sub> = 0)</i>",
        "The lecture's opening picture: a traditional network sees each frame on its own. "
        "With the recurrence cut there is no s<sub>t−1</sub>·W<sub>s</sub> term, so at the "
        "ambiguous animal at the end nothing recalls the bear: it says dog or wolf at chance. "
        "∂E<sub>T</sub>/∂s<sub>k</sub> = 0 for every k &lt; T: BPTT has nothing to carry "
        "back.",
    ),
    "gru": (
        "GRU",
        "<i>s<sub>t</sub> = (1 − z<sub>t</sub>)⊙n<sub>t</sub> + z<sub>t</sub>⊙s<sub>t−1</sub></i>",
        "The update gate z interpolates between keeping the old state and writing the "
        "candidate n; r resets how much of s<sub>t−1</sub> enters n. Gates are the small bars.",
    ),
}

PHASE_SECTION = {"forward": "state", "backward": "bptt", "update": "minibatch"}
