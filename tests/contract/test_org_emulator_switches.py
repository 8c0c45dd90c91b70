"""The org's harsher switches, off by default and seeded so runs reproduce: sObject Collections writes
without the client id, the Pub/Sub event shape and the Event Relay envelope, relay-like webhook
delivery, and a clock skew. Each is driven through the Python API and the HTTP control API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from simple_salesforce.api import Salesforce

from tests.contract.conftest import fields, header


def client(emulator, org, client_id=None):
    """A simple-salesforce client for ``org``'s first user (making one if the org has none)."""
    user = org.users[0] if org.users else org.create_user(last_name="Rep")
    session = emulator.http_session()
    if client_id:
        session.headers["Sforce-Call-Options"] = f"client={client_id}"
    return Salesforce(instance_url=emulator.instance_url, session_id=org.access_token(user), session=session)


def collection(sf, *subjects):
    records = [{"attributes": {"type": "Task"}, "Subject": s} for s in subjects]
    return sf.restful("composite/sobjects", method="POST", json={"records": records})


# -- sObject Collections without the client id -------------------------------------------------------------


def test_collections_writes_can_lose_the_client_id(org, salesforce):
    # REST API Developer Guide, "Call Options Header": "The Call Options header can be used with sObject
    # Basic Information, sObject Rows, sObject Rows by External ID, Query, QueryAll, and Search. It is
    # also supported in Bulk API and Bulk API 2.0." sObject Collections are not among them.
    sf = salesforce(client_id="tasksync")
    org.omit_collections_client(1.0)
    [created] = collection(sf, "made")
    sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={"records": [{"attributes": {"type": "Task"}, "id": created["id"], "Subject": "changed"}]},
    )
    sf.restful(
        "composite/sobjects/Task/Tasksync_Id__c",
        method="PATCH",
        json={"records": [{"attributes": {"type": "Task"}, "Tasksync_Id__c": "sia-1", "Subject": "upserted"}]},
    )
    sf.restful("composite/sobjects", method="DELETE", params={"ids": created["id"]})
    sf.Task.create({"Subject": "one record"})
    origins = [header(m)["changeOrigin"] for m in org.events()]
    assert origins == ["com/salesforce/api/rest/59.0"] * 4 + ["com/salesforce/api/rest/59.0;client=tasksync"]


def test_collections_without_client_id_by_chance_reproduce(emulator, org, salesforce, control):
    def pattern(sf, handle):
        for n in range(20):
            collection(sf, f"call {n}")
        return [header(m)["changeOrigin"].endswith(";client=tasksync") for m in handle.events()]

    org.omit_collections_client(0.5, seed=7)
    first = pattern(salesforce(client_id="tasksync"), org)
    other = emulator.create_org("Same seed")
    answer = control("PUT", f"/orgs/{other.id}/collections-client-id", json={"probability": 0.5, "seed": 7})
    assert answer.json() == {"probability": 0.5, "seed": 7}
    assert pattern(client(emulator, other, "tasksync"), other) == first
    assert True in first and False in first


# -- the Pub/Sub shape, and Event Relay's envelope ---------------------------------------------------------

# Every Task field a change event carries (all but Id, IsDeleted and SystemModstamp).
TASK_EVENT_FIELDS = {
    "Subject",
    "Status",
    "Priority",
    "ActivityDate",
    "Description",
    "OwnerId",
    "WhoId",
    "WhatId",
    "TaskSubtype",
    "IsRecurrence",
    "RecurrenceActivityId",
    "IsClosed",
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "CompletedDateTime",
    "Tasksync_Id__c",
}


def epoch_ms(when):
    return int(when.timestamp() * 1000)


def test_the_pubsub_shape_carries_every_field(org, rep, salesforce, clock):
    # Streaming API Developer Guide, "Differences Between Change Events Received with Streaming API vs.
    # Pub/Sub API", Pub/Sub API: "All the record fields, including the unchanged fields. Unchanged fields
    # are null even if they have a value in the Salesforce record"; nulledFields and diffFields are in
    # the header; "Date fields are in Epoch time".
    clock.set(datetime(2024, 5, 7, 22, 0, tzinfo=UTC))
    org.use_pubsub_shape(1.0)
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "Call", "Description": "notes", "ActivityDate": "2024-05-07"})["id"]
    clock.advance(timedelta(minutes=5))
    sf.Task.update(task_id, {"Subject": "Call back", "Description": None})
    sf.Task.delete(task_id)
    created, updated, deleted = org.events()
    for message in (created, updated, deleted):
        assert set(fields(message)) == TASK_EVENT_FIELDS
        assert header(message)["diffFields"] == []
    assert header(created)["nulledFields"] == [] and header(created)["changedFields"] == []
    assert fields(created)["ActivityDate"] == epoch_ms(datetime(2024, 5, 7, tzinfo=UTC))
    assert fields(created)["CreatedDate"] == epoch_ms(datetime(2024, 5, 7, 22, 0, tzinfo=UTC))
    assert (fields(created)["Subject"], fields(created)["OwnerId"], fields(created)["WhoId"]) == ("Call", rep.id, None)
    assert header(updated)["changedFields"] == ["Subject", "Description", "LastModifiedDate"]
    assert header(updated)["nulledFields"] == ["Description"]
    assert {k: v for k, v in fields(updated).items() if v is not None} == {
        "Subject": "Call back",
        "LastModifiedDate": epoch_ms(datetime(2024, 5, 7, 22, 5, tzinfo=UTC)),
    }
    assert fields(updated)["Status"] is None  # unchanged: null though the record has a Status
    assert set(fields(deleted).values()) == {None}


def test_the_pubsub_shape_by_chance_reproduces(emulator, org, salesforce, control):
    def shapes(sf, handle):
        for n in range(16):
            sf.Task.create({"Subject": f"t{n}"})
        return ["nulledFields" in header(m) for m in handle.events()]

    org.use_pubsub_shape(0.5, seed=3)
    first = shapes(salesforce(), org)
    other = emulator.create_org("Same seed")
    answer = control("PUT", f"/orgs/{other.id}/events/shape", json={"probability": 0.5, "seed": 3})
    assert answer.json() == {"probability": 0.5, "seed": 3}
    assert shapes(client(emulator, other), other) == first
    assert True in first and False in first


# Amazon EventBridge User Guide, "AWS service event metadata": the fields of every event.
EVENTBRIDGE_METADATA = {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}


def test_events_as_event_relay_puts_them_on_eventbridge(org, salesforce, control, clock):
    clock.set(datetime(2024, 5, 7, 22, 7, 19, tzinfo=UTC))
    salesforce(client_id="tasksync").Task.create({"Subject": "Call"})
    [published] = org.events()
    [envelope] = org.relay_events()
    assert set(envelope) == EVENTBRIDGE_METADATA
    assert (envelope["version"], envelope["detail-type"], envelope["resources"]) == ("0", "TaskChangeEvent", [])
    # Object Reference, "EventRelayFeedback", RemoteResource: aws.partner/salesforce.com/orgID/channelID.
    prefix, org_id, channel_id = envelope["source"].rsplit("/", 2)
    assert (prefix, org_id) == ("aws.partner/salesforce.com", org.id)
    assert channel_id.startswith("0YL") and len(channel_id) == 18
    assert (envelope["account"], envelope["region"]) == ("123456789012", "us-east-1")
    assert envelope["time"] == "2024-05-07T22:07:19Z"
    assert uuid.UUID(envelope["id"]) and org.relay_events()[0]["id"] == envelope["id"]
    detail = envelope["detail"]
    assert set(detail) == {"payload", "schemaId", "id"} and detail["schemaId"] == published["data"]["schema"]
    # The webhook got the CometD shape; Event Relay carries the Pub/Sub one.
    assert "nulledFields" not in header(published) and detail["payload"]["ChangeEventHeader"]["nulledFields"] == []
    assert set(detail["payload"]) - {"ChangeEventHeader"} == TASK_EVENT_FIELDS
    assert detail["payload"]["ChangeEventHeader"]["changeOrigin"] == "com/salesforce/api/rest/59.0;client=tasksync"
    over_http = control(
        "GET", f"/orgs/{org.id}/events/relay", params={"account": "111122223333", "region": "eu-west-1"}
    ).json()["events"]
    assert [(e["id"], e["account"], e["region"]) for e in over_http] == [(envelope["id"], "111122223333", "eu-west-1")]


# -- relay-like webhook delivery ---------------------------------------------------------------------------


def subjects(receiver):
    return [fields(m).get("Subject") for m in receiver.messages]


def deliver(handle, sf, names):
    for name in names:
        sf.Task.create({"Subject": name})
    assert handle.wait_for_webhook(5)
    handle.release_held_events()
    assert handle.wait_for_webhook(5)


def test_relay_like_delivery_duplicates_drops_and_reorders(org, salesforce, webhook_receiver):
    org.set_webhook(webhook_receiver.url, "s")
    sf = salesforce()
    org.relay_webhook(duplicate=1.0)
    deliver(org, sf, ["twice"])
    org.relay_webhook(drop=1.0)
    deliver(org, sf, ["never posted"])
    assert subjects(webhook_receiver) == ["twice", "twice"]
    assert org.webhook_status()["deliveries"][-1]["error"] == "dropped"
    assert fields(org.events()[-1])["Subject"] == "never posted"  # still in the replay log
    org.relay_webhook(reorder=1.0, window=3, seed=5)
    names = [f"r{n}" for n in range(8)]
    deliver(org, sf, names)
    reordered = subjects(webhook_receiver)[2:]
    assert sorted(reordered) == names and reordered != names
    org.relay_webhook()  # off again
    deliver(org, sf, ["in order"])
    assert subjects(webhook_receiver)[-1] == "in order"


def test_relay_like_delivery_reproduces_with_its_seed(emulator, org, salesforce, webhook_receiver, control):
    names = [f"e{n}" for n in range(16)]
    org.set_webhook(webhook_receiver.url, "s")
    org.relay_webhook(drop=0.2, duplicate=0.3, reorder=0.5, window=3, seed=11)
    deliver(org, salesforce(), names)
    first = subjects(webhook_receiver)
    with webhook_receiver.lock:
        webhook_receiver.posts.clear()
    other = emulator.create_org("Same seed")
    other.set_webhook(webhook_receiver.url, "s")
    relay = {"drop": 0.2, "duplicate": 0.3, "reorder": 0.5, "window": 3, "seed": 11}
    status = control("PUT", f"/orgs/{other.id}/webhook/relay", json=relay).json()
    assert status["relay"] == relay
    deliver(other, client(emulator, other), names)
    assert subjects(webhook_receiver) == first
    assert set(first) < set(names) and len(first) > len(set(first))  # some lost, some twice
    other.clear_webhook()


# -- clock skew --------------------------------------------------------------------------------------------


def test_clock_skew_moves_everything_the_org_stamps(org, salesforce, clock, control):
    start = datetime(2024, 5, 7, 10, 0, tzinfo=UTC)
    clock.set(start)
    org.set_clock_skew(timedelta(seconds=90))  # Salesforce's clock runs ahead of the sync's
    sf = salesforce()
    ahead = sf.Task.create({"Subject": "ahead"})["id"]
    record = sf.Task.get(ahead)
    assert record["CreatedDate"] == record["SystemModstamp"] == "2024-05-07T10:01:30.000+0000"
    assert header(org.events()[-1])["commitTimestamp"] == epoch_ms(start + timedelta(seconds=90))
    assert clock.now() == start  # the shared clock, the sync's, is left alone
    # getUpdated covers up to the org's current minute, not the caller's.
    assert sf.Task.updated(start, start + timedelta(minutes=5)) == {
        "ids": [],
        "latestDateCovered": "2024-05-07T10:01:00.000+0000",
    }
    assert control("PUT", f"/orgs/{org.id}/clock-skew", json={"seconds": -3}).json() == {"clockSkewSeconds": -3.0}
    behind = sf.Task.create({"Subject": "behind"})["id"]
    assert sf.Task.get(behind)["LastModifiedDate"] == "2024-05-07T09:59:57.000+0000"
    # A change made "now" is older than the sync's now: a query from the sync's clock misses it.
    since = (start - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = sf.query(f"SELECT Id FROM Task WHERE LastModifiedDate >= {since}")["records"]  # noqa: S608 - SOQL from test data
    assert [r["Id"] for r in rows] == [ahead]


def test_clock_skew_ages_the_recycle_bin_by_the_org_clock(org, salesforce, clock):
    clock.set(datetime(2024, 5, 7, 10, 0, tzinfo=UTC))
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "x"})["id"]
    sf.Task.delete(task_id)
    org.set_clock_skew(timedelta(days=1))
    clock.advance(timedelta(days=14, minutes=1))  # 14 days for the sync, 15 for the org
    sf = salesforce()  # the first session expired on the shared clock
    assert sf.query_all(f"SELECT Id FROM Task WHERE Id = '{task_id}'")["totalSize"] == 0  # noqa: S608 - SOQL from test data


@pytest.mark.parametrize("seconds", [True, "90", None])
def test_clock_skew_takes_a_number(org, control, seconds):
    assert control("PUT", f"/orgs/{org.id}/clock-skew", json={"seconds": seconds}).status_code == 400
