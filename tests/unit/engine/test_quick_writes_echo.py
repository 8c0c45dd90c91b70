"""SPEC 7 (no echo): a quick run of the rep's edits writes a field again and again; the sync keeps its last
two writes of a field, yet the echo of an older one, brought last by the relay, is still its own: no
conflict for the rep to see, nothing written (sim seeds 189 and 913, a reviewer's finding before them)."""

from __future__ import annotations

import pytest

from tasksync.domain.reminder_task import ReminderTask
from tasksync.domain.salesforce_task import SalesforceField
from tasksync.domain.sync_link import SyncLink
from tasksync.engine.from_reminders import decide_reminder_event
from tests.unit.builders import CLIENT_ID, at, context, decide_sf, edited, event, linked, sf_updated

DETAILS = ["one", "two", "three", "four"]


def _four_quick_writes() -> tuple[SyncLink, ReminderTask]:
    task, link = linked(details="first")
    for second, details in enumerate(DETAILS):
        task = edited(task, at(minutes=10, seconds=second), details=details)
        decided = decide_reminder_event(event(task), link, context(now=at(minutes=10, seconds=second)))
        assert decided.link is not None
        link = decided.link
    return link, task


@pytest.mark.parametrize("client_id", [CLIENT_ID, None], ids=["client id on the echo", "none"])
def test_the_echo_of_the_first_of_four_quick_writes_after_the_others_is_no_conflict(client_id: str | None) -> None:
    link, task = _four_quick_writes()
    assert "one" not in link.written_values(SalesforceField.DESCRIPTION)  # two are kept: "three", "four"
    for second, details in list(enumerate(DETAILS))[1:]:
        decided = decide_sf(
            sf_updated(at(minutes=10, seconds=second), client_id=client_id, Description=details), link, task, 10.2
        )
        assert decided.conflicts == ()
        link = decided.link or link

    first = decide_sf(sf_updated(at(minutes=10), client_id=client_id, Description="one"), link, task, 10.3)

    assert first.conflicts == ()
    assert first.reminder is None and first.salesforce is None
