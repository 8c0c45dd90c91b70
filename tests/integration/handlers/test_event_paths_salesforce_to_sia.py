"""SPEC 6, Salesforce -> SIA: what a rep does in Salesforce reaches their SIA tasks through the signed
webhook, the FIFO queue and ``salesforce_changes`` (or Event Relay's queue and ``relay_handler``)."""

from __future__ import annotations

from datetime import date, timedelta

from tasksync.domain.reminder_task import Priority, Status
from tests.support.handler_stack import HandlerStack
from tests.support.handler_stack import connected_app as connected_app
from tests.support.handler_stack import org_emulator as org_emulator
from tests.support.handler_stack import stack as stack
from tests.support.handler_stack import webhook_receiver as webhook_receiver


def test_a_task_created_in_salesforce_appears_in_sia(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()

    sf_id = stack.org.ui_create_task(
        {"Subject": "Call Ada", "OwnerId": rep.sf_id, "ActivityDate": "2024-06-05", "Description": "About the offer"},
        as_user=rep.sf_user,
    )
    stack.settle()

    task = stack.sia_task_for(rep, sf_id)
    assert task is not None
    assert (task.name, task.status, task.priority, task.due_date, task.details) == (
        "Call Ada",
        Status.OPEN,
        Priority.NORMAL,
        date(2024, 6, 5),
        "About the offer",
    )
    assert stack.failures == []


def test_an_edit_in_salesforce_changes_the_sia_task_but_not_its_name(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    sf_id = stack.org.ui_create_task({"Subject": "Call Ada", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    stack.settle()

    stack.org.ui_update_task(
        sf_id,
        {
            "Subject": "Call Ada Lovelace",
            "Priority": "High",
            "ActivityDate": "2024-06-07",
            "Description": "Bring notes",
        },
        as_user=rep.sf_user,
    )
    stack.settle()

    task = stack.sia_task_for(rep, sf_id)
    assert task is not None
    assert (task.name, task.priority, task.due_date, task.details) == (
        "Call Ada",  # SPEC 3: Subject edits in Salesforce never flow back to the name
        Priority.HIGH,
        date(2024, 6, 7),
        "Bring notes",
    )
    assert stack.failures == []


def test_a_task_completed_in_salesforce_is_complete_in_sia(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    sf_id = stack.org.ui_create_task({"Subject": "Send the quote", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    stack.settle()

    stack.org.ui_update_task(sf_id, {"Status": "Completed"}, as_user=rep.sf_user)
    stack.settle()

    task = stack.sia_task_for(rep, sf_id)
    assert task is not None and task.status is Status.COMPLETE


def test_a_task_deleted_in_salesforce_is_deleted_in_sia(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    sf_id = stack.org.ui_create_task({"Subject": "Send the quote", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    stack.settle()
    task = stack.sia_task_for(rep, sf_id)
    assert task is not None

    stack.org.ui_delete_task(sf_id, as_user=rep.sf_user)
    stack.settle()

    assert stack.sia_task(rep, task.id) is None
    assert stack.sia_tasks(rep) == []


def test_a_task_untouched_for_more_than_a_day_joins_sia_on_its_first_change(stack: HandlerStack) -> None:
    rep = stack.connect()
    with stack.rewound(timedelta(days=3)):
        sf_id = stack.org.ui_create_task({"Subject": "Old task", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    stack.settle()
    stack.turn_sync_on(rep)
    stack.settle()
    assert stack.sia_tasks(rep) == []  # outside the first sync's 24 hours

    stack.org.ui_update_task(sf_id, {"ActivityDate": "2024-06-10"}, as_user=rep.sf_user)
    stack.settle()

    task = stack.sia_task_for(rep, sf_id)
    assert task is not None
    assert (task.name, task.due_date) == ("Old task", date(2024, 6, 10))


def test_a_gap_event_is_applied_by_reading_the_record(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    sf_id = stack.org.ui_create_task({"Subject": "Call Ada", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    stack.settle()

    stack.org.gap_next(1)  # the next change is published as GAP_UPDATE: a header and no fields
    stack.org.ui_update_task(sf_id, {"Description": "Only the record says so"}, as_user=rep.sf_user)
    stack.settle()

    assert [e["data"]["payload"]["ChangeEventHeader"]["changeType"] for e in stack.org.events()][-1] == "GAP_UPDATE"
    task = stack.sia_task_for(rep, sf_id)
    assert task is not None and task.details == "Only the record says so"


def test_gap_overflow_starts_one_reconciliation_that_audits_deletes_even_when_delivered_twice(
    stack: HandlerStack,
) -> None:
    # Two minutes ago: the overflow's minute is one getUpdated has covered (see the test below).
    with stack.rewound(timedelta(minutes=2)):
        rep = stack.syncing_rep()
        kept, deleted = (
            stack.org.ui_create_task({"Subject": f"Task {n}", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
            for n in range(2)
        )
        stack.settle()
        # Salesforce could not publish the change by itself: the subscriber gets GAP_OVERFLOW instead.
        stack.org.webhook_faults(drop=1)
        stack.org.ui_delete_task(deleted, as_user=rep.sf_user)
        stack.org.emit_gap("GAP_OVERFLOW")

    stack.settle(redeliver=True)  # the GAP_OVERFLOW message comes twice

    reconciliation = stack.functions["ReconciliationFunction"].name
    assert [i.payload["orgId"] for i in stack.invocations if i.function_name == reconciliation] == [stack.org.id]
    assert [task.name for task in stack.sia_tasks(rep)] == ["Task 0"]
    assert stack.sia_task_for(rep, kept) is not None
    assert stack.failures == []


def test_the_reconciliation_gap_overflow_starts_applies_the_updates_it_stands_for(stack: HandlerStack) -> None:
    # getUpdated drops its window's seconds: the overflow's reconciliation sees a change once its minute
    # is over (until then it fails, and Lambda tries again later). Here that minute is two minutes ago.
    with stack.rewound(timedelta(minutes=2)):
        rep = stack.syncing_rep()
        sf_id = stack.org.ui_create_task({"Subject": "Task", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
        stack.settle()
        stack.org.webhook_faults(drop=1)
        stack.org.ui_update_task(sf_id, {"Priority": "High"}, as_user=rep.sf_user)
        stack.org.emit_gap("GAP_OVERFLOW")

    stack.settle()

    task = stack.sia_task_for(rep, sf_id)
    assert task is not None and task.priority is Priority.HIGH


def test_event_relay_events_reach_sia_through_their_own_queue(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    stack.org.clear_webhook()  # Event Relay is the only input
    last = stack.org.describe()["lastReplayId"]
    sf_id = stack.org.ui_create_task({"Subject": "Relayed", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    stack.org.ui_update_task(sf_id, {"Status": "Completed"}, as_user=rep.sf_user)

    assert stack.post_relay_events(after=last) == 2
    stack.settle()

    task = stack.sia_task_for(rep, sf_id)
    assert task is not None
    assert (task.name, task.status) == ("Relayed", Status.COMPLETE)
    assert stack.failures == []


def test_turning_sync_off_stops_both_directions(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    linked = stack.sia_create(rep, "Linked")
    stack.settle()
    sf_id = stack.sf_id_of(rep, linked.id) or ""

    stack.turn_sync_off(rep)
    stack.org.ui_update_task(sf_id, {"Description": "edited in Salesforce"}, as_user=rep.sf_user)
    new_in_sf = stack.org.ui_create_task({"Subject": "New in Salesforce", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    stack.sia_update(rep, linked.id, due_date=date(2024, 6, 9))
    new_in_sia = stack.sia_create(rep, "New in SIA")
    stack.settle()

    task = stack.sia_task(rep, linked.id)
    assert task is not None and task.details == ""
    assert stack.sia_task_for(rep, new_in_sf) is None
    record = stack.sf_task(sf_id)
    assert record is not None and record["ActivityDate"] is None
    assert stack.sf_id_of(rep, new_in_sia.id) is None
    assert len(stack.sf_tasks_of(rep)) == 2
    assert stack.settings(rep).connection is not None  # the links and the connection are kept (SPEC 6)
