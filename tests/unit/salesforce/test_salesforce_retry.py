"""Bounded exponential back-off with jitter, without waiting."""

from __future__ import annotations

import pytest

from tasksync.adapters.salesforce.retry import RetryPolicy
from tasksync.ports.salesforce import ErrorKind, SalesforceError


def failing(kinds):
    calls = []

    def call():
        calls.append(1)
        if len(calls) <= len(kinds):
            raise SalesforceError(kinds[len(calls) - 1], "X", "x")
        return "ok"

    return call, calls


def test_transient_errors_are_retried_with_growing_capped_delays():
    sleeps: list[float] = []
    policy = RetryPolicy(attempts=5, base_delay=1.0, max_delay=3.0, sleep=sleeps.append, jitter=lambda: 1.0)
    call, calls = failing([ErrorKind.TRANSIENT] * 4)

    assert policy.run(call) == "ok"
    assert len(calls) == 5
    assert sleeps == [1.0, 2.0, 3.0, 3.0]


def test_jitter_scales_the_delay():
    assert RetryPolicy(base_delay=2.0, jitter=lambda: 0.25).delay(2) == 2.0


def test_gives_up_after_the_last_attempt():
    sleeps: list[float] = []
    call, calls = failing([ErrorKind.TRANSIENT] * 9)

    with pytest.raises(SalesforceError):
        RetryPolicy(attempts=3, sleep=sleeps.append).run(call)
    assert len(calls) == 3 and len(sleeps) == 2


@pytest.mark.parametrize("kind", [ErrorKind.PERMANENT, ErrorKind.AUTH, ErrorKind.ALREADY_DELETED])
def test_other_errors_are_not_retried(kind):
    call, calls = failing([kind])

    with pytest.raises(SalesforceError):
        RetryPolicy(sleep=lambda _: None).run(call)
    assert len(calls) == 1
