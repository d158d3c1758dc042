"""Where rnnsim's package data is: presets, text corpora and icons.

The repository keeps them in the top-level ``resources/`` folder; the build ships that folder
as the package ``rnnsim.resources`` (see ``setup.py``), so a wheel installed anywhere and an
editable install of a clone find the same files, through ``importlib.resources``:

    from rnnsim import package_data
    package_data.path("presets", "wolf.json")      # a pathlib.Path to an existing file
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

PACKAGE = "rnnsim.resources"


@functools.cache
def root() -> Path:
    """The folder of the package data (``rnnsim/resources`` in an installed wheel).

    A source tree that is not installed (or whose editable install predates the mapping)
    has no ``rnnsim.resources`` to import; its ``resources/`` beside the package is used.
    """
    try:
        folder = resources.files(PACKAGE)
    except ModuleNotFoundError:
        source = Path(__file__).resolve().parents[1] / "resources"
        if (source / "__init__.py").is_file():
            return source
        raise
    if not isinstance(folder, Path):  # e.g. imported from a zip archive
        raise RuntimeError(
            f"{PACKAGE} is not a folder ({folder!r}): install rnnsim with pip "
            "(unpacked), not as a zip archive"
        )
    return folder


def path(*parts: str) -> Path:
    """The path of ``parts`` inside the package data, e.g. ``path("icons", "run.svg")``."""
    return root().joinpath(*parts)
