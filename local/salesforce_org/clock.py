"""The emulator's own notion of "now", which tests move to cross windows (token expiry, 24 hours, 15
days, 72-hour event retention) without sleeping.

By default the clock follows the machine's time. ``set`` jumps to an instant (frozen there unless
``frozen=False``); ``advance`` moves it forward from wherever it is; ``resume`` lets a frozen clock run
again from its current reading.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._base_value = _aware(start) if start is not None else datetime.now(UTC)
        self._base_real = time.time()
        self._frozen = frozen

    def now(self) -> datetime:
        """The emulator's current time, aware and in UTC."""
        with self._lock:
            if self._frozen:
                return self._base_value
            return self._base_value + timedelta(seconds=time.time() - self._base_real)

    @property
    def frozen(self) -> bool:
        return self._frozen

    def set(self, when: datetime, *, frozen: bool = True) -> None:
        with self._lock:
            self._base_value = _aware(when)
            self._base_real = time.time()
            self._frozen = frozen

    def advance(self, delta: timedelta) -> datetime:
        """Move forward (or back, with a negative delta) and return the new reading."""
        now = self.now()
        with self._lock:
            self._base_value = now + delta
            self._base_real = time.time()
            return self._base_value

    def freeze(self) -> None:
        self.set(self.now(), frozen=True)

    def resume(self) -> None:
        self.set(self.now(), frozen=False)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("the emulator clock takes time-zone-aware datetimes")
    return value.astimezone(UTC)
