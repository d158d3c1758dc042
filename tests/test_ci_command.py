"""CI runs exactly the README's test command (.ci/run says so; this keeps the two in step)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _install_and_test_line(text):
    lines = [line for line in text.splitlines() if line.startswith("python3 -m venv .venv && ")]
    return [line for line in lines if "[test]" in line]


def test_ci_runs_the_readmes_test_command():
    if not (ROOT / ".ci" / "run").is_file():
        pytest.skip("not a clone of the repository (an unpacked sdist has no .ci/)")
    readme = _install_and_test_line((ROOT / "README.md").read_text(encoding="utf-8"))
    ci = _install_and_test_line((ROOT / ".ci" / "run").read_text(encoding="utf-8"))
    assert len(readme) == 1 and "-m pytest" in readme[0]
    assert ci == readme
