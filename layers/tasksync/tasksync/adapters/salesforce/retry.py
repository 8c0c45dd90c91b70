"""Bounded exponential back-off with full jitter for whole calls that fail transiently."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tasksync.ports.salesforce import ErrorKind, SalesforceError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in all; before try n+1 sleep uniform(0, min(max_delay, base_delay * 2**n)).

    The defaults wait about 1.75 s on average and never more than 3.5 s in all, short enough for a
    Lambda; longer outages go back to the caller as a TRANSIENT error (SQS redelivery does the rest).
    """

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    jitter: Callable[[], float] = field(default=random.random, repr=False)

    def delay(self, retry: int) -> float:
        return self.jitter() * min(self.max_delay, self.base_delay * 2.0**retry)

    def run(self, call: Callable[[], T]) -> T:
        for retry in range(self.attempts):
            try:
                return call()
            except SalesforceError as error:
                if error.kind is not ErrorKind.TRANSIENT or retry == self.attempts - 1:
                    raise
                self.sleep(self.delay(retry))
        raise AssertionError("attempts must be at least 1")
