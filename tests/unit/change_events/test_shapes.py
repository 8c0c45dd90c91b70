"""Every accepted way a change event arrives reads the same; the org comes from the URL or from an
Event Relay source, and one body comes from one org."""

from __future__ import annotations

import json

import pytest

from tasksync.change_events.conversion import parse_change_events
from tasksync.change_events.errors import ChangeEventRejected
from tasksync.change_events.messages import read_change_events
from tasksync.domain.salesforce_task import SalesforceTask
from tasksync.engine.changes import ChangeType, SalesforceChange
from tests.unit.change_events.bodies import (
    COMMIT_AT,
    ORG,
    OTHER_ORG,
    OTHER_TASK,
    TASK,
    TRANSACTION,
    cometd,
    data,
    header,
    payload,
    relay,
    sample_json,
)

STATUS_COMPLETED = SalesforceChange(
    change_type=ChangeType.UPDATE,
    task=SalesforceTask(id=TASK, status="Completed", last_modified_date=COMMIT_AT),
    carried=frozenset({"Status", "LastModifiedDate"}),
    commit_at=COMMIT_AT,
    client_id="tasksync",
    event_key=f"{TRANSACTION}/1",
    modified_at=COMMIT_AT,
)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(cometd(), id="CometD message"),
        pytest.param(data(), id="its data alone"),
        pytest.param([cometd()], id="a list of messages"),
        pytest.param([data()], id="a list of data"),
        pytest.param({"events": [cometd()]}, id="events holding a message"),
        pytest.param({"events": [data()]}, id="events holding data"),
        pytest.param(relay(), id="Event Relay event"),
        pytest.param([relay()], id="a list of Event Relay events"),
    ],
)
def test_each_shape_reads_as_the_same_change(body):
    assert parse_change_events(body, org_id=ORG).changes == (STATUS_COMPLETED,)


TEXT = json.dumps(cometd())


@pytest.mark.parametrize(
    "body",
    [TEXT, TEXT.encode(), bytearray(TEXT.encode()), json.loads(TEXT)],
    ids=["str", "bytes", "bytearray", "parsed"],
)
def test_text_bytes_and_parsed_objects_read_the_same(body):
    assert parse_change_events(body, org_id=ORG).changes == (STATUS_COMPLETED,)


@pytest.mark.parametrize("channel", ["/data/TaskChangeEvent", "/data/ChangeEvents", "/data/Tasksync_Tasks__chn", None])
def test_task_change_events_on_the_standard_all_objects_and_custom_channels_are_read(channel):
    assert parse_change_events(cometd(channel=channel), org_id=ORG).changes == (STATUS_COMPLETED,)


def test_the_org_of_a_webhook_body_is_the_urls():
    assert parse_change_events(cometd(), org_id=ORG).org_id == ORG


def test_the_org_of_an_event_relay_event_is_its_sources():
    assert parse_change_events(relay(org=OTHER_ORG)).org_id == OTHER_ORG


def test_a_url_org_id_of_15_characters_is_the_same_org_as_the_sources_18():
    assert parse_change_events(relay(), org_id=ORG[:15]).org_id == ORG[:15]


def test_the_events_of_a_body_keep_their_order_and_a_merged_event_its_record_order():
    second = payload(header(sequenceNumber=2, recordIds=[OTHER_TASK, TASK]))

    changes = parse_change_events([cometd(), cometd(second)], org_id=ORG).changes

    assert [(change.sf_id, change.event_key) for change in changes] == [
        (TASK, f"{TRANSACTION}/1"),
        (OTHER_TASK, f"{TRANSACTION}/2"),
        (TASK, f"{TRANSACTION}/2"),
    ]


def test_a_record_named_twice_in_one_event_changes_once():
    body = payload(header(recordIds=[TASK, TASK]))

    assert len(parse_change_events(cometd(body), org_id=ORG).changes) == 1


def test_unknown_keys_of_the_event_relay_envelope_and_detail_are_ignored():
    event = {**relay(), "replay-name": "after-outage"}
    event["detail"]["replayId"] = "AAAAAAAAAAE="

    assert parse_change_events(event).changes == (STATUS_COMPLETED,)


def test_validation_alone_returns_the_validated_events():
    events = read_change_events(sample_json("cdc_delete_merged.json"), org_id=ORG)

    assert events.org_id == ORG
    [event] = events.events
    assert event.header.record_ids == ("00T8a00000Qm3TcEAJ", "00T8a00000Qm3TdEAJ")
    assert event.values == {}  # a DELETE carries no fields


@pytest.mark.parametrize(
    ("body", "org_id", "reason"),
    [
        pytest.param(cometd(), None, "org of these change events is unknown", id="no org at all"),
        pytest.param(cometd(), "001000000000001AAA", "not a Salesforce org id", id="URL org id of an account"),
        pytest.param(relay(org=OTHER_ORG), ORG, "comes from org", id="URL and source disagree"),
        pytest.param([relay(), relay(org=OTHER_ORG)], None, "one body, one org", id="two sources"),
    ],
)
def test_a_body_from_no_org_or_from_two_is_refused(body, org_id, reason):
    with pytest.raises(ChangeEventRejected, match=reason):
        parse_change_events(body, org_id=org_id)
