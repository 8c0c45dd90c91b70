"""What the Apex relay posts is what tasksync's webhook takes in.

The relay runs only in a Salesforce org, so these tests read its Apex source: the message
TasksyncRelayTest asserts the relay builds (EXPECTED_UPDATE_MESSAGE) goes through the webhook's own
intake and parser here, and the relay's field list, size limits, request and route are held to the
Python side's. Change one side alone and a test here fails.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime

from local.stack.template import load_template
from tasksync.change_events.conversion import parse_change_events
from tasksync.change_events.record_fields import BODY_FIELDS
from tasksync.engine.changes import ChangeType, SalesforceChange
from tasksync.webhook_intake import MAX_BODY_BYTES, QueueMessage, WebhookRequest, take_in
from tasksync.webhook_signature import HEADER, sign
from tests.unit.salesforce_relay.apex_source import (
    class_source,
    integer_constant,
    string_constant,
    string_list_constant,
)

ORG = "00D8a0000009ZkREAU"
SECRET = "whsec_relay"
NOW = 1_717_408_960

RELAY_TEST = class_source("TasksyncRelayTest")
MESSAGE = class_source("TasksyncChangeEventMessage")
RELAY = class_source("TasksyncRelay")
JOB = class_source("TasksyncRelayJob")
CLIENT = class_source("TasksyncWebhookClient")

EXPECTED_UPDATE_MESSAGE = string_constant(RELAY_TEST, "EXPECTED_UPDATE_MESSAGE")


class Secrets:
    def current(self, org_id: str, *, fresh: bool = False) -> str | None:
        return SECRET if org_id == ORG else None

    def previous(self, org_id: str) -> str | None:
        return None


class Queue:
    def __init__(self) -> None:
        self.sent: list[QueueMessage] = []

    def send(self, messages: Sequence[QueueMessage]) -> list[str]:
        self.sent.extend(messages)
        return []


def relay_request(body: str) -> WebhookRequest:
    """The request TasksyncWebhookClient makes: its Content-Type, signed over the UTF-8 body."""
    content_type = re.search(r"setHeader\('Content-Type', '([^']+)'\)", CLIENT)
    assert content_type is not None
    return WebhookRequest(
        org_id=ORG,
        content_type=content_type[1],
        signature=sign(body.encode("utf-8"), SECRET, NOW),
        body=body,
    )


# -- the message ------------------------------------------------------------------------------------


def test_the_relayed_fields_are_the_fields_the_sync_reads_that_change_events_carry():
    # IsDeleted and SystemModstamp are never in a change event ("Change Event Message Structure").
    assert set(string_list_constant(MESSAGE, "RELAYED_FIELDS")) == BODY_FIELDS - {"IsDeleted", "SystemModstamp"}


def test_the_message_the_apex_test_expects_is_an_update_the_sync_applies():
    changes = parse_change_events(EXPECTED_UPDATE_MESSAGE, org_id=ORG).changes

    assert len(changes) == 1
    change = changes[0]
    assert isinstance(change, SalesforceChange)
    assert change.change_type is ChangeType.UPDATE
    assert change.task.id == "00T8a00000Qm3TbEAJ"
    assert change.task.subject == "Call back about renewal (40 seats)"
    assert change.task.activity_date == date(2024, 6, 5)
    assert change.task.description is None
    assert change.carried >= {"Subject", "ActivityDate", "Description"}
    assert change.commit_at == datetime(2024, 6, 3, 10, 2, 31, tzinfo=UTC)
    assert change.client_id == "SfdcInternalAPI/"
    assert change.event_key == "0001b3d9-02a6-4c7e-b15f-3e8d7a2c4f60/1"


def test_the_apex_test_compares_the_relays_message_with_that_literal():
    assert "JSON.deserializeUntyped(EXPECTED_UPDATE_MESSAGE)" in RELAY_TEST


# -- the request ------------------------------------------------------------------------------------


def test_a_body_packed_as_the_relay_packs_it_is_queued_event_by_event():
    second = EXPECTED_UPDATE_MESSAGE.replace('"sequenceNumber":1', '"sequenceNumber":2')
    body = f"[{EXPECTED_UPDATE_MESSAGE},{second}]"
    queue = Queue()

    queued = take_in(relay_request(body), secrets=Secrets(), queue=queue, now=NOW)

    assert queued == 2
    assert [json.loads(message.body)["event"] for message in queue.sent] == json.loads(body)


def test_the_relay_signs_with_the_header_the_webhook_reads():
    assert string_constant(class_source("TasksyncWebhookSignature"), "HEADER") == HEADER


def test_the_relay_posts_to_the_webhooks_route():
    built = r"'callout:' \+ NAMED_CREDENTIAL \+ '([^']+)' \+ UserInfo\.getOrganizationId\(\) \+ '([^']+)'"
    endpoint = re.search(built, CLIENT)
    assert endpoint is not None
    webhook = load_template()["Resources"]["SalesforceWebhookFunction"]["Properties"]["Events"]
    paths = {event["Properties"]["Path"] for event in webhook.values() if event["Type"] == "HttpApi"}
    assert paths == {f"{endpoint[1]}{{orgId}}{endpoint[2]}"}


# -- the limits -------------------------------------------------------------------------------------


LARGEST_MESSAGE_BYTES = 32_000 * 3 + 255 * 3 + 4_000
"""A Task's change event at its largest: Description's 32,000 and Subject's 255 characters, 3 UTF-8
bytes each at worst (Apex strings are UTF-16: a character outside the BMP is two of them and 4 bytes),
and every other relayed field and the header well within 4,000 bytes."""


def test_a_relayed_body_is_under_what_the_webhook_takes():
    # TasksyncWebhookBodies keeps a body within MAX_BODY_BYTES unless one message alone is larger.
    max_body = integer_constant(RELAY, "MAX_BODY_BYTES")
    assert max_body <= MAX_BODY_BYTES
    assert max_body > LARGEST_MESSAGE_BYTES


def test_what_one_trigger_run_hands_to_a_job_fits_in_that_jobs_posts():
    max_body, max_job = integer_constant(RELAY, "MAX_BODY_BYTES"), integer_constant(RELAY, "MAX_JOB_BYTES")
    # Every packed body but the last holds more than MAX_BODY_BYTES minus one message.
    worst_bodies = math.ceil(max_job / (max_body - LARGEST_MESSAGE_BYTES))
    assert worst_bodies <= integer_constant(JOB, "MAX_POSTS_PER_JOB")


def test_a_jobs_callouts_stay_within_the_120_seconds_of_timeouts_a_transaction_may_spend():
    # Apex Developer Guide, "Callout Limits and Limitations": 100 callouts, 120 s of timeouts in all.
    posts = integer_constant(JOB, "MAX_POSTS_PER_JOB")
    assert posts * integer_constant(CLIENT, "TIMEOUT_MS") <= 120_000
    assert posts <= 100


def test_retries_stay_within_what_a_finalizer_may_re_enqueue():
    # "Transaction Finalizers": a job that failed with an unhandled exception can be re-enqueued five
    # times in a row by a finalizer; one delay per retry.
    attempts = integer_constant(JOB, "MAX_ATTEMPTS")
    delays = re.search(r"RETRY_DELAYS_MINUTES = new List<Integer>\{([^}]*)\}", JOB)
    assert delays is not None
    assert attempts <= 5
    assert len(delays[1].split(",")) == attempts - 1
