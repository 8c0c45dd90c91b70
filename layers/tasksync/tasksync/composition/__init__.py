"""The composition roots: the one place that builds the real adapters from a function's configuration,
once per container. Handlers ask a root for what they need; tests hand the same handlers a root of
fakes or moto (``override``, through a ``RootSeam``). ``sync`` serves the functions that sync; ``intake``
the webhook and ``publisher`` the stream publisher, which must stay light (no engine, no
simple-salesforce).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

Root = TypeVar("Root")


class RootSeam(Generic[Root]):
    """Where a test puts a root of fakes or moto in place of the container's (``override``)."""

    def __init__(self) -> None:
        self.root: Root | None = None

    @contextmanager
    def override(self, root: Root) -> Iterator[Root]:
        previous, self.root = self.root, root
        try:
            yield root
        finally:
            self.root = previous
