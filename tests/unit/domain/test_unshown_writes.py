"""A write the sync made over one that never showed was made over what the link expected, not what
Salesforce held: a read that still shows the value from before both writes says neither landed."""

from __future__ import annotations

from tasksync.domain.salesforce_task import SalesforceField
from tests.unit.builders import T0, linked

DESCRIPTION = SalesforceField.DESCRIPTION


def test_a_read_showing_the_value_from_before_two_unshown_writes_says_neither_landed() -> None:
    _, pushed = linked(details="bring pricing")
    # A Salesforce user's edit, seen by the sync.
    link = pushed.updated(salesforce=pushed.salesforce.model_copy(update={"description": "from a user"}))
    first = link.with_writes({DESCRIPTION: "see notes"}, base={DESCRIPTION: T0})
    # The link holds what it sent as Salesforce's, though the write's answer never came.
    sent = first.updated(salesforce=first.salesforce.model_copy(update={"description": "see notes"}))
    second = sent.with_writes({DESCRIPTION: "x" * 40}, base={DESCRIPTION: T0})
    assert [write.over for write in second.writes if write.field is DESCRIPTION][-1] == "see notes"

    assert second.holds_from_before_last_write(DESCRIPTION, "from a user")
    assert second.holds_from_before_last_write(DESCRIPTION, "see notes")
    assert not second.holds_from_before_last_write(DESCRIPTION, "x" * 40)
    assert not second.holds_from_before_last_write(DESCRIPTION, "a value nobody wrote")
