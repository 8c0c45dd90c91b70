"""An org's change, delivered to the reps it concerns (docs/decisions/0002-dynamodb-state.md).

Links are per rep, and a change event is the org's: it concerns the record's owner (when a rep) and
every rep holding a link to the record (a reassignment takes it from one rep to another). Both are
found with one lookup each (the record's partition of links, the connected Salesforce users), never
one per connected rep. A rep whose sync is off or paused is skipped: re-enabling reads their links back
(SPEC 5.5). A change of every Task is no change of a record: ``scheduled_rounds.reconcile_org``.
"""

from __future__ import annotations

from collections.abc import Sequence

from tasksync.domain.settings import SyncSettings
from tasksync.domain.sync_link import SyncLink
from tasksync.engine.changes import ChangeType, SalesforceChange
from tasksync.engine.decisions import Decision
from tasksync.ports.salesforce import ErrorKind, SalesforceError
from tasksync.use_cases.records import read_record
from tasksync.use_cases.revoked_grant import event_time, pause_on_revoked_grant
from tasksync.use_cases.salesforce_changes import Routed, apply_salesforce_change
from tasksync.use_cases.services import SyncServices


def reps_for(org_id: str, change: SalesforceChange, services: SyncServices) -> dict[str, SyncLink | None]:
    """The users a change concerns, each with their link to the record: those linked to it, and its
    owner's (no link yet, perhaps) when the change says it."""
    users: dict[str, SyncLink | None] = {link.user_id: link for link in services.links.links_to(change.sf_id)}
    owner = change.task.owner_id if "OwnerId" in change.carried else None
    if owner:
        user = services.settings.user_for_salesforce_user(org_id, owner)
        if user is not None:
            users.setdefault(user, None)
    return dict(sorted(users.items()))


def apply_org_change(org_id: str, change: SalesforceChange, services: SyncServices) -> dict[str, Decision]:
    """Apply ``change`` for each rep it concerns. One rep's failure is raised after the others were served,
    so that the message is retried (the reps already served find it applied: no double effect)."""
    users = reps_for(org_id, change, services)
    if change.change_type is ChangeType.GAP or (not users and change.change_type is not ChangeType.DELETE):
        change, owner = _read_with_owner(org_id, change, services, first=list(users))
        if owner is not None:
            users = dict(sorted({owner: None, **users}.items()))
    decisions: dict[str, Decision] = {}
    failure: Exception | None = None
    for user, link in users.items():
        settings = services.syncing(user)
        if settings is None or not _of_org(settings, org_id):
            continue
        try:
            decisions[user] = apply_salesforce_change(change, settings, services, routed=Routed(link))
        except Exception as error:  # re-raised below, once every rep had its turn
            failure = failure or error
    if failure is not None:
        raise failure
    return decisions


def apply_org_changes(
    org_id: str, changes: Sequence[SalesforceChange], services: SyncServices
) -> list[dict[str, Decision]]:
    """Apply a delivery's changes in Salesforce's order: the events of one transaction by their
    ``sequenceNumber`` (the one order the header guarantees), transactions as they came
    (``commitNumber`` and ``replayId`` are hints at most; the engine orders by commit time and reads
    the record where that ties)."""
    return [apply_org_change(org_id, change, services) for change in in_transaction_order(changes)]


def in_transaction_order(changes: Sequence[SalesforceChange]) -> list[SalesforceChange]:
    def sequence(change: SalesforceChange) -> tuple[int, int]:
        key = change.event_key or ""
        transaction, _, number = key.rpartition("/")
        return firsts.setdefault(transaction or key, len(firsts)), int(number) if number.isdigit() else 0

    firsts: dict[str, int] = {}
    return sorted(changes, key=sequence)


def _read_with_owner(
    org_id: str, change: SalesforceChange, services: SyncServices, first: list[str]
) -> tuple[SalesforceChange, str | None]:
    """A change that does not say the record's owner (an UPDATE carries only what changed, a gap event
    nothing) of a record no rep links, or a gap event: read once, with the grant of the first syncing rep
    who can see it (the linked ones first), the record names its owner, who may be a rep whose task joins
    now (SPEC 4, 6): a reassignment whose event came as a gap is no change of the old owner's alone."""
    for user in dict.fromkeys([*first, *services.settings.users_of_org(org_id)]):
        settings = services.syncing(user)
        if settings is None:
            continue
        try:
            record = read_record(change.sf_id, settings, services, prompted_by=change)
        except SalesforceError as error:
            if error.kind is not ErrorKind.AUTH:
                raise
            # The rep's grant is revoked: their sync pauses, and says so (SPEC 7); another rep's may read it.
            pause_on_revoked_grant(error, settings, services, sf_id=change.sf_id, since=event_time(change))
            continue
        if record.change_type is ChangeType.DELETE:
            if user in first:
                return record, None  # gone: a delete for the reps who link it
            continue  # gone, or not visible to this rep
        return record, services.settings.user_for_salesforce_user(org_id, record.task.owner_id or "")
    return change, None


def _of_org(settings: SyncSettings, org_id: str) -> bool:
    """Record ids are unique within an org only: a sandbox keeps its production's ids, so a change of
    another org's record with the same id is not the rep's."""
    connection = settings.connection
    return connection is not None and connection.org_id[:15] == org_id[:15]
