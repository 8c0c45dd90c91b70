"""Reading a Salesforce record as a change: the step both directions take when an event cannot be
placed without the record as it is now."""

from __future__ import annotations

from tasksync.domain.settings import SyncSettings
from tasksync.engine.changes import SalesforceChange
from tasksync.use_cases.services import SyncServices


def read_record(
    sf_id: str, settings: SyncSettings, services: SyncServices, prompted_by: SalesforceChange | None = None
) -> SalesforceChange:
    now = services.clock()  # before the read: what the link held then, the read shows
    record = services.salesforce(settings).get_task(sf_id)
    if record is None:
        return SalesforceChange.inferred_deletion(sf_id, now)
    return SalesforceChange.of_record(record, now, prompted_by=prompted_by)
