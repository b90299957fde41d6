"""One base for every refusal the domain makes (STYLE habit 14).

A refusal knows the HTTP status it means and, when it concerns one input, the
field; each door (API, UI, admin) maps this one base once instead of keeping
its own list of exception types.
"""

from __future__ import annotations


class DeskError(Exception):
    """A refused request; the message is meant for the person who asked."""

    status: int = 409
    field: str | None = None

    def __init__(self, message: str = "", *, field: str | None = None):
        super().__init__(message)
        if field is not None:
            self.field = field

    def payload(self) -> dict:
        """What a machine reader gets besides the message (e.g. the id of the existing row)."""
        return {}
