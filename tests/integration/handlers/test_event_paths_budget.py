"""SPEC 7, the API budget: a rep's burst of SIA changes shares its Salesforce calls (sObject Collections,
200 records a call), its echoes cost nothing, and the scheduled safety nets wait once the org's daily
allowance is nearly spent, saying whom they put off, while the event path goes on. DynamoDB is paid by
the request: a synced change costs at most four, in either direction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from tasksync.domain.reminder_task import TaskField
from tasksync.ports.sync_state import ConcurrentUpdate
from tests.support.handler_stack import HandlerStack, Rep, counting, dynamodb_requests
from tests.support.handler_stack import connected_app as connected_app
from tests.support.handler_stack import org_emulator as org_emulator
from tests.support.handler_stack import stack as stack
from tests.support.handler_stack import webhook_receiver as webhook_receiver

BURST_CALLS_ALLOWED = 8
"""3 creates and 2 updates of 200; and, should the burst take over a minute to reach the queue on a slow
machine, the lookups (a query URL's worth of ids each, three for 400) that edits sent late make first
(``domain.clocks.SENT_LATE``)."""
DYNAMODB_REQUESTS_ALLOWED = 4
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

    # Then it cost a handful of Salesforce API calls (3 creates and 2 updates of 200, maybe 3 lookups)
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


def _salesforce_change(make: Callable[[HandlerStack, Rep, str], object]) -> Callable[[HandlerStack, Rep], str]:
    def change(stack: HandlerStack, rep: Rep) -> str:
        sf_id = stack.org.ui_create_task({"Subject": "Call Ada", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
        stack.settle()
        make(stack, rep, sf_id)
        stack.deliver_webhook_posts()
        return "SalesforceChangesQueue"

    return change


def _sia_change(make: Callable[[HandlerStack, Rep, str], object]) -> Callable[[HandlerStack, Rep], str]:
    def change(stack: HandlerStack, rep: Rep) -> str:
        task = stack.sia_create(rep, "Call Ada")
        stack.settle()
        make(stack, rep, task.id)
        stack.drain_stream("ReminderTaskTable")
        return "ReminderChangesQueue"

    return change


def _created_in_salesforce(stack: HandlerStack, rep: Rep) -> str:
    stack.org.ui_create_task({"Subject": "Send the quote", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    stack.settle()  # a warm container: the org's picklists are cached once an hour, not per change
    stack.org.ui_create_task({"Subject": "Call Ada", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    stack.deliver_webhook_posts()
    return "SalesforceChangesQueue"


def _created_in_sia(stack: HandlerStack, rep: Rep) -> str:
    stack.sia_create(rep, "Send the quote")
    stack.settle()  # a warm container, as above
    stack.sia_create(rep, "Call Ada")
    stack.drain_stream("ReminderTaskTable")
    return "ReminderChangesQueue"


SYNCED_CHANGES = {
    "salesforce create": _created_in_salesforce,
    "salesforce edit": _salesforce_change(
        lambda stack, rep, sf_id: stack.org.ui_update_task(sf_id, {"Priority": "High"}, as_user=rep.sf_user)
    ),
    "salesforce completion": _salesforce_change(
        lambda stack, rep, sf_id: stack.org.ui_update_task(sf_id, {"Status": "Completed"}, as_user=rep.sf_user)
    ),
    "salesforce delete": _salesforce_change(
        lambda stack, rep, sf_id: stack.org.ui_delete_task(sf_id, as_user=rep.sf_user)
    ),
    "sia create": _created_in_sia,
    "sia edit": _sia_change(lambda stack, rep, task_id: stack.sia_update(rep, task_id, details="Bring notes")),
    "sia delete": _sia_change(lambda stack, rep, task_id: stack.sia_delete(rep, task_id)),
}


@pytest.mark.parametrize("change", list(SYNCED_CHANGES))
def test_a_synced_change_costs_at_most_four_dynamodb_requests(stack: HandlerStack, change: str) -> None:
    # Given a syncing rep's change, delivered to its consumer's queue
    rep = stack.syncing_rep()
    queue = SYNCED_CHANGES[change](stack, rep)

    # When the consumer takes it, in an invocation of its own (the rep's settings read in it, too) in a
    # container that has served the rep before
    with dynamodb_requests(stack) as requests:
        assert stack.drain_queue(queue) == 1

    # Then it cost at most four DynamoDB requests, and it was synced
    print(f"{change}: {sum(requests.values())} DynamoDB requests {dict(requests)}")
    assert sum(requests.values()) <= DYNAMODB_REQUESTS_ALLOWED, requests
    stack.settle()
    left = {"create": 2, "delete": 0}.get(change.rsplit(" ", 1)[-1], 1)
    assert len(stack.sia_tasks(rep)) == len(stack.sf_tasks_of(rep)) == left
    assert stack.disagreements(rep) == []
    assert stack.failures == []


def test_a_cancelled_task_and_link_write_leaves_no_trace_on_the_stack(stack: HandlerStack) -> None:
    """The stack's item-level transactions (handler_stack) undo a cancelled one as DynamoDB does: no item
    changed, and no stream record, so no task event, from the write that did not happen."""
    rep = stack.syncing_rep()
    sf_id = stack.org.ui_create_task({"Subject": "Call Ada", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    stack.settle()
    read = stack.sia_task_for(rep, sf_id)
    stale = stack.services.links.link_by_sf_id(rep.user_id, sf_id)
    assert read is not None and stale is not None
    stack.services.links.save_link(stale)  # another input's save

    with pytest.raises(ConcurrentUpdate):
        stack.services.linked.update_with_link(read, {TaskField.DETAILS: "never written"}, stack.now(), stale)

    assert stack.sia_task(rep, read.id) == read
    assert stack.drain_stream("ReminderTaskTable") == 0
