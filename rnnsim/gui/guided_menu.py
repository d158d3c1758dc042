"""The Guided menu of the main window: load a preset, compare its variants, sweep its knobs.

    from rnnsim.gui.guided_menu import install_guided_menu
    window.guided_views = install_guided_menu(window)    # once, in MainWindow.__init__

Loading a preset applies its experiment and resets the weights (a preset starts fresh); the
window title names it. Compare and Sweep windows belong to the main window:
closing it closes them, and a running sweep's worker processes end.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from rnnsim.gui.compare_view import CompareView
from rnnsim.gui.screen_fit import initial_size
from rnnsim.gui.sweep_view import SweepView
from rnnsim.sim.presets import DEFAULT_PRESET, list_presets, load_preset, preset_names

FIRST = "no-memory"  # the lecture opens with a network without memory


class GuidedViews(QObject):
    """The guided windows (Compare, Sweep); the main window's ``closeEvent`` closes them
    (``close_all``)."""

    def __init__(self, window):
        super().__init__(window)
        self.views: list = []

    def close_all(self):
        views, self.views = self.views, []
        for view in views:
            view.close()


def install_guided_menu(window) -> GuidedViews:
    """Add the Guided menu to ``window`` (a MainWindow); return the owner of the Compare and
    Sweep windows it opens (closed with ``window``).

    Actions carry object names: ``actionPreset_<name>``, ``actionCompare_<name>``,
    ``actionSweep_<name>`` and ``actionSweepCurrent``.
    """
    problems = []
    presets = list_presets(on_error=problems.append)
    presets.sort(key=lambda p: p.name != FIRST)  # the lecture opens with it
    for line in problems:  # a broken preset file: one line each, the rest works
        print(f"rnnsim: warning: {line}", file=sys.stderr, flush=True)
    if problems:
        window.show_notice("; ".join(problems), error=True)
    menu = window.menuBar().addMenu("&Guided")
    menu.setObjectName("guidedMenu")
    menu.setToolTipsVisible(True)
    closer = GuidedViews(window)
    for preset in presets:
        _action(
            menu,
            f"actionPreset_{preset.name}",
            preset.title,
            preset.explanation,
            lambda _=False, p=preset: load_preset_into(window, p),
        )
    menu.addSeparator()
    compare = menu.addMenu("Compare side by side")
    compare.setToolTipsVisible(True)
    for preset in (p for p in presets if len(p.variants) >= 2):
        labels = " against ".join(v.label for v in preset.variants)
        _action(
            compare,
            f"actionCompare_{preset.name}",
            f"{preset.title}: {labels}",
            preset.claim,
            lambda _=False, p=preset: open_compare(window, p),
        )
    sweep = menu.addMenu("Sweep")
    sweep.setToolTipsVisible(True)
    _action(
        sweep,
        "actionSweepCurrent",
        "Sweep the current experiment…",
        "A grid over one or two knobs of the experiment in the window",
        lambda: open_sweep(window, None),
    )
    for preset in (p for p in presets if p.sweep is not None):
        plan = preset.sweep
        axes = plan.x + (f" × {plan.y}" if plan.y else "")
        _action(
            sweep,
            f"actionSweep_{preset.name}",
            f"{preset.title}: {axes}",
            preset.claim,
            lambda _=False, p=preset: open_sweep(window, p),
        )
    return closer


def _action(menu: QMenu, name: str, text: str, tip: str, slot) -> QAction:
    action = menu.addAction(text)
    action.setObjectName(name)
    action.setToolTip(tip)
    action.setStatusTip(tip)
    action.triggered.connect(slot)
    return action


def load_preset_into(window, preset) -> None:
    """Apply ``preset``'s experiment to ``window`` and reset the weights; the header above the
    canvas shows its title, explanation and claim, the window title names the preset and the
    status bar says what it teaches (until the simulation's own
    notice about the change replaces it)."""
    reset = window.findChild(QAction, "actionReset")
    mute = getattr(window, "mute_worker_messages", None)
    if mute is not None:  # loading a preset is no change of the user's: no "Changed cell…"
        mute(2 if reset is not None else 1)
    window.apply_experiment(preset.experiment)
    header = getattr(window, "header", None)
    if header is not None:
        header.set_experiment(preset.experiment, claim=preset.claim, steps=preset.steps)
        header.restart()
    set_up_lesson(window, preset)
    if reset is not None:
        reset.trigger()
    window.setWindowTitle(preset.title)  # the desktop adds " — rnnsim" (display name)
    window.setToolTip(preset.explanation)
    window.show_notice(f"{preset.title}: {preset.claim or preset.explanation}")


VIEW_MODES = {"both": "Folded + unfolded", "unfolded": "Unfolded", "folded": "Folded"}


def set_up_lesson(window, preset) -> None:
    """What the preset's guide sets up: Train N's budget, the canvas view, what the backward
    arrows show ("Gradient of") and the plot in front."""
    train_n = getattr(window, "train_n", None)
    if train_n is not None:
        train_n.setValue(preset.updates)  # Train N takes the guide's budget
    canvas = getattr(window, "canvas", None)
    if canvas is not None and preset.view:
        canvas.set_mode(VIEW_MODES[preset.view])
    if canvas is not None and preset.gradient_of:
        canvas.set_grad_source(preset.gradient_of == "E_T")
    plots = getattr(window, "plots", None)
    if plots is not None and preset.plot in plots.plots:
        dock = plots.docks[list(plots.plots).index(preset.plot)]
        dock.show()
        dock.raise_()


def set_up_default_lesson(window) -> None:
    """The window opens on the default experiment, the preset ``wolf``: its header shows the
    guide's steps, so set up the guide's lesson too (Train N's budget, "Gradient of", the
    plot in front), as Guided ▸ would. Call before the remembered layout is restored: what
    the user chose last time (Train N, the view) wins."""
    if DEFAULT_PRESET not in preset_names():
        return
    try:
        preset = load_preset(DEFAULT_PRESET)
    except ValueError:  # a broken preset file: default_experiment() warned already
        return
    if preset.experiment == window.experiment:
        set_up_lesson(window, preset)


def _own(window, view):
    view.setParent(window, Qt.WindowType.Window)
    view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.guided_views.views.append(view)
    view.destroyed.connect(lambda *_: _forget(window, view))
    view.show()
    return view


def _forget(window, view):
    views = window.guided_views.views
    if view in views:
        views.remove(view)


def open_compare(window, preset):
    """Open a CompareView of ``preset``'s variants, owned by ``window``."""
    view = CompareView.from_preset(preset)
    view.resize(*initial_size(window, (1500, 950)))
    return _own(window, view)


def open_sweep(window, preset=None):
    """Open a SweepView of ``preset`` (None: the window's current experiment)."""
    view = SweepView(window.experiment) if preset is None else SweepView.from_preset(preset)
    view.resize(*initial_size(window, (1100, 760)))
    return _own(window, view)
