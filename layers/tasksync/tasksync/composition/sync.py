"""The root of every function that syncs: the state and SIA store on DynamoDB, a gateway per
Salesforce connection, each org's field map (its picklists, kept ``PICKLIST_MAX_AGE`` seconds in the
container and in the state table), and asynchronous invocations of other functions."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import boto3

from tasksync.adapters.dynamodb.cursor_repository import DynamoDBCursorRepository
from tasksync.adapters.dynamodb.link_repository import DynamoDBLinkRepository
from tasksync.adapters.dynamodb.linked_task_writes import DynamoDBLinkedTaskWrites
from tasksync.adapters.dynamodb.picklist_cache import DynamoDBPicklistCache
from tasksync.adapters.dynamodb.reminder_task_store import DynamoDBReminderTaskStore
from tasksync.adapters.dynamodb.settings_repository import DynamoDBSettingsRepository
from tasksync.adapters.dynamodb.sync_error_repository import DynamoDBSyncErrorRepository
from tasksync.adapters.salesforce.credentials import SecretStore
from tasksync.adapters.salesforce.settings import GatewaySettings
from tasksync.composition import RootSeam
from tasksync.configuration import load_config
from tasksync.configuration.functions import SyncConfig
from tasksync.domain.field_map import FieldMap
from tasksync.domain.settings import SyncSettings
from tasksync.ports.salesforce import SalesforceGateway
from tasksync.ports.sync_state import CursorRepository, SettingsRepository
from tasksync.use_cases.services import SyncServices


class Invoker(Protocol):
    def __call__(self, function_name: str, payload: Mapping[str, Any]) -> None:
        """Invoke ``function_name`` asynchronously (Lambda retries it and sends failures to its DLQ)."""
        ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class SyncRoot:
    """What a syncing handler is handed: the use cases' services, the rep cursors, a way to start other
    functions, and a count of the Salesforce API calls made so far (for the metrics)."""

    services: SyncServices
    cursors: CursorRepository
    invoke: Invoker
    salesforce_calls: Callable[[], int] = field(default=lambda: 0)

    def for_invocation(self) -> SyncRoot:
        """The same root with each user's settings read once for one invocation (a batch of changes for
        one rep reads them once, not once a change); a save goes through and is what is read after."""
        settings = _InvocationSettings(self.services.settings)
        return replace(self, services=replace(self.services, settings=settings))


class _InvocationSettings:
    """A SettingsRepository that remembers what it read or saved, for one invocation only: turning sync
    off takes effect from the next invocation, a second or so later."""

    def __init__(self, inner: SettingsRepository) -> None:
        self._inner = inner
        self._read: dict[str, SyncSettings | None] = {}

    def get_settings(self, user_id: str) -> SyncSettings | None:
        if user_id not in self._read:
            self._read[user_id] = self._inner.get_settings(user_id)
        return self._read[user_id]

    def save_settings(self, settings: SyncSettings) -> SyncSettings:
        self._read.pop(settings.user_id, None)  # a refused save must not leave a stale copy behind
        saved = self._inner.save_settings(settings)
        self._read[settings.user_id] = saved
        return saved

    def user_for_salesforce_user(self, org_id: str, sf_user_id: str) -> str | None:
        return self._inner.user_for_salesforce_user(org_id, sf_user_id)

    def users_of_org(self, org_id: str) -> list[str]:
        return self._inner.users_of_org(org_id)

    def connected_orgs(self) -> list[str]:
        return self._inner.connected_orgs()


def build_sync_root(config: SyncConfig, *, clock: Callable[[], datetime] = _utc_now) -> SyncRoot:
    dynamodb = boto3.client("dynamodb")
    state = config.state_table_name
    connections = Connections(config, DynamoDBPicklistCache(state, dynamodb), clock)
    links = DynamoDBLinkRepository(state, dynamodb)
    reminders = DynamoDBReminderTaskStore(config.reminder_task_table_name, dynamodb)
    services = SyncServices(
        settings=DynamoDBSettingsRepository(state, dynamodb),
        links=links,
        errors=DynamoDBSyncErrorRepository(state, dynamodb),
        reminders=reminders,
        linked=DynamoDBLinkedTaskWrites(reminders, links),
        salesforce=connections.gateway,
        field_maps=connections.field_map,
        client_id=config.salesforce_call_client,
        clock=clock,
    )
    return SyncRoot(
        services=services,
        cursors=DynamoDBCursorRepository(state, dynamodb),
        invoke=_LambdaInvoker(),
        salesforce_calls=connections.calls,
    )


class CountedGateway(SalesforceGateway, Protocol):
    @property
    def calls(self) -> int: ...


Connect = Callable[[str, GatewaySettings], CountedGateway]


def _connect(secret_name: str, settings: GatewaySettings) -> CountedGateway:
    # Imported here: simple-salesforce costs about 0.4 s, paid only by a container that calls Salesforce.
    from tasksync.adapters.salesforce.gateway import connect

    return connect(secret_name, settings, secrets=_SECRETS)


_SECRETS = SecretStore()


class Connections:
    """One gateway per connection (its token and session outlive the invocation), one field map per org:
    from the container, else from the state table, else read from the org (and kept in both)."""

    def __init__(
        self,
        config: SyncConfig,
        picklists: DynamoDBPicklistCache,
        clock: Callable[[], datetime],
        connect: Connect = _connect,
    ) -> None:
        self._settings = GatewaySettings(client_id=config.salesforce_call_client, ca_bundle=config.salesforce_ca_bundle)
        self._picklists = picklists
        self._max_age = timedelta(seconds=config.picklist_max_age)
        self._clock = clock
        self._connect = connect
        self._gateways: dict[str, CountedGateway] = {}
        self._field_maps: dict[str, tuple[FieldMap, datetime]] = {}

    def gateway(self, settings: SyncSettings) -> SalesforceGateway:
        if settings.connection is None:
            raise ValueError(f"user {settings.user_id} has no Salesforce connection")
        name = settings.connection.secret_name
        if name not in self._gateways:
            self._gateways[name] = self._connect(name, self._settings)
        return self._gateways[name]

    def field_map(self, settings: SyncSettings) -> FieldMap:
        if settings.connection is None:
            raise ValueError(f"user {settings.user_id} has no Salesforce connection")
        org, now = settings.connection.org_id, self._clock()
        cached = self._field_maps.get(org)
        if cached is not None and now - cached[1] <= self._max_age:
            return cached[0]
        picklists = self._picklists.get(org, now, self._max_age)
        if picklists is None:
            picklists = self.gateway(settings).picklists()
            self._picklists.put(org, picklists, now)
        field_map = FieldMap.from_picklists(picklists)
        self._field_maps[org] = (field_map, now)
        return field_map

    def calls(self) -> int:
        return sum(gateway.calls for gateway in self._gateways.values())


class _LambdaInvoker:
    def __init__(self) -> None:
        self._client: Any = None

    def __call__(self, function_name: str, payload: Mapping[str, Any]) -> None:
        if self._client is None:
            self._client = boto3.client("lambda")
        self._client.invoke(FunctionName=function_name, InvocationType="Event", Payload=json.dumps(payload).encode())


_roots: dict[type[SyncConfig], SyncRoot] = {}
_seam: RootSeam[SyncRoot] = RootSeam()
override = _seam.override
"""Tests: the handlers use the given root instead of the real adapters."""


def sync_root(model: type[SyncConfig]) -> SyncRoot:
    """The container's root, built on first use from the function's configuration model."""
    if _seam.root is not None:
        return _seam.root
    if model not in _roots:
        _roots[model] = build_sync_root(load_config(model))
    return _roots[model]
