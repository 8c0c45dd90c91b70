"""The sync composition root: one gateway per connection, each org's picklists read once and then kept,
in the container and in the state table (a cold container reads them from DynamoDB, not Salesforce)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tasksync.adapters.dynamodb.picklist_cache import DynamoDBPicklistCache
from tasksync.adapters.salesforce.settings import GatewaySettings
from tasksync.composition.sync import Connections
from tasksync.configuration.functions import SyncConfig
from tasksync.domain.salesforce_task import Picklists, StatusValue
from tasksync.domain.settings import SalesforceConnection, SyncSettings
from tests.integration.dynamodb.conftest import NOW

ORG = "00D000000000001AAA"


class StubGateway:
    def __init__(self, picklists: Picklists) -> None:
        self.calls = 0
        self._picklists = picklists

    def picklists(self) -> Picklists:
        self.calls += 1
        return self._picklists


def renamed() -> Picklists:
    stock = Picklists.stock()
    statuses = (StatusValue(api_name="Open", is_default=True), *stock.statuses[1:])
    return stock.model_copy(update={"statuses": statuses})


def rep(user: str, secret: str) -> SyncSettings:
    return SyncSettings(
        user_id=user,
        connection=SalesforceConnection(
            org_id=ORG, sf_user_id="005000000000001AAA", instance_url="https://x.my.salesforce.com", secret_name=secret
        ),
    )


def config(tables: dict[str, str], max_age: int = 3600) -> SyncConfig:
    return SyncConfig.model_validate(
        {
            "STAGE": "local",
            "STATE_TABLE_NAME": tables["StateTable"],
            "REMINDER_TASK_TABLE_NAME": tables["ReminderTaskTable"],
            "SALESFORCE_SECRETS_PREFIX": "tasksync/local/salesforce/",
            "SALESFORCE_CALL_CLIENT": "tasksync",
            "PICKLIST_MAX_AGE": str(max_age),
        }
    )


def connections(
    tables: dict[str, str], dynamodb: Any, clock: list[Any], max_age: int = 3600
) -> tuple[Connections, dict[str, StubGateway]]:
    made: dict[str, StubGateway] = {}

    def connect(secret: str, settings: GatewaySettings) -> StubGateway:
        assert settings.client_id == "tasksync"
        made[secret] = StubGateway(renamed())
        return made[secret]

    cache = DynamoDBPicklistCache(tables["StateTable"], dynamodb)
    stub: Any = connect  # answers picklists only: all the field map asks
    return Connections(config(tables, max_age), cache, lambda: clock[0], connect=stub), made


def test_one_gateway_per_connection(tables, dynamodb):
    root, made = connections(tables, dynamodb, [NOW])

    first = root.gateway(rep("user-1", "secret-1"))
    again = root.gateway(rep("user-1", "secret-1"))
    other = root.gateway(rep("user-2", "secret-2"))

    assert first is again and first is not other
    assert sorted(made) == ["secret-1", "secret-2"]


def test_an_orgs_picklists_are_read_once_and_a_cold_container_finds_them_in_the_table(tables, dynamodb):
    clock = [NOW]
    warm, made = connections(tables, dynamodb, clock)

    assert warm.field_map(rep("user-1", "secret-1")).open_status == "Open"
    warm.field_map(rep("user-2", "secret-2"))  # same org, another rep
    assert sum(gateway.calls for gateway in made.values()) == 1

    cold, cold_made = connections(tables, dynamodb, clock)
    assert cold.field_map(rep("user-1", "secret-1")).open_status == "Open"
    assert sum(gateway.calls for gateway in cold_made.values()) == 0


def test_picklists_older_than_their_max_age_are_read_again(tables, dynamodb):
    clock = [NOW]
    root, made = connections(tables, dynamodb, clock, max_age=60)
    root.field_map(rep("user-1", "secret-1"))

    clock[0] = NOW + timedelta(seconds=61)
    root.field_map(rep("user-1", "secret-1"))

    assert made["secret-1"].calls == 2
