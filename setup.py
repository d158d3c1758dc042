"""Build script: the top-level ``resources/`` folder ships inside the package as
``rnnsim/resources`` (presets, corpora, icons, the desktop entry), read through
``rnnsim.package_data``.

Everything else is in pyproject.toml; only the package list with this one mapped folder
needs code (``find_packages`` keeps new sub-packages in the wheel without a list to edit).
"""

from setuptools import find_namespace_packages, find_packages, setup

# resources/ and each folder in it (presets, presets/guides, icons, corpora): data only
DATA = ["rnnsim.resources", *(f"rnnsim.resources.{name}" for name in
                              find_namespace_packages(where="resources"))]

setup(
    packages=[*find_packages(include=["rnnsim", "rnnsim.*"]), *DATA],
    package_dir={"rnnsim.resources": "resources"},
    package_data={name: ["*"] for name in DATA},
    exclude_package_data={"": ["__pycache__", "*.py[cod]"]},
)
