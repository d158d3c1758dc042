"""The lecture's wolf-or-dog story: a bear seen long ago is the only clue to the last animal."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .base import Knob, Task, check_batch, check_scored, masked_mean, one_hot

FEATURES = (
    "fur",
    "large",
    "claws",
    "hooves",
    "leaves",
    "petals",
    "tail",
    "whiskers",
    "snout",
    "wild",
)
NAMES = ("bear", "cow", "tree", "flower", "squirrel", "beaver", "cat", "dog", "wolf")
PROTOTYPES = np.array(
    [  # (9, 10) noise-free feature vector of each name, columns as FEATURES
        [1, 1, 1, 0, 0, 0, 0, 0, 1, 1],  # bear
        [1, 1, 0, 1, 0, 0, 1, 0, 1, 0],  # cow
        [0, 1, 0, 0, 1, 0, 0, 0, 0, 0],  # tree
        [0, 0, 0, 0, 1, 1, 0, 0, 0, 0],  # flower
        [1, 0, 1, 0, 0, 0, 1, 0, 0, 1],  # squirrel
        [1, 0, 1, 0, 0, 0, 1, 1, 1, 1],  # beaver
        [1, 0, 1, 0, 0, 0, 1, 1, 0, 0],  # cat
        [1, 0, 1, 0, 0, 0, 1, 0, 1, 0],  # dog
        [1, 0, 1, 0, 0, 0, 1, 0, 1, 1],  # wolf
    ],
    dtype=np.float64,
)
BEAR, COW, DOG, WOLF = (NAMES.index(n) for n in ("bear", "cow", "dog", "wolf"))
FILLERS = tuple(NAMES.index(n) for n in ("tree", "flower", "squirrel", "beaver", "cat"))
AMBIGUOUS = "wolf/dog"
MIDPOINT = (PROTOTYPES[DOG] + PROTOTYPES[WOLF]) / 2  # (10,) the fully ambiguous animal


def final_prototypes(ambiguity: float) -> np.ndarray:
    """(2, n_in) mean features of the last animal when it is a dog (row 0) or a wolf (row 1).

    ``ambiguity`` = 1 puts both at the midpoint of dog and wolf: the last frame's distribution
    is then the same for both labels and only the context frame can tell them apart.
    """
    own = PROTOTYPES[[DOG, WOLF]]
    return (1.0 - ambiguity) * own + ambiguity * MIDPOINT


class WolfTask(Task):
    """The wolf-or-dog story of the lecture (see the module and ``description``)."""

    name = "wolf"
    title = "The wolf and the dog"
    description = (
        "The lecture's story. Each frame is a noisy feature vector (fur, large, claws, ...) of "
        "a scene or an animal, and the network names it at every frame (softmax over bear, "
        "cow, tree, flower, squirrel, beaver, cat, dog, wolf). The first frame sets the "
        "context: a bear means forest, a cow means farm. Then come `gap` frames with no clue "
        "(tree, flower, squirrel, beaver, cat). Last comes an animal whose features cannot tell "
        "a wolf from a dog: it is a wolf in the forest and a dog on the farm. Only a state s_t "
        "that still remembers the first frame answers right: final_accuracy, chance 0.5."
    )
    knobs = (
        Knob(
            "gap",
            "int",
            2,
            0,
            200,
            help="Clue-free frames between the context and the ambiguous animal.",
        ),
        Knob(
            "noise",
            "float",
            0.2,
            0.0,
            2.0,
            help="Standard deviation of the Gaussian noise added to every feature.",
        ),
        Knob(
            "ambiguity",
            "float",
            1.0,
            0.0,
            1.0,
            help="How alike wolf and dog look at the end: "
            "1 = identical features (memory needed), 0 = their own features.",
        ),
    )
    primary_metric = "final_accuracy"
    #: Network settings measured to learn this task robustly (tests/tasks/test_learning.py).
    recommended: ClassVar[dict] = {
        "activation": "tanh",
        "n_hidden": 48,
        "optimizer": "adam",
        "lr": 0.01,
        "clip_norm": 5.0,
        "batch_size": 32,
    }

    def _setup(self):
        self.n_in, self.n_out = len(FEATURES), len(NAMES)
        self.input_names, self.output_names = FEATURES, NAMES
        self.chance = 0.5
        a = self.values["ambiguity"]
        points = [*PROTOTYPES, MIDPOINT] if a >= 0.5 else list(PROTOTYPES)
        self._token_points = np.array(points)  # (9 or 10, n_in) candidates of input_token
        self._token_names = (*NAMES, AMBIGUOUS) if a >= 0.5 else NAMES

    @property
    def length(self) -> int:
        """T = gap + 2 frames: context, gap fillers, the ambiguous animal."""
        return self.values["gap"] + 2

    def sample(self, batch, rng):
        """X (T, B, 10) features, D (T, B, 9) one-hot names, mask (T, B) ones; T = gap + 2."""
        B, T = check_batch(batch), self.length
        forest = rng.random(B) < 0.5  # (B,) bear (forest) or cow (farm)
        labels = np.empty((T, B), dtype=np.int64)  # (T, B) index into NAMES
        labels[0] = np.where(forest, BEAR, COW)
        labels[1 : T - 1] = np.asarray(FILLERS)[rng.integers(0, len(FILLERS), (T - 2, B))]
        labels[T - 1] = np.where(forest, WOLF, DOG)
        X = PROTOTYPES[labels]  # (T, B, 10)
        X[T - 1] = final_prototypes(self.values["ambiguity"])[forest.astype(np.int64)]
        X += self.values["noise"] * rng.standard_normal(X.shape)
        return X, one_hot(labels, self.n_out), np.ones((T, B))

    def score(self, y, D, mask):
        """accuracy (all masked frames), final_accuracy (last masked frame: the memory question,
        chance 0.5), context_accuracy (first frame: bear or cow)."""
        y, D, mask = check_scored(y, D, mask)
        T, B = mask.shape
        cols = np.arange(B)
        on = mask > 0  # (T, B) the frames that count
        last = T - 1 - np.argmax(on[::-1], axis=0)  # (B,) last masked frame
        hit = np.argmax(y, -1) == np.argmax(D, -1)  # (T, B)
        return {
            "accuracy": masked_mean(hit, mask),  # = class_accuracy(y, D, mask)
            "final_accuracy": _hit_share(hit[last, cols], on[last, cols]),
            "context_accuracy": _hit_share(hit[0], on[0]),
        }

    question_word = AMBIGUOUS

    def input_words(self):
        """The story's names and ``wolf/dog``, the ambiguous animal."""
        return (*NAMES, AMBIGUOUS)

    def encode_input(self, word):
        """The noise-free features of a name (``wolf/dog``: midway between dog and wolf)."""
        if word == AMBIGUOUS:
            return MIDPOINT.copy()
        return PROTOTYPES[self._word_at(word, NAMES, "input")].copy()

    def frame_labels(self, X, D, mask):
        """The story's words: each frame's own name (bear or cow, then the fillers), and the
        last animal always ``wolf/dog``, whatever its noisy features are nearest to: naming
        it would give the answer away (the Inspector shows the nearest name)."""
        T = len(X)
        return tuple(
            AMBIGUOUS
            if t == T - 1
            else NAMES[int(np.argmax(D[t]))]
            if np.any(D[t])
            else self.input_token(X[t])
            for t in range(T)
        )

    def input_token(self, x):
        """The name whose noise-free features are nearest to x (``wolf/dog``: the ambiguous one).

        For the Inspector: on the strip, ``frame_labels`` names the frames."""
        d = np.sum((self._token_points - np.asarray(x, dtype=np.float64)) ** 2, axis=1)
        return self._token_names[int(np.argmin(d))]


def _hit_share(hit, counted) -> float:
    """``masked_mean(hit, counted)`` for boolean arrays, bit for bit (counts of True, one
    division), in fewer NumPy calls: the task's metrics are computed on every 10th update
    while training."""
    n = np.count_nonzero(counted)
    return float(np.count_nonzero(hit & counted) / n) if n else float("nan")
