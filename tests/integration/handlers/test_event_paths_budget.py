"""SPEC 7, the API budget: a rep's burst of SIA changes shares its Salesforce calls (sObject Collections,
200 records a call), its echoes cost nothing, and the scheduled safety nets wait once the org's daily
allowance is nearly spent, saying whom they put off, while the event path goes on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.handler_stack import HandlerStack, counting
from tests.support.handler_stack import connected_app as connected_app
from tests.support.handler_stack import org_emulator as org_emulator
from tests.support.handler_stack import stack as stack
from tests.support.handler_stack import webhook_receiver as webhook_receiver

BURST_CALLS_ALLOWED = 6
DAILY_LIMIT = 300


def test_a_burst_of_1000_creates_and_updates_of_one_rep_costs_a_handful_of_calls(stack: HandlerStack) -> None:
    # Given a rep whose 400 Salesforce tasks the first sync imported (their own events long delivered)
    rep = stack.connect()
    stack.org.clear_webhook()
    for n in range(400):
        stack.org.ui_create_task({"Subject": f"Existing {n}", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    stack.org.set_webhook(stack.receiver.url_for(stack.org.id), stack.webhook_secret)
    stack.turn_sync_on(rep)
    stack.settle()
    existing = stack.sia_tasks(rep)
    assert len(existing) == 400
    # When the rep creates 600 tasks and edits the 400, and the 1,000 events come as one batch
    created = [stack.sia_create(rep, f"New {n}") for n in range(600)]
    for task in existing:
        stack.sia_update(rep, task.id, details="edited in the burst")
    stack.drain_stream("ReminderTaskTable")
    with counting(stack) as calls:
        stack.drain_queue("ReminderChangesQueue")

    # Then it cost at most 6 Salesforce API calls (3 creates and 2 updates of 200)
    print(f"a burst of 1,000 SIA events in one batch cost {calls.org} Salesforce API calls")
    assert stack.batches[-1] == ("ReminderChangesFunction", 1000)
    assert calls.org <= BURST_CALLS_ALLOWED
    assert all(stack.sf_id_of(rep, task.id) for task in created)
    assert len(stack.sf_tasks_of(rep)) == 1000
    assert stack.disagreements(rep) == []
    assert stack.failures == []


@pytest.mark.parametrize("function", ["DeletionSweepFunction", "ReconciliationFunction", "ReminderResyncFunction"])
def test_scheduled_work_waits_near_the_daily_limit_and_says_whom_it_put_off(stack: HandlerStack, function: str) -> None:
    # Given two syncing reps of one org, each with an SIA change the event path lost half an hour ago
    with stack.rewound(timedelta(minutes=30)):  # older than the resync waits, and than a minute's window
        reps = sorted((stack.syncing_rep(), stack.syncing_rep()), key=lambda rep: rep.user_id)
        tasks = [stack.sia_create(rep, "Call Ada") for rep in reps]
        stack.settle()
        for rep, task in zip(reps, tasks, strict=True):
            stack.sia_update(rep, task.id, details="lost on the way")
        stack.discard_stream()
    # and an org that has spent 85% of its daily allowance
    stack.org.set_daily_api_limit(DAILY_LIMIT)
    stack.spend_api_calls(int(DAILY_LIMIT * 0.85) - stack.api_calls())

    answer = stack.scheduled(function)

    # Then the first rep's run went ahead, and the second was put off, by name
    first, second = reps
    assert (answer["done"], answer["putOff"]) == ([first.user_id], [second.user_id])
    # while the event path is never held back
    made = stack.sia_create(second, "Made meanwhile")
    stack.settle()
    assert stack.sf_id_of(second, made.id) is not None
