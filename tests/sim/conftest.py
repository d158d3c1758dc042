"""Small experiments for the simulation tests (the wolf task, tiny networks)."""

import pytest

from rnnsim.sim import Experiment


def small(**changes):
    """The default experiment with a small network and batch, plus ``changes``."""
    base = {"n_hidden": 5, "batch_size": 3, "seed": 3}
    base.update(changes)
    return Experiment(**base)


@pytest.fixture
def experiment():
    return small()
