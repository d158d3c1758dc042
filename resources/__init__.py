"""rnnsim's package data: presets, text corpora and icons.

This folder stays at the top of the repository and ships inside the wheel and the sdist as
the package ``rnnsim.resources`` (``setup.py`` maps it); read it through
``rnnsim.package_data``, never through a path relative to a source file.
"""
