"""``functions/first_sync`` as Lambda runs it: moto built from template.yaml, the org emulator over HTTPS,
the rep's own refresh-token grant, and its asynchronous self-invocations run as Lambda would run them
(``tests/support/handler_stack``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from pydantic import ValidationError

from local.stack.lambdas import LambdaContextStub
from tasksync.adapters.salesforce.settings import GatewaySettings
from tasksync.domain.settings import ConnectionStatus, FirstSyncState
from tasksync.use_cases.first_sync import HAND_OVER_MARGIN
from tests.support import handler_stack
from tests.support.handler_stack import HandlerStack, Rep, counting, dynamodb_requests
from tests.support.handler_stack import connected_app as connected_app
from tests.support.handler_stack import org_emulator as org_emulator
from tests.support.handler_stack import stack as stack
from tests.support.handler_stack import webhook_receiver as webhook_receiver

FIRST_SYNC = "FirstSyncFunction"


def rep_with_tasks(stack: HandlerStack, count: int) -> Rep:
    """A connected rep with ``count`` reminder tasks changed in Salesforce lately, who turns sync on."""
    rep = stack.connect()
    for n in range(count):
        stack.org.ui_create_task({"Subject": f"Task {n}", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    stack.org.ui_create_task({"Subject": "A logged call", "OwnerId": rep.sf_id, "TaskSubtype": "Call"})
    stack.save_settings(rep, enabled=True, enabled_at=stack.now())
    return rep


@dataclass
class ShortOfTime(LambdaContextStub):
    """A context whose remaining time drops below the hand-over margin after ``asked`` questions."""

    asked: int = 0

    def get_remaining_time_in_millis(self) -> int:
        self.asked -= 1
        left = timedelta(minutes=10) if self.asked >= 0 else HAND_OVER_MARGIN - timedelta(seconds=1)
        return int(left.total_seconds() * 1000)


def test_turning_sync_on_imports_the_reps_tasks_and_shows_the_count(stack: HandlerStack) -> None:
    rep = rep_with_tasks(stack, 30)

    with stack.running(), counting(stack) as calls, dynamodb_requests(stack) as requests:
        answer = stack.invoke(FIRST_SYNC, {"userId": rep.user_id})

    assert answer == {"state": "done", "total": 30, "imported": 30}
    progress = stack.settings(rep).first_sync
    assert (progress.state, progress.total, progress.imported, progress.error) == (FirstSyncState.DONE, 30, 30, "")
    assert sorted(t.name for t in stack.sia_tasks(rep)) == sorted(f"Task {n}" for n in range(30))
    assert calls.org == calls.gateways == 2 + 1 + 1  # the org's picklists, COUNT(), one page of rows
    # Each import writes the SIA task and its link; the run itself adds a handful (claim, count, end,
    # cursors), not a write per task (its progress is saved every 500).
    writes = sum(requests[op] for op in ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"))
    assert writes <= 2 * 30 + 8, requests


@pytest.fixture
def bulk_above_five_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stack's gateways take the Bulk API 2.0 path above 5 rows and read pages of 4 (moto copies a
    table at each transaction, so thousands of imports are for the benchmark, not for a test). The
    stack makes its gateways' settings with ``handler_stack.GatewaySettings``."""
    monkeypatch.setattr(handler_stack, "GatewaySettings", partial(GatewaySettings, bulk_threshold=5, bulk_page_size=4))


def test_a_first_sync_above_the_bulk_threshold_reads_a_bulk_job_page_by_page(
    bulk_above_five_rows: None, stack: HandlerStack
) -> None:
    rep = rep_with_tasks(stack, 10)

    with stack.running(), counting(stack) as calls:
        answer = stack.invoke(FIRST_SYNC, {"userId": rep.user_id})

    assert answer == {"state": "done", "total": 10, "imported": 10}
    assert len(stack.org.bulk_jobs()) == 1
    # picklists (2), COUNT(), the job, one poll, three pages of at most 4 rows
    assert calls.org == calls.gateways == 2 + 1 + 1 + 1 + 3


def test_a_leg_short_of_time_hands_over_to_itself_and_the_next_leg_finishes(stack: HandlerStack) -> None:
    rep = rep_with_tasks(stack, 12)
    function = stack.functions[FIRST_SYNC]

    with stack.running():
        first = stack.handler(FIRST_SYNC)(
            {"userId": rep.user_id}, ShortOfTime(function_name=function.name, timeout_seconds=900, asked=4)
        )
        handed = [(i.function_name, i.payload) for i in stack.invocations]
        stack.run_invocations()

    assert first["state"] == "running" and 0 < first["imported"] < 12
    assert handed == [(function.name, {"userId": rep.user_id, "resume": True})]
    progress = stack.settings(rep).first_sync
    assert (progress.state, progress.imported, progress.leg) == (FirstSyncState.DONE, 12, 2)
    assert len(stack.sia_tasks(rep)) == 12
    assert stack.failures == []


def test_a_stale_resume_of_a_finished_sync_changes_nothing(stack: HandlerStack) -> None:
    rep = rep_with_tasks(stack, 3)
    with stack.running():
        stack.invoke(FIRST_SYNC, {"userId": rep.user_id})
        done = stack.settings(rep)

        with counting(stack) as calls:
            answer = stack.invoke(FIRST_SYNC, {"userId": rep.user_id, "resume": True})

    assert answer["state"] == "done"
    assert stack.settings(rep) == done  # not even saved again
    assert calls.org == 0 and stack.invocations == []


@pytest.mark.parametrize("event", [{}, {"userId": ""}, {"userId": "u", "resume": "later"}, {"user": "u"}])
def test_a_bad_event_is_a_clear_error_and_changes_nothing(stack: HandlerStack, event: dict[str, Any]) -> None:
    rep = rep_with_tasks(stack, 1)
    before = stack.settings(rep)

    with stack.running(), pytest.raises(ValidationError):
        stack.invoke(FIRST_SYNC, event)

    assert stack.settings(rep) == before and stack.sia_tasks(rep) == []


def test_a_revoked_grant_fails_the_first_sync_and_pauses_the_reps_sync(stack: HandlerStack) -> None:
    rep = rep_with_tasks(stack, 2)
    stack.org.revoke_tokens(rep.sf_user)

    with stack.running():
        answer = stack.invoke(FIRST_SYNC, {"userId": rep.user_id})

    assert answer["state"] == "failed"
    settings = stack.settings(rep)
    assert settings.first_sync.error_code == "invalid_grant"
    assert settings.connection is not None and settings.connection.status is ConnectionStatus.REVOKED
    assert stack.sia_tasks(rep) == []


def test_salesforce_down_for_longer_than_the_gateway_retries_is_retried_by_lambda(stack: HandlerStack) -> None:
    rep = rep_with_tasks(stack, 3)
    stack.org.inject_fault("SERVER_UNAVAILABLE", count=4, path_contains="/query")
    function = stack.functions[FIRST_SYNC]
    context = LambdaContextStub(function_name=function.name, timeout_seconds=900)

    with stack.running():
        with pytest.raises(Exception, match="SERVER_UNAVAILABLE"):
            stack.handler(FIRST_SYNC)({"userId": rep.user_id}, context)
        meanwhile = stack.settings(rep).first_sync
        retried = stack.handler(FIRST_SYNC)({"userId": rep.user_id}, context)  # Lambda's retry: one request id

    assert (meanwhile.state, meanwhile.error_code) == (FirstSyncState.RUNNING, "SERVER_UNAVAILABLE")
    assert retried == {"state": "done", "total": 3, "imported": 3}
    assert stack.settings(rep).first_sync.error == ""
