"""SPEC sections 3 and 7: the Salesforce Subject follows the later change too. A Subject edited in
Salesforce never renames the SIA task, but an SIA change made before that edit, applied only after it
(sync was off, the grant revoked, an event delivered late), does not render a Subject over it; an SIA
change made after the edit does."""

from __future__ import annotations

from datetime import date

from tasksync.domain.reminder_task import TaskField
from tasksync.domain.sync_link import SyncLink
from tasksync.engine.decisions import Decision
from tasksync.engine.from_reminders import decide_reminder_event
from tasksync.engine.from_salesforce import decide_salesforce_change
from tests.unit.builders import (
    CLIENT_ID,
    at,
    context,
    decide_read_if_asked,
    decide_sf,
    edited,
    event,
    linked,
    pushed,
    reminder,
    sent_fields,
    sf_record,
    sf_undeleted,
    sf_updated,
    stored,
)

TEMPLATE = "{{activity_subject}} due {{activity_due_date}}"


def synced():
    task = reminder(due_date=date(2026, 3, 27))
    return task, pushed(task, context(now=at(minutes=2), subject_template=TEMPLATE))


def ctx(minutes):
    return context(now=at(minutes=minutes), subject_template=TEMPLATE)


def subject_written(decision: Decision) -> object:
    if decision.salesforce is None:
        return None
    return sent_fields(decision).get("Subject")


def renamed_in_sia(decision: Decision) -> bool:
    return decision.reminder is not None and TaskField.NAME in getattr(decision.reminder, "changes", {})


def later_link(decision: Decision, link: SyncLink) -> SyncLink:
    return decision.link or link


# -- the Salesforce edit is the later one ----------------------------------------------------------------


def test_a_subject_edited_in_salesforce_after_an_older_sia_rename_stays_when_both_are_decided_together():
    # Given the rep renamed the task at :20 while sync could not apply it, and a Salesforce user edited the
    # Subject at :30
    task, link = synced()
    renamed = edited(task, at(minutes=20), name="Call Bob")

    # When the Salesforce change is decided with the SIA task as it is now
    decision = decide_salesforce_change(
        sf_updated(at(minutes=30), Subject="Alice - pricing call"), link, renamed, ctx(40)
    )

    # Then Salesforce keeps its later Subject, and the SIA name stays the rep's
    assert subject_written(decision) is None
    assert not renamed_in_sia(decision)
    assert decision.link is not None
    assert decision.link.agreed.name == "Call Bob"


def test_an_older_sia_rename_delivered_after_a_later_subject_edit_does_not_overwrite_it():
    # Given the Salesforce Subject edit at :30 was decided before the rep's rename at :20 was delivered
    task, link = synced()
    edit = decide_salesforce_change(sf_updated(at(minutes=30), Subject="Alice - pricing call"), link, task, ctx(31))
    link = later_link(edit, link)
    renamed = edited(task, at(minutes=20), name="Call Bob")

    # When the rename's event is delivered
    decision = decide_reminder_event(event(renamed), link, ctx(40))

    # Then the Subject stays Salesforce's, and the name stays the rep's
    assert subject_written(decision) is None
    assert not renamed_in_sia(decision)
    assert decision.link is not None
    assert decision.link.agreed.name == "Call Bob"


def test_a_reconciliation_read_after_a_later_subject_edit_does_not_overwrite_it_with_an_older_rename():
    # Given the rep renamed the task at :20 while sync was off; a Salesforce user edited the Subject at :30
    task, link = synced()
    renamed = edited(task, at(minutes=20), name="Call Bob")

    # When a reconciliation reads the record at :40 and decides it with the SIA task
    read = sf_record(at(minutes=30), Subject="Alice - pricing call", ActivityDate="2026-03-27")
    decision = decide_salesforce_change(read, stored(link, at(minutes=3)), renamed, ctx(40))

    # Then Salesforce's later Subject stays
    assert subject_written(decision) is None
    assert not renamed_in_sia(decision)


def test_an_older_sia_due_date_change_does_not_render_over_a_later_subject_edit():
    # The template shows the due date: an SIA change of it renders the Subject, as old as it is
    task, link = synced()
    moved = edited(task, at(minutes=20), due_date=date(2026, 3, 29))

    decision = decide_read_if_asked(sf_updated(at(minutes=30), Subject="Alice - pricing call"), link, moved, ctx(40))

    assert subject_written(decision) is None
    assert sent_fields(decision) == {"ActivityDate": date(2026, 3, 29)}


# -- the SIA change is the later one ---------------------------------------------------------------------


def test_an_sia_rename_after_a_subject_edit_renders_the_subject():
    # Given a Salesforce user edited the Subject at :20, and it was synced
    task, link = synced()
    edit = decide_salesforce_change(sf_updated(at(minutes=20), Subject="Alice - pricing call"), link, task, ctx(21))
    link = later_link(edit, link)

    # When the rep renames the task at :30
    renamed = edited(task, at(minutes=30), name="Call Bob")
    decision = decide_reminder_event(event(renamed), link, ctx(31))

    # Then the rename renders the Subject
    assert subject_written(decision) == "Call Bob due 2026-03-27"


def test_an_sia_rename_after_a_subject_edit_renders_the_subject_when_both_are_decided_together():
    task, link = synced()
    renamed = edited(task, at(minutes=30), name="Call Bob")

    decision = decide_read_if_asked(sf_updated(at(minutes=20), Subject="Alice - pricing call"), link, renamed, ctx(40))

    assert subject_written(decision) == "Call Bob due 2026-03-27"
    assert not renamed_in_sia(decision)


def test_a_reconciliation_read_renders_an_sia_rename_made_after_the_subject_edit():
    task, link = synced()
    renamed = edited(task, at(minutes=30), name="Call Bob")

    read = sf_record(at(minutes=20), Subject="Alice - pricing call", ActivityDate="2026-03-27")
    decision = decide_salesforce_change(read, stored(link, at(minutes=3)), renamed, ctx(40))

    assert subject_written(decision) == "Call Bob due 2026-03-27"


def test_a_record_read_showing_the_edited_subject_again_does_not_date_the_edit_later():
    # Given a Salesforce Subject edit of :20 was synced at :21, and a read of :40 (another field changed then)
    # showed the Subject unchanged before the rep's rename of :30 was delivered
    task, link = synced()
    edit = decide_salesforce_change(sf_updated(at(minutes=20), Subject="Alice - pricing call"), link, task, ctx(21))
    link = later_link(edit, link)
    read = sf_record(at(minutes=40), Subject="Alice - pricing call", ActivityDate="2026-03-27", Priority="High")
    link = later_link(decide_salesforce_change(read, stored(link, at(minutes=22)), task, ctx(40)), link)

    # When the rename's event is delivered
    renamed = edited(task, at(minutes=30), name="Call Bob")
    decision = decide_reminder_event(event(renamed), link, ctx(41))

    # Then the rename, later than the edit, renders the Subject
    assert subject_written(decision) == "Call Bob due 2026-03-27"


def test_a_rename_in_the_same_moment_as_the_subject_edit_goes_to_sia():
    task, link = synced()
    renamed = edited(task, at(minutes=30), name="Call Bob")

    decision = decide_read_if_asked(sf_updated(at(minutes=30), Subject="Alice - pricing call"), link, renamed, ctx(40))

    assert subject_written(decision) == "Call Bob due 2026-03-27"


# -- the sync's own Subject writes are not Salesforce's edits ------------------------------------------


def test_the_echo_of_the_syncs_own_subject_write_does_not_hold_back_a_rename_made_before_it():
    # Given the sync wrote the rep's rename of :10 to the Subject, and the rep renamed again at :10:30
    task, link = synced()
    first = edited(task, at(minutes=10), name="Call Bob")
    written = decide_reminder_event(event(first), link, ctx(10))
    assert subject_written(written) == "Call Bob due 2026-03-27"
    link = later_link(written, link)
    second = edited(first, at(minutes=10, seconds=30), name="Call Carol")

    # When the write's echo (a change of :11, the sync's client id) is decided first, with the SIA task as
    # it was before the second rename, and the second rename's event comes after it
    echo = sf_updated(at(minutes=11), client_id=CLIENT_ID, Subject="Call Bob due 2026-03-27")
    link = later_link(decide_salesforce_change(echo, link, first, ctx(11)), link)
    decision = decide_reminder_event(event(second), link, ctx(12))

    # Then the second rename renders the Subject: the echo was the sync's own change, not a later edit
    assert subject_written(decision) == "Call Carol due 2026-03-27"


# -- a late whole record restating what Salesforce held before the sync's writes (Bug B) ------------------


def test_a_late_undelete_showing_what_the_field_held_before_the_syncs_writes_takes_no_sia_edit_back():
    # Given the rep changed the details twice (:10, :20) and the sync wrote both over "pricing"; the echo of
    # the first never came, the second's showed at :30
    task = reminder(details="pricing")
    link = pushed(task, context(now=at(minutes=2)))
    first = edited(task, at(minutes=10), details="NDA")
    link = later_link(decide_reminder_event(event(first), link, context(now=at(minutes=10))), link)
    second = edited(first, at(minutes=20), details="see notes")
    written = decide_reminder_event(event(second), link, context(now=at(minutes=20)))
    assert sent_fields(written) == {"Description": "see notes"}
    link = later_link(written, link)
    echo = sf_updated(at(minutes=30), client_id=CLIENT_ID, Description="see notes")
    link = later_link(decide_salesforce_change(echo, link, second, context(now=at(minutes=30))), link)

    # When an UNDELETE of :25 comes late, the record as it was then: the details from before both writes
    late = sf_undeleted(at(minutes=25), Description="pricing")
    decision = decide_salesforce_change(late, link, second, context(now=at(minutes=40)))

    # Then that is no Salesforce change: the rep's later edit stands, and no conflict is made up
    assert decision.reminder is None
    assert decision.salesforce is None
    assert decision.conflicts == ()


# -- a later Subject edit that the sync's write of an older change replaced unseen ------------------------


def _older_rename_written_over_an_unseen_subject_edit():
    # The rep renamed the task at :20, delivered only at :40 (an outage); a Salesforce user edited the
    # Subject at :30, whose event had not come yet: the sync's write of :40 replaced it unseen.
    task, link = synced()
    renamed = edited(task, at(minutes=20), name="Call Bob")
    written = decide_reminder_event(event(renamed), link, ctx(40))
    assert subject_written(written) == "Call Bob due 2026-03-27"
    link = later_link(written, link)
    echo = sf_updated(at(minutes=40), client_id=CLIENT_ID, Subject="Call Bob due 2026-03-27")
    return renamed, later_link(decide_salesforce_change(echo, link, renamed, ctx(41)), link)


def test_a_later_subject_edit_replaced_by_the_write_of_an_older_rename_is_written_back():
    renamed, link = _older_rename_written_over_an_unseen_subject_edit()

    # When the Subject edit's event comes, after the write's echo
    decision = decide_salesforce_change(
        sf_updated(at(minutes=30), client_id="SfdcInternalAPI/", Subject="Alice - pricing call"), link, renamed, ctx(42)
    )

    # Then the later change wins (SPEC 7): the edit goes back to Salesforce, and the SIA name stays the rep's
    assert subject_written(decision) == "Alice - pricing call"
    assert not renamed_in_sia(decision)
    assert decision.link is not None
    assert decision.link.agreed.name == "Call Bob"


def test_an_older_subject_edit_replaced_by_the_write_of_a_later_rename_stays_replaced():
    renamed, link = _older_rename_written_over_an_unseen_subject_edit()

    # When the event of a Subject edit made at :10, before the rename, comes after the write's echo
    decision = decide_salesforce_change(
        sf_updated(at(minutes=10), client_id="SfdcInternalAPI/", Subject="Alice - pricing call"), link, renamed, ctx(42)
    )

    # Then the rename, the later change, keeps the Subject
    assert subject_written(decision) is None
    assert not renamed_in_sia(decision)


def test_a_subject_edit_within_the_clocks_margin_of_the_rename_the_write_rendered_stays_replaced():
    renamed, link = _older_rename_written_over_an_unseen_subject_edit()

    # When the event comes of a Subject edit made a minute after the rename of :20 (the clocks may differ
    # by two: either may be the later, SPEC 7)
    decision = decide_salesforce_change(
        sf_updated(at(minutes=21), client_id="SfdcInternalAPI/", Subject="Alice - pricing call"), link, renamed, ctx(42)
    )

    # Then the Subject the write made stands: no write back and forth
    assert subject_written(decision) is None


def test_a_subject_edit_older_than_the_due_date_change_the_write_rendered_stays_replaced():
    # Given the rep moved the due date at :20 (the template shows it), delivered only at :40, and a
    # Salesforce user edited the Subject at :10, after the task's name was last changed (:1)
    task, link = synced()
    moved = edited(task, at(minutes=20), due_date=date(2026, 3, 29))
    written = decide_reminder_event(event(moved), link, ctx(40))
    assert subject_written(written) == "Call Alice back due 2026-03-29"
    link = later_link(written, link)
    echo = sf_updated(
        at(minutes=40), client_id=CLIENT_ID, Subject="Call Alice back due 2026-03-29", ActivityDate="2026-03-29"
    )
    link = later_link(decide_salesforce_change(echo, link, moved, ctx(41)), link)

    # When the Subject edit's event comes
    decision = decide_salesforce_change(
        sf_updated(at(minutes=10), client_id="SfdcInternalAPI/", Subject="Alice - pricing call"), link, moved, ctx(42)
    )

    # Then the due date change, later than the edit, keeps the Subject it rendered
    assert decision.salesforce is None


# -- an SIA change that a later Salesforce change of the same field overruled -----------------------------


def test_an_sia_due_date_change_overruled_by_a_later_salesforce_move_still_renders_the_subject():
    # Given the rep moved the due date at :20 (the template shows it), delivered late, and a Salesforce user
    # moved it elsewhere at :30
    task, link = synced()
    moved = edited(task, at(minutes=20), due_date=date(2026, 3, 29))

    # When both are decided together
    decision = decide_salesforce_change(sf_updated(at(minutes=30), ActivityDate="2026-03-31"), link, moved, ctx(40))

    # Then the later move wins the due date, but the rep's change rendered the Subject, as it had in order
    # (Salesforce's move does not render it again, SPEC 3): the Subject shows the task as it is now
    assert decision.reminder is not None
    assert decision.reminder.changes == {TaskField.DUE_DATE: date(2026, 3, 31)}
    assert subject_written(decision) == "Call Alice back due 2026-03-31"


def test_a_salesforce_move_of_the_due_date_alone_does_not_render_the_subject():
    task, link = synced()

    decision = decide_salesforce_change(sf_updated(at(minutes=30), ActivityDate="2026-03-31"), link, task, ctx(40))

    assert subject_written(decision) is None


def test_a_subject_edit_written_back_gives_way_to_the_reps_later_rename():
    # The rep's rename to A, sent late at :20, replaced Salesforce's Subject edit E from :15 unseen; the rep
    # renamed again to B at :25. E's event, decided at :30, would write E back: B is later (SPEC 3, 7).
    task, link = linked()
    renamed = edited(task, at(minutes=10), name="A")
    sent = decide_reminder_event(event(renamed), link, context(now=at(minutes=20)))
    echo = sf_updated(at(minutes=20), client_id=CLIENT_ID, Subject="A")
    shown = decide_sf(echo, stored(sent.link, at(minutes=20)), renamed, 20.5)
    again = edited(renamed, at(minutes=25), name="B")

    late = decide_read_if_asked(
        sf_updated(at(minutes=15), Subject="E"),
        stored(shown.link, at(minutes=20.5)),
        again,
        context(now=at(minutes=30)),
    )

    assert sent_fields(late) == {"Subject": "B"}


def test_a_rename_back_after_a_subject_edit_renders_the_subject_again():
    # Given a Salesforce user edited the Subject at :20, and it was synced
    task, link = synced()
    edit = decide_salesforce_change(sf_updated(at(minutes=20), Subject="Alice - pricing call"), link, task, ctx(21))
    link = later_link(edit, link)

    # When the rep renames the task at :30 and back at :35, both delivered only then (Salesforce was down)
    renamed = edited(task, at(minutes=30), name="Call Bob")
    back = edited(renamed, at(minutes=35), name="Call Alice back")
    decision = decide_reminder_event(event(back), link, ctx(36))

    # Then the rep's later rename renders the Subject over the older edit, though the name is the one agreed
    assert subject_written(decision) == "Call Alice back due 2026-03-27"
    assert not renamed_in_sia(decision)


def test_a_due_date_moved_and_back_after_a_subject_edit_renders_the_subject():
    # Given a Salesforce user edited the Subject at :10, and it was synced
    task, link = synced()
    edit = decide_salesforce_change(sf_updated(at(minutes=10), Subject="Alice - pricing call"), link, task, ctx(11))
    link = later_link(edit, link)

    # When the rep moves the due date at :20 and back at :25 (the template shows it), delivered together
    moved = edited(task, at(minutes=20), due_date=date(2026, 3, 29))
    back = edited(moved, at(minutes=25), due_date=date(2026, 3, 27))
    decision = decide_reminder_event(event(back), link, ctx(26))

    # Then the rep's later change renders the Subject
    assert subject_written(decision) == "Call Alice back due 2026-03-27"
