"""The sdist and the wheel: what they contain, and that an installed wheel finds its resources
through the package (``rnnsim/resources``), not through the repository it was built from."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _repo_files(folder: str, pattern: str) -> set[str]:
    return {
        p.relative_to(REPO).as_posix()
        for p in (REPO / folder).rglob(pattern)
        if "__pycache__" not in p.parts and p.is_file()
    }


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """The sdist, and the wheel built from it (``python -m build``, offline)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (sdist,) = out.glob("rnnsim-*.tar.gz")
    (wheel,) = out.glob("rnnsim-*.whl")
    return sdist, wheel


def test_sdist_has_the_tests_the_resources_and_the_license(dist):
    sdist, _ = dist
    with tarfile.open(sdist) as tar:
        top = tar.getnames()[0].split("/")[0]
        names = {n.removeprefix(f"{top}/") for n in tar.getnames()}
    expected = (
        _repo_files("tests", "*.py")
        | _repo_files("resources", "*")
        | {"LICENSE", "README.md", "main.py", "pyproject.toml", "setup.py"}
    )
    assert expected - names == set()
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_wheel_ships_resources_inside_the_package(dist):
    _, wheel = dist
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        entry_points = next(
            whl.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt")
        )
        metadata = next(whl.read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
    shipped = {f"rnnsim/{n.removeprefix('resources/')}" for n in _repo_files("resources", "*")}
    assert {n.replace("rnnsim/", "rnnsim/resources/", 1) for n in shipped} - names == set()
    assert not [n for n in names if n.startswith(("resources/", "tests/"))]
    assert "[gui_scripts]\nrnnsim-gui = rnnsim.launch:gui_main" in entry_points
    assert "[console_scripts]\nrnnsim = rnnsim.launch:main" in entry_points
    assert "License-Expression: MIT" in metadata


def test_installed_wheel_reads_resources_through_the_package(dist, tmp_path):
    """Installed into a folder of its own and run from another one: every preset, the text
    corpus and the icons come from ``<install>/rnnsim/resources``."""
    _, wheel = dist
    target, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("RNNSIM_PRESETS", None)
    probe = (
        "import rnnsim, rnnsim.package_data as p, rnnsim.tasks.files as f, "
        "rnnsim.sim.presets as s\n"
        "print(rnnsim.__file__); print(p.root()); print(f.DEFAULT_CORPUS.is_file())\n"
        "print(len(s.preset_names())); print(p.path('icons', 'rnnsim.svg').is_file())"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=elsewhere,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout.split("\n")
    assert Path(out[0]).is_relative_to(target)
    assert Path(out[1]) == target / "rnnsim" / "resources"
    assert out[2:5] == ["True", str(len(list((REPO / "resources/presets").glob("*.json")))), "True"]
    presets = subprocess.run(
        [sys.executable, "-m", "rnnsim", "presets"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert presets.returncode == 0, presets.stderr
    assert "wolf (default)" in presets.stdout and "lstm-rescue" in presets.stdout
    tasks = subprocess.run(
        [sys.executable, "-m", "rnnsim", "tasks"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert tasks.returncode == 0, tasks.stderr
    assert "text:" in tasks.stdout
