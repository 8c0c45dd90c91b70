"""The header's client id, event key and commit time; datetimes and dates in the forms Salesforce sends,
and refusals of malformed ones."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tasksync.change_events.conversion import parse_change_events
from tasksync.change_events.errors import ChangeEventRejected
from tests.unit.change_events.bodies import ORG, cometd, header, payload, relay


def one_change(body):
    [change] = parse_change_events(body, org_id=ORG).changes
    return change


@pytest.mark.parametrize(
    ("origin", "client_id"),
    [
        ("com/salesforce/api/rest/59.0;client=tasksync", "tasksync"),
        ("com/salesforce/api/soap/51.0;client=SfdcInternalAPI/", "SfdcInternalAPI/"),
        ("com/salesforce/api/rest/59.0; client=tasksync", "tasksync"),
        ("com/salesforce/api/rest/59.0; defaultNamespace=acme; client = tasksync ", "tasksync"),
        ("com/salesforce/api/rest/59.0;client=", None),
        ("com/salesforce/api/rest/60.0", None),
        ("com/salesforce/api/rest/60.0;defaultNamespace=acme", None),
        ("", None),
        (None, None),
    ],
)
def test_the_client_id_is_the_client_option_of_the_change_origin(origin, client_id):
    assert one_change(cometd(payload(header(changeOrigin=origin)))).client_id == client_id


def test_the_event_key_is_the_transaction_key_and_the_sequence_number():
    body = payload(header(transactionKey="000035af-b239-0581-9f14-461e4187de11", sequenceNumber=3))

    assert one_change(cometd(body)).event_key == "000035af-b239-0581-9f14-461e4187de11/3"


@pytest.mark.parametrize("missing", ["transactionKey", "sequenceNumber"])
def test_without_either_part_there_is_no_event_key(missing):
    assert one_change(cometd(payload(header(absent=[missing])))).event_key is None


def test_the_same_event_delivered_twice_has_the_same_key():
    first, again = parse_change_events([cometd(), cometd()], org_id=ORG).changes

    assert first.event_key == again.event_key is not None


def test_the_commit_time_is_utc_and_keeps_its_milliseconds():
    change = one_change(cometd(payload(header(commitTimestamp=1_717_406_142_123))))

    assert change.commit_at == datetime(2024, 6, 3, 9, 15, 42, 123_000, tzinfo=UTC)
    assert change.commit_at.utcoffset() is not None


@pytest.mark.parametrize(
    "text",
    [
        "2024-06-03T09:15:42.000Z",
        "2024-06-03T09:15:42Z",
        "2024-06-03T09:15:42.000+0000",
        "2024-06-03T09:15:42+00:00",
        "2024-06-03T11:15:42.000+0200",
        1_717_406_142_000,
    ],
)
def test_a_modification_time_in_any_form_salesforce_sends(text):
    change = one_change(cometd(payload(header(), Status="Completed", LastModifiedDate=text)))

    assert change.modified_at == datetime(2024, 6, 3, 9, 15, 42, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-06-05", date(2024, 6, 5)),
        (19_879, date(2024, 6, 5)),  # Avro's date: days since 1970-01-01
        (1_717_545_600_000, date(2024, 6, 5)),  # epoch milliseconds at midnight UTC
        (0, date(1970, 1, 1)),
        (-1, date(1969, 12, 31)),
    ],
)
def test_an_activity_date_as_text_a_day_number_or_midnight_epoch_milliseconds(value, expected):
    body = payload(header(changedFields=["ActivityDate", "LastModifiedDate"]), ActivityDate=value)

    assert one_change(relay(body)).task.activity_date == expected


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("LastModifiedDate", "2024-06-03T09:15:42", "must be a datetime"),
        ("LastModifiedDate", "2024-06-03 09:15:42Z", "must be a datetime"),
        ("LastModifiedDate", "2024-02-30T09:15:42Z", "not a real datetime"),
        ("LastModifiedDate", 1_717_406_142.5, "must be a datetime"),
        ("LastModifiedDate", True, "must be a datetime"),
        ("LastModifiedDate", 10**20, "out of range"),
        ("CreatedDate", "yesterday", "must be a datetime"),
        ("ActivityDate", "2024-06-05T00:00:00Z", "must be a date"),
        ("ActivityDate", "20240605", "must be a date"),
        ("ActivityDate", "2024-13-01", "not a real date"),
        ("ActivityDate", 1_717_545_600_001, "not a date"),
        ("ActivityDate", False, "must be a date"),
        ("IsRecurrence", "false", "must be true or false"),
        ("Subject", 42, "must be a string"),
        ("Description", {"diff": 7}, "must be a string"),
        ("Subject", "x" * 256, "Subject"),
    ],
)
def test_a_malformed_value_of_a_field_the_sync_reads_is_refused(field, value, reason):
    body = payload(header(changedFields=[field, "LastModifiedDate"]), **{field: value})

    with pytest.raises(ChangeEventRejected, match=reason) as refused:
        parse_change_events(cometd(body), org_id=ORG)
    assert field in str(refused.value)


def test_a_malformed_value_of_a_field_the_sync_does_not_read_is_let_be():
    body = payload(header(changedFields=["CallDurationInSeconds"]), CallDurationInSeconds="ninety")

    assert one_change(cometd(body)).carried == {"CallDurationInSeconds"}
