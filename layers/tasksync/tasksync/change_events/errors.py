"""The change-event parser's one refusal."""

from __future__ import annotations


class ChangeEventRejected(ValueError):
    """The body is not a set of Task change events the sync can read; the message says what is wrong and
    where. A refused body is refused whole: nothing of it is returned."""
