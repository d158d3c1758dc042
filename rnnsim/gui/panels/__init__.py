"""Dockable panels of the main window: experiment, sequence, inspector, lecture."""
