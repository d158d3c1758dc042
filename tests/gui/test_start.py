"""How the window starts: a saved run opens trained (``rnnsim gui DIR/run.npz``), the
application's name, version and icon, and the check for the xcb system libraries."""

import os
import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest

import rnnsim.gui as gui
from rnnsim import __version__, package_data
from rnnsim.gui import system_check
from rnnsim.sim import Experiment, Simulation


def test_a_saved_run_opens_trained(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNSIM_SETTINGS", str(tmp_path / "settings.ini"))
    sim = Simulation(Experiment(n_hidden=5, seed=4))
    sim.train(7)
    state = tmp_path / "run.npz"
    sim.save(state)
    seen = {}
    render = gui.render_after_steps

    def spy(window, steps, path, timeout=60.0, extra=0):
        render(window, steps, path, timeout, extra)
        seen["updates"], seen["weights"] = window.snapshot.updates, window.snapshot.weights
        seen["icon"] = not window.windowIcon().isNull()

    monkeypatch.setattr(gui, "render_after_steps", spy)
    assert gui.run([str(state), "--screenshot", str(tmp_path / "w.png")]) == 0
    assert seen["updates"] == 7 and seen["icon"]
    assert np.array_equal(seen["weights"]["Ws"], sim.net.params["Ws"])
    assert qapp.applicationName() == "rnnsim" and qapp.applicationVersion() == __version__
    assert not qapp.windowIcon().isNull()


def test_a_state_file_that_is_not_one_is_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "run.npz"
    bad.write_text("no")
    assert gui.run([str(bad), "--screenshot", str(tmp_path / "w.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnsim gui: error: run.npz") and err.count("\n") == 1


def test_the_icon_and_the_desktop_entry_ship_with_the_package():
    assert package_data.path("icons", "rnnsim.svg").read_text().startswith("<svg")
    entry = package_data.path("rnnsim.desktop").read_text()
    assert "Exec=rnnsim-gui %f" in entry and "Icon=rnnsim" in entry
    assert entry.startswith("[Desktop Entry]\nType=Application\n")


def test_xcb_is_checked_only_where_qt_will_use_it():
    assert system_check.uses_xcb({"DISPLAY": ":0"}, "linux")
    assert system_check.uses_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not system_check.uses_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not system_check.uses_xcb({"DISPLAY": ":0", "WAYLAND_DISPLAY": "w-0"}, "linux")
    assert not system_check.uses_xcb({}, "linux")
    assert not system_check.uses_xcb({"DISPLAY": ":0"}, "win32")


def test_missing_xcb_libraries_are_named_with_the_install_line():
    absent = {"libxcb-cursor.so.0", "libxcb-keysyms.so.1"}

    def load(name):
        if name in absent:
            raise OSError(f"{name}: cannot open shared object file")

    line = system_check.xcb_problem({"DISPLAY": ":0"}, load=load)
    assert line == (
        "rnnsim: error: the window needs system libraries that are missing: "
        "libxcb-cursor0, libxcb-keysyms1; install them with: sudo apt-get install "
        "-y libxcb-cursor0 libxcb-keysyms1"
    )
    assert system_check.xcb_problem({"DISPLAY": ":0"}, load=lambda name: None) is None


def test_the_window_exits_1_before_qt_when_a_library_is_missing(monkeypatch, capsys):
    monkeypatch.setattr(system_check, "xcb_problem", lambda: "rnnsim: error: missing x")
    assert gui.run([]) == 1
    assert capsys.readouterr().err == "rnnsim: error: missing x\n"


def test_the_menu_entry_points_at_this_installation(tmp_path, monkeypatch, capsys):
    from rnnsim.gui import desktop_entry

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "my data"))
    monkeypatch.setattr(desktop_entry, "launcher", lambda: "/opt/my env/bin/rnnsim-gui")
    assert gui.run(["--install-desktop-entry"]) == 0
    entry = tmp_path / "my data" / "applications" / "rnnsim.desktop"
    icon = tmp_path / "my data" / "icons" / "hicolor" / "scalable" / "apps" / "rnnsim.svg"
    assert capsys.readouterr().out == f"wrote {entry}\nwrote {icon}\n"
    lines = entry.read_text().splitlines()
    assert 'Exec="/opt/my env/bin/rnnsim-gui" %f' in lines and "Icon=rnnsim" in lines
    assert icon.read_bytes() == package_data.path("icons", "rnnsim.svg").read_bytes()


def test_ctrl_c_closes_the_window_quietly(qapp, qtbot, capsys):
    """A SIGINT while Qt's loop waits wakes it (no Python code need run) and closes."""
    from PySide6.QtWidgets import QWidget

    from rnnsim.gui.ctrl_c import CloseOnCtrlC

    window = QWidget()
    window.show()
    before = signal.getsignal(signal.SIGINT)
    try:
        with CloseOnCtrlC(window.close) as ctrl_c:
            os.kill(os.getpid(), signal.SIGINT)
            qtbot.waitUntil(lambda: ctrl_c.interrupted and not window.isVisible())
            assert signal.getsignal(signal.SIGINT) is signal.SIG_DFL  # a second one ends it
    finally:
        window.deleteLater()
    assert signal.getsignal(signal.SIGINT) is before
    assert capsys.readouterr().err == "rnnsim gui: Ctrl-C: closing the window\n"


def test_ctrl_c_in_the_running_window_exits_130(qapp, tmp_path, monkeypatch, capsys):
    """``rnnsim gui`` to the end: Ctrl-C during ``app.exec()`` closes the window (its worker
    stopped, its layout saved) and the command exits 130, with one line and no traceback."""
    from PySide6.QtCore import QTimer

    monkeypatch.setenv("RNNSIM_SETTINGS", str(tmp_path / "settings.ini"))
    monkeypatch.setattr(system_check, "xcb_problem", lambda: None)
    interrupt = QTimer(singleShot=True, interval=0)
    interrupt.timeout.connect(lambda: os.kill(os.getpid(), signal.SIGINT))
    interrupt.start()
    assert gui.run([]) == 130
    assert capsys.readouterr().err == "rnnsim gui: Ctrl-C: closing the window\n"
    assert (tmp_path / "settings.ini").is_file()  # closed as by its close button


def test_the_running_window_keeps_its_startup_objects_out_of_the_collector(
    qapp, tmp_path, monkeypatch
):
    """A full collection while the window trains skips what was built before it showed
    (frozen while ``app.exec()`` runs, given back after)."""
    import gc

    from PySide6.QtCore import QTimer

    monkeypatch.setenv("RNNSIM_SETTINGS", str(tmp_path / "settings.ini"))
    monkeypatch.setattr(system_check, "xcb_problem", lambda: None)
    frozen = []

    def close():
        frozen.append(gc.get_freeze_count())
        qapp.closeAllWindows()

    closing = QTimer(singleShot=True, interval=0)
    closing.timeout.connect(close)
    closing.start()
    assert gui.run([]) == 0
    assert frozen and frozen[0] > 1000
    assert gc.get_freeze_count() == 0


def _hideable(library):
    """The real file of ``library`` when this process may hide it from a child (root, and a
    private mount namespace through ``unshare``), else None."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("unshare"):
        return None
    for folder in ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"):
        if os.path.exists(os.path.join(folder, library)):
            probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, timeout=30)
            return os.path.realpath(os.path.join(folder, library)) if not probe.returncode else None
    return None


@pytest.mark.slow
def test_a_really_missing_xcb_library_is_named_before_qt_aborts(tmp_path):
    """libxcb-cursor0 hidden from a real ``rnnsim`` (an empty file bind-mounted over it in a
    private mount namespace): one line naming the package, exit 1, instead of Qt's abort."""
    library = _hideable("libxcb-cursor.so.0")
    if library is None:
        pytest.skip("needs root, unshare and libxcb-cursor.so.0 (Linux)")
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = ":99"  # the check runs before Qt connects to any display
    hidden_run = f'mount --bind "{empty}" "{library}" && exec "{sys.executable}" -m rnnsim'
    proc = subprocess.run(
        ["unshare", "-m", "sh", "-c", hidden_run],
        capture_output=True,
        text=True,
        timeout=110,
        cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == (
        "rnnsim: error: the window needs system libraries that are missing: libxcb-cursor0; "
        "install them with: sudo apt-get install -y libxcb-cursor0\n"
    )
