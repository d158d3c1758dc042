"""Export menus: each plot's context menu and File ▸ Export (PNG at a chosen scale, SVG, CSV).

add_export_actions(file_export_menu, window.plots, window.canvas, parent=window)
"""

from __future__ import annotations

import os

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox

from rnnsim.gui.export import ExportError, canvas_scenes, export_canvas, export_plot
from rnnsim.gui.plots.common import EXPORT_SIZE

SCALES = (1, 2, 3, 4)


class Dialogs:
    """The dialogs an export uses (tests replace the methods to run without a user)."""

    @staticmethod
    def save_path(parent, title, suggested, file_filter):
        """Ask for a file to write; '' when cancelled."""
        path, _ = QFileDialog.getSaveFileName(parent, title, suggested, file_filter)
        return path

    @staticmethod
    def scale(parent, width, height):
        """Ask for the PNG scale; None when cancelled."""
        items = [f"{k}× ({round(width * k)} × {round(height * k)} pixels)" for k in SCALES]
        item, ok = QInputDialog.getItem(parent, "PNG resolution", "Resolution:", items, 1, False)
        return SCALES[items.index(item)] if ok else None

    @staticmethod
    def error(parent, text):
        """Tell the user an export failed."""
        QMessageBox.critical(parent, "Export failed", text)


dialogs = Dialogs()
last_folder = {"path": ""}


def _suggest(stem, ext):
    return os.path.join(last_folder["path"] or os.getcwd(), f"{stem}.{ext}")


def _run(parent, write):
    """Call ``write()``; show any error to the user. Returns the paths written or None."""
    try:
        written = write()
    except (ExportError, OSError, ValueError) as exc:
        dialogs.error(parent, str(exc))
        return None
    if written:
        last_folder["path"] = os.path.dirname(os.path.abspath(written[0]))
    return written


def export_plot_interactive(plot, fmt, parent=None):
    """Ask where (and for PNG at what scale) and export ``plot``; errors are shown."""
    parent = parent or plot
    scale = 1
    if fmt == "png":
        scale = dialogs.scale(parent, *EXPORT_SIZE)
        if scale is None:
            return None
    path = dialogs.save_path(
        parent,
        f"Export {plot.title} as {fmt.upper()}",
        _suggest(plot.name, fmt),
        f"{fmt.upper()} (*.{fmt})",
    )
    if not path:
        return None
    return _run(parent, lambda: export_plot(plot, path, fmt, scale))


def export_canvas_interactive(canvas, fmt, parent=None):
    """Ask where (and for PNG at what scale) and export the network canvas."""
    parent = parent or canvas
    scale = 1
    if fmt == "png":
        rect = next(iter(_scenes(canvas).values())).itemsBoundingRect()
        scale = dialogs.scale(parent, rect.width(), rect.height())
        if scale is None:
            return None
    path = dialogs.save_path(
        parent,
        f"Export the network as {fmt.upper()}",
        _suggest("network", fmt),
        f"{fmt.upper()} (*.{fmt})",
    )
    if not path:
        return None
    return _run(parent, lambda: export_canvas(canvas, path, fmt, scale))


def _scenes(canvas):
    return canvas_scenes(canvas)


def fill_plot_menu(menu: QMenu, plot, parent=None):
    """Add "PNG…", "SVG…", "CSV (data)…" for ``plot`` to ``menu``."""
    for fmt, label in (("png", "PNG image…"), ("svg", "SVG drawing…"), ("csv", "CSV data…")):
        action = menu.addAction(label)
        action.setObjectName(f"export_{plot.name}_{fmt}")
        action.triggered.connect(lambda _=False, f=fmt: export_plot_interactive(plot, f, parent))
    return menu


def install_plot_menu(plot):
    """Give ``plot`` its right-click menu ``export_menu`` (PNG, SVG, CSV of this plot)."""
    plot.export_menu = fill_plot_menu(QMenu("Export this plot", plot), plot)


def add_export_actions(menu: QMenu, plot_docks, canvas=None, parent=None):
    """Add a submenu per plot and one for the canvas to ``menu`` (File ▸ Export).

    Parameters
    ----------
    menu : QMenu
        Usually the window's File ▸ Export menu (which also holds ``actionExportAll``).
    plot_docks : PlotDocks
        Its ``plots`` (name → PlotView) are offered in dock order.
    canvas : QGraphicsView or NetworkCanvas or None
        The network canvas; None leaves it out.
    parent : QWidget or None
        Parent of the dialogs.
    """
    menu.addSeparator()
    for plot in plot_docks.plots.values():
        sub = menu.addMenu(plot.title)
        sub.setObjectName(f"exportMenu_{plot.name}")
        fill_plot_menu(sub, plot, parent)
    if canvas is not None:
        sub = menu.addMenu("Network canvas")
        sub.setObjectName("exportMenu_network")
        for fmt, label in (("png", "PNG image…"), ("svg", "SVG drawing…")):
            action = sub.addAction(label)
            action.setObjectName(f"export_network_{fmt}")
            action.triggered.connect(
                lambda _=False, f=fmt: export_canvas_interactive(canvas, f, parent)
            )
    return menu
