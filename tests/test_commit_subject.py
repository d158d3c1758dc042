"""The commit-msg hook (.ci/commit_subject.py) refuses subjects over 72 characters."""

import subprocess
import sys
from pathlib import Path

import pytest

HOOK = Path(__file__).resolve().parents[1] / ".ci" / "commit_subject.py"


def run_hook(tmp_path, message):
    path = tmp_path / "COMMIT_EDITMSG"
    path.write_text(message, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(HOOK), str(path)], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    "message, code",
    [
        ("x" * 72 + "\n\n" + "a long body line " * 20 + "\n", 0),
        ("x" * 73 + "\n", 1),
        ("# Please enter the commit message\n" + "x" * 73 + "\n", 1),  # git's comments skipped
        ("# a comment longer than seventy-two characters, which git drops anyway .....\nok\n", 0),
    ],
)
def test_subjects_over_72_characters_are_refused(tmp_path, message, code):
    result = run_hook(tmp_path, message)
    assert result.returncode == code, result.stderr
    assert ("at most 72" in result.stderr) == bool(code)


def test_the_hook_is_installed_for_commit_messages():
    config = (HOOK.parents[1] / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert "commit-msg" in config.split("repos:")[0]  # default_install_hook_types
    assert "entry: python .ci/commit_subject.py" in config
