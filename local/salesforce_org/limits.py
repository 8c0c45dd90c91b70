"""The daily API request allowance of one org.

REST API Developer Guide, "Limits" (``GET /services/data/vXX.X/limits``): ``DailyApiRequests`` with
``Max`` and ``Remaining``; "Limit Info Header": every answer carries ``Sforce-Limit-Info:
api-usage=<used>/<max>``. Salesforce Developer Limits and Allocations Quick Reference: the allowance
is counted over a rolling 24-hour period; past it, calls answer 403 ``REQUEST_LIMIT_EXCEEDED``.

The emulator counts every authenticated ``/services/data`` request (REST, Bulk API 2.0, ``limits``
itself) against the rolling window of the emulator clock; token requests and the emulator's own
control and UI routes are free.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

WINDOW = timedelta(hours=24)
DEFAULT_DAILY_LIMIT = 100_000
"""Enterprise Edition starts at 100,000 a day (plus 1,000 per licence)."""


class ApiUsage:
    def __init__(self, limit: int = DEFAULT_DAILY_LIMIT) -> None:
        self._lock = threading.Lock()
        self._calls: deque[datetime] = deque()
        self.limit = limit

    def used(self, now: datetime) -> int:
        with self._lock:
            self._expire(now)
            return len(self._calls)

    def try_record(self, now: datetime) -> tuple[bool, int]:
        """Count one call unless the allowance is spent; returns (counted, used after)."""
        with self._lock:
            self._expire(now)
            if len(self._calls) >= self.limit:
                return False, len(self._calls)
            self._calls.append(now)
            return True, len(self._calls)

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()

    def _expire(self, now: datetime) -> None:
        horizon = now - WINDOW
        while self._calls and self._calls[0] <= horizon:
            self._calls.popleft()
