"""SPEC 6, the scheduled safety nets, each run by its schedule (``{}``): what the event path missed (a
change event that never came, an SIA event that was lost) is caught by the deletion sweep, the
reconciliation and the reminder resync."""

from __future__ import annotations

from datetime import date, timedelta

from tasksync.domain.reminder_task import Status
from tests.support.handler_stack import HandlerStack
from tests.support.handler_stack import connected_app as connected_app
from tests.support.handler_stack import org_emulator as org_emulator
from tests.support.handler_stack import stack as stack
from tests.support.handler_stack import webhook_receiver as webhook_receiver

MISSED_AGO = timedelta(minutes=30)
"""When the event path missed a change: getUpdated and getDeleted answer windows of whole minutes, and
the resync leaves changes younger than 20 minutes to the event path."""


def test_the_deletion_sweep_applies_a_delete_whose_event_never_came(stack: HandlerStack) -> None:
    with stack.rewound(MISSED_AGO):
        rep = stack.syncing_rep()
        from_salesforce = stack.org.ui_create_task({"Subject": "From Salesforce", "OwnerId": rep.sf_id})
        from_sia = stack.sia_create(rep, "From SIA")
        kept = stack.sia_create(rep, "Kept")
        stack.settle()
        pushed = stack.sf_id_of(rep, from_sia.id) or ""
        stack.org.webhook_faults(drop=2)
        stack.org.ui_delete_task(from_salesforce, as_user=rep.sf_user)
        stack.org.ui_delete_task(pushed, as_user=rep.sf_user)
        stack.settle()
    assert len(stack.sia_tasks(rep)) == 3  # the deletes' events were lost

    answer = stack.scheduled("DeletionSweepFunction")
    again = stack.scheduled("DeletionSweepFunction")  # the next run, or a retried one

    assert answer["done"] == again["done"] == [rep.user_id]
    assert [task.id for task in stack.sia_tasks(rep)] == [kept.id]
    assert stack.sf_id_of(rep, kept.id) is not None


def test_the_reconciliation_applies_an_update_whose_event_never_came(stack: HandlerStack) -> None:
    with stack.rewound(MISSED_AGO):
        rep = stack.syncing_rep()
        sf_id = stack.org.ui_create_task({"Subject": "Call Ada", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
        stack.settle()
        stack.org.webhook_faults(drop=1)
        stack.org.ui_update_task(sf_id, {"Status": "Completed", "ActivityDate": "2024-06-20"}, as_user=rep.sf_user)
        stack.settle()
    task = stack.sia_task_for(rep, sf_id)
    assert task is not None and task.status is Status.OPEN  # the update's event was lost

    answer = stack.scheduled("ReconciliationFunction")
    stack.scheduled("ReconciliationFunction")  # the next run, or a retried one

    assert answer["done"] == [rep.user_id]
    task = stack.sia_task_for(rep, sf_id)
    assert task is not None and (task.status, task.due_date) == (Status.COMPLETE, date(2024, 6, 20))
    assert stack.disagreements(rep) == []


def test_the_reminder_resync_sends_sia_changes_whose_events_were_lost(stack: HandlerStack) -> None:
    with stack.rewound(MISSED_AGO):
        rep = stack.syncing_rep()
        edited, deleted = stack.sia_create(rep, "Edited"), stack.sia_create(rep, "Deleted")
        stack.settle()
        deleted_sf_id = stack.sf_id_of(rep, deleted.id)
        created = stack.sia_create(rep, "Created")
        stack.sia_update(rep, edited.id, details="lost on the way")
        stack.sia_delete(rep, deleted.id)
        assert stack.discard_stream() == 3  # the publisher never saw them
        stack.settle()
    assert len(stack.sf_tasks_of(rep)) == 2

    answer = stack.scheduled("ReminderResyncFunction")
    stack.scheduled("ReminderResyncFunction")  # the next run, or a retried one, finds nothing left
    stack.settle()  # the echoes of its writes

    assert answer["done"] == [rep.user_id]
    assert sorted(record["Subject"] for record in stack.sf_tasks_of(rep)) == ["Created", "Edited"]
    assert (stack.sf_task(stack.sf_id_of(rep, edited.id) or "") or {}).get("Description") == "lost on the way"
    assert stack.sf_id_of(rep, created.id) is not None
    assert deleted_sf_id is not None and stack.sf_task(deleted_sf_id) is None
    assert stack.disagreements(rep) == []
    assert stack.failures == []
