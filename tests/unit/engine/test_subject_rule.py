"""SPEC section 3 through the engine: the SIA name reaches the Subject through the template; Subject
edits made in Salesforce never rename the SIA task."""

from __future__ import annotations

from datetime import date

import pytest

from tasksync.domain.reminder_task import Status, TaskField
from tasksync.engine.decisions import CreateReminder, SkipReason, UpdateReminder
from tasksync.engine.from_reminders import decide_reminder_event
from tasksync.engine.from_salesforce import decide_salesforce_change
from tasksync.ports.salesforce import ErrorKind, SalesforceError
from tests.unit.builders import (
    SyncWorld,
    at,
    context,
    edited,
    event,
    imported,
    pushed,
    reminder,
    sent_fields,
    settings,
    sf_record,
    sf_updated,
)


def synced(template="{{activity_subject}}", **values):
    task = reminder(**values)
    return task, pushed(task, context(now=at(minutes=2), subject_template=template))


def rename(task, link, name, template="{{activity_subject}}", minutes=20):
    renamed = edited(task, at(minutes=minutes), name=name)
    return renamed, decide_reminder_event(
        event(renamed), link, context(now=at(minutes=minutes), subject_template=template)
    )


def test_a_pushed_task_gets_its_subject_from_the_template():
    task = reminder("Call Alice back")

    decision = decide_reminder_event(event(task), None, context(subject_template="SIA: {{activity_subject}}"))

    assert sent_fields(decision)["Subject"] == "SIA: Call Alice back"


def test_renaming_a_task_in_sia_updates_the_subject_with_the_default_template():
    task, link = synced()

    _, decision = rename(task, link, "Call Alice about the renewal")

    assert sent_fields(decision) == {"Subject": "Call Alice about the renewal"}


def test_renaming_a_task_in_sia_renders_the_new_name_through_the_template():
    task, link = synced("[SIA] {{activity_subject}}")

    _, decision = rename(task, link, "Call Alice about the renewal", "[SIA] {{activity_subject}}")

    assert sent_fields(decision) == {"Subject": "[SIA] Call Alice about the renewal"}


def test_renaming_a_task_in_sia_leaves_the_subject_when_the_template_does_not_use_the_name():
    template = "Follow-up: {{activity_details}}"
    task, link = synced(template, details="pricing")

    _, decision = rename(task, link, "Call Alice about the renewal", template)

    assert decision.salesforce is None
    assert decision.skipped is SkipReason.NO_CHANGE


def test_a_template_with_the_details_updates_the_subject_when_the_details_change():
    template = "{{activity_subject}} - {{activity_details}}"
    task, link = synced(template, details="pricing")
    changed = edited(task, at(minutes=20), details="contract")

    decision = decide_reminder_event(event(changed), link, context(now=at(minutes=20), subject_template=template))

    assert sent_fields(decision) == {"Subject": "Call Alice back - contract", "Description": "contract"}


def test_a_subject_edited_in_salesforce_never_renames_the_sia_task():
    task, link = synced()

    decision = decide_salesforce_change(
        sf_updated(at(minutes=10), Subject="Alice: call re renewal"), link, task, context(now=at(minutes=10))
    )

    assert decision.reminder is None
    assert decision.salesforce is None


def test_a_subject_edit_in_salesforce_with_a_status_change_moves_only_the_status():
    task, link = synced()

    decision = decide_salesforce_change(
        sf_updated(at(minutes=10), Subject="Alice: done", Status="Completed"), link, task, context(now=at(minutes=10))
    )

    assert isinstance(decision.reminder, UpdateReminder)
    assert decision.reminder.changes == {TaskField.STATUS: Status.COMPLETE}


def test_a_subject_edited_in_salesforce_is_kept_when_sia_changes_another_field():
    task, link = synced()
    edit = decide_salesforce_change(
        sf_updated(at(minutes=10), Subject="Alice: call re renewal"), link, task, context(now=at(minutes=10))
    )
    link = edit.link or link
    moved = edited(task, at(minutes=20), due_date=date(2026, 3, 29))

    decision = decide_reminder_event(event(moved), link, context(now=at(minutes=20)))

    assert sent_fields(decision) == {"ActivityDate": date(2026, 3, 29)}


def test_a_task_first_created_in_salesforce_takes_its_name_from_its_subject_at_import():
    decision = decide_salesforce_change(sf_record(at(minutes=5), Subject="Renew Acme contract"), None, None, context())

    assert isinstance(decision.reminder, CreateReminder)
    assert decision.reminder.values.name == "Renew Acme contract"
    assert decision.salesforce is None  # importing does not rewrite the Subject


def test_a_task_imported_with_a_custom_template_keeps_its_subject_in_salesforce():
    ctx = context(subject_template="[SIA] {{activity_subject}}")

    decision = decide_salesforce_change(sf_record(at(minutes=5), Subject="Renew Acme contract"), None, None, ctx)

    assert isinstance(decision.reminder, CreateReminder)
    assert decision.reminder.values.name == "Renew Acme contract"
    assert decision.salesforce is None


def test_an_imported_task_is_not_renamed_by_a_later_subject_edit():
    task, link = imported(sf_record(at(minutes=5), Subject="Renew Acme contract"), context(now=at(minutes=6)))

    decision = decide_salesforce_change(
        sf_updated(at(minutes=10), Subject="Renew Acme contract (signed)"), link, task, context(now=at(minutes=10))
    )

    assert decision.reminder is None
    assert task.name == "Renew Acme contract"


def test_a_rename_in_both_systems_keeps_the_sia_name_even_when_the_subject_edit_is_later():
    # Given the rep renamed the task in SIA at :20 and, before that reached Salesforce, edited the Subject there
    # at :25
    task, link = synced()
    renamed = edited(task, at(minutes=20), name="Call Alice (SIA)")

    # When the Salesforce edit is decided
    decision = decide_salesforce_change(
        sf_updated(at(minutes=25), Subject="Call Alice (Salesforce)"), link, renamed, context(now=at(minutes=25))
    )

    # Then the SIA name stays what the rep typed in SIA
    assert decision.reminder is None or TaskField.NAME not in decision.reminder.changes
    assert decision.link is not None
    assert decision.link.agreed.name == "Call Alice (SIA)"


def test_a_rep_renaming_in_salesforce_sees_the_sia_name_unchanged_end_to_end():
    world = SyncWorld(settings())
    world.rep_creates("Call Alice back")
    world.sync()

    world.org.update(world.record_of().id, {"Subject": "Alice - call back re pricing"})
    world.sync()

    assert world.task().name == "Call Alice back"
    assert world.record_of().subject == "Alice - call back re pricing"


def test_a_rename_whose_answer_was_lost_and_that_the_rep_took_back_still_leaves_the_subject_right():
    # Given the sync wrote a rename to Salesforce and its answer was lost (the event goes back to its queue)
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    world.rep_updates(name="Call Bob")
    (rename,) = world.pending()
    world.mark_delivered()
    lost = iter([SalesforceError(ErrorKind.TRANSIENT, "TIMEOUT", "read timed out")])
    world.fault = lambda moment: next(lost, None) if moment == "after update_tasks" else None
    with pytest.raises(SalesforceError):
        world.deliver(rename)

    # When the rep renames the task back before the retry, and everything is delivered (the retry last)
    world.rep_updates(name="Call Alice back")
    world.sync()
    world.deliver(rename)
    world.sync()

    # Then the Subject is the rep's last name for the task, and SIA kept it
    assert world.record_of().subject == "Call Alice back"
    assert world.task().name == "Call Alice back"


@pytest.mark.parametrize(("sf_minutes", "renders"), [(30, True), (21, False)])
def test_the_reps_change_made_first_in_sia_renders_the_subject_though_salesforce_made_the_same_one(sf_minutes, renders):
    # The rep moves the due date at :20, which the template shows; Salesforce's user moves it to the same
    # day at :30 (or within the clocks' margin, where it may be the sync's own copy whose link was lost).
    template = "{{activity_subject}} due {{activity_due_date}}"
    task, link = synced(template, due_date=date(2026, 3, 27))
    moved = edited(task, at(minutes=20), due_date=date(2026, 3, 28))
    change = sf_updated(at(minutes=sf_minutes), ActivityDate="2026-03-28")

    decision = decide_salesforce_change(change, link, moved, context(now=at(minutes=40), subject_template=template))

    assert decision.reminder is None
    if renders:
        assert sent_fields(decision) == {"Subject": "Call Alice back due 2026-03-28"}
    else:
        assert decision.salesforce is None


def test_the_reps_change_made_first_renders_the_subject_against_the_same_change_a_read_shows_undated():
    # The rep moves the due date at :20; a read at :40 shows the same day and the priority changed, and
    # says when the record last changed (:40), not which field did: Salesforce's move may be as late as :40.
    template = "{{activity_subject}} due {{activity_due_date}}"
    task, link = synced(template, due_date=date(2026, 3, 27))
    moved = edited(task, at(minutes=20), due_date=date(2026, 3, 28))
    read = sf_record(
        at(minutes=40), Subject="Call Alice back due 2026-03-27", ActivityDate="2026-03-28", Priority="High"
    )

    decision = decide_salesforce_change(read, link, moved, context(now=at(minutes=41), subject_template=template))

    # Then the two cannot be ordered, and a tie goes to SIA: the rep's change renders the Subject
    assert sent_fields(decision) == {"Subject": "Call Alice back due 2026-03-28"}
