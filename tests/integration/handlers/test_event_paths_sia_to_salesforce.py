"""SPEC 6, SIA -> Salesforce: what a rep does in SIA reaches Salesforce through the reminder-task
table's stream, ``task_events_publisher``, the app bus's rule, the reminder changes queue and
``reminder_changes``."""

from __future__ import annotations

from datetime import date

from tasksync.domain.reminder_task import Priority, Status
from tests.support.handler_stack import HandlerStack
from tests.support.handler_stack import connected_app as connected_app
from tests.support.handler_stack import org_emulator as org_emulator
from tests.support.handler_stack import stack as stack
from tests.support.handler_stack import webhook_receiver as webhook_receiver


def test_a_task_created_in_sia_appears_in_salesforce(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()

    task = stack.sia_create(rep, "Call Ada", priority=Priority.HIGH, due_date=date(2024, 6, 5), details="Offer")
    stack.settle()

    sf_id = stack.sf_id_of(rep, task.id)
    assert sf_id is not None
    record = stack.sf_task(sf_id)
    assert record is not None
    assert (record["Subject"], record["Status"], record["Priority"], record["ActivityDate"], record["Description"]) == (
        "Call Ada",
        "Not Started",
        "High",
        date(2024, 6, 5),
        "Offer",
    )
    assert record["OwnerId"] == rep.sf_id
    assert stack.failures == []


def test_an_edit_in_sia_changes_the_salesforce_task(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    task = stack.sia_create(rep, "Call Ada")
    stack.settle()

    stack.sia_update(rep, task.id, name="Call Ada Lovelace", due_date=date(2024, 6, 7), details="Bring notes")
    stack.settle()

    record = stack.sf_task(stack.sf_id_of(rep, task.id) or "")
    assert record is not None
    assert (record["Subject"], record["ActivityDate"], record["Description"]) == (
        "Call Ada Lovelace",
        date(2024, 6, 7),
        "Bring notes",
    )


def test_an_sia_edit_leaves_a_salesforce_status_it_does_not_map_alone(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    task = stack.sia_create(rep, "Call Ada")
    stack.settle()
    sf_id = stack.sf_id_of(rep, task.id) or ""
    stack.org.ui_update_task(sf_id, {"Status": "In Progress"}, as_user=rep.sf_user)
    stack.settle()

    stack.sia_update(rep, task.id, due_date=date(2024, 6, 9))
    stack.settle()

    record = stack.sf_task(sf_id)
    assert record is not None
    assert (record["Status"], record["ActivityDate"]) == ("In Progress", date(2024, 6, 9))  # SPEC 2
    sia = stack.sia_task(rep, task.id)
    assert sia is not None and sia.status is Status.OPEN


def test_a_task_completed_in_sia_is_completed_in_salesforce(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    task = stack.sia_create(rep, "Send the quote")
    stack.settle()

    stack.sia_update(rep, task.id, status=Status.COMPLETE)
    stack.settle()

    record = stack.sf_task(stack.sf_id_of(rep, task.id) or "")
    assert record is not None and record["Status"] == "Completed"


def test_a_task_deleted_in_sia_is_deleted_in_salesforce(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    task = stack.sia_create(rep, "Send the quote")
    stack.settle()
    sf_id = stack.sf_id_of(rep, task.id)
    assert sf_id is not None

    stack.sia_delete(rep, task.id)
    stack.settle()

    assert stack.sf_task(sf_id) is None
    assert stack.org.task(sf_id)["IsDeleted"]  # in the recycle bin, as a delete through the API leaves it
    assert stack.sf_tasks_of(rep) == []
