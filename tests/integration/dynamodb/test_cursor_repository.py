"""Per-rep cursors of the scheduled jobs on the state table."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tasksync.adapters.dynamodb.cursor_repository import DynamoDBCursorRepository
from tests.integration.dynamodb.conftest import NOW

REP = "user-1"


def test_a_cursor_never_put_is_none(cursor_repository: DynamoDBCursorRepository) -> None:
    assert cursor_repository.get_cursor(REP, "deleted") is None


def test_a_cursor_reads_back_the_same_instant_and_zone(cursor_repository: DynamoDBCursorRepository) -> None:
    pacific = NOW.astimezone(timezone(timedelta(hours=-7)))
    cursor_repository.put_cursor(REP, "updated", pacific)
    read = cursor_repository.get_cursor(REP, "updated")
    assert read == NOW and read is not None and read.utcoffset() == timedelta(hours=-7)


def test_a_cursor_moves_and_cursors_are_apart_by_name_and_rep(cursor_repository: DynamoDBCursorRepository) -> None:
    cursor_repository.put_cursor(REP, "deleted", NOW)
    cursor_repository.put_cursor(REP, "deleted", NOW + timedelta(minutes=15))
    cursor_repository.put_cursor(REP, "updated", NOW - timedelta(hours=1))

    assert cursor_repository.get_cursor(REP, "deleted") == NOW + timedelta(minutes=15)
    assert cursor_repository.get_cursor(REP, "updated") == NOW - timedelta(hours=1)
    # Another rep of the same org has a cursor of their own (each rep's grant sees its own records)
    assert cursor_repository.get_cursor("user-2", "deleted") is None


def test_a_cursor_without_a_time_zone_is_refused(cursor_repository: DynamoDBCursorRepository) -> None:
    with pytest.raises(ValueError, match="time zone"):
        cursor_repository.put_cursor(REP, "deleted", datetime(2024, 6, 3, 9, 30))
    assert cursor_repository.get_cursor(REP, "deleted") is None
