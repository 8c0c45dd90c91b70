"""getUpdated and getDeleted: windows, shapes, errors, and what emptying the recycle bin does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

# REST API Developer Guide, "Get a List of Updated Records Within a Given Timeframe", JSON example.
DOCUMENTED_UPDATED = {
    "ids": ["a00D0000008pQR5IAM", "a00D0000008pQRGIA2", "a00D0000008pQRFIA2"],
    "latestDateCovered": "2013-05-08T21:20:00.000+0000",
}
# REST API Developer Guide, "Get a List of Deleted Records Within a Given Timeframe", JSON example.
DOCUMENTED_DELETED = {
    "deletedRecords": [{"id": "a00D0000008pQRAIA2", "deletedDate": "2013-05-07T22:07:19.000+0000"}],
    "earliestDateAvailable": "2013-05-03T15:57:00.000+0000",
    "latestDateCovered": "2013-05-08T21:20:00.000+0000",
}

T0 = datetime(2024, 5, 7, 10, 0, 30, tzinfo=UTC)


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2024, 5, 7, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def timeline(salesforce, clock):
    """t1 created 10:00:30, t2 created 10:01:30; the clock then reads 10:02:30 (frozen)."""
    clock.set(T0)
    sf = salesforce()
    t1 = sf.Task.create({"Subject": "one"})["id"]
    clock.advance(timedelta(minutes=1))
    t2 = sf.Task.create({"Subject": "two"})["id"]
    clock.advance(timedelta(minutes=1))
    return sf, t1, t2


def test_get_updated_shape_and_window(timeline):
    sf, t1, t2 = timeline
    answer = sf.Task.updated(at(10, 0, 45), at(10, 2, 10))
    assert set(answer) == set(DOCUMENTED_UPDATED)
    # Seconds are ignored: the window is [10:00, 10:02).
    assert answer == {"ids": [t1, t2], "latestDateCovered": "2024-05-07T10:02:00.000+0000"}
    # An end in the future is covered up to the current minute only.
    assert sf.Task.updated(at(10, 1), at(11, 0)) == {"ids": [t2], "latestDateCovered": "2024-05-07T10:02:00.000+0000"}


def test_get_updated_follows_system_modstamp(timeline, clock):
    sf, t1, t2 = timeline
    sf.Task.update(t1, {"Subject": "changed"})  # at 10:02:30
    sf.Task.delete(t2)
    clock.advance(timedelta(minutes=1))
    assert sf.Task.updated(at(10, 2), at(10, 3))["ids"] == [t1]


def test_get_deleted_shape_and_window(timeline, clock):
    sf, t1, _ = timeline
    sf.Task.delete(t1)  # at 10:02:30
    clock.advance(timedelta(minutes=2))  # 10:04:30
    answer = sf.Task.deleted(at(10, 0), at(10, 5))
    assert set(answer) == set(DOCUMENTED_DELETED)
    assert answer == {
        "deletedRecords": [{"id": t1, "deletedDate": "2024-05-07T10:02:30.000+0000"}],
        "earliestDateAvailable": "2024-04-22T10:04:30.000+0000",
        "latestDateCovered": "2024-05-07T10:04:00.000+0000",
    }
    assert sf.Task.deleted(at(10, 3), at(10, 5))["deletedRecords"] == []


def test_a_window_reaching_back_before_a_purge_is_refused(org, timeline, clock):
    # SOAP API Developer Guide, "getDeleted()", Rules and Guidelines: "Results are returned for no more
    # than 15 days previous to the day the call is executed (or earlier if an administrator has purged
    # the Recycle Bin). If the purge has been performed before your getDeleted() call is executed, an
    # INVALID_REPLICATION_DATE error is returned."
    sf, t1, _ = timeline
    sf.Task.delete(t1)
    clock.advance(timedelta(seconds=20))  # 10:02:50
    org.empty_recycle_bin()
    clock.advance(timedelta(minutes=2))  # 10:04:50
    for start in (at(10, 0), at(10, 2)):  # 10:02 is before 10:02:50 once the seconds are dropped
        with pytest.raises(SalesforceMalformedRequest) as raised:
            sf.Task.deleted(start, at(10, 4))
        assert raised.value.status == 400
        assert raised.value.content[0]["errorCode"] == "INVALID_REPLICATION_DATE"
    # From the purge on, the window is answered and earliestDateAvailable (the purge) is not after it.
    answer = sf.Task.deleted(at(10, 3), at(10, 4))
    assert answer["deletedRecords"] == []
    assert answer["earliestDateAvailable"] == "2024-05-07T10:02:50.000+0000"
    # getUpdated knows no purge.
    assert sf.Task.updated(at(10, 0), at(10, 4))["ids"] != []


def test_a_purge_older_than_fifteen_days_no_longer_refuses(org, timeline, clock, salesforce):
    sf, t1, _ = timeline
    sf.Task.delete(t1)
    org.empty_recycle_bin()
    clock.advance(timedelta(days=16))
    answer = salesforce().Task.deleted(clock.now() - timedelta(days=20), clock.now())
    # The 15-day horizon, not the purge, limits the window: answered, with the loss in earliestDateAvailable.
    assert answer["earliestDateAvailable"] == "2024-05-08T10:02:30.000+0000"


def test_deleted_records_age_out_after_fifteen_days(timeline, clock, salesforce):
    sf, t1, _ = timeline
    sf.Task.delete(t1)
    deleted_at = clock.now()
    clock.advance(timedelta(days=14))
    sf = salesforce()  # the first session has expired by now
    assert [r["id"] for r in sf.Task.deleted(deleted_at - timedelta(minutes=1), clock.now())["deletedRecords"]] == [t1]
    clock.advance(timedelta(days=2))
    sf = salesforce()
    answer = sf.Task.deleted(deleted_at - timedelta(minutes=1), clock.now())
    assert answer["deletedRecords"] == []
    # 15 days before now (2024-05-23T10:02:30): later than the deletion, so the caller sees the loss.
    assert answer["earliestDateAvailable"] == "2024-05-08T10:02:30.000+0000"
    assert sf.query_all(f"SELECT Id FROM Task WHERE Id = '{t1}'", include_deleted=True)["totalSize"] == 0  # noqa: S608 - SOQL from test data


def test_undelete_leaves_get_deleted_and_joins_get_updated(org, timeline, clock):
    sf, t1, _ = timeline
    sf.Task.delete(t1)
    clock.advance(timedelta(minutes=1))
    org.ui_undelete_task(t1)
    clock.advance(timedelta(minutes=1))
    assert sf.Task.deleted(at(10, 0), at(10, 5))["deletedRecords"] == []
    assert sf.Task.updated(at(10, 3), at(10, 5))["ids"] == [t1]


@pytest.mark.parametrize("resource", ["updated", "deleted"])
def test_invalid_replication_dates(timeline, clock, resource):
    sf, _, _ = timeline
    call = getattr(sf.Task, resource)
    cases = [
        (at(10, 1, 10), at(10, 1, 50)),  # less than a minute once seconds are dropped
        (at(10, 2), at(10, 1)),  # start after end
        (clock.now() - timedelta(days=31), clock.now()),  # beyond 30 days
    ]
    for start, end in cases:
        with pytest.raises(SalesforceMalformedRequest) as raised:
            call(start, end)
        [error] = raised.value.content
        assert error["errorCode"] == "INVALID_REPLICATION_DATE", (start, end)


def test_a_naive_datetime_makes_a_broken_url_that_is_refused(timeline):
    sf, _, _ = timeline
    # simple-salesforce formats a naive datetime without an offset; the URL it builds is not a date.
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.Task.updated(datetime(2024, 5, 7, 10, 0), datetime(2024, 5, 7, 10, 5))
    assert raised.value.content[0]["errorCode"] == "INVALID_REPLICATION_DATE"


def test_offsets_other_than_utc_are_understood(timeline):
    sf, t1, t2 = timeline
    paris = datetime(2024, 5, 7, 12, 0, tzinfo=UTC).astimezone().tzinfo  # any aware zone works
    start = at(10, 0).astimezone(paris)
    end = at(10, 2).astimezone(paris)
    assert sf.Task.updated(start, end)["ids"] == [t1, t2]
