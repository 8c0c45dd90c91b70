"""Every adapter and every fake fulfils its port: checked by mypy (these functions are typed), and run
so that a rename shows up in pytest too."""

from __future__ import annotations

from tasksync.adapters.dynamodb.cursor_repository import DynamoDBCursorRepository
from tasksync.adapters.dynamodb.link_repository import DynamoDBLinkRepository
from tasksync.adapters.dynamodb.linked_task_writes import DynamoDBLinkedTaskWrites
from tasksync.adapters.dynamodb.reminder_task_store import DynamoDBReminderTaskStore
from tasksync.adapters.dynamodb.settings_repository import DynamoDBSettingsRepository
from tasksync.adapters.dynamodb.sync_error_repository import DynamoDBSyncErrorRepository
from tasksync.adapters.salesforce.gateway import SimpleSalesforceGateway
from tasksync.ports.linked_writes import LinkedTaskWrites
from tasksync.ports.reminder_tasks import ReminderTaskStore
from tasksync.ports.salesforce import SalesforceGateway
from tasksync.ports.sync_state import CursorRepository, LinkRepository, SettingsRepository, SyncErrorRepository
from tests.fakes.linked_task_writes import InMemoryLinkedTaskWrites
from tests.fakes.reminder_store import InMemoryReminderStore
from tests.fakes.salesforce import InMemoryGateway
from tests.fakes.sync_state import InMemorySyncState


def salesforce_gateways(real: SimpleSalesforceGateway, fake: InMemoryGateway) -> list[SalesforceGateway]:
    return [real, fake]


def reminder_stores(real: DynamoDBReminderTaskStore, fake: InMemoryReminderStore) -> list[ReminderTaskStore]:
    return [real, fake]


def linked_task_writes(real: DynamoDBLinkedTaskWrites, fake: InMemoryLinkedTaskWrites) -> list[LinkedTaskWrites]:
    return [real, fake]


def state_repositories(
    settings: DynamoDBSettingsRepository,
    links: DynamoDBLinkRepository,
    cursors: DynamoDBCursorRepository,
    errors: DynamoDBSyncErrorRepository,
    fake: InMemorySyncState,
) -> tuple[list[SettingsRepository], list[LinkRepository], list[CursorRepository], list[SyncErrorRepository]]:
    return [settings, fake], [links, fake], [cursors, fake], [errors, fake]


def test_ports_name_the_methods_their_adapters_and_fakes_have() -> None:
    pairs = [
        (SalesforceGateway, (SimpleSalesforceGateway, InMemoryGateway)),
        (ReminderTaskStore, (DynamoDBReminderTaskStore, InMemoryReminderStore)),
        (LinkedTaskWrites, (DynamoDBLinkedTaskWrites, InMemoryLinkedTaskWrites)),
        (SettingsRepository, (DynamoDBSettingsRepository, InMemorySyncState)),
        (LinkRepository, (DynamoDBLinkRepository, InMemorySyncState)),
        (CursorRepository, (DynamoDBCursorRepository, InMemorySyncState)),
        (SyncErrorRepository, (DynamoDBSyncErrorRepository, InMemorySyncState)),
    ]
    for port, implementations in pairs:
        methods = {name for name in vars(port) if not name.startswith("_")}
        for implementation in implementations:
            assert methods <= set(dir(implementation)), (port.__name__, implementation.__name__)
