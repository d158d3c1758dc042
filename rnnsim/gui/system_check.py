"""Before Qt starts on a Linux desktop: are the system libraries of its xcb platform there?

Without them Qt aborts (exit 134) with a message that names only one of them. This check
names every missing Debian/Ubuntu package and the ``apt-get install`` line instead. It loads
no Qt, only the libraries themselves (``ctypes``), so it runs before ``import PySide6``.

The list is what ``ldd`` of PySide6's ``libqxcb.so`` and ``libQt6XcbQpa.so.6`` needs beyond
glibc and Qt's own libraries (PySide6 6.9.3 and 6.10.3, Debian 12).
"""

from __future__ import annotations

import ctypes
import os
import sys

#: (shared library, Debian/Ubuntu package) that Qt's xcb platform plugin loads.
XCB_LIBRARIES = (
    ("libxcb.so.1", "libxcb1"),
    ("libX11.so.6", "libx11-6"),
    ("libX11-xcb.so.1", "libx11-xcb1"),
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-render.so.0", "libxcb-render0"),
    ("libxcb-shape.so.0", "libxcb-shape0"),
    ("libxcb-shm.so.0", "libxcb-shm0"),
    ("libxcb-sync.so.1", "libxcb-sync1"),
    ("libxcb-util.so.1", "libxcb-util1"),
    ("libxcb-xfixes.so.0", "libxcb-xfixes0"),
    ("libxcb-xkb.so.1", "libxcb-xkb1"),
    ("libxkbcommon.so.0", "libxkbcommon0"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libGL.so.1", "libgl1"),
    ("libEGL.so.1", "libegl1"),
    ("libfontconfig.so.1", "libfontconfig1"),
    ("libglib-2.0.so.0", "libglib2.0-0"),
    ("libdbus-1.so.3", "libdbus-1-3"),
)


def uses_xcb(environ=None, platform: str | None = None) -> bool:
    """True when Qt will start its xcb platform: Linux, a display, and no other platform
    asked for (``QT_QPA_PLATFORM``) or preferred (a Wayland session)."""
    env = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith("linux"):
        return False
    asked = env.get("QT_QPA_PLATFORM", "").strip()
    if asked:
        return asked.split(";")[0].split(":")[0] == "xcb"
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def missing_packages(load=ctypes.CDLL) -> list[str]:
    """The packages whose library cannot be loaded (``load(name)`` raises OSError)."""
    missing = []
    for library, package in XCB_LIBRARIES:
        try:
            load(library)
        except OSError:
            missing.append(package)
    return missing


def xcb_problem(environ=None, load=ctypes.CDLL) -> str | None:
    """One line naming the missing packages and how to install them, or None when the
    window can start (or Qt will not use xcb)."""
    if not uses_xcb(environ):
        return None
    missing = missing_packages(load)
    if not missing:
        return None
    return (
        f"rnnsim: error: the window needs system libraries that are missing: "
        f"{', '.join(missing)}; install them with: sudo apt-get install -y "
        f"{' '.join(missing)}"
    )
