"""Salesforce datetime formats and the getUpdated / getDeleted windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tasksync.adapters.salesforce.timestamps import clamp_window, parse_sf_datetime, soql_datetime
from tasksync.ports.salesforce import DELETED_RETENTION, UPDATED_RETENTION

NOW = datetime(2024, 6, 1, 12, 0, 30, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    ["2013-05-07T22:07:19.000+0000", "2013-05-07T22:07:19.000Z", "2013-05-07T22:07:19+00:00", "2013-05-07T22:07:19Z"],
)
def test_parse_sf_datetime_accepts_the_offsets_salesforce_sends(text):
    assert parse_sf_datetime(text) == datetime(2013, 5, 7, 22, 7, 19, tzinfo=UTC)


def test_parse_sf_datetime_converts_other_offsets_to_utc():
    assert parse_sf_datetime("2013-05-07T22:07:19.000-0700") == datetime(2013, 5, 8, 5, 7, 19, tzinfo=UTC)


def test_soql_datetime_is_unquoted_utc_with_z():
    berlin = timezone(timedelta(hours=2))

    assert soql_datetime(datetime(2024, 1, 1, 2, 0, 0, 999, tzinfo=berlin)) == "2024-01-01T00:00:00Z"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        soql_datetime(datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="start"):
        clamp_window(datetime(2024, 1, 1), NOW, NOW, UPDATED_RETENTION)


def test_a_window_inside_retention_is_kept_in_whole_seconds():
    window = clamp_window(NOW - timedelta(days=2), NOW - timedelta(days=1), NOW, UPDATED_RETENTION)

    assert window.start == (NOW - timedelta(days=2)).replace(microsecond=0)
    assert window.end == (NOW - timedelta(days=1)).replace(microsecond=0)
    assert not window.start_clamped and not window.too_short


@pytest.mark.parametrize(("retention", "days"), [(UPDATED_RETENTION, 30), (DELETED_RETENTION, 15)])
def test_a_start_beyond_retention_is_clamped_and_flagged(retention, days):
    window = clamp_window(NOW - timedelta(days=40), NOW + timedelta(hours=1), NOW, retention)

    assert window.start_clamped
    assert NOW - timedelta(days=days) < window.start < NOW - timedelta(days=days) + timedelta(minutes=10)
    assert window.end == NOW.replace(microsecond=0)  # never in the future


def test_a_window_under_a_minute_is_too_short():
    assert clamp_window(NOW - timedelta(seconds=59), NOW, NOW, UPDATED_RETENTION).too_short
    assert not clamp_window(NOW - timedelta(seconds=61), NOW, NOW, UPDATED_RETENTION).too_short
