"""SPEC 5, turning sync on: the settings saved with sync on invoke ``first_sync`` (as the settings API
does, asynchronously); what it imports, what it leaves local, and what a re-enable catches up on."""

from __future__ import annotations

from datetime import date, timedelta

from tasksync.domain.reminder_task import Status
from tasksync.domain.settings import FirstSyncState
from tests.support.handler_stack import HandlerStack, Rep
from tests.support.handler_stack import connected_app as connected_app
from tests.support.handler_stack import org_emulator as org_emulator
from tests.support.handler_stack import stack as stack
from tests.support.handler_stack import webhook_receiver as webhook_receiver


def ui_task(stack: HandlerStack, rep: Rep, subject: str, **fields: object) -> str:
    return stack.org.ui_create_task({"Subject": subject, "OwnerId": rep.sf_id, **fields}, as_user=rep.sf_user)


def test_turning_sync_on_imports_every_task_of_the_last_24_hours_whatever_its_due_date(stack: HandlerStack) -> None:
    rep = stack.connect()
    today = stack.now().date()
    with stack.rewound(timedelta(days=2)):
        ui_task(stack, rep, "Two days old")
    recent = {
        ui_task(stack, rep, "Due today", ActivityDate=today.isoformat()): today,
        ui_task(stack, rep, "Due tomorrow", ActivityDate=(today + timedelta(days=1)).isoformat()): today
        + timedelta(days=1),
        ui_task(stack, rep, "Due next month", ActivityDate=(today + timedelta(days=30)).isoformat()): today
        + timedelta(days=30),
        ui_task(stack, rep, "No due date"): None,
    }
    ui_task(stack, rep, "A logged call", TaskSubtype="Call")
    stack.settle()  # the changes' events came while sync was off

    stack.turn_sync_on(rep)
    stack.settle()

    imported = {sf_id: stack.sia_task_for(rep, sf_id) for sf_id in recent}
    assert {sf_id: task.due_date for sf_id, task in imported.items() if task} == recent
    assert sorted(task.name for task in stack.sia_tasks(rep)) == [
        "Due next month",
        "Due today",
        "Due tomorrow",
        "No due date",
    ]
    progress = stack.settings(rep).first_sync
    assert (progress.state, progress.imported) == (FirstSyncState.DONE, 4)
    assert stack.failures == []


def test_sia_tasks_from_before_sync_stay_local_even_when_edited_later(stack: HandlerStack) -> None:
    rep = stack.connect()
    before = stack.sia_create(rep, "Made before sync")
    stack.settle()

    stack.turn_sync_on(rep)
    stack.settle()
    stack.sia_update(rep, before.id, details="edited after sync was turned on")
    after = stack.sia_create(rep, "Made after sync")
    stack.settle()

    assert stack.sf_id_of(rep, before.id) is None
    assert [task["Subject"] for task in stack.sf_tasks_of(rep)] == ["Made after sync"]
    assert stack.sf_id_of(rep, after.id) is not None


def test_a_re_enable_applies_the_salesforce_deletes_of_the_last_15_days(stack: HandlerStack) -> None:
    with stack.rewound(timedelta(days=12)):
        rep = stack.syncing_rep()
        kept, gone = ui_task(stack, rep, "Kept"), ui_task(stack, rep, "Deleted while off")
        stack.settle()
        assert stack.sia_task_for(rep, gone) is not None
        stack.turn_sync_off(rep)
    with stack.rewound(timedelta(days=10)):
        stack.org.ui_delete_task(gone, as_user=rep.sf_user)
        stack.settle()
    assert stack.sia_task_for(rep, gone) is not None  # sync was off

    stack.turn_sync_on(rep)
    stack.settle()

    assert [task.name for task in stack.sia_tasks(rep)] == ["Kept"]
    assert stack.sia_task_for(rep, kept) is not None
    progress = stack.settings(rep).first_sync
    assert (progress.state, progress.deleted) == (FirstSyncState.DONE, 1)


def test_saving_the_settings_again_imports_nothing_twice(stack: HandlerStack) -> None:
    rep = stack.connect()
    for n in range(3):
        ui_task(stack, rep, f"Task {n}")
    stack.settle()
    stack.turn_sync_on(rep)
    stack.settle()
    first = sorted(task.id for task in stack.sia_tasks(rep))

    stack.turn_sync_on(rep)  # saved again
    stack.settle(redeliver=True)  # and Lambda ran the invocation twice

    assert sorted(task.id for task in stack.sia_tasks(rep)) == first
    assert len(first) == 3
    assert len(stack.sf_tasks_of(rep)) == 3
    assert stack.settings(rep).first_sync.state is FirstSyncState.DONE


def test_a_re_enable_after_a_pause_ends_with_both_sides_in_agreement(stack: HandlerStack) -> None:
    # Given a rep whose tasks from both sides are synced
    rep = stack.syncing_rep()
    edited_in_sf, completed_in_sf, deleted_in_sf = (ui_task(stack, rep, f"From Salesforce {n}") for n in range(3))
    edited_in_sia, completed_in_sia, deleted_in_sia = (stack.sia_create(rep, f"From SIA {n}") for n in range(3))
    stack.settle()
    assert stack.disagreements(rep) == []

    # When, with sync paused, both sides change, complete and delete tasks
    stack.turn_sync_off(rep)
    stack.org.ui_update_task(edited_in_sf, {"ActivityDate": "2024-07-01"}, as_user=rep.sf_user)
    stack.org.ui_update_task(completed_in_sf, {"Status": "Completed"}, as_user=rep.sf_user)
    stack.org.ui_delete_task(deleted_in_sf, as_user=rep.sf_user)
    stack.sia_update(rep, edited_in_sia.id, details="written while paused")
    stack.sia_update(rep, completed_in_sia.id, status=Status.COMPLETE)
    stack.sia_delete(rep, deleted_in_sia.id)
    made_while_off = stack.sia_create(rep, "Made while paused")
    deleted_in_sia_sf = stack.sf_id_of(rep, deleted_in_sia.id)
    stack.settle()
    # and sync is turned on again
    stack.turn_sync_on(rep)
    stack.settle()

    # Then both sides agree on every linked task, by the rules of SPEC 7
    assert stack.disagreements(rep) == []
    moved = stack.sia_task_for(rep, edited_in_sf)
    assert moved is not None and moved.due_date == date(2024, 7, 1)
    done = stack.sia_task_for(rep, completed_in_sf)
    assert done is not None and done.status is Status.COMPLETE
    assert stack.sia_task_for(rep, deleted_in_sf) is None
    assert (stack.sf_task(stack.sf_id_of(rep, edited_in_sia.id) or "") or {}).get(
        "Description"
    ) == "written while paused"
    assert (stack.sf_task(stack.sf_id_of(rep, completed_in_sia.id) or "") or {}).get("Status") == "Completed"
    assert deleted_in_sia_sf is not None and stack.sf_task(deleted_in_sia_sf) is None
    # and what was made in SIA while paused stays local (SPEC 5.2)
    assert stack.sf_id_of(rep, made_while_off.id) is None
    assert stack.failures == []
