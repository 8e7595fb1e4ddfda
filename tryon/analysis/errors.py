"""Errors raised by person analysis."""

from __future__ import annotations


class NoPersonFoundError(ValueError):
    """No person could be found in the photo (nothing to try clothes on)."""


class PersonTooSmallError(ValueError):
    """The person covers less than the minimum fraction of the image height."""


class AnalysisFileError(ValueError):
    """A saved analysis directory is missing a file or holds a corrupt or inconsistent one."""


class MissingDependencyError(ImportError):
    """An optional extra (for example ``sam``) is not installed; the message says how to add it."""
