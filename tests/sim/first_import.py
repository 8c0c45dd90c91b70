"""What the first sync must have imported, judged as soon as it has run (SPEC 5.1): each of the rep's
reminders created or changed in the 24 hours before sync was turned on. At quiescence a record the import
missed may have joined since on a change of its own (SPEC 6), which hides the miss; here nothing has
changed yet. Like the oracle, this reads the history and the org's records only, none of the product."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tests.sim.history import History, SfWrite, SiaWrite, Switch
from tests.sim.oracle import IMPORT_WINDOW, MARGIN, REMINDER_SUBTYPES


def not_imported(history: History, records: Mapping[str, Any], reps: Mapping[str, str]) -> list[str]:
    """``reps``: each SIA user's Salesforce user id. Judges the reps whose sync has been turned on once."""
    first_on: dict[str, datetime] = {}
    for fact in history.facts:
        if isinstance(fact, Switch) and fact.what == "on":
            first_on.setdefault(fact.user, fact.at)
    copies = {(f.user, f.from_sf_id) for f in history.facts if isinstance(f, SiaWrite) and f.from_sf_id}
    found = []
    for user, on in first_on.items():
        changed = {f.sf_id: f.at for f in history.facts if isinstance(f, SfWrite) and f.at <= on}
        for sf_id, record in records.items():
            mine = (record.owner_id or "")[:15] == reps[user][:15]
            reminder = mine and record.task_subtype in REMINDER_SUBTYPES and not record.is_recurrence
            recent = sf_id in changed and changed[sf_id] >= on - IMPORT_WINDOW + MARGIN
            if reminder and recent and (user, sf_id) not in copies:
                found.append(f"{user}/{sf_id}: changed in the 24 hours before sync was turned on, not imported")
    return found
