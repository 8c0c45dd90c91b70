"""SPEC 7: the later of two crossed changes wins, also when the sync wrote Salesforce's own value back, or
the record came back: what the link remembers of a change is as old as that change, not as the decision
that wrote it; and the sync writes no rep's change unread over a Salesforce change it may not have met
yet (sim seeds 1564, 1764, 1920, 906, 5753, 5849, 6474, 8782)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from tasksync.domain.reminder_task import ReminderTask, Status, TaskField
from tasksync.domain.salesforce_task import SalesforceField
from tasksync.domain.sync_link import Side, SyncLink
from tasksync.engine.changes import SalesforceChange
from tasksync.engine.decisions import CreateReminder, Decision, SkipReason, UpdateReminder
from tasksync.engine.from_reminders import decide_reminder_event
from tests.unit.builders import (
    CLIENT_ID,
    USER,
    SyncWorld,
    at,
    context,
    decide_read_if_asked,
    decide_sf,
    deleted,
    edited,
    event,
    linked,
    sent_fields,
    sf_task,
    sf_undeleted,
    sf_updated,
    stored,
)


def _rep_changes(
    link: SyncLink, task: ReminderTask, minutes: float, **changes: object
) -> tuple[SyncLink, ReminderTask]:
    """The rep's change at ``minutes``, written to Salesforce at once."""
    task = edited(task, at(minutes=minutes), **changes)
    decided = decide_reminder_event(event(task), link, context(now=at(minutes=minutes)))
    assert decided.link is not None
    return decided.link, task


def _next(decided: Decision, link: SyncLink) -> SyncLink:
    return decided.link or link


def test_a_salesforce_change_after_an_undelete_is_not_beaten_by_the_reps_change_before_it() -> None:
    # Salesforce's clock runs 90 seconds behind SIA's (within the margin).
    task, link = linked(details="first")
    link, task = _rep_changes(link, task, 10, details="mine")
    echo = sf_updated(at(minutes=8, seconds=31), client_id=CLIENT_ID, Description="mine")
    link = _next(decide_sf(echo, link, task, 10.1), link)
    gone = decide_reminder_event(deleted(task, at(minutes=10, seconds=30)), link, context(now=at(minutes=10.5)))
    link = stored(gone.link, at(minutes=10.5))
    # Salesforce's user undeletes the record; the sync reads it and brings the task back.
    record = sf_task(Description="mine", LastModifiedDate=at(minutes=8, seconds=31), SystemModstamp=at(minutes=9))
    back = decide_sf(SalesforceChange.of_record(record, read_at=at(minutes=10, seconds=44)), link, None, 10.75)
    assert isinstance(back.reminder, CreateReminder)
    assert back.link is not None
    copy = ReminderTask(
        id=task.id, user_id=USER, created_at=at(minutes=10.75), updated_at=at(minutes=10.75),
        version=back.reminder.version, **back.reminder.values.model_dump(),
    )  # fmt: skip
    # Then they change the Comments at 9:15 on Salesforce's clock (10:45 on SIA's), after the task came back.
    theirs = decide_sf(sf_updated(at(minutes=9, seconds=15), Description="theirs"), back.link, copy, 10.8)

    # Only Salesforce changed it since the task came back: its change stands on both sides
    assert isinstance(theirs.reminder, UpdateReminder)
    assert theirs.reminder.changes == {TaskField.DETAILS: "theirs"}
    assert theirs.salesforce is None
    assert theirs.conflicts == ()


def _restored_and_shown(link: SyncLink, task: ReminderTask) -> tuple[SyncLink, ReminderTask]:
    """The rep moved the due date at minute 10; Salesforce's user emptied it at 10.5, before the sync's write
    landed (its echo, at 11, showed the write). That change's event comes at 20: it was the later, so it wins
    and the sync writes it back; that write's echo comes at 20 too."""
    link, task = _rep_changes(link, task, 10, due_date=date(2026, 3, 2))
    echo = sf_updated(at(minutes=11), client_id=CLIENT_ID, ActivityDate="2026-03-02")
    link = _next(decide_sf(echo, link, task, 11), link)
    emptied = decide_sf(sf_updated(at(minutes=10, seconds=30), ActivityDate=None), link, task, 20)
    assert sent_fields(emptied) == {SalesforceField.ACTIVITY_DATE.value: None}
    assert isinstance(emptied.reminder, UpdateReminder)
    task = edited(task, at(minutes=20), due_date=None)
    back_echo = sf_updated(at(minutes=20), client_id=CLIENT_ID, ActivityDate=None)
    assert emptied.link is not None
    return _next(decide_sf(back_echo, emptied.link, task, 20), emptied.link), task


def test_a_later_salesforce_change_that_a_write_back_replaced_wins_back() -> None:
    task, link = linked(due_date=date(2026, 3, 1))
    link, task = _restored_and_shown(link, task)
    # Salesforce's user set the due date at 19.5, just before the sync wrote the emptied one back over it;
    # its event comes last.
    late = decide_sf(sf_updated(at(minutes=19, seconds=30), ActivityDate="2026-03-05"), link, task, 25)

    # It is the latest change: it stands on both sides, and the rep sees that it won
    assert isinstance(late.reminder, UpdateReminder)
    assert late.reminder.changes == {TaskField.DUE_DATE: date(2026, 3, 5)}
    assert sent_fields(late) == {SalesforceField.ACTIVITY_DATE.value: date(2026, 3, 5)}
    assert [(c.field, c.winner) for c in late.conflicts] == [(TaskField.DUE_DATE.value, Side.SALESFORCE)]


def _when(minutes: float, seconds: float = 0) -> datetime:
    return at(minutes=minutes, seconds=seconds)


def test_a_change_the_first_write_replaced_is_later_than_a_salesforce_value_written_back_since() -> None:
    task, link = linked(details="first")
    link, task = _rep_changes(link, task, 10, details="mine")  # its write lands unseen
    # Salesforce's user sets "theirs" at 11 and deletes and undeletes the record at 12; they empty the
    # Comments at 13. The undelete's event comes first: the sync reads the record at 20, which shows the
    # rep's write landed after all of that.
    undelete = sf_undeleted(_when(12), Description="theirs")
    undelete = dataclasses.replace(undelete, modified_at=_when(11))
    record = sf_task(Description="mine", LastModifiedDate=_when(19), SystemModstamp=_when(19))
    read = SalesforceChange.of_record(record, read_at=_when(20), prompted_by=undelete)
    restored = decide_sf(read, stored(link, _when(10)), task, 20)
    # "theirs" came after the rep's change: it is written back
    assert sent_fields(restored) == {SalesforceField.DESCRIPTION.value: "theirs"}
    assert isinstance(restored.reminder, UpdateReminder)
    assert restored.link is not None
    task = edited(task, _when(20), details="theirs")

    emptied = decide_sf(sf_updated(_when(13), Description=None), restored.link, task, 21)

    # Emptying them was the latest change of all: it stands on both sides, and the rep sees it won
    assert isinstance(emptied.reminder, UpdateReminder)
    assert emptied.reminder.changes == {TaskField.DETAILS: ""}
    assert sent_fields(emptied) == {SalesforceField.DESCRIPTION.value: None}
    assert [(c.field, c.winner) for c in emptied.conflicts] == [(TaskField.DETAILS.value, Side.SALESFORCE)]


def test_a_salesforce_event_decided_with_the_reps_late_change_reads_the_record_before_writing_it() -> None:
    # The rep's Comments of :10 are not sent yet (Salesforce was down); Salesforce's user had changed them at
    # :5, and again at :20. The event of :5 comes at :30; that of :20 is still on its way.
    task, link = linked(details="first")
    mine = edited(task, _when(10), details="mine")
    link = stored(link, _when(2))
    early = sf_updated(_when(5), Description="theirs, early")

    asked = decide_sf(early, link, mine, 30)

    # Written with the event alone, the rep's older change would replace the later one unread: read first
    assert asked.skipped is SkipReason.NEEDS_RECORD
    record = sf_task(Description="theirs, later", LastModifiedDate=_when(20), SystemModstamp=_when(20))
    read = decide_sf(SalesforceChange.of_record(record, read_at=_when(30), prompted_by=early), link, mine, 30)
    # The record shows Salesforce's later change: it stands on both sides, and the rep sees it won
    assert isinstance(read.reminder, UpdateReminder)
    assert read.reminder.changes == {TaskField.DETAILS: "theirs, later"}
    assert read.salesforce is None
    assert [(c.field, c.winner) for c in read.conflicts] == [(TaskField.DETAILS.value, Side.SALESFORCE)]


def test_a_salesforce_event_decided_with_the_reps_change_of_just_now_writes_it_unread() -> None:
    # An SIA change younger than Salesforce takes to deliver an event costs no read (SPEC 7's margin covers it)
    task, link = linked(details="first")
    mine = edited(task, _when(29, 30), details="mine")

    decided = decide_sf(sf_updated(_when(5), Description="theirs"), link, mine, 30)

    assert sent_fields(decided) == {SalesforceField.DESCRIPTION.value: "mine"}


def test_the_reps_same_change_made_later_still_beats_an_older_salesforce_change_met_after_it() -> None:
    # Salesforce's user moved the due date at :10 and emptied it at :12; the rep, unaware, moved it to the
    # same date at :20. The event of :10 comes first, at :20.5: the same value on both sides, Salesforce's.
    task, link = linked(due_date=date(2026, 1, 6))
    moved = edited(task, _when(20), due_date=date(2026, 1, 5))
    same = decide_sf(sf_updated(_when(10), ActivityDate="2026-01-05"), link, moved, 20.5)
    assert same.reminder is None and same.salesforce is None
    assert same.link is not None

    emptied = decide_read_if_asked(sf_updated(_when(12), ActivityDate=None), same.link, moved, context(now=_when(21)))

    # The rep's change is the latest of the three: it stands on both sides, and the rep sees it won
    assert emptied.reminder is None
    assert sent_fields(emptied) == {SalesforceField.ACTIVITY_DATE.value: date(2026, 1, 5)}
    assert [(c.field, c.winner) for c in emptied.conflicts] == [(TaskField.DUE_DATE.value, Side.SIA)]


def test_a_write_partly_undone_by_automation_in_the_second_of_the_last_change_seen_is_read() -> None:
    # The sync's create was shown at 2:01; the rep's change of the Comments and the due date, written in the
    # same second, met a Flow that set the due date back: the write's UPDATE carries the Comments alone.
    task, link = linked(details="first", due_date=date(2026, 1, 6))
    link, task = _rep_changes(link, task, 2.02, details="mine", due_date=date(2026, 1, 5))
    update = sf_updated(_when(2, 1), Description="mine")

    asked = decide_sf(update, link, task, 2.05)

    # The same second as the create's echo orders nothing: only the record says what Salesforce holds
    assert asked.skipped is SkipReason.NEEDS_RECORD
    record = sf_task(Description="mine", ActivityDate="2026-01-06", LastModifiedDate=_when(2, 1))
    read = SalesforceChange.of_record(record.model_copy(update={"system_modstamp": _when(2, 1)}), _when(2, 6), update)
    decided = decide_sf(read, stored(link, _when(2, 5)), task, 2.1)
    # The Flow's due date is Salesforce's: it reaches SIA, is not written over, and the rep is told
    assert isinstance(decided.reminder, UpdateReminder)
    assert decided.reminder.changes == {TaskField.DUE_DATE: date(2026, 1, 6)}
    assert decided.salesforce is None
    assert [(c.field, c.winner) for c in decided.conflicts] == [(TaskField.DUE_DATE.value, Side.SALESFORCE)]


def test_a_later_salesforce_status_sia_cannot_hold_is_not_written_over_by_the_reps_earlier_completion() -> None:
    # The rep completed the task at :10, not sent yet; Salesforce's user set it In Progress at :20.
    task, link = linked()
    done = edited(task, _when(10), status=Status.COMPLETE)

    decided = decide_read_if_asked(sf_updated(_when(20), Status="In Progress"), link, done, context(now=_when(30)))

    # In Progress is the later change: it stays in Salesforce, SIA keeps its completion (SPEC 2), and the rep
    # sees Salesforce won; the completion, taken in, is not sent when its own event comes
    assert decided.salesforce is None
    assert decided.reminder is None
    assert [(c.field, c.winner) for c in decided.conflicts] == [(TaskField.STATUS.value, Side.SALESFORCE)]
    assert decided.link is not None
    later = decide_reminder_event(event(done), decided.link, context(now=_when(31)))
    assert later.salesforce is None


def test_the_reps_completion_later_than_a_salesforce_status_sia_cannot_hold_is_written() -> None:
    task, link = linked()
    done = edited(task, _when(25), status=Status.COMPLETE)

    decided = decide_read_if_asked(sf_updated(_when(20), Status="In Progress"), link, done, context(now=_when(30)))

    assert sent_fields(decided) == {SalesforceField.STATUS.value: "Completed"}
    assert [(c.field, c.winner) for c in decided.conflicts] == [(TaskField.STATUS.value, Side.SIA)]


def test_a_salesforce_change_made_after_the_syncs_write_was_answered_was_not_replaced_by_it() -> None:
    # The rep's Comments of :10 were written, and Salesforce answered at :10. Salesforce's user set "theirs"
    # at :20 and "mine" again at :21; a read at :25 showed "mine", taken for the write. The event of :20
    # comes last.
    task, link = linked(details="first")
    link, task = _rep_changes(link, task, 10, details="mine")
    link = stored(link.answered([SalesforceField.DESCRIPTION], _when(10)), _when(10))
    record = sf_task(Description="mine", LastModifiedDate=_when(21), SystemModstamp=_when(21))
    shown = decide_sf(SalesforceChange.of_record(record, read_at=_when(25)), link, task, 25)
    link = _next(shown, link)

    late = decide_sf(sf_updated(_when(20), Description="theirs"), link, task, 30)

    # The write landed before "theirs" was made, which "mine" replaced since: nothing to take back
    assert late.reminder is None
    assert late.salesforce is None
    assert late.conflicts == ()


def test_a_write_salesforce_answered_is_remembered_with_the_time_of_the_answer() -> None:
    world = SyncWorld()
    world.rep_creates()
    world.sync()
    edited_at = world.rep_updates(details="mine").updated_at
    world.sync()

    write = world.link_of().last_write(SalesforceField.DESCRIPTION)
    assert write is not None and write.answered_at is not None
    assert write.value == "mine"
    assert edited_at < write.answered_at <= world.now
