"""What every decision needs to know besides the change itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tasksync.domain.field_map import FieldMap
from tasksync.domain.settings import SyncSettings


@dataclass(frozen=True)
class SyncContext:
    """``client_id`` is the sync's own ``Sforce-Call-Options`` client id; ``now`` is the decision time."""

    settings: SyncSettings
    field_map: FieldMap
    client_id: str
    now: datetime

    @property
    def user_id(self) -> str:
        return self.settings.user_id

    @property
    def sf_user_id(self) -> str:
        connection = self.settings.connection
        if connection is None:
            raise ValueError(f"user {self.user_id} has no Salesforce connection")
        return connection.sf_user_id
