"""Faults an org can be told to produce on its next API calls, and added latency.

- ``UNABLE_TO_LOCK_ROW``: the next write calls fail as if another transaction held the record (HTTP 400
  on a single-record call; every record of an sObject Collections call fails with that statusCode inside
  an HTTP 200 answer, as record errors do there).
- ``REQUEST_LIMIT_EXCEEDED``: 403, as when the daily allowance is spent.
- ``SERVER_UNAVAILABLE``: 503.
- ``SLOW_RESPONSE``: the call runs (and commits) normally, then the answer waits ``seconds``: a client
  with a shorter time-out sees a time-out for a write that happened.

A rule applies to ``count`` calls that match its optional ``methods`` and ``path_contains`` filters.
Lock faults match write methods only unless ``methods`` says otherwise. Faults apply to
``/services/data`` calls, not to the token endpoint or the emulator's own routes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


class FaultKind(StrEnum):
    UNABLE_TO_LOCK_ROW = "UNABLE_TO_LOCK_ROW"
    REQUEST_LIMIT_EXCEEDED = "REQUEST_LIMIT_EXCEEDED"
    SERVER_UNAVAILABLE = "SERVER_UNAVAILABLE"
    SLOW_RESPONSE = "SLOW_RESPONSE"


@dataclass
class FaultRule:
    kind: FaultKind
    remaining: int
    methods: frozenset[str] | None = None
    path_contains: str | None = None
    seconds: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        methods = self.methods
        if methods is None and self.kind is FaultKind.UNABLE_TO_LOCK_ROW:
            methods = WRITE_METHODS
        if methods is not None and method.upper() not in methods:
            return False
        return self.path_contains is None or self.path_contains in path

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "remaining": self.remaining,
            "methods": sorted(self.methods) if self.methods is not None else None,
            "pathContains": self.path_contains,
            "seconds": self.seconds,
        }


@dataclass
class FaultPlan:
    latency_seconds: float = 0.0
    """Added before every API call of the org is handled."""
    rules: list[FaultRule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(
        self,
        kind: FaultKind | str,
        count: int = 1,
        *,
        methods: list[str] | None = None,
        path_contains: str | None = None,
        seconds: float = 0.0,
    ) -> FaultRule:
        if count < 1:
            raise ValueError("count must be at least 1")
        rule = FaultRule(
            kind=FaultKind(kind),
            remaining=count,
            methods=frozenset(m.upper() for m in methods) if methods else None,
            path_contains=path_contains,
            seconds=seconds,
        )
        with self._lock:
            self.rules.append(rule)
        return rule

    def take(self, method: str, path: str) -> FaultRule | None:
        """The first rule matching this call, with one use consumed."""
        with self._lock:
            for rule in self.rules:
                if rule.remaining > 0 and rule.matches(method, path):
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self.rules.remove(rule)
                    return rule
        return None

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.latency_seconds = 0.0

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {"latencySeconds": self.latency_seconds, "rules": [r.describe() for r in self.rules]}
