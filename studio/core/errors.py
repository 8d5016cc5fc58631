"""Errors the studio shows to a user as one line, never as a traceback.

Why a hierarchy: the GUI turns any :class:`StudioError` into a dialog and the CLI into exit status 2, while
anything else is a bug and is reported as such.
"""

from __future__ import annotations


class StudioError(Exception):
    """A failure caused by the user's input or environment; ``str(err)`` is a one-line explanation."""


class ModelLoadError(StudioError):
    """A model file could not be opened: corrupt, truncated, unsupported or unsafe."""


class UnsafeModelError(ModelLoadError):
    """A model file asks for something the studio refuses to do (execute a pickle, read outside its folder)."""


class DataError(StudioError):
    """A data set could not be found or read, or does not fit the model."""


class ProjectError(StudioError):
    """A project file could not be read or written."""
