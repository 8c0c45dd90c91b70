"""DynamoDB adapters against moto, on tables built from template.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.stack.tables import create_tables
from tasksync.adapters.dynamodb.cursor_repository import DynamoDBCursorRepository
from tasksync.adapters.dynamodb.link_repository import DynamoDBLinkRepository
from tasksync.adapters.dynamodb.reminder_task_store import DynamoDBReminderTaskStore
from tasksync.adapters.dynamodb.settings_repository import DynamoDBSettingsRepository
from tasksync.adapters.dynamodb.sync_error_repository import DynamoDBSyncErrorRepository
from tests.support.moto_account import use_moto_account

REGION = "us-east-1"
NOW = datetime(2024, 6, 3, 9, 30, tzinfo=UTC)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A moto account; clients are made inside it, so none reaches AWS."""
    use_moto_account(monkeypatch, REGION)
    with mock_aws():
        yield


@pytest.fixture
def dynamodb(aws: None) -> Any:
    return boto3.client("dynamodb", region_name=REGION)


@pytest.fixture
def tables(dynamodb: Any) -> dict[str, str]:
    """Logical id -> table name of every table in template.yaml."""
    return create_tables(
        dynamodb, names={"StateTable": "tasksync-test-state", "ReminderTaskTable": "tasksync-test-tasks"}
    )


@pytest.fixture
def settings_repository(dynamodb: Any, tables: dict[str, str]) -> DynamoDBSettingsRepository:
    return DynamoDBSettingsRepository(tables["StateTable"], dynamodb)


@pytest.fixture
def link_repository(dynamodb: Any, tables: dict[str, str]) -> DynamoDBLinkRepository:
    return DynamoDBLinkRepository(tables["StateTable"], dynamodb)


@pytest.fixture
def cursor_repository(dynamodb: Any, tables: dict[str, str]) -> DynamoDBCursorRepository:
    return DynamoDBCursorRepository(tables["StateTable"], dynamodb)


@pytest.fixture
def error_repository(dynamodb: Any, tables: dict[str, str]) -> DynamoDBSyncErrorRepository:
    return DynamoDBSyncErrorRepository(tables["StateTable"], dynamodb)


@pytest.fixture
def task_store(dynamodb: Any, tables: dict[str, str]) -> DynamoDBReminderTaskStore:
    return DynamoDBReminderTaskStore(tables["ReminderTaskTable"], dynamodb)
