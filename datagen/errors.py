"""Errors meant for users: printed as one line, exit status 2, never a traceback."""
from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input (recipe, files, command line)."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None):
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class RecipeError(UserError):
    """A recipe that does not parse or does not validate."""


class InputSkipped(Exception):
    """Raised inside a component for one broken input (a video, a font, a logo file).

    The engine catches it, counts it under `reason` and moves on to another input;
    counts appear in the manifest and the end-of-run summary.
    """

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)
