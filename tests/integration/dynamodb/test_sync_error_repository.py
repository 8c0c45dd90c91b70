"""The errors a user sees: newest first, their own only, expiring after 30 days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tasksync.adapters.dynamodb.sync_error_repository import DynamoDBSyncErrorRepository
from tasksync.domain.sync_error import SyncError, SyncErrorKind
from tasksync.domain.sync_link import Side
from tests.integration.dynamodb.conftest import NOW


def error(minutes: int, user_id: str = "u1", **fields: Any) -> SyncError:
    return SyncError(
        user_id=user_id,
        kind=SyncErrorKind.PERMANENT,
        occurred_at=NOW + timedelta(minutes=minutes),
        message=f"error at +{minutes} min",
        **fields,
    )


def test_no_errors_is_an_empty_list(error_repository: DynamoDBSyncErrorRepository) -> None:
    assert error_repository.errors_of("u1") == []


def test_errors_read_back_newest_first_whatever_the_order_they_were_recorded(
    error_repository: DynamoDBSyncErrorRepository,
) -> None:
    for minutes in (5, 1, 30, 12):
        error_repository.record_error(error(minutes))
    assert [e.occurred_at for e in error_repository.errors_of("u1")] == [
        NOW + timedelta(minutes=minutes) for minutes in (30, 12, 5, 1)
    ]


def test_a_limit_keeps_the_newest(error_repository: DynamoDBSyncErrorRepository) -> None:
    for minutes in range(7):
        error_repository.record_error(error(minutes))
    assert [e.message for e in error_repository.errors_of("u1", limit=3)] == [
        "error at +6 min",
        "error at +5 min",
        "error at +4 min",
    ]
    assert error_repository.errors_of("u1", limit=0) == []


def test_a_user_sees_only_their_errors(error_repository: DynamoDBSyncErrorRepository, link_repository: Any) -> None:
    error_repository.record_error(error(1, "u1"))
    error_repository.record_error(error(2, "u2"))
    assert [e.user_id for e in error_repository.errors_of("u1")] == ["u1"]
    # Errors share the user's partition with links and settings, and never show up as either.
    assert link_repository.link_by_sia_id("u1", "t1") is None


def test_an_error_reads_back_whole(error_repository: DynamoDBSyncErrorRepository) -> None:
    conflict = SyncError(
        user_id="u1",
        kind=SyncErrorKind.CONFLICT,
        occurred_at=NOW,
        message="Both sides changed the due date; Salesforce's later change won.",
        code="CONFLICT",
        sia_id="t1",
        sf_id="00T5g00000AbCdEEAZ",
        field="due_date",
        winner=Side.SALESFORCE,
    )
    error_repository.record_error(conflict)
    assert error_repository.errors_of("u1") == [conflict]


def test_two_errors_in_one_millisecond_are_both_kept(error_repository: DynamoDBSyncErrorRepository) -> None:
    error_repository.record_error(error(0))
    error_repository.record_error(error(0))
    assert len(error_repository.errors_of("u1")) == 2


def test_an_error_expires_after_the_retention(
    error_repository: DynamoDBSyncErrorRepository, dynamodb: Any, tables: dict[str, str]
) -> None:
    # moto's TTL never deletes: check the TTL attribute the table's TTL specification names.
    error_repository.record_error(error(0))
    ttl = dynamodb.describe_time_to_live(TableName=tables["StateTable"])["TimeToLiveDescription"]
    items = dynamodb.scan(TableName=tables["StateTable"])["Items"]
    assert [int(item[ttl["AttributeName"]]["N"]) for item in items] == [int((NOW + timedelta(days=30)).timestamp())]


def test_an_error_recorded_again_under_its_key_is_one_record(error_repository: DynamoDBSyncErrorRepository) -> None:
    # A conflict recorded by a decision that was made again after a crash
    conflict = error(3, key="conflict/t1/due_date/2024-06-03T09:31:00+00:00/2024-06-03T09:32:00+00:00")
    error_repository.record_error(conflict)
    error_repository.record_error(conflict)
    error_repository.record_error(error(3, key="conflict/t1/details/2024-06-03T09:31:00+00:00/x"))
    error_repository.record_error(error(3))
    error_repository.record_error(error(3))

    assert len(error_repository.errors_of("u1")) == 4
