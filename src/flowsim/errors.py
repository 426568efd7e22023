"""The errors flowsim raises for problems a person can fix.

Every layer raises a subclass of :class:`FlowsimError`, whose ``message`` is one paragraph
written for the person who made the request: it names the file, line or option, and what
is allowed. The ``flowsim`` command prints that paragraph after ``flowsim <command>:`` and
exits with status 2; Python callers can catch :class:`FlowsimError` (or a subclass) and
read ``message``. Errors that are bugs stay ordinary Python exceptions.
"""

from __future__ import annotations


class FlowsimError(Exception):
    """A problem the user can fix, explained in ``message``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ScenarioError(FlowsimError):
    """A scenario that cannot be used: the message names the file, the line, the key and what is allowed."""


class TargetsError(FlowsimError):
    """A targets file that cannot be used; the message names the file, line and key."""


class EnsembleError(FlowsimError):
    """A request for many runs (ensemble, comparison, sensitivity) that cannot be carried out."""


class CalibrationError(FlowsimError):
    """A calibration that cannot be carried out, explained for the person who asked for it."""


class RunFolderError(FlowsimError):
    """A run folder that cannot be read for figures or a report."""


class UserError(FlowsimError):
    """A bad command-line request that no other error type describes (e.g. ``--out`` is a file)."""
