"""The freedesktop menu entry: ``rnnsim gui --install-desktop-entry``.

Copies ``resources/rnnsim.desktop`` into ``$XDG_DATA_HOME/applications`` (default
``~/.local/share``) and the icon into ``icons/hicolor/scalable/apps``, with ``Exec`` pointing at
this installation's ``rnnsim-gui`` (a venv need not be on the PATH). Qt-free.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from rnnsim import package_data
from rnnsim.sim import atomic


def data_home(environ=None) -> Path:
    """``$XDG_DATA_HOME``, else ``~/.local/share``."""
    env = os.environ if environ is None else environ
    return Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def launcher() -> str:
    """The ``rnnsim-gui`` of this installation (beside the interpreter), else the name."""
    script = Path(sys.executable).with_name("rnnsim-gui")
    return str(script) if script.is_file() else "rnnsim-gui"


def install_desktop_entry(home=None) -> list[Path]:
    """Write the menu entry and its icon under ``home`` (default ``data_home()``); return
    the two paths."""
    home = Path(home) if home is not None else data_home()
    entry = home / "applications" / "rnnsim.desktop"
    icon = home / "icons" / "hicolor" / "scalable" / "apps" / "rnnsim.svg"
    for folder in (entry.parent, icon.parent):
        folder.mkdir(parents=True, exist_ok=True)
    text = package_data.path("rnnsim.desktop").read_text(encoding="utf-8")
    exec_line = f"Exec={_quoted(launcher())} %f"
    text = (
        "\n".join(exec_line if line.startswith("Exec=") else line for line in text.splitlines())
        + "\n"
    )
    with atomic.atomic_path(icon) as tmp:
        shutil.copyfile(package_data.path("icons", "rnnsim.svg"), tmp)
    atomic.write_text(entry, text)
    return [entry, icon]


def _quoted(path: str) -> str:
    """A desktop-entry Exec argument: quoted when it holds a space or a reserved character."""
    if not any(c in path for c in " \t\"'\\><~|&;$*?#()`"):
        return path
    return '"' + "".join("\\" + c if c in '"`$\\' else c for c in path) + '"'
