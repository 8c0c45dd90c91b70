"""Change Data Capture: event shapes for every change, change origins, transactions, merged and
wildcard events, gap events, retention, and delivery to a signed webhook with retries and delivery
faults."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from simple_salesforce.api import Salesforce

from local.salesforce_org.webhook import SIGNATURE_HEADER, signature
from tasksync.webhook_signature import HEADER, verify
from tests.contract.conftest import LIGHTNING_ORIGIN, fields, header

# Object Reference, "StandardObjectNameChangeEvent", "Event Message Example" (a new Account), wrapped in
# the CometD envelope of the CDC Developer Guide's "Change Event Message Structure".
DOCUMENTED_CREATE: dict[str, Any] = {
    "data": {
        "schema": "IeRuaY6cbI_HsV8Rv1Mc5g",
        "payload": {
            "ChangeEventHeader": {
                "entityName": "Account",
                "recordIds": ["<record_ID>"],
                "changeType": "CREATE",
                "changeOrigin": "com/salesforce/api/soap/51.0;client=SfdcInternalAPI/",
                "transactionKey": "0002343d-9d90-e395-ed20-cf416ba652ad",
                "sequenceNumber": 1,
                "commitTimestamp": 1612912679000,
                "commitNumber": 10716283339728,
                "commitUser": "<User_ID>",
            },
            "Name": "Acme",
            "Description": "Everyone is talking about the cloud. But what does it mean?",
            "OwnerId": "<Owner_ID>",
            "CreatedDate": "2021-02-09T23:17:59Z",
            "CreatedById": "<User_ID>",
            "LastModifiedDate": "2021-02-09T23:17:59Z",
            "LastModifiedById": "<User_ID>",
        },
        "event": {"replayId": 6},
    },
    "channel": "/data/ChangeEvents",
}
# CDC Developer Guide, "Example: Delivered Enriched Event Messages": an UPDATE lists changedFields,
# LastModifiedDate among them, and the body carries those fields.
DOCUMENTED_UPDATE_HEADER: dict[str, Any] = {
    "commitNumber": 166350908085,
    "commitUser": "005RM0000026DG5YAM",
    "sequenceNumber": 1,
    "entityName": "Account",
    "changeType": "UPDATE",
    "changedFields": ["Fax", "LastModifiedDate"],
    "changeOrigin": "com/salesforce/api/soap/55.0;client=SfdcInternalAPI/",
    "transactionKey": "000f07d5-d33e-8607-991e-ad2c1fda0750",
    "commitTimestamp": 1652286060000,
    "recordIds": ["001RM000005a9tGYAQ"],
}
CDC_DATETIME = "%Y-%m-%dT%H:%M:%S.000Z"
# Streaming API Developer Guide, "Differences Between Change Events Received with Streaming API vs.
# Pub/Sub API": through CometD "Null fields and unchanged fields are excluded from the event message",
# and nulledFields and diffFields are Pub/Sub API header fields only.
PUBSUB_ONLY_HEADER_FIELDS = {"nulledFields", "diffFields"}


def test_create_event_shape(org, rep, salesforce, clock):
    clock.set(datetime(2024, 5, 7, 22, 7, 19, tzinfo=UTC))
    sf = salesforce(client_id="tasksync")
    task_id = sf.Task.create({"Subject": "Call", "ActivityDate": "2024-05-07", "Tasksync_Id__c": "sia-1"})["id"]
    [message] = org.events()
    assert message.keys() == DOCUMENTED_CREATE.keys()
    assert message["data"].keys() == DOCUMENTED_CREATE["data"].keys()
    assert message["channel"] == "/data/TaskChangeEvent"
    assert isinstance(message["data"]["schema"], str) and message["data"]["schema"]
    assert isinstance(message["data"]["event"]["replayId"], int)
    event_header = header(message)
    assert set(DOCUMENTED_CREATE["data"]["payload"]["ChangeEventHeader"]) <= set(event_header)
    assert "changedFields" in event_header and not PUBSUB_ONLY_HEADER_FIELDS & set(event_header)
    assert event_header["entityName"] == "Task"
    assert event_header["recordIds"] == [task_id]
    assert event_header["changeType"] == "CREATE"
    assert event_header["changeOrigin"] == "com/salesforce/api/rest/59.0;client=tasksync"
    assert event_header["commitUser"] == rep.id
    assert event_header["commitTimestamp"] == 1715119639000
    assert event_header["sequenceNumber"] == 1
    assert event_header["changedFields"] == []
    assert fields(message) == {
        "Subject": "Call",
        "Status": "Not Started",
        "Priority": "Normal",
        "ActivityDate": "2024-05-07",
        "OwnerId": rep.id,
        "TaskSubtype": "Task",
        "IsRecurrence": False,
        "IsClosed": False,
        "CreatedDate": "2024-05-07T22:07:19.000Z",
        "CreatedById": rep.id,
        "LastModifiedDate": "2024-05-07T22:07:19.000Z",
        "LastModifiedById": rep.id,
        "Tasksync_Id__c": "sia-1",
    }


def test_update_event_carries_changed_fields_and_leaves_nulled_ones_out(org, rep, salesforce, clock):
    clock.set(datetime(2024, 5, 7, 22, 0, tzinfo=UTC))
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "Call", "Description": "notes"})["id"]
    clock.advance(timedelta(minutes=5))
    sf.Task.update(task_id, {"Subject": "Call back", "Description": None, "Priority": "Normal"})
    message = org.events()[-1]
    event_header = header(message)
    assert set(DOCUMENTED_UPDATE_HEADER) <= set(event_header)
    assert event_header["changeType"] == "UPDATE"
    assert event_header["changeOrigin"] == "com/salesforce/api/rest/59.0"
    assert event_header["changedFields"] == ["Subject", "Description", "LastModifiedDate"]
    assert not PUBSUB_ONLY_HEADER_FIELDS & set(event_header)
    # Description was nulled: listed in changedFields, absent from the body.
    assert fields(message) == {"Subject": "Call back", "LastModifiedDate": "2024-05-07T22:05:00.000Z"}
    # LastModifiedById appears only when another user makes the change.
    boss = org.create_user(last_name="Boss")
    salesforce(boss).Task.update(task_id, {"Status": "Completed"})
    closing = org.events()[-1]
    assert header(closing)["changedFields"] == [
        "Status",
        "IsClosed",
        "LastModifiedDate",
        "LastModifiedById",
        "CompletedDateTime",
    ]
    assert fields(closing)["LastModifiedById"] == boss.id
    assert header(closing)["commitUser"] == boss.id


def test_an_update_that_changes_nothing_still_publishes(org, salesforce):
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "same"})["id"]
    sf.Task.update(task_id, {"Subject": "same"})
    message = org.events()[-1]
    assert header(message)["changedFields"] == ["LastModifiedDate"]
    assert list(fields(message)) == ["LastModifiedDate"]


def test_delete_and_undelete_events(org, rep, salesforce):
    sf = salesforce(client_id="sync")
    task_id = sf.Task.create({"Subject": "x", "Priority": "High"})["id"]
    sf.Task.delete(task_id)
    deleted = org.events()[-1]
    assert header(deleted)["changeType"] == "DELETE"
    assert header(deleted)["recordIds"] == [task_id]
    assert fields(deleted) == {}
    org.ui_undelete_task(task_id)
    undeleted = org.events()[-1]
    assert header(undeleted)["changeType"] == "UNDELETE"
    assert header(undeleted)["changeOrigin"] == LIGHTNING_ORIGIN
    assert fields(undeleted)["Subject"] == "x" and fields(undeleted)["Priority"] == "High"
    assert "IsDeleted" not in fields(undeleted) and "SystemModstamp" not in fields(undeleted)
    org.empty_recycle_bin()  # nothing in it now; and hard deletes publish nothing anyway
    sf.Task.delete(task_id)
    count = len(org.events())
    org.empty_recycle_bin()
    assert len(org.events()) == count


def test_change_origin_names_the_api_version_and_client(org, salesforce):
    salesforce(version="62.0").Task.create({"Subject": "a"})
    salesforce(version="62.0", client_id="tasksync-prod").Task.create({"Subject": "b"})
    org.ui_create_task({"Subject": "c"})
    origins = [header(m)["changeOrigin"] for m in org.events()]
    assert origins == [
        "com/salesforce/api/rest/62.0",
        "com/salesforce/api/rest/62.0;client=tasksync-prod",
        LIGHTNING_ORIGIN,
    ]


@pytest.mark.parametrize(
    "options",
    [
        "client=acme_sync; defaultNamespace=battle",  # REST API Developer Guide, "Call Options Header"
        "client=acme_sync;defaultNamespace=battle",
        "client=acme_sync, defaultNamespace=battle",  # the same page, older versions
        "defaultNamespace=battle; client=acme_sync",
    ],
)
def test_call_options_are_separated_by_semicolons_or_commas(org, emulator, rep, options):
    session = emulator.http_session()
    session.headers["Sforce-Call-Options"] = options
    sf = Salesforce(instance_url=emulator.instance_url, session_id=org.access_token(rep), session=session)
    sf.Task.create({"Subject": "a"})
    assert header(org.events()[-1])["changeOrigin"] == "com/salesforce/api/rest/59.0;client=acme_sync"


def test_a_collection_call_is_one_transaction(org, salesforce):
    sf = salesforce(client_id="tasksync")
    sf.restful(
        "composite/sobjects",
        method="POST",
        json={"records": [{"attributes": {"type": "Task"}, "Subject": s} for s in ("a", "b", "c")]},
    )
    events = org.events()
    assert [header(m)["sequenceNumber"] for m in events] == [1, 2, 3]
    assert len({header(m)["transactionKey"] for m in events}) == 1
    assert len({header(m)["commitNumber"] for m in events}) == 1
    # Not documented for sObject Collections; the emulator passes the client id on as for single calls.
    assert {header(m)["changeOrigin"] for m in events} == {"com/salesforce/api/rest/59.0;client=tasksync"}
    replay_ids = [m["data"]["event"]["replayId"] for m in events]
    assert replay_ids == sorted(replay_ids)


def test_identical_changes_of_one_transaction_merge_into_one_event(org, salesforce):
    # CDC Developer Guide, "ChangeEventHeader Fields", recordIds: "If in one transaction the same change
    # occurred in multiple records of the same object type during one second, Salesforce merges the
    # change notifications"; "Deletion of Account records" is one of its examples.
    sf = salesforce()
    created = sf.restful(
        "composite/sobjects",
        method="POST",
        json={"records": [{"attributes": {"type": "Task"}, "Subject": s} for s in ("a", "b", "c")]},
    )
    task_ids = [r["id"] for r in created]
    assert len(org.events()) == 3  # different subjects: different changes
    sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={"records": [{"attributes": {"type": "Task"}, "id": i, "Priority": "High"} for i in task_ids]},
    )
    [updated] = org.events()[3:]
    assert header(updated)["recordIds"] == task_ids and header(updated)["changedFields"] == [
        "Priority",
        "LastModifiedDate",
    ]
    sf.restful("composite/sobjects", method="DELETE", params={"ids": ",".join(task_ids)})
    [deleted] = org.events()[4:]
    assert header(deleted)["changeType"] == "DELETE"
    assert header(deleted)["recordIds"] == task_ids
    # Separate transactions never merge, even within one second.
    for task_id in task_ids:
        org.ui_undelete_task(task_id)
    assert [header(m)["recordIds"] for m in org.events()[5:]] == [[i] for i in task_ids]


def test_merging_can_be_turned_off(org, salesforce):
    org.configure(merge_identical_changes=False)
    sf = salesforce()
    created = sf.restful(
        "composite/sobjects", method="POST", json={"records": [{"attributes": {"type": "Task"}, "Subject": "x"}] * 2}
    )
    sf.restful("composite/sobjects", method="DELETE", params={"ids": ",".join(r["id"] for r in created)})
    assert [header(m)["recordIds"] for m in org.events()] == [[r["id"]] for r in created] * 2


def test_a_field_type_conversion_publishes_one_wildcard_event(org, control, salesforce):
    # CDC Developer Guide, "Conversions That Generate a Change Event": "One change event is generated
    # for all the affected records, and the event message contains no record fields"; recordIds "starts
    # with the three-character object ID prefix, followed by the wildcard character *".
    salesforce().Task.create({"Subject": "x"})
    message = org.publish_field_conversion()
    assert header(message)["changeType"] == "UPDATE" and header(message)["recordIds"] == ["00T*"]
    assert fields(message) == {}
    assert header(message)["changeOrigin"] == ""  # a setup change
    over_http = control("POST", f"/orgs/{org.id}/events/field-conversion")
    assert over_http.status_code == 201 and header(over_http.json())["recordIds"] == ["00T*"]
    assert org.events()[-1] == over_http.json()


def test_gap_events_carry_the_header_only(org, salesforce):
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "x"})["id"]
    gap = org.emit_gap("GAP_UPDATE", [task_id])
    assert header(gap)["changeType"] == "GAP_UPDATE" and header(gap)["recordIds"] == [task_id]
    assert fields(gap) == {}
    overflow = org.emit_gap("GAP_OVERFLOW", [task_id])
    assert header(overflow)["changeType"] == "GAP_OVERFLOW" and header(overflow)["recordIds"] == []
    for kind in ("GAP_CREATE", "GAP_DELETE", "GAP_UNDELETE"):
        assert header(org.emit_gap(kind, [task_id]))["changeType"] == kind
    with pytest.raises(ValueError):
        org.emit_gap("UPDATE", [task_id])
    org.gap_next(1)
    sf.Task.update(task_id, {"Subject": "y"})
    sf.Task.update(task_id, {"Subject": "z"})
    *_, as_gap, normal = org.events()
    assert header(as_gap)["changeType"] == "GAP_UPDATE" and fields(as_gap) == {}
    assert header(normal)["changeType"] == "UPDATE" and fields(normal)["Subject"] == "z"


def test_events_are_kept_72_hours_and_listed_after_a_replay_id(org, salesforce, clock):
    sf = salesforce()
    clock.freeze()
    sf.Task.create({"Subject": "old"})
    clock.advance(timedelta(hours=48))
    sf = salesforce()
    sf.Task.create({"Subject": "recent"})
    first, second = org.events()
    assert org.events(after=first["data"]["event"]["replayId"]) == [second]
    assert org.events(after=-1) == []
    clock.advance(timedelta(hours=25))
    assert org.events() == [second]


# -- the webhook -------------------------------------------------------------------------------------------


def test_webhook_posts_each_event_signed_in_order(org, salesforce, webhook_receiver):
    org.set_webhook(webhook_receiver.url, "s3cret")
    sf = salesforce(client_id="tasksync")
    task_id = sf.Task.create({"Subject": "a"})["id"]
    sf.Task.update(task_id, {"Subject": "b"})
    sf.Task.delete(task_id)
    assert org.wait_for_webhook(5)
    assert webhook_receiver.messages == org.events()
    for post in webhook_receiver.posts:
        assert post.headers["Content-Type"] == "application/json"
        verify(post.headers[HEADER], post.body, "s3cret", int(time.time()))
    assert [r["delivered"] for r in org.webhook_status()["deliveries"]] == [True, True, True]


def test_webhook_retries_non_2xx_answers_with_back_off(org, salesforce, webhook_receiver):
    org.set_webhook(webhook_receiver.url, "s", base_delay=0.01, max_attempts=3)
    webhook_receiver.statuses.extend([500, 503])
    salesforce().Task.create({"Subject": "a"})
    assert org.wait_for_webhook(5)
    assert len(webhook_receiver.posts) == 3
    [record] = org.webhook_status()["deliveries"]
    assert (record["attempts"], record["status"], record["delivered"]) == (3, 200, True)
    # Past max_attempts the event is recorded as failed and the next one still goes out.
    webhook_receiver.statuses.extend([500, 500, 500])
    sf = salesforce()
    sf.Task.create({"Subject": "b"})
    sf.Task.create({"Subject": "c"})
    assert org.wait_for_webhook(5)
    deliveries = org.webhook_status()["deliveries"]
    assert [(d["attempts"], d["delivered"]) for d in deliveries[1:]] == [(3, False), (1, True)]
    assert deliveries[1]["error"] == "HTTP 500"


def test_webhook_connection_errors_are_retried(org, salesforce):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    org.set_webhook(f"http://127.0.0.1:{port}/nobody-home", "s", base_delay=0.01, max_attempts=2, timeout=1)
    salesforce().Task.create({"Subject": "a"})
    assert org.wait_for_webhook(5)
    [record] = org.webhook_status()["deliveries"]
    assert (record["attempts"], record["status"], record["delivered"]) == (2, None, False)
    assert record["error"] == "ConnectionError"


def test_delivery_faults_drop_duplicate_and_reorder(org, salesforce, webhook_receiver):
    org.set_webhook(webhook_receiver.url, "s")
    sf = salesforce()
    org.webhook_faults(drop=1)
    sf.Task.create({"Subject": "dropped"})
    org.webhook_faults(duplicate=1)
    sf.Task.create({"Subject": "twice"})
    assert org.wait_for_webhook(5)
    assert [fields(m)["Subject"] for m in webhook_receiver.messages] == ["twice", "twice"]
    assert len(org.events()) == 2  # the dropped one is still in the replay log
    org.webhook_faults(reorder=3)
    for subject in ("r1", "r2", "r3"):
        sf.Task.create({"Subject": subject})
    assert org.wait_for_webhook(5)
    assert [fields(m)["Subject"] for m in webhook_receiver.messages[2:]] == ["r3", "r2", "r1"]
    org.webhook_faults(reorder=5)
    sf.Task.create({"Subject": "held"})
    assert org.wait_for_webhook(5)
    assert org.webhook_status()["held"] != []
    org.release_held_events()
    assert org.wait_for_webhook(5)
    assert fields(webhook_receiver.messages[-1])["Subject"] == "held"


def test_replaying_retained_events_to_the_webhook(org, salesforce, webhook_receiver):
    sf = salesforce()
    sf.Task.create({"Subject": "before the webhook"})
    sf.Task.create({"Subject": "also before"})
    org.set_webhook(webhook_receiver.url, "s")
    first_id = org.events()[0]["data"]["event"]["replayId"]
    assert org.replay_to_webhook(first_id) == 1
    assert org.wait_for_webhook(5)
    assert [fields(m)["Subject"] for m in webhook_receiver.messages] == ["also before"]


def test_signing_with_the_emulator_clock(org, salesforce, webhook_receiver, clock):
    clock.set(datetime(2030, 1, 1, tzinfo=UTC))
    org.set_webhook(webhook_receiver.url, "s", sign_with_emulator_clock=True)
    salesforce().Task.create({"Subject": "future"})
    assert org.wait_for_webhook(5)
    post = webhook_receiver.posts[0]
    verify(post.headers[HEADER], post.body, "s", int(datetime(2030, 1, 1, tzinfo=UTC).timestamp()))


def test_the_webhook_signature_matches_an_independently_computed_vector():
    # SPEC section 8: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">. The digest was computed
    # once, outside Python, with
    #   printf '%s' '1700000000.{"hello":"world"}' | openssl dgst -sha256 -hmac whsec_test_123
    body = b'{"hello":"world"}'
    assert len(body) == 17
    assert SIGNATURE_HEADER == "X-Tasksync-Signature"
    assert signature(body, "whsec_test_123", 1700000000) == (
        "t=1700000000,v1=939e883c380cd16fe9050d2eec1c3479014d5e4ece9c5f380e6a9671b88e83cf"
    )


def test_picklist_renames_publish_updates(org, salesforce):
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "x", "Status": "Deferred"})["id"]
    org.rename_status("Deferred", "Parked")
    message = org.events()[-1]
    assert header(message)["changeType"] == "UPDATE" and header(message)["recordIds"] == [task_id]
    assert fields(message)["Status"] == "Parked"
    assert header(message)["changeOrigin"] == ""


def test_lightning_changes_are_free_and_carry_an_origin(org, rep):
    # Apex EventBus.ChangeEventHeader, changeorigin: "Only populated for changes done by API apps or from
    # Lightning Experience; empty otherwise"; the documented examples show this value.
    task_id = org.ui_create_task({"Subject": "from the UI"}, as_user=rep)
    org.ui_update_task(task_id, {"Status": "Completed"})
    org.ui_delete_task(task_id)
    assert [header(m)["changeOrigin"] for m in org.events()] == [LIGHTNING_ORIGIN] * 3
    assert [header(m)["changeType"] for m in org.events()] == ["CREATE", "UPDATE", "DELETE"]
    assert org.api_usage()[0] == 0


def test_changes_made_outside_any_api_have_an_empty_origin(org, rep, control):
    task_id = org.ui_create_task({"Subject": "x"})
    org.system_update_task(task_id, {"Priority": "Low"}, as_user=rep)
    over_http = control("PATCH", f"/orgs/{org.id}/system/tasks/{task_id}", json={"Priority": "High"})
    assert over_http.status_code == 200 and over_http.json()["Priority"] == "High"
    assert [header(m)["changeOrigin"] for m in org.events()[1:]] == ["", ""]
    assert header(org.events()[1])["commitUser"] == rep.id
    assert org.api_usage()[0] == 0


def test_commit_timestamps_are_whole_seconds_and_commits_of_one_second_tie(org, salesforce, clock):
    # Every documented commitTimestamp is a whole second (e.g. 1612912679000 in "StandardObjectNameChangeEvent").
    clock.set(datetime(2024, 5, 7, 22, 7, 19, 654000, tzinfo=UTC))
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "a"})["id"]
    for subject in ("b", "c", "d"):
        sf.Task.update(task_id, {"Subject": subject})
    stamps = [header(m)["commitTimestamp"] for m in org.events()]
    assert stamps == [1715119639000] * 4
    numbers = [header(m)["commitNumber"] for m in org.events()]
    assert numbers == sorted(set(numbers))
    clock.advance(timedelta(milliseconds=400))  # the next second
    sf.Task.update(task_id, {"Subject": "e"})
    assert header(org.events()[-1])["commitTimestamp"] == 1715119640000
