"""SPEC 6, Salesforce -> SIA: what a rep does in Salesforce reaches their SIA tasks through the signed
webhook, the FIFO queue and ``salesforce_changes`` (or Event Relay's queue and ``relay_handler``)."""

from __future__ import annotations

from datetime import date

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
