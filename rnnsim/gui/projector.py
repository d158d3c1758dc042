"""Projector mode's zoom factors, the one source of truth for everything drawn larger.

The window's View ▸ Projector mode (``rnnsim.gui.view_menu``) and recordings made with
projector-mode fonts (``rnnsim animate --projector``, File ▸ Export animation…) read them here.
No Qt: the command line's help uses them without loading the widgets.
"""

from __future__ import annotations

ZOOMS = (1.25, 1.5, 1.75, 2.0)  # View ▸ Projector zoom offers these
DEFAULT_ZOOM = 1.5
MIN_ZOOM, MAX_ZOOM = 1.0, 3.0  # a remembered (or typed) zoom outside this is refused


def valid_zoom(zoom) -> bool:
    """True when ``zoom`` is a projector zoom the window and recordings accept."""
    try:
        return MIN_ZOOM <= float(zoom) <= MAX_ZOOM
    except (TypeError, ValueError):
        return False
