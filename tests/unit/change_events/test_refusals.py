"""Every refusal is a ChangeEventRejected (a ValueError) that says what is wrong, and a body with anything
but Task change events in it is refused whole."""

from __future__ import annotations

import pytest

from tasksync.change_events.conversion import parse_change_events
from tasksync.change_events.errors import ChangeEventRejected
from tasksync.change_events.messages import read_change_events
from tests.unit.change_events.bodies import ORG, cometd, data, header, payload, relay

ACCOUNT_UPDATE = payload(header(entityName="Account", recordIds=["001RM000005a9tGYAQ"]), Fax="4155551212")
PLATFORM_EVENT = {
    "data": {"schema": "dffQ2QLzDNHqwB8_sHMxdA", "payload": {"Message__c": "hi"}, "event": {"replayId": 3}},
    "channel": "/event/Notification__e",
}


def test_the_refusal_is_a_value_error():
    assert issubclass(ChangeEventRejected, ValueError)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(b'{"data": ', "not JSON", id="truncated JSON"),
        pytest.param("", "not JSON", id="empty text"),
        pytest.param(b"\xff\xfe{}", "not UTF-8", id="not UTF-8"),
        pytest.param('{"data": {"payload": NaN}}', "NaN is not JSON", id="NaN"),
        pytest.param("[" * 100_000, "not JSON", id="nested too deep"),
        pytest.param(42, "must be a JSON object", id="a number"),
        pytest.param(None, "must be a JSON object", id="nothing"),
        pytest.param([], "no change events", id="an empty list"),
        pytest.param({"events": []}, "no change events", id="no events"),
        pytest.param({"events": {"0": cometd()}}, '"events" must be a list', id="events not a list"),
        pytest.param([[cometd()]], "event 1 must be a JSON object", id="a list in a list"),
        pytest.param({"hello": "world"}, "neither a CometD change event message", id="other JSON"),
        pytest.param({"data": "x"}, "data must be a JSON object", id="data not an object"),
        pytest.param({"payload": []}, "payload must be a JSON object", id="payload not an object"),
    ],
)
def test_a_body_that_is_not_change_events_is_refused(body, reason):
    with pytest.raises(ChangeEventRejected, match=reason):
        read_change_events(body, org_id=ORG)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(cometd({"Status": "Completed"}), "has no ChangeEventHeader", id="no header"),
        pytest.param(cometd({"ChangeEventHeader": None}), "has no ChangeEventHeader", id="null header"),
        pytest.param(cometd({"ChangeEventHeader": ["Task"]}), "ChangeEventHeader must be a JSON object", id="list"),
        pytest.param(cometd(ACCOUNT_UPDATE), "change event of 'Account', not of Task", id="an Account event"),
        pytest.param(cometd(payload(header(absent=["entityName"]))), "entityName is missing", id="no entity"),
        pytest.param(cometd(payload(header(changeType="SNAPSHOT"))), "unknown ChangeEventHeader.changeType", id="snap"),
        pytest.param(cometd(payload(header(absent=["changeType"]))), "changeType is missing", id="no change type"),
        pytest.param(cometd(payload(header(changeType=1))), "changeType must be a string", id="numeric type"),
        pytest.param(cometd(payload(header(absent=["commitTimestamp"]))), "commitTimestamp is missing", id="no time"),
        pytest.param(cometd(payload(header(commitTimestamp="1717406142000"))), "epoch milliseconds", id="text time"),
        pytest.param(cometd(payload(header(recordIds=[]))), "recordIds is missing or empty", id="no records"),
        pytest.param(cometd(payload(header(absent=["recordIds"]))), "recordIds is missing or empty", id="no ids"),
        pytest.param(cometd(payload(header(recordIds="00T8a00000Qm3TbEAJ"))), "recordIds must be a list", id="str"),
        pytest.param(cometd(payload(header(sequenceNumber="1"))), "sequenceNumber must be an integer", id="seq"),
        pytest.param(cometd(payload(header(sequenceNumber=True))), "sequenceNumber must be an integer", id="bool"),
        pytest.param(cometd(payload(header(changeOrigin=7))), "changeOrigin must be a string", id="origin"),
        pytest.param(cometd(payload(header(changedFields=[1]))), "list of strings", id="numeric field names"),
        pytest.param(
            cometd(payload(header(changedFields=["Status", "0x01"]))), "neither field names nor", id="mixed list"
        ),
        pytest.param(cometd(payload(header(nulledFields=["not a field"]))), "neither field names nor", id="space"),
    ],
)
def test_a_header_that_is_not_of_a_task_change_event_is_refused(body, reason):
    with pytest.raises(ChangeEventRejected, match=reason):
        read_change_events(body, org_id=ORG)


@pytest.mark.parametrize(
    "record_id",
    [
        "001RM000005a9tGYAQ",  # an Account
        "001*",  # the wildcard of Account
        "00T8a00000Qm3T",  # too short
        "00T8a00000Qm3TbEA",  # 17 characters
        "00T8a00000Qm3TbEAJX",  # 19 characters
        "00T8a00000Qm3T-EAJ",  # not alphanumeric
        "00t8a00000Qm3TbEAJ",  # key prefixes are case-sensitive
        "*",
        "",
        None,
    ],
)
def test_a_record_id_that_is_not_a_task_id_is_refused(record_id):
    with pytest.raises(ChangeEventRejected, match=r"in ChangeEventHeader\.recordIds is not a Task id"):
        read_change_events(cometd(payload(header(recordIds=["00T8a00000Qm3TbEAJ", record_id]))), org_id=ORG)


@pytest.mark.parametrize(
    ("other", "reason"),
    [
        pytest.param(cometd(ACCOUNT_UPDATE, channel="/data/AccountChangeEvent"), "not on a channel of Task change"),
        pytest.param(cometd(ACCOUNT_UPDATE, channel="/data/ChangeEvents"), "change event of 'Account'"),
        pytest.param(data(ACCOUNT_UPDATE), "change event of 'Account'"),
        pytest.param(PLATFORM_EVENT, "not on a channel of Task change events"),
        pytest.param({**relay(), "detail-type": "AccountChangeEvent"}, "EventBridge event of 'AccountChangeEvent'"),
        pytest.param({"hello": "world"}, "neither a CometD"),
        pytest.param("event", "must be a JSON object"),
    ],
    ids=[
        "Account channel",
        "Account on all-objects",
        "Account data",
        "platform event",
        "relayed Account",
        "JSON",
        "str",
    ],
)
def test_a_body_mixing_task_change_events_with_anything_else_is_refused_whole(other, reason):
    with pytest.raises(ChangeEventRejected, match=reason) as refused:
        parse_change_events([cometd(), other, cometd()], org_id=ORG)
    assert "event 2" in str(refused.value)


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        pytest.param({**relay(), "detail-type": None}, "EventBridge event of None", id="no detail-type"),
        pytest.param(
            {**relay(), "source": "aws.partner/appflow/salesforce.com/1234/flow"},
            "not an Event Relay source",
            id="AppFlow",
        ),
        pytest.param(
            {**relay(), "source": "aws.partner/salesforce.com/0YL8a000000CaBcGAK"},
            "not an Event Relay source",
            id="short",
        ),
        pytest.param(relay(org="005000000000001AAA"), "not an Event Relay source", id="a user id as the org"),
        pytest.param({**relay(), "source": None}, "not an Event Relay source", id="no source"),
        pytest.param({**relay(), "detail": None}, "detail must be a JSON object", id="no detail"),
        pytest.param(
            {**relay(), "detail": {"ChangeEventHeader": header()}}, "detail: payload must be a JSON object", id="flat"
        ),
    ],
)
def test_an_eventbridge_event_that_is_not_an_event_relay_task_change_event_is_refused(event, reason):
    with pytest.raises(ChangeEventRejected, match=reason):
        read_change_events(event)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        pytest.param({"Subject": "x" * 256}, "Subject is longer than a Task's 255 characters", id="long Subject"),
        pytest.param(
            {"Description": "x" * 32_001}, "Description is longer than a Task's 32000 characters", id="long Description"
        ),
        pytest.param({"Subject": 7}, "Subject must be a string", id="numeric Subject"),
        pytest.param({"IsRecurrence": "yes"}, "IsRecurrence must be true or false", id="text boolean"),
    ],
)
def test_a_field_value_no_task_can_hold_is_refused_by_the_webhooks_check(fields, reason):
    # The webhook checks values as they are read, before any model is built: a 400, not a dead letter.
    with pytest.raises(ChangeEventRejected, match=reason):
        read_change_events(cometd(payload(header(), **fields)), org_id=ORG)
    assert read_change_events(cometd(payload(header(), Subject="x" * 255)), org_id=ORG)
