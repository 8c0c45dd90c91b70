"""The oracle's rulings on small histories written by hand: each states what SPEC says, independently of
the product, and each final state that breaks it is named."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from tests.sim.history import Actor, Fact, History, SfWrite, Shown, SiaWrite, Switch
from tests.sim.oracle import judge, render

REPS = {"u": "005000000000001AAA"}
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SF_ID = "00T000000000001AAA"
TASK = {"name": "Call Ana", "status": "open", "priority": "normal", "due_date": None, "details": ""}
RECORD = {"Subject": "Call Ana", "Status": "Not Started", "Priority": "Normal", "ActivityDate": None}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def pushed_task(history: History, **values: object) -> None:
    """Sync on at 0; the rep creates task t at 1; the sync creates its record at 1.1."""
    history.add(Switch(at(0), "u", "on"))
    history.add(SiaWrite(at(1), "u", "t", "create", {**TASK, **values}, Actor.USER))
    record = {**RECORD, "OwnerId": REPS["u"], "TaskSubtype": "Task", **_sf(values)}
    history.add(SfWrite(at(1.1), at(1.1), SF_ID, "create", record, Actor.SYNC, external_id="t", rep="u"))


def _sf(values: dict[str, object]) -> dict[str, object]:
    names = {"status": "Status", "priority": "Priority", "due_date": "ActivityDate", "details": "Description"}
    mapped = {"open": "Not Started", "complete": "Completed", "normal": "Normal", "high": "High"}
    return {names[k]: mapped.get(v, v) if isinstance(v, str) else v for k, v in values.items() if k in names}


def verdict(history: History, task: dict[str, Any] | None, record: dict[str, Any] | None, **options: Any) -> list[str]:
    sia = {("u", "t"): SimpleNamespace(**{**TASK, **task})} if task is not None else {}
    defaults: dict[str, object] = {"subject": "Call Ana", "status": "Not Started", "priority": "Normal"}
    defaults |= {
        "activity_date": None,
        "description": None,
        "owner_id": REPS["u"],
        "task_subtype": "Task",
        "is_recurrence": False,
    }
    salesforce = {SF_ID: SimpleNamespace(**{**defaults, **record})} if record is not None else {}
    return judge(
        history if options.pop("events_lost", False) else delivered(history),
        REPS,
        {"u": options.pop("template", "{{activity_subject}}")},
        sia=sia,
        salesforce=salesforce,
        errors=options.pop("errors", []),
        **options,
    )


def delivered(history: History) -> History:
    """``history`` with every Salesforce change's event shown to the sync as it was made, while the rep's
    sync ran (as the world tells it, ``Shown``)."""
    facts: list[Fact] = []
    running = False
    for fact in history.facts:
        facts.append(fact)
        if isinstance(fact, Switch):
            running = fact.what in ("on", "reconnected")
        elif isinstance(fact, SfWrite) and running:
            facts.append(Shown(fact.at, "u", fact.sf_id, fact.sf_at, frozenset(fact.values)))
    return History(facts)


def test_both_sides_agreeing_on_the_rep_s_task_is_no_violation() -> None:
    history = History()
    pushed_task(history)
    assert verdict(history, {}, {}) == []


def test_the_later_change_wins_a_field_changed_on_both_sides() -> None:
    history = History()
    pushed_task(history)
    history.add(SiaWrite(at(10), "u", "t", "update", {"priority": "high"}, Actor.USER))
    history.add(SfWrite(at(20), at(20), SF_ID, "update", {"Priority": "Low"}, Actor.USER))
    history.add(SfWrite(at(25), at(25), SF_ID, "update", {"Priority": "Normal"}, Actor.USER))
    history.add(SfWrite(at(30), at(30), SF_ID, "update", {"Status": "Completed"}, Actor.USER))
    conflict = SimpleNamespace(user_id="u", sia_id="t", field="priority", kind="conflict", winner="salesforce")
    salesforce_wins = {"status": "complete", "priority": "normal"}
    assert verdict(history, salesforce_wins, {"status": "Completed"}, errors=[conflict]) == []
    # SIA's earlier change winning is wrong on the later change, and unrecorded.
    sia_wins = verdict(history, {"status": "complete", "priority": "high"}, {"status": "Completed", "priority": "High"})
    assert any("Priority is 'High' in Salesforce" in v for v in sia_wins)
    assert any("no conflict recorded" in v for v in sia_wins)


def test_a_conflict_on_a_field_only_the_sync_changed_in_salesforce_is_its_echo_taken_for_a_change() -> None:
    """SPEC 7: the sync's own writes coming back are no change; the rep's quick edits, each written, and the
    echo of the first coming last, are no conflict (seeds 189, 913)."""
    history = History()
    pushed_task(history)
    for minute, details in [(10, "one"), (10.1, "two"), (10.2, "three")]:
        history.add(SiaWrite(at(minute), "u", "t", "update", {"details": details}, Actor.USER))
        written = at(minute + 0.05)
        history.add(SfWrite(written, written, SF_ID, "update", {"Description": details}, Actor.SYNC, rep="u"))
    final = {"details": "three"}, {"description": "three"}
    phantom = SimpleNamespace(user_id="u", sia_id="t", field="details", kind="conflict", winner="sia")
    assert any("only the sync ever changed it" in v for v in verdict(history, *final, errors=[phantom]))
    assert verdict(history, *final) == []
    # A Salesforce user's edit of the field makes it a change the conflict may be about.
    history.add(SfWrite(at(10.15), at(10.15), SF_ID, "update", {"Description": "theirs"}, Actor.USER))
    assert not any("only the sync ever changed it" in v for v in verdict(history, *final, errors=[phantom]))


def test_a_conflict_must_be_recorded_with_the_later_side_as_winner() -> None:
    history = History()
    pushed_task(history)
    history.add(SfWrite(at(10), at(10), SF_ID, "update", {"ActivityDate": date(2026, 1, 6)}, Actor.USER))
    history.add(SiaWrite(at(20), "u", "t", "update", {"due_date": date(2026, 2, 1)}, Actor.USER))
    final = {"due_date": date(2026, 2, 1)}, {"activity_date": date(2026, 2, 1)}
    wrong_winner = SimpleNamespace(user_id="u", sia_id="t", field="due_date", kind="conflict", winner="salesforce")
    assert any("no conflict recorded with sia" in v for v in verdict(history, *final, errors=[wrong_winner]))
    right = SimpleNamespace(user_id="u", sia_id="t", field="due_date", kind="conflict", winner="sia")
    assert verdict(history, *final, errors=[right]) == []


def test_an_edit_of_a_value_both_sides_held_then_is_no_conflict() -> None:
    """SPEC 7 orders changes neither side had seen: Salesforce set the due date back to what SIA held (the
    last sync's), so the rep's later edit starts from agreement, and no conflict is owed (seed 723)."""
    history = History()
    pushed_task(history)
    history.add(SfWrite(at(10), at(10), SF_ID, "update", {"ActivityDate": date(2026, 1, 6)}, Actor.USER))
    history.add(SfWrite(at(12), at(12), SF_ID, "update", {"ActivityDate": None}, Actor.USER))
    history.add(SiaWrite(at(20), "u", "t", "update", {"due_date": date(2026, 2, 1)}, Actor.USER))
    final = {"due_date": date(2026, 2, 1)}, {"activity_date": date(2026, 2, 1)}
    assert verdict(history, *final) == []
    # Left at 2026-01-06, Salesforce's change is one SIA never held: the rep's edit crossed it.
    crossed = History(history.facts[:4] + history.facts[5:])
    assert any("no conflict recorded with sia" in v for v in verdict(crossed, *final))


def test_a_change_the_other_side_held_already_is_agreed_and_a_later_edit_no_conflict() -> None:
    """SPEC 7: the rep completed the task Salesforce showed completed: both sides agreed, whatever either did
    after is an edit of that, here Salesforce's Deferred then Not Started, which wins unrecorded (seed 8334)."""
    history = History()
    pushed_task(history)
    history.add(SfWrite(at(10), at(10), SF_ID, "update", {"Status": "Completed"}, Actor.USER))
    history.add(SiaWrite(at(20), "u", "t", "update", {"status": "complete"}, Actor.USER))
    history.add(SfWrite(at(30), at(30), SF_ID, "update", {"Status": "Deferred"}, Actor.USER))
    history.add(SfWrite(at(40), at(40), SF_ID, "update", {"Status": "Not Started"}, Actor.USER))
    history.add(SiaWrite(at(41), "u", "t", "update", {"status": "open"}, Actor.SYNC))
    assert verdict(history, {"status": "open"}, {"status": "Not Started"}) == []


def test_a_change_its_own_side_replaced_before_the_sync_decided_owes_no_conflict_of_its_own() -> None:
    """SPEC 7: the sync decides what each side holds since the last sync. The rep's 2026-01-06, crossed by
    Salesforce's 2026-01-05, was replaced by the rep's 2026-02-01 before the sync wrote the field to either
    side: only 2026-02-01 against 2026-01-05 was there to decide, and its conflict is owed (seed 1125)."""
    history = History()
    pushed_task(history)
    history.add(SiaWrite(at(10), "u", "t", "update", {"due_date": date(2026, 1, 6)}, Actor.USER))
    history.add(SfWrite(at(14), at(14), SF_ID, "update", {"ActivityDate": date(2026, 1, 5)}, Actor.USER))
    history.add(SiaWrite(at(18), "u", "t", "update", {"due_date": date(2026, 2, 1)}, Actor.USER))
    history.add(SfWrite(at(30), at(30), SF_ID, "update", {"ActivityDate": date(2026, 2, 1)}, Actor.SYNC, rep="u"))
    final = {"due_date": date(2026, 2, 1)}, {"activity_date": date(2026, 2, 1)}
    sia_won = SimpleNamespace(user_id="u", sia_id="t", field="due_date", kind="conflict", winner="sia")
    assert verdict(history, *final, errors=[sia_won]) == []
    assert any("no conflict recorded with sia" in v for v in verdict(history, *final))
    # Had the sync brought 2026-01-05 to SIA first, Salesforce's win over the rep's 2026-01-06 was decided.
    carried = SiaWrite(at(15), "u", "t", "update", {"due_date": date(2026, 1, 5)}, Actor.SYNC)
    brought = History([*history.facts[:4], carried, *history.facts[4:]])
    assert any("no conflict recorded with salesforce" in v for v in verdict(brought, *final, errors=[sia_won]))


def test_a_later_sia_change_the_org_s_automation_undid_is_the_salesforce_win_the_rep_sees() -> None:
    """SPEC 7: the rep's later due date won over Salesforce's and was written, and the org's automation set
    it back in the write's transaction: that change is Salesforce's and stands, and its conflict, Salesforce
    the winner, is the one recorded for the field (seed 2633)."""
    history = History()
    pushed_task(history)
    history.add(SfWrite(at(10), at(10), SF_ID, "update", {"ActivityDate": date(2026, 1, 6)}, Actor.USER))
    history.add(SiaWrite(at(20), "u", "t", "update", {"due_date": date(2026, 2, 1)}, Actor.USER))
    history.add(SfWrite(at(30), at(30), SF_ID, "update", {"ActivityDate": date(2026, 2, 1)}, Actor.SYNC, rep="u"))
    undone = SfWrite(at(30), at(30), SF_ID, "update", {"ActivityDate": date(2026, 1, 6)}, Actor.AUTOMATION)
    history.add(undone)
    history.add(SiaWrite(at(30.1), "u", "t", "update", {"due_date": date(2026, 1, 6)}, Actor.SYNC))
    final = {"due_date": date(2026, 1, 6)}, {"activity_date": date(2026, 1, 6)}
    salesforce_won = SimpleNamespace(user_id="u", sia_id="t", field="due_date", kind="conflict", winner="salesforce")
    assert verdict(history, *final, errors=[salesforce_won]) == []
    assert any("no conflict recorded with sia" in v for v in verdict(history, *final))
    # Had the write stood, the rep's win is the conflict to record.
    stood = History([fact for fact in history.facts[:-2] if fact is not undone])
    written = {"due_date": date(2026, 2, 1)}, {"activity_date": date(2026, 2, 1)}
    assert any("no conflict recorded with sia" in v for v in verdict(stood, *written, errors=[salesforce_won]))


def test_a_salesforce_change_the_sync_was_never_shown_owes_no_conflict() -> None:
    """SPEC 7 records the conflicts the sync decides: Salesforce's due date, whose change event was lost,
    and which the sync's write of the rep's later one replaced before any read showed it, was never known
    to it (seeds 550, 1195: a GAP's or a lost event). Shown by a read first, it was (the read shows it)."""
    history = History()
    pushed_task(history)
    history.add(SfWrite(at(10), at(10), SF_ID, "update", {"ActivityDate": date(2026, 1, 6)}, Actor.USER))
    history.add(SiaWrite(at(20), "u", "t", "update", {"due_date": date(2026, 2, 1)}, Actor.USER))
    history.add(SfWrite(at(30), at(30), SF_ID, "update", {"ActivityDate": date(2026, 2, 1)}, Actor.SYNC, rep="u"))
    final = {"due_date": date(2026, 2, 1)}, {"activity_date": date(2026, 2, 1)}
    assert verdict(history, *final, events_lost=True) == []
    assert any("no conflict recorded with sia" in v for v in verdict(history, *final))
    read = History([*history.facts[:4], Shown(at(15), "u", SF_ID), *history.facts[4:]])
    assert any("no conflict recorded with sia" in v for v in verdict(read, *final, events_lost=True))


def test_a_salesforce_change_first_shown_by_a_read_is_dated_by_the_record_s_last_change() -> None:
    """SPEC 7: a change the sync learns only from the whole record (its event lost, or delivered while sync
    was off) is dated by the record's last modification, here a later change of another field: it cannot
    be ordered against the rep's change within the margin of that, and either may win (seeds 4413, 6090)."""
    history = History()
    pushed_task(history)
    history.add(SfWrite(at(10), at(10), SF_ID, "update", {"ActivityDate": date(2026, 1, 6)}, Actor.USER))
    history.add(SiaWrite(at(20), "u", "t", "update", {"due_date": date(2026, 2, 1)}, Actor.USER))
    history.add(SfWrite(at(21), at(21), SF_ID, "update", {"Status": "Completed"}, Actor.USER))
    history.add(Shown(at(21), "u", SF_ID, at(21), frozenset({"Status"})))
    history.add(Shown(at(30), "u", SF_ID))
    history.add(SiaWrite(at(30), "u", "t", "update", {"due_date": date(2026, 1, 6), "status": "complete"}, Actor.SYNC))
    salesforce_won = SimpleNamespace(user_id="u", sia_id="t", field="due_date", kind="conflict", winner="salesforce")
    final = (
        {"due_date": date(2026, 1, 6), "status": "complete"},
        {"activity_date": date(2026, 1, 6), "status": "Completed"},
    )
    assert verdict(history, *final, errors=[salesforce_won], events_lost=True) == []
    # Its own event shown, the sync knew when it was made: the rep's later change wins.
    assert any("ActivityDate is" in v for v in verdict(history, *final, errors=[salesforce_won]))


def test_a_crossing_a_read_could_not_order_may_stand_either_way_after_salesforce_moves_to_an_unsynced_value() -> None:
    """SPEC 7 with 2: Salesforce's Not Started, shown first by a read dated by a later touch of the record (a
    save that changed nothing) within the margin of the rep's completion, may win; SIA takes it, and keeps it
    when Salesforce then moves to Waiting on someone else, a value SIA cannot hold (seed 9580)."""
    history = History()
    pushed_task(history)
    history.add(SfWrite(at(5), at(5), SF_ID, "update", {"Status": "In Progress"}, Actor.USER))
    history.add(Shown(at(5), "u", SF_ID, at(5), frozenset({"Status"})))
    history.add(SfWrite(at(10), at(10), SF_ID, "update", {"Status": "Not Started"}, Actor.USER))
    history.add(SiaWrite(at(20), "u", "t", "update", {"status": "complete"}, Actor.USER))
    history.add(SfWrite(at(21), at(21), SF_ID, "update", {"Status": "Not Started"}, Actor.USER))
    history.add(Shown(at(30), "u", SF_ID))
    history.add(SiaWrite(at(30), "u", "t", "update", {"status": "open"}, Actor.SYNC))
    history.add(SfWrite(at(40), at(40), SF_ID, "update", {"Status": "Waiting on someone else"}, Actor.USER))
    history.add(Shown(at(40), "u", SF_ID, at(40), frozenset({"Status"})))
    salesforce_won = SimpleNamespace(user_id="u", sia_id="t", field="status", kind="conflict", winner="salesforce")
    record, task = {"status": "Waiting on someone else"}, {"status": "open"}
    assert verdict(history, task, record, errors=[salesforce_won], events_lost=True) == []
    # Its own event shown, the sync knew when it was made: the rep's later completion stands.
    assert any("SIA must keep" in v for v in verdict(history, task, record, errors=[salesforce_won]))


def test_a_salesforce_change_first_shown_by_a_read_may_be_dated_just_after_the_sync_last_saw_the_field() -> None:
    """SPEC 7: a change a read alone shows lies somewhere after the sync last saw the field and before the
    record's last modification: the rep's earlier change within the margin of that last sight cannot be
    ordered against it, and may win, with the conflict recorded so (seed 7932). Its event shown, Salesforce's
    later change wins."""
    history = History()
    pushed_task(history)
    history.add(SiaWrite(at(5), "u", "t", "update", {"due_date": date(2026, 2, 1)}, Actor.USER))
    history.add(SfWrite(at(15), at(15), SF_ID, "update", {"ActivityDate": date(2026, 1, 6)}, Actor.USER))
    history.add(SfWrite(at(16), at(16), SF_ID, "update", {"Status": "Completed"}, Actor.USER))
    history.add(Shown(at(30), "u", SF_ID))
    history.add(SfWrite(at(30), at(30), SF_ID, "update", {"ActivityDate": date(2026, 2, 1)}, Actor.SYNC, rep="u"))
    history.add(SiaWrite(at(30), "u", "t", "update", {"status": "complete"}, Actor.SYNC))
    sia_won = SimpleNamespace(user_id="u", sia_id="t", field="due_date", kind="conflict", winner="sia")
    final = (
        {"due_date": date(2026, 2, 1), "status": "complete"},
        {"activity_date": date(2026, 2, 1), "status": "Completed"},
    )
    assert verdict(history, *final, errors=[sia_won], events_lost=True) == []
    assert any("ActivityDate is" in v for v in verdict(history, *final, errors=[sia_won]))


def test_a_salesforce_change_back_to_what_the_sync_knew_shown_only_by_a_read_owes_no_conflict() -> None:
    """SPEC 5.5, 7: Salesforce moved the due date and set it back to what the last sync left, and the sync
    was shown neither change's event before reading the record (their events held past a pause): the read
    shows the field as the sync knew it, no change to cross the rep's later one (seeds 5104, 723). Shown
    their events, the sync saw Salesforce change the field after the rep's earlier change: a conflict."""
    history = History()
    pushed_task(history)
    history.add(SiaWrite(at(5), "u", "t", "update", {"due_date": date(2026, 1, 5)}, Actor.USER))
    history.add(SfWrite(at(10), at(10), SF_ID, "update", {"ActivityDate": date(2026, 1, 6)}, Actor.USER))
    history.add(SfWrite(at(12), at(12), SF_ID, "update", {"ActivityDate": None}, Actor.USER))
    history.add(SiaWrite(at(20), "u", "t", "update", {"due_date": date(2026, 2, 1)}, Actor.USER))
    history.add(Shown(at(30), "u", SF_ID))
    history.add(SfWrite(at(30), at(30), SF_ID, "update", {"ActivityDate": date(2026, 2, 1)}, Actor.SYNC, rep="u"))
    final = {"due_date": date(2026, 2, 1)}, {"activity_date": date(2026, 2, 1)}
    assert verdict(history, *final, events_lost=True) == []
    assert any("no conflict recorded with sia" in v for v in verdict(history, *final))


def test_changes_within_the_clocks_margin_may_go_either_way_but_both_sides_agree() -> None:
    history = History()
    pushed_task(history)
    history.add(SiaWrite(at(10), "u", "t", "update", {"priority": "high"}, Actor.USER))
    history.add(SfWrite(at(10.1), at(10.1), SF_ID, "update", {"Priority": "High"}, Actor.SYNC, rep="u"))
    history.add(SfWrite(at(11), at(11.5), SF_ID, "update", {"Priority": "Normal"}, Actor.USER))
    assert verdict(history, {"priority": "high"}, {"priority": "High"}) == []
    assert verdict(history, {"priority": "normal"}, {"priority": "Normal"}) == []
    assert verdict(history, {"priority": "high"}, {"priority": "Normal"}) != []


@pytest.mark.parametrize(("sf_field", "held"), [("status", "In Progress"), ("priority", "Low")])
def test_a_value_sia_cannot_hold_stays_in_salesforce_when_sia_changes_another_field(sf_field: str, held: str) -> None:
    history = History()
    pushed_task(history)
    history.add(SfWrite(at(5), at(5), SF_ID, "update", {sf_field.title(): held}, Actor.USER))
    history.add(SiaWrite(at(10), "u", "t", "update", {"due_date": date(2026, 1, 6)}, Actor.USER))
    record = {sf_field: held, "activity_date": date(2026, 1, 6)}
    assert verdict(history, {"due_date": date(2026, 1, 6)}, record) == []
    overwritten = {**record, sf_field: "Not Started" if sf_field == "status" else "Normal"}
    assert verdict(history, {"due_date": date(2026, 1, 6)}, overwritten) != []
    # SIA keeps what it had: Low is not normal, In Progress is not open or complete.
    changed = {"due_date": date(2026, 1, 6), sf_field: "complete" if sf_field == "status" else "high"}
    assert verdict(history, changed, record) != []


def test_a_task_imported_with_a_value_sia_cannot_hold_is_open_and_normal() -> None:
    history = History()
    history.add(Switch(at(0), "u", "on"))
    record = {**RECORD, "Status": "Deferred", "Priority": "Low", "OwnerId": REPS["u"], "TaskSubtype": "Task"}
    history.add(SfWrite(at(1), at(1), SF_ID, "create", record, Actor.USER))
    history.add(SiaWrite(at(1.1), "u", "t", "create", TASK, Actor.SYNC, from_sf_id=SF_ID))
    assert verdict(history, {}, {"status": "Deferred", "priority": "Low"}) == []
    assert verdict(history, {"status": "complete"}, {"status": "Deferred", "priority": "Low"}) != []
    assert verdict(history, {"priority": "high"}, {"status": "Deferred", "priority": "Low"}) != []


def test_the_subject_is_the_template_rendered_without_line_breaks_and_cut_to_255() -> None:
    assert render("[SIA] {{activity_subject}}", {"name": "Follow up\nwith Bo"}) == "[SIA] Follow up with Bo"
    assert render("{{activity_subject}} due {{activity_due_date}}", {"name": "x"}) == "x due"
    assert render("[SIA] {{activity_subject}}", {"name": "L" * 252}) == ("[SIA] " + "L" * 252)[:255]
    history = History()
    pushed_task(history, name="Follow up\nwith Bo")
    task = {"name": "Follow up\nwith Bo"}
    assert verdict(history, task, {"subject": "[SIA] Follow up with Bo"}, template="[SIA] {{activity_subject}}") == []
    kept = verdict(history, task, {"subject": "[SIA] Follow up\nwith Bo"}, template="[SIA] {{activity_subject}}")
    assert any("Subject" in v for v in kept)


def test_a_subject_edited_in_salesforce_never_renames_the_sia_task() -> None:
    history = History()
    pushed_task(history)
    history.add(SfWrite(at(5), at(5), SF_ID, "update", {"Subject": "Edited"}, Actor.USER))
    assert verdict(history, {}, {"subject": "Edited"}) == []
    assert any("named 'Edited'" in v for v in verdict(history, {"name": "Edited"}, {"subject": "Edited"}))


def test_two_records_made_for_one_sia_task_are_duplicates_whatever_their_external_ids() -> None:
    history = History()
    pushed_task(history)
    other = "00T000000000002AAA"
    record = {**RECORD, "OwnerId": REPS["u"], "TaskSubtype": "Task"}
    history.add(SfWrite(at(2), at(2), other, "create", record, Actor.SYNC, external_id="t", rep="u"))
    found = judge(
        history,
        REPS,
        {"u": "{{activity_subject}}"},
        sia={("u", "t"): SimpleNamespace(**TASK)},
        salesforce={sf_id: SimpleNamespace(**_record()) for sf_id in (SF_ID, other)},
        errors=[],
    )
    assert any("2 Salesforce records made for one SIA task" in v for v in found)
    # A record the sync made with no SIA task to show for it is a duplicate too.
    history.add(SfWrite(at(3), at(3), "00T000000000003AAA", "create", record, Actor.SYNC, external_id=None))
    lone = judge(
        History([history.facts[-1], history.facts[0]]),
        REPS,
        {"u": "{{activity_subject}}"},
        sia={},
        salesforce={"00T000000000003AAA": SimpleNamespace(**_record())},
        errors=[],
    )
    assert any("with no SIA task" in v for v in lone)


def test_a_record_made_again_after_a_user_deleted_the_first_resurrects_the_task_unless_it_was_purged() -> None:
    # SPEC 7: deletes stay deleted. The first record, deleted in Salesforce, is in the recycle bin, where a
    # lookup of the sync's lost create finds it; once purged, nothing tells the sync it ever landed.
    history = History()
    pushed_task(history)
    history.add(SfWrite(at(2), at(2), SF_ID, "delete", {}, Actor.USER))
    other = "00T000000000002AAA"
    record = {**RECORD, "OwnerId": REPS["u"], "TaskSubtype": "Task"}
    history.add(SfWrite(at(3), at(3), other, "create", record, Actor.SYNC, external_id="t", rep="u"))
    options: dict[str, Any] = {
        "sia": {("u", "t"): SimpleNamespace(**TASK)},
        "salesforce": {other: SimpleNamespace(**_record())},
        "errors": [],
    }

    recycled = judge(history, REPS, {"u": "{{activity_subject}}"}, recycled=frozenset({SF_ID}), **options)
    purged = judge(history, REPS, {"u": "{{activity_subject}}"}, **options)

    assert any("2 Salesforce records made for one SIA task" in v for v in recycled)
    assert not any("records made for one SIA task" in v for v in purged)


def _record() -> dict[str, object]:
    return {
        "subject": "Call Ana",
        "status": "Not Started",
        "priority": "Normal",
        "activity_date": None,
        "description": None,
        "owner_id": REPS["u"],
        "task_subtype": "Task",
        "is_recurrence": False,
    }


def test_a_due_date_the_rep_set_as_salesforce_had_it_need_not_render_the_subject() -> None:
    """SPEC 3 renders SIA's changes into the Subject, not a due date Salesforce moved; SPEC 7 orders the
    changes. A rep setting the due date Salesforce had already moved to, before the sync brought it to SIA,
    made no change in that order, and the sync cannot tell it from its own SIA write of Salesforce's due date:
    the Subject may stay. A due date of the rep's own still renders it."""
    template = "{{activity_subject}} due {{activity_due_date}}"
    history = History()
    history.add(Switch(at(0), "u", "on"))
    history.add(SiaWrite(at(1), "u", "t", "create", {**TASK, "name": "Call Ana on"}, Actor.USER))
    record = {**RECORD, "Subject": "Call Ana on due", "OwnerId": REPS["u"], "TaskSubtype": "Task"}
    history.add(SfWrite(at(1.1), at(1.1), SF_ID, "create", record, Actor.SYNC, external_id="t", rep="u"))
    history.add(SfWrite(at(1.1), at(1.1), SF_ID, "update", {"Subject": "[SF] Call Ana on due"}, Actor.AUTOMATION))
    history.add(SfWrite(at(10), at(10), SF_ID, "update", {"ActivityDate": date(2026, 1, 6)}, Actor.USER))
    moved_to = {"name": "Call Ana on", "due_date": date(2026, 1, 6)}
    moved = History([*history.facts, SiaWrite(at(15), "u", "t", "update", {"due_date": date(2026, 1, 6)}, Actor.USER)])
    final = {"activity_date": date(2026, 1, 6)}
    assert verdict(moved, moved_to, {**final, "subject": "[SF] Call Ana on due"}, template=template) == []
    assert verdict(moved, moved_to, {**final, "subject": "Call Ana on due 2026-01-06"}, template=template) == []
    # Moved elsewhere and back before the sync saw either: seen from where they ended, the same.
    back = [SiaWrite(at(14), "u", "t", "update", {"due_date": date(2026, 1, 7)}, Actor.USER)]
    back.append(SiaWrite(at(15), "u", "t", "update", {"due_date": date(2026, 1, 6)}, Actor.USER))
    moved_back = History([*history.facts, *back])
    assert verdict(moved_back, moved_to, {**final, "subject": "[SF] Call Ana on due"}, template=template) == []
    # Moved once before Salesforce's change, once after to Salesforce's date, the first never written (Salesforce
    # was down): the Subject may stay what the record held when Salesforce moved the due date (sim seed 836).
    first = [SiaWrite(at(5), "u", "t", "update", {"due_date": date(2026, 1, 7)}, Actor.USER)]
    first.append(SiaWrite(at(15), "u", "t", "update", {"due_date": date(2026, 1, 6)}, Actor.USER))
    twice = History([*history.facts[:4], first[0], history.facts[4], first[1]])
    assert verdict(twice, moved_to, {**final, "subject": "[SF] Call Ana on due"}, template=template) == []
    # Renamed in the same change: the rename renders the Subject.
    renamed = History(
        [*history.facts, SiaWrite(at(15), "u", "t", "update", {**moved_to, "name": "Call Bo"}, Actor.USER)]
    )
    unrendered = verdict(
        renamed, {**moved_to, "name": "Call Bo"}, {**final, "subject": "[SF] Call Ana on due"}, template=template
    )
    assert any("Subject '[SF] Call Ana on due'" in v for v in unrendered)
    # A due date of the rep's own renders it too.
    own = History([*history.facts, SiaWrite(at(15), "u", "t", "update", {"due_date": date(2026, 1, 7)}, Actor.USER)])
    mine = {"name": "Call Ana on", "due_date": date(2026, 1, 7)}
    unrendered = verdict(
        own, mine, {"activity_date": date(2026, 1, 7), "subject": "[SF] Call Ana on due"}, template=template
    )
    assert any("Subject '[SF] Call Ana on due'" in v for v in unrendered)


def test_a_due_date_salesforce_set_alike_within_the_clocks_margin_after_the_rep_need_not_render_the_subject() -> None:
    """SPEC 7: within the clocks' margin two changes cannot be ordered, and Salesforce's may have been the
    first: then the rep's changed nothing, as above. Later than that, the rep's was the first and renders."""
    template = "{{activity_subject}} due {{activity_due_date}}"
    history = History()
    pushed_task(history)
    history.add(SfWrite(at(1.1), at(1.1), SF_ID, "update", {"Subject": "[SF] Call Ana due"}, Actor.AUTOMATION))
    history.add(SiaWrite(at(10), "u", "t", "update", {"due_date": date(2026, 1, 6)}, Actor.USER))
    task, final = {"due_date": date(2026, 1, 6)}, {"activity_date": date(2026, 1, 6), "subject": "[SF] Call Ana due"}
    alike = [SfWrite(at(10.1), at(10.1), SF_ID, "update", {"ActivityDate": date(2026, 1, 6)}, Actor.USER)]
    assert verdict(History([*history.facts, *alike]), task, final, template=template) == []
    later = [SfWrite(at(13), at(13), SF_ID, "update", {"ActivityDate": date(2026, 1, 6)}, Actor.USER)]
    unrendered = verdict(History([*history.facts, *later]), task, final, template=template)
    assert any("Subject '[SF] Call Ana due'" in v for v in unrendered)


def test_a_due_date_set_as_salesforce_had_it_on_a_copy_brought_back_need_not_render_the_subject() -> None:
    """As above, on a copy an undelete brought back, which starts from the record as it then was: nothing of
    SIA's rendered its Subject before, so it may be any."""
    template = "{{activity_subject}} due {{activity_due_date}}"
    record = {**RECORD, "OwnerId": REPS["u"], "TaskSubtype": "Task"}
    history = History()
    history.add(Switch(at(0), "u", "on"))
    history.add(SfWrite(at(1), at(1), SF_ID, "create", record, Actor.USER))
    history.add(SiaWrite(at(1.1), "u", "t", "create", TASK, Actor.SYNC, from_sf_id=SF_ID))
    history.add(SfWrite(at(2), at(2), SF_ID, "update", {"Subject": "Edited"}, Actor.USER))
    history.add(SfWrite(at(3), at(3), SF_ID, "delete", {}, Actor.USER))
    history.add(SiaWrite(at(3.1), "u", "t", "delete", {}, Actor.SYNC))
    history.add(SfWrite(at(4), at(4), SF_ID, "undelete", {**record, "Subject": "Edited"}, Actor.USER))
    history.add(SiaWrite(at(4.1), "u", "t", "create", TASK, Actor.SYNC, from_sf_id=SF_ID))
    history.add(SfWrite(at(10), at(10), SF_ID, "update", {"ActivityDate": date(2026, 1, 6)}, Actor.USER))
    history.add(SiaWrite(at(15), "u", "t", "update", {"due_date": date(2026, 1, 6)}, Actor.USER))
    final = {"activity_date": date(2026, 1, 6), "subject": "Edited"}
    assert verdict(history, {"due_date": date(2026, 1, 6)}, final, template=template) == []


def test_a_subject_edit_written_over_before_its_event_reached_the_sync_may_stay_replaced() -> None:
    """SPEC 3, 7: a Subject edited in Salesforce after the rep's rename wins the Subject. When the sync's
    write of the rename replaced it before its event reached the running sync (dropped while sync was off or
    paused, or lost), nothing tells the sync of it: the rename's Subject may stand."""
    history = History()
    pushed_task(history)
    history.add(SiaWrite(at(10), "u", "t", "update", {"name": "Call Bo"}, Actor.USER))
    history.add(SfWrite(at(20), at(20), SF_ID, "update", {"Subject": "Edited"}, Actor.USER))
    history.add(SfWrite(at(30), at(30), SF_ID, "update", {"Subject": "Call Bo"}, Actor.SYNC, rep="u"))
    renamed = {"name": "Call Bo"}
    assert verdict(history, renamed, {"subject": "Call Bo"}, events_lost=True) == []
    assert verdict(history, renamed, {"subject": "Edited"}, events_lost=True) == []
    # Its event delivered, even after the write: the edit, the later change, must stand.
    assert verdict(history, renamed, {"subject": "Edited"}) == []
    assert any("Subject 'Call Bo'" in v for v in verdict(history, renamed, {"subject": "Call Bo"}))


def test_an_old_record_sia_never_had_may_join_on_an_undelete_and_must_on_an_edit() -> None:
    history = History()
    record = {**RECORD, "OwnerId": REPS["u"], "TaskSubtype": "Task"}
    history.add(SfWrite(at(-3 * 24 * 60), at(-3 * 24 * 60), SF_ID, "create", record, Actor.USER))
    history.add(Switch(at(0), "u", "on"))
    history.add(SfWrite(at(5), at(5), SF_ID, "delete", {}, Actor.USER))
    history.add(SfWrite(at(10), at(10), SF_ID, "undelete", record, Actor.USER))
    assert verdict(history, None, {}) == []
    joined = History([*history.facts, SiaWrite(at(10.1), "u", "t", "create", TASK, Actor.SYNC, from_sf_id=SF_ID)])
    assert verdict(joined, {}, {}) == []
    history.add(SfWrite(at(12), at(12), SF_ID, "update", {"Priority": "High"}, Actor.USER))
    assert any("no SIA task" in v for v in verdict(history, None, {"priority": "High"}))


def test_a_task_created_while_sync_was_off_stays_local() -> None:
    history = History()
    history.add(SiaWrite(at(1), "u", "t", "create", TASK, Actor.USER))
    history.add(Switch(at(2), "u", "on"))
    assert verdict(history, {}, None) == []
    history.add(
        SfWrite(at(3), at(3), SF_ID, "create", {**RECORD, "OwnerId": REPS["u"]}, Actor.SYNC, external_id="t", rep="u")
    )
    assert any("created while sync was off" in v for v in verdict(history, {}, {}))


def test_the_sync_changes_no_sia_task_while_sync_is_off() -> None:
    """SPEC 6: turning sync off stops both directions at once: a Salesforce change made meanwhile reaches SIA
    only when sync is on again (breaks.sync_off_still_applies_salesforce)."""
    history = History()
    pushed_task(history)
    history.add(Switch(at(5), "u", "off"))
    history.add(SfWrite(at(10), at(10), SF_ID, "update", {"Status": "Completed"}, Actor.USER))
    history.add(SiaWrite(at(10.1), "u", "t", "update", {"status": "complete"}, Actor.SYNC))
    history.add(Switch(at(20), "u", "on"))
    assert any("while sync was off" in v for v in verdict(history, {"status": "complete"}, {"status": "Completed"}))
    on_again = History(
        [
            *history.facts[:-2],
            history.facts[-1],
            SiaWrite(at(20), "u", "t", "update", {"status": "complete"}, Actor.SYNC),
        ]
    )
    assert verdict(on_again, {"status": "complete"}, {"status": "Completed"}) == []


def test_a_task_deleted_in_sia_stays_deleted_unless_salesforce_undeletes_it() -> None:
    history = History()
    pushed_task(history)
    history.add(SiaWrite(at(5), "u", "t", "delete", {}, Actor.USER))
    assert verdict(history, None, None) == []
    assert any("deleted in SIA, yet" in v for v in verdict(history, None, {}))
    history.add(SfWrite(at(5.1), at(5.1), SF_ID, "delete", {}, Actor.SYNC, rep="u"))
    history.add(SfWrite(at(15), at(15), SF_ID, "undelete", {**RECORD, "OwnerId": REPS["u"]}, Actor.USER))
    assert any("no SIA task" in v for v in verdict(history, None, {}))


def test_a_synced_value_salesforce_left_while_sync_was_off_is_invisible_to_the_catch_up() -> None:
    """SPEC 5.5: turned on again, the sync reads each record as it then is; a High that Salesforce set and
    left for Low while sync was off never shows, so SIA may keep what it had before it."""
    history = History()
    pushed_task(history)
    history.add(Switch(at(5), "u", "off"))
    history.add(SfWrite(at(10), at(10), SF_ID, "update", {"Priority": "High"}, Actor.USER))
    history.add(SfWrite(at(20), at(20), SF_ID, "update", {"Priority": "Low"}, Actor.USER))
    history.add(Switch(at(30), "u", "on"))
    assert verdict(history, {"priority": "normal"}, {"priority": "Low"}) == []
    assert verdict(history, {"priority": "high"}, {"priority": "Low"}) == []
    # With sync on all along, the High reached SIA: SIA keeps it.
    on = History([fact for fact in history.facts if not isinstance(fact, Switch) or fact.what == "on"])
    assert verdict(on, {"priority": "normal"}, {"priority": "Low"}) != []


def test_a_synced_value_whose_event_met_sync_off_and_that_salesforce_left_is_invisible_to_the_catch_up() -> None:
    """SPEC 6, 5.5: a High made with sync on whose event arrives only after the rep turned sync off is not
    applied (turning sync off stops both directions at once); Salesforce left it for Low before sync ran
    again, so the catch-up cannot see it either, and SIA may keep what it had before it (seeds 8602, 9195)."""
    history = History()
    pushed_task(history)
    history.add(SfWrite(at(10), at(10), SF_ID, "update", {"Priority": "High"}, Actor.USER))
    history.add(Switch(at(12), "u", "off"))
    history.add(SfWrite(at(20), at(20), SF_ID, "update", {"Priority": "Low"}, Actor.USER))
    history.add(Switch(at(30), "u", "on"))
    assert verdict(history, {"priority": "normal"}, {"priority": "Low"}, events_lost=True) == []
    assert verdict(history, {"priority": "high"}, {"priority": "Low"}, events_lost=True) == []
    # Its event shown while sync ran, the High reached SIA: SIA keeps it.
    high = Shown(at(10), "u", SF_ID, at(10), frozenset({"Priority"}))
    shown = History([*history.facts[:4], high, *history.facts[4:]])
    assert verdict(shown, {"priority": "normal"}, {"priority": "Low"}, events_lost=True) != []


def test_a_subject_the_org_refuses_is_recorded_unless_a_salesforce_edit_may_keep_it_unsent() -> None:
    long_name = {"name": "L" * 252}
    refused = SimpleNamespace(user_id="u", sia_id="t", field=None, kind="permanent", winner=None)
    for edited_at, must_record in [(5, True), (10.5, False), (13, False)]:
        history = History()
        pushed_task(history)
        history.add(SfWrite(at(edited_at), at(edited_at), SF_ID, "update", {"Subject": "[SF] Renewal"}, Actor.USER))
        history.add(SiaWrite(at(10), "u", "t", "update", long_name, Actor.USER))
        unrecorded = verdict(history, long_name, {"subject": "[SF] Renewal"}, subject_prefix="[SF] ")
        assert any("no error says so" in v for v in unrecorded) is must_record, edited_at
        assert verdict(history, long_name, {"subject": "[SF] Renewal"}, subject_prefix="[SF] ", errors=[refused]) == []


def test_a_record_already_deleted_is_no_refusal_to_show_the_rep() -> None:
    # SPEC 7: ENTITY_IS_DELETED / NOT_FOUND on update or delete means "already deleted".
    history = History()
    pushed_task(history)
    error = SimpleNamespace(kind="permanent", code="ENTITY_IS_DELETED", user_id="u", sia_id="t", message="")
    refused = SimpleNamespace(kind="permanent", code="FIELD_CUSTOM_VALIDATION_EXCEPTION", user_id="u", sia_id="t")

    assert any("refusal for a deleted record" in v for v in verdict(history, {}, {}, errors=[error]))
    assert not any("refusal for a deleted record" in v for v in verdict(history, {}, {}, errors=[refused]))
