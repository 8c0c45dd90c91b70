"""A Salesforce change as the engine sees it, whichever way it arrived (CDC webhook, Event Relay, a
re-read record, getDeleted)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tasksync.domain.salesforce_task import QUERY_FIELDS, SalesforceTask


class ChangeType(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    UNDELETE = "UNDELETE"
    RECORD = "RECORD"  # a record read from Salesforce: a gap re-read, the import, a reconciliation
    GAP = "GAP"  # a gap event (GAP_CREATE, GAP_UPDATE, ...): only the header came, so read the record


FULL_RECORD_TYPES = frozenset({ChangeType.CREATE, ChangeType.UNDELETE, ChangeType.RECORD})


@dataclass(frozen=True)
class SalesforceChange:
    """``task`` holds the values; only the fields named in ``carried`` are meaningful (an UPDATE carries
    the changed and nulled fields alone). ``client_id`` is the ``client=`` of the change's
    ``changeOrigin``: the id of the API client that made it, when it said one.

    ``commit_at`` orders the changes of a record (Salesforce's clock, whole seconds: two changes may
    share it); ``modified_at`` is when a user last modified the record (``LastModifiedDate``, else
    ``CreatedDate``), which the first sync's 24-hour rule reads, since Salesforce moves
    ``SystemModstamp`` without a user edit. ``event_key`` names the change event it came from
    (``transactionKey``/``sequenceNumber``), so that a redelivered event is known before anything is read.

    ``read_at`` (AWS's clock) is when a record was read: a record read after its link was last saved shows
    every write that link records, and so settles what an event could not. ``inferred`` marks a delete the
    sync inferred from a read that found nothing or an ``ENTITY_IS_DELETED`` answer: its ``commit_at`` is
    AWS's time of that read, not a Salesforce time. ``prompted_by`` is the event that made the sync read
    the record."""

    change_type: ChangeType
    task: SalesforceTask
    carried: frozenset[str]
    commit_at: datetime
    client_id: str | None = None
    event_key: str | None = None
    modified_at: datetime | None = None
    read_at: datetime | None = None
    inferred: bool = False
    prompted_by: SalesforceChange | None = None

    @property
    def sf_id(self) -> str:
        return self.task.id

    @property
    def is_full_record(self) -> bool:
        return self.change_type in FULL_RECORD_TYPES

    @classmethod
    def of_record(
        cls, task: SalesforceTask, read_at: datetime, prompted_by: SalesforceChange | None = None
    ) -> SalesforceChange:
        """A record read from Salesforce at ``read_at``, as a change made at its ``SystemModstamp``; one read
        from the recycle bin (``queryAll``) is its deletion."""
        if task.is_deleted:
            if task.system_modstamp is None:
                return cls.inferred_deletion(task.id, read_at, external_id=task.external_id)
            deletion = cls.deletion(task.id, task.system_modstamp, external_id=task.external_id)
            return dataclasses.replace(deletion, read_at=read_at)
        return cls(
            change_type=ChangeType.RECORD,
            task=task,
            carried=frozenset(QUERY_FIELDS),
            commit_at=task.system_modstamp or task.last_modified_date or read_at,
            modified_at=task.last_modified_date or task.created_date,
            read_at=read_at,
            prompted_by=prompted_by,
        )

    @classmethod
    def deletion(cls, sf_id: str, deleted_at: datetime, external_id: str | None = None) -> SalesforceChange:
        """A delete Salesforce dated (getDeleted's ``deletedDate``, the recycle bin's ``SystemModstamp``)."""
        return cls(
            change_type=ChangeType.DELETE,
            task=SalesforceTask(id=sf_id, external_id=external_id),
            carried=frozenset(),
            commit_at=deleted_at,
        )

    @classmethod
    def inferred_deletion(cls, sf_id: str, read_at: datetime, external_id: str | None = None) -> SalesforceChange:
        """The record is gone at ``read_at`` (a read found nothing, a write met ``ENTITY_IS_DELETED``), since
        when Salesforce did not say."""
        return cls(
            change_type=ChangeType.DELETE,
            task=SalesforceTask(id=sf_id, external_id=external_id),
            carried=frozenset(),
            commit_at=read_at,
            read_at=read_at,
            inferred=True,
        )
