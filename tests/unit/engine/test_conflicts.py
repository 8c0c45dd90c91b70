"""SPEC section 7: when both sides changed a task since the last sync, each field takes the side that
changed it; the same field changed on both sides goes to the later change and is recorded for the user."""

from __future__ import annotations

from datetime import date

import pytest

from tasksync.domain.reminder_task import Priority, Status, TaskField
from tasksync.domain.sync_error import SyncErrorKind
from tasksync.domain.sync_link import Side
from tasksync.engine.decisions import UpdateReminder
from tasksync.engine.from_reminders import decide_reminder_event
from tasksync.engine.from_salesforce import decide_salesforce_change
from tests.unit.builders import (
    CLIENT_ID,
    USER,
    SyncWorld,
    at,
    context,
    decide_read_if_asked,
    edited,
    event,
    pushed,
    reminder,
    sent_fields,
    sf_updated,
    stored,
)

SAME_FIELD = [
    # field, SIA value and how Salesforce spells it, Salesforce field and value and how SIA spells it
    (TaskField.DETAILS, "Bring the NDA", "Bring the NDA", "Description", "Bring the MSA", "Bring the MSA"),
    (TaskField.DUE_DATE, date(2026, 3, 28), date(2026, 3, 28), "ActivityDate", "2026-03-30", date(2026, 3, 30)),
]
# Status and priority have two synced values each: both sides can only change them to the same one.
COLUMNS = ("field", "sia_value", "sia_in_sf", "sf_field", "sf_value", "sf_in_sia")


def linked(**values):
    task = reminder(priority=Priority.NORMAL, due_date=date(2026, 3, 27), **values)
    return task, pushed(task, context(now=at(minutes=2)))


def both_changed(sia_minutes, sf_minutes, sia_changes, sf_fields):
    """The rep changed the task in SIA and in Salesforce before either change was synced; the Salesforce
    change is decided first, against the SIA task as it is now."""
    task, link = linked()
    in_sia = edited(task, at(minutes=sia_minutes), **sia_changes)
    change = sf_updated(at(minutes=sf_minutes), **sf_fields)
    return in_sia, decide_read_if_asked(change, link, in_sia, context(now=at(minutes=40)))


def test_changes_of_different_fields_on_both_sides_are_both_kept():
    # SIA moved the due date, Salesforce completed the task
    in_sia, decision = both_changed(20, 25, {"due_date": date(2026, 3, 29)}, {"Status": "Completed"})

    assert decision.reminder == UpdateReminder(in_sia.id, {TaskField.STATUS: Status.COMPLETE}, expected_version=2)
    assert sent_fields(decision) == {"ActivityDate": date(2026, 3, 29)}
    assert decision.conflicts == ()


@pytest.mark.parametrize(COLUMNS, SAME_FIELD)
def test_the_same_field_changed_on_both_sides_goes_to_the_later_salesforce_change(
    field, sia_value, sia_in_sf, sf_field, sf_value, sf_in_sia
):
    # Given SIA changed the field at :20 and Salesforce at :25
    in_sia, decision = both_changed(20, 25, {field.value: sia_value}, {sf_field: sf_value})

    # Then SIA takes Salesforce's value, and Salesforce is not written
    assert isinstance(decision.reminder, UpdateReminder)
    assert decision.reminder.changes == {field: sf_in_sia}
    assert decision.salesforce is None
    # And the user can see the conflict and who won
    (conflict,) = decision.conflicts
    assert (conflict.kind, conflict.field, conflict.winner) == (SyncErrorKind.CONFLICT, field.value, Side.SALESFORCE)
    assert (conflict.user_id, conflict.sia_id) == (USER, in_sia.id)


@pytest.mark.parametrize(COLUMNS, SAME_FIELD)
def test_the_same_field_changed_on_both_sides_goes_to_the_later_sia_change(
    field, sia_value, sia_in_sf, sf_field, sf_value, sf_in_sia
):
    # Given Salesforce changed the field at :20 and SIA at :25
    _, decision = both_changed(25, 20, {field.value: sia_value}, {sf_field: sf_value})

    # Then Salesforce takes SIA's value, and the SIA task keeps it
    assert decision.reminder is None
    assert sent_fields(decision) == {sf_field: sia_in_sf}
    (conflict,) = decision.conflicts
    assert (conflict.kind, conflict.field, conflict.winner) == (SyncErrorKind.CONFLICT, field.value, Side.SIA)


def test_the_later_change_wins_even_when_sia_edited_another_field_since():
    # Given the rep changed the details in SIA at :20, other comments in Salesforce at :25, and the
    # priority in SIA at :30, and none of it was synced yet
    task, link = linked()
    detailed = edited(task, at(minutes=20), details="Bring the NDA")
    raised = edited(detailed, at(minutes=30), priority=Priority.HIGH)

    # When the Salesforce change is decided against the SIA task as it is now
    change = sf_updated(at(minutes=25), Description="Bring the MSA")
    decision = decide_salesforce_change(change, link, raised, context(now=at(minutes=31)))

    # Then the details take Salesforce's later comments, and the priority still goes to Salesforce
    assert isinstance(decision.reminder, UpdateReminder)
    assert decision.reminder.changes == {TaskField.DETAILS: "Bring the MSA"}
    assert sent_fields(decision) == {"Priority": "High"}
    (conflict,) = decision.conflicts
    assert conflict.winner is Side.SALESFORCE


def test_a_conflict_tells_the_user_both_values():
    _, decision = both_changed(20, 25, {"details": "Bring the NDA"}, {"Description": "Bring the MSA"})

    (conflict,) = decision.conflicts
    assert "Bring the NDA" in conflict.message
    assert "Bring the MSA" in conflict.message


def test_the_same_value_set_on_both_sides_is_no_conflict():
    _, decision = both_changed(20, 25, {"status": Status.COMPLETE}, {"Status": "Completed"})

    assert decision.conflicts == ()
    assert decision.reminder is None
    assert decision.salesforce is None


def test_the_name_follows_the_subject_rule_when_both_sides_rename():
    # SIA renamed at :20, Salesforce edited the Subject later, at :25
    _, decision = both_changed(20, 25, {"name": "Call Alice (SIA)"}, {"Subject": "Call Alice (Salesforce)"})

    assert decision.reminder is None or TaskField.NAME not in decision.reminder.changes
    assert decision.link is not None
    assert decision.link.agreed.name == "Call Alice (SIA)"


def test_a_conflict_is_recorded_where_the_user_sees_it():
    # Given the rep added details in SIA and, before that was synced, other comments in Salesforce
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    world.rep_updates(details="Bring the NDA")
    sia_event = world.pending()[0]
    world.mark_delivered()
    world.tick(60)
    world.org.update(world.record_of().id, {"Description": "Bring the MSA"})

    # When both are delivered, the Salesforce change first
    world.sync()
    world.deliver(sia_event)
    world.sync()

    # Then both sides hold the later change and the user has a conflict to read
    assert world.task().details == "Bring the MSA"
    assert world.record_of().description == "Bring the MSA"
    (conflict,) = world.state.errors_of(USER)
    assert (conflict.kind, conflict.field, conflict.winner) == (SyncErrorKind.CONFLICT, "details", Side.SALESFORCE)


def test_a_salesforce_change_met_after_the_reps_later_change_back_loses_to_it():
    # The rep moves the due date to the 29th at :20 and back to the 27th (the value synced) at :30: no write
    # goes, Salesforce holding the 27th as far as the sync knows. Salesforce's user had emptied it at :25;
    # their event comes only now. The rep's change at :30 is the later one (SPEC 7).
    task, link = linked()
    moved = edited(task, at(minutes=20), due_date=date(2026, 3, 29))
    back = edited(moved, at(minutes=30), due_date=date(2026, 3, 27))
    taken_in = decide_reminder_event(event(back), link, context(now=at(minutes=31)))
    assert taken_in.salesforce is None
    assert taken_in.link is not None

    change = sf_updated(at(minutes=25), ActivityDate=None)
    decision = decide_salesforce_change(change, taken_in.link, back, context(now=at(minutes=40)))

    assert decision.reminder is None
    assert sent_fields(decision) == {"ActivityDate": date(2026, 3, 27)}
    assert [(c.field, c.winner) for c in decision.conflicts] == [(TaskField.DUE_DATE.value, Side.SIA)]


def test_a_salesforce_change_after_the_reps_change_back_wins():
    task, link = linked()
    moved = edited(task, at(minutes=20), due_date=date(2026, 3, 29))
    back = edited(moved, at(minutes=30), due_date=date(2026, 3, 27))
    taken_in = decide_reminder_event(event(back), link, context(now=at(minutes=31)))
    assert taken_in.link is not None

    change = sf_updated(at(minutes=35), ActivityDate=None)
    decision = decide_salesforce_change(change, taken_in.link, back, context(now=at(minutes=40)))

    assert isinstance(decision.reminder, UpdateReminder)
    assert decision.reminder.changes == {TaskField.DUE_DATE: None}
    assert decision.salesforce is None


def _in_progress_in_salesforce():
    """A linked task that Salesforce's user set ``In Progress`` at :10 (SIA keeps open, SPEC 2)."""
    task, link = linked()
    decided = decide_salesforce_change(sf_updated(at(minutes=10), Status="In Progress"), link, task, context())
    assert decided.link is not None and decided.reminder is None
    return task, decided.link


@pytest.mark.parametrize(("sia_minutes", "winner"), [(20, Side.SALESFORCE), (30, Side.SIA)])
def test_salesforce_leaving_an_unsynced_status_for_the_one_sia_holds_crosses_the_reps_completion(sia_minutes, winner):
    # Salesforce's user moves it from In Progress to Not Started at :25, which SIA holds as open already; the
    # rep completed it in SIA before or after that, unseen. The later change wins (SPEC 7).
    task, link = _in_progress_in_salesforce()
    completed = edited(task, at(minutes=sia_minutes), status=Status.COMPLETE)

    decision = decide_read_if_asked(
        sf_updated(at(minutes=25), Status="Not Started"), link, completed, context(now=at(minutes=40))
    )

    assert [(c.field, c.winner) for c in decision.conflicts] == [(TaskField.STATUS.value, winner)]
    if winner is Side.SALESFORCE:
        assert isinstance(decision.reminder, UpdateReminder)
        assert decision.reminder.changes == {TaskField.STATUS: Status.OPEN}
        assert decision.salesforce is None
    else:
        assert decision.reminder is None
        assert sent_fields(decision) == {"Status": "Completed"}


def _high_sent_and_shown(link, high, sent_minutes, shown_minutes):
    """The link after the rep's ``high`` was written at ``sent_minutes`` and Salesforce showed the write at
    ``shown_minutes``, saved a minute later."""
    sent = decide_reminder_event(event(high), link, context(now=at(minutes=sent_minutes)))
    echo = sf_updated(at(minutes=shown_minutes), client_id=CLIENT_ID, Priority="High")
    saved = at(minutes=shown_minutes + 1)
    shown = decide_salesforce_change(echo, stored(sent.link, at(minutes=sent_minutes)), high, context(now=saved))
    assert shown.link is not None
    return stored(shown.link, saved)


def test_a_later_synced_salesforce_change_the_write_replaced_reaches_sia_though_salesforce_moved_on_to_low():
    # The rep sets High at :01; Salesforce is down. Salesforce's user sets Normal at :05, then Low at :13;
    # the sync's write of High lands at :25 over both, unseen.
    task, link = linked()
    high = edited(task, at(minutes=1), priority=Priority.HIGH)
    shown = _high_sent_and_shown(link, high, sent_minutes=1, shown_minutes=25)
    # Low's event comes first: later than the rep's change, and SIA cannot hold it: written back, SIA keeps High.
    low = decide_salesforce_change(
        sf_updated(at(minutes=13), Priority="Low"),
        shown,
        high,
        context(now=at(minutes=30)),
    )
    assert sent_fields(low) == {"Priority": "Low"} and low.reminder is None
    assert low.link is not None

    # Then Normal's: Salesforce's latest synced value, after the rep's High (SPEC 2, 7): SIA takes it.
    normal = decide_salesforce_change(
        sf_updated(at(minutes=5), Priority="Normal"),
        stored(low.link, at(minutes=30)),
        high,
        context(now=at(minutes=40)),
    )

    assert isinstance(normal.reminder, UpdateReminder)
    assert normal.reminder.changes == {TaskField.PRIORITY: Priority.NORMAL}
    assert normal.salesforce is None


def test_a_value_salesforce_would_restore_gives_way_to_the_reps_later_change_of_the_field():
    # The rep's High, sent late at :20, replaced Salesforce's Low from :15 unseen; the rep picked Normal at
    # :25. Low's event, decided at :30, would write Low back: the rep's Normal is later, and is what goes.
    task, link = linked()
    high = edited(task, at(minutes=10), priority=Priority.HIGH)
    shown = _high_sent_and_shown(link, high, sent_minutes=20, shown_minutes=20)
    normal = edited(high, at(minutes=25), priority=Priority.NORMAL)

    late = decide_read_if_asked(
        sf_updated(at(minutes=15), Priority="Low"),
        shown,
        normal,
        context(now=at(minutes=30)),
    )

    assert sent_fields(late) == {"Priority": "Normal"}
