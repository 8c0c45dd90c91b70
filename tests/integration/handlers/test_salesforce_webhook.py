"""The CDC webhook (``functions/salesforce_webhook``) called as Lambda calls it, against moto: the org's
signing secret in Secrets Manager, the FIFO queue built from template.yaml's ``SalesforceChangesQueue``.

SPEC 6 and 8: a signed body of Task change events is queued, one message per event, grouped by record
and named by its event key; every other request gets its 4xx and queues nothing; a rotated secret is
accepted in both versions while the rotation lasts.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.stack.lambdas import LambdaContextStub, http_api_event, load_handler_module
from local.stack.template import ROOT, load_template, resources_of_type
from tasksync.adapters.sqs_changes_queue import SqsChangesQueue
from tasksync.composition.intake import IntakeRoot, build_intake_root, override
from tasksync.configuration.webhook import WebhookConfig
from tasksync.observability import metrics
from tasksync.webhook_intake import MAX_BODY_BYTES, queued_change_event
from tasksync.webhook_signature import sign
from tests.support.secrets_manager import secretsmanager as secretsmanager
from tests.support.signature_vector import VECTOR

ORG_ID = "00D8a000000XyZ1EAK"
ORG15 = "00D8a000000XyZ1"
PREFIX = "tasksync/local/webhooks/"
SECRET = "whsec-current-5e1f9a"
NOW = 1_717_406_200
ROUTE_KEY = "POST /v1/webhooks/salesforce/{orgId}/cdc"
EVENTS = ROOT / "events"
SAMPLES = sorted(EVENTS.glob("cdc_*.json"))


def sample(name: str) -> Any:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def as_body(document: Any) -> bytes:
    return json.dumps(document).encode()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# -- the stack: moto, the template's queue, the handler in a fresh container ---------------------------


def create_template_queue(sqs: Any, logical_id: str) -> str:
    """The queue ``logical_id`` of template.yaml with its attributes, its dead-letter queue made first."""
    properties = dict(resources_of_type(load_template(), "AWS::SQS::Queue")[logical_id]["Properties"])
    properties.pop("QueueName")  # a !Sub of the stack's name
    if "RedrivePolicy" in properties:
        redrive = dict(properties["RedrivePolicy"])
        dead_letters, _ = redrive["deadLetterTargetArn"]["Fn::GetAtt"]
        url = create_template_queue(sqs, dead_letters)
        redrive["deadLetterTargetArn"] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        properties["RedrivePolicy"] = json.dumps(redrive)
    attributes = {
        name: str(value).lower() if isinstance(value, bool) else str(value) for name, value in properties.items()
    }
    name = f"test-{logical_id}" + (".fifo" if properties.get("FifoQueue") else "")
    return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])


@dataclass
class Clock:
    now: int = NOW

    def __call__(self) -> int:
        return self.now


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


@dataclass
class Webhook:
    handler: Callable[[dict[str, Any], Any], dict[str, Any]]
    sqs: Any
    secrets: Any
    queue_url: str
    clock: Clock
    config: WebhookConfig
    secret_reads: list[str]
    """The version stage of each GetSecretValue the webhook made (AWSCURRENT when it names none)."""

    def post(
        self,
        body: bytes,
        *,
        secret: str | None = SECRET,
        at: int | None = None,
        signature: str | None = None,
        content_type: str | None = "application/json",
        org_id: str = ORG_ID,
        base64_encoded: bool = False,
        wire_body: str | None = None,
    ) -> Answer:
        """A relay's POST as API Gateway hands it to the function: signed with ``secret`` at ``at`` (the
        clock's now), unless ``signature`` gives the header or ``secret`` is None (unsigned); the event's
        ``body`` is ``body`` as text or base64, or ``wire_body``."""
        headers = {
            "host": "abc123.execute-api.us-east-1.amazonaws.com",
            "user-agent": "tasksync-relay/1.0",
            "content-length": str(len(body)),
            "x-forwarded-for": "203.0.113.7",
            "x-forwarded-proto": "https",
        }
        if content_type is not None:
            headers["content-type"] = content_type
        if signature is None and secret is not None:
            signature = sign(body, secret, self.clock.now if at is None else at)
        if signature is not None:
            headers["x-tasksync-signature"] = signature
        event = http_api_event(
            "POST",
            f"/v1/webhooks/salesforce/{org_id}/cdc",
            route_key=ROUTE_KEY,
            path_parameters={"orgId": org_id},
            headers=headers,
            body=wire_body
            if wire_body is not None
            else base64.b64encode(body).decode()
            if base64_encoded
            else body.decode(),
        )
        event["isBase64Encoded"] = base64_encoded
        answer = self.handler(event, LambdaContextStub(function_name="tasksync-test-SalesforceWebhookFunction"))
        assert answer["headers"] == {"content-type": "application/json"}
        return Answer(answer["statusCode"], json.loads(answer["body"]))

    def queued(self) -> list[dict[str, Any]]:
        """Every message on the queue (taken off it): by group, each group's in the order SQS gives them."""
        taken: list[dict[str, Any]] = []
        while got := self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
        ).get("Messages", []):
            taken += got
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)],
            )
        return sorted(taken, key=lambda message: message["Attributes"]["MessageGroupId"])  # stable: received order

    def queued_events(self) -> list[Any]:
        return [json.loads(message["Body"]) for message in self.queued()]

    def queued_bodies(self) -> list[str]:
        """The messages' bodies as JSON with sorted keys, sorted: what was queued, whatever the groups."""
        return sorted(json.dumps(event, sort_keys=True) for event in self.queued_events())

    def rotate(self, new_secret: str) -> None:
        """Secrets Manager's rotation: the new value becomes AWSCURRENT, the old one AWSPREVIOUS."""
        self.secrets.put_secret_value(SecretId=PREFIX + ORG_ID, SecretString=new_secret)


def bodies(events: list[Any]) -> list[str]:
    """The queue bodies of ``events``, as ``Webhook.queued_bodies`` gives them."""
    return sorted(json.dumps({"orgId": ORG_ID, "event": event}, sort_keys=True) for event in events)


@pytest.fixture
def webhook(secretsmanager: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Webhook]:
    # A default session of the test's own, so that the clients the root makes report their calls.
    session = boto3.Session()
    secret_reads: list[str] = []
    session.events.register(
        "provide-client-params.secrets-manager.GetSecretValue",
        lambda params, **_: secret_reads.append(params.get("VersionStage", "AWSCURRENT")),
    )
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", session)
    sqs = boto3.client("sqs")
    queue_url = create_template_queue(sqs, "SalesforceChangesQueue")
    secretsmanager.create_secret(Name=PREFIX + ORG_ID, SecretString=SECRET)
    monkeypatch.setattr(metrics, "namespace", "Tasksync")  # read from the environment at first import
    config = WebhookConfig.from_environment(
        {"STAGE": "local", "SALESFORCE_CHANGES_QUEUE_URL": queue_url, "WEBHOOK_SECRETS_PREFIX": PREFIX}
    )
    clock = Clock()
    app = load_handler_module("functions/salesforce_webhook")
    with override(dataclasses.replace(build_intake_root(config), clock=clock)):
        yield Webhook(app.handler, sqs, secretsmanager, queue_url, clock, config, secret_reads)


# -- accepted: one message per event, as it came ------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: path.stem)
def test_each_sample_body_is_queued_one_message_per_event_exactly_as_it_came(webhook: Webhook, path: Path):
    document = json.loads(path.read_text(encoding="utf-8"))
    items = document if isinstance(document, list) else [document]

    answer = webhook.post(path.read_bytes())

    assert answer == Answer(202, {"queued": len(items)})
    assert webhook.queued_bodies() == bodies(items)


def test_a_record_event_is_grouped_by_org_and_record_and_named_by_its_transaction_and_sequence(webhook: Webhook):
    event = sample("cdc_create.json")

    assert webhook.post(as_body(event)).status == 202

    (message,) = webhook.queued()
    assert json.loads(message["Body"]) == queued_change_event(ORG_ID, event) == {"orgId": ORG_ID, "event": event}
    assert message["Attributes"]["MessageGroupId"] == "00D8a000000XyZ1:00T8a00000Qm3Tb"
    assert message["Attributes"]["MessageDeduplicationId"] == sha256(
        "00D8a000000XyZ1/0001b3c2-7e4f-9a10-5d2e-8c4b1f6a9e37/1"
    )


def test_a_transaction_gives_each_event_its_own_record_group_and_key(webhook: Webhook):
    assert webhook.post(as_body(sample("cdc_transaction.json"))).status == 202

    queued = webhook.queued()
    assert [(m["Attributes"]["MessageGroupId"], m["Attributes"]["MessageDeduplicationId"]) for m in queued] == [
        (f"{ORG15}:00T8a00000Qm3Tb", sha256(f"{ORG15}/0001b4b7-16ad-4e92-8c3f-7d5a1e9b0c64/1")),
        (f"{ORG15}:00T8a00000Qm3Th", sha256(f"{ORG15}/0001b4b7-16ad-4e92-8c3f-7d5a1e9b0c64/2")),
    ]


def test_a_merged_event_is_grouped_by_its_first_record(webhook: Webhook):
    assert webhook.post(as_body(sample("cdc_delete_merged.json"))).status == 202

    (message,) = webhook.queued()
    assert message["Attributes"]["MessageGroupId"] == f"{ORG15}:00T8a00000Qm3Tc"


@pytest.mark.parametrize("name", ["cdc_gap_overflow.json", "cdc_wildcard.json"])
def test_an_event_of_every_task_is_grouped_by_the_org_alone(webhook: Webhook, name: str):
    assert webhook.post(as_body(sample(name))).status == 202

    (message,) = webhook.queued()
    assert message["Attributes"]["MessageGroupId"] == ORG15


def test_an_event_without_transaction_key_is_named_by_its_canonical_json(webhook: Webhook):
    event = sample("cdc_update.json")
    del event["data"]["payload"]["ChangeEventHeader"]["transactionKey"]

    assert webhook.post(as_body(event)).status == 202

    (message,) = webhook.queued()
    assert message["Attributes"]["MessageDeduplicationId"] == sha256(
        json.dumps(event, sort_keys=True, separators=(",", ":"))
    )


def test_a_data_object_alone_is_queued_as_the_data_object(webhook: Webhook):
    data = sample("cdc_create.json")["data"]

    assert webhook.post(as_body({"events": [data]})) == Answer(202, {"queued": 1})

    assert webhook.queued_events() == [{"orgId": ORG_ID, "event": data}]


def test_a_base64_body_is_checked_and_queued_as_its_decoded_bytes(webhook: Webhook):
    body = as_body(sample("cdc_create.json"))

    assert webhook.post(body, base64_encoded=True) == Answer(202, {"queued": 1})

    assert webhook.queued_events() == [{"orgId": ORG_ID, "event": json.loads(body)}]


def test_a_charset_parameter_of_utf_8_is_accepted(webhook: Webhook):
    assert (
        webhook.post(as_body(sample("cdc_create.json")), content_type="application/json; charset=UTF-8").status == 202
    )


def updates_of_one_record(count: int, **payload: Any) -> list[Any]:
    events = []
    for number in range(1, count + 1):
        event = sample("cdc_update.json")
        event["data"]["payload"]["ChangeEventHeader"]["sequenceNumber"] = number
        event["data"]["payload"].update(payload)
        events.append(event)
    return events


def test_more_than_ten_events_go_out_in_several_calls_in_their_order(webhook: Webhook):
    events = updates_of_one_record(23)

    assert webhook.post(as_body(events)) == Answer(202, {"queued": 23})

    assert [
        m["event"]["data"]["payload"]["ChangeEventHeader"]["sequenceNumber"] for m in webhook.queued_events()
    ] == list(range(1, 24))


def test_events_whose_messages_outgrow_one_call_go_out_in_several(webhook: Webhook):
    # 150,000 "é": 300 kB of the body each, 900 kB of a message each once JSON-escaped (\u00e9).
    events = updates_of_one_record(2, Notes__c="é" * 150_000)
    body = json.dumps(events, ensure_ascii=False).encode()
    assert len(body) < MAX_BODY_BYTES

    assert webhook.post(body) == Answer(202, {"queued": 2})

    assert webhook.queued_events() == [{"orgId": ORG_ID, "event": event} for event in events]


# -- the signature: SPEC 8 -----------------------------------------------------------------------------


def test_the_fixed_vector_passes_the_signature_check_at_its_own_time(webhook: Webhook):
    # The vector's body is no change event: a 400, not a 401, says its signature was accepted.
    webhook.secrets.put_secret_value(SecretId=PREFIX + ORG_ID, SecretString=VECTOR.secret)
    webhook.clock.now = VECTOR.timestamp

    answer = webhook.post(VECTOR.body, signature=VECTOR.header)

    assert (answer.status, answer.body["error"]["code"]) == (400, "invalid_change_events")


def test_the_fixed_vector_with_one_digit_changed_is_refused(webhook: Webhook):
    webhook.secrets.put_secret_value(SecretId=PREFIX + ORG_ID, SecretString=VECTOR.secret)
    webhook.clock.now = VECTOR.timestamp
    changed = VECTOR.header[:-1] + ("1" if VECTOR.header[-1] == "0" else "0")

    answer = webhook.post(VECTOR.body, signature=changed)

    assert (answer.status, answer.body["error"]["code"]) == (401, "invalid_signature")


BODY = as_body(sample("cdc_create.json"))


@pytest.mark.parametrize(
    ("post", "reason"),
    [
        (lambda webhook: webhook.post(BODY, secret=None), "missing"),
        (lambda webhook: webhook.post(BODY, secret="whsec-someone-else"), "does not match"),
        (lambda webhook: webhook.post(BODY, at=NOW - 301), "300 seconds"),
        (lambda webhook: webhook.post(BODY, at=NOW + 301), "300 seconds"),
        (lambda webhook: webhook.post(BODY, signature="v1=deadbeef"), "no valid t="),
        (lambda webhook: webhook.post(BODY, org_id="00D8a000000Zzz9EAK"), "no webhook secret"),
        (lambda webhook: webhook.post(BODY, org_id="00Dnot/an-org"), "not a Salesforce org id"),
        (lambda webhook: webhook.post(BODY, org_id="001" + ORG_ID[3:]), "not a Salesforce org id"),
    ],
    ids=["unsigned", "wrong secret", "stale", "future", "malformed", "unknown org", "org id with a slash", "no org id"],
)
def test_a_request_without_a_valid_signature_is_401_and_queues_nothing(webhook: Webhook, post, reason):
    answer = post(webhook)

    assert answer.status == 401
    assert answer.body["error"]["code"] == "invalid_signature"
    assert reason in answer.body["error"]["message"]
    assert webhook.queued() == []


def test_a_body_changed_after_signing_is_refused(webhook: Webhook):
    signature = sign(BODY, SECRET, NOW)

    answer = webhook.post(BODY.replace(b"Call back", b"Call off"), signature=signature)

    assert answer.status == 401
    assert webhook.queued() == []


def test_during_a_rotation_the_previous_secret_is_still_accepted(webhook: Webhook):
    webhook.rotate("whsec-next-77c0")

    assert webhook.post(BODY, secret=SECRET).status == 202
    assert webhook.post(BODY, secret="whsec-next-77c0").status == 202


def test_a_secret_rotated_after_it_was_cached_is_accepted_through_one_read_past_the_cache(webhook: Webhook):
    assert webhook.post(BODY, secret=SECRET).status == 202  # AWSCURRENT is cached now
    webhook.rotate("whsec-next-77c0")
    webhook.secret_reads.clear()

    assert webhook.post(BODY, secret="whsec-next-77c0").status == 202

    assert webhook.secret_reads == ["AWSPREVIOUS", "AWSCURRENT"]


def test_a_signature_made_with_no_version_reads_each_other_version_once_then_is_refused(webhook: Webhook):
    assert webhook.post(BODY).status == 202
    webhook.secret_reads.clear()

    assert webhook.post(BODY, secret="whsec-someone-else").status == 401

    assert webhook.secret_reads == ["AWSPREVIOUS", "AWSCURRENT"]


@pytest.mark.parametrize("at", [NOW - 301, None], ids=["stale", "unsigned"])
def test_a_stale_or_missing_signature_reads_no_other_version(webhook: Webhook, at: int | None):
    assert webhook.post(BODY).status == 202
    webhook.secret_reads.clear()

    assert webhook.post(BODY, at=at, secret=SECRET if at else None).status == 401

    assert webhook.secret_reads == []


# -- size, content type, change events ----------------------------------------------------------------


def body_of_size(size: int) -> bytes:
    """A signed-able JSON body of exactly ``size`` bytes (a change event padded with spaces)."""
    body = as_body(sample("cdc_create.json"))
    return body + b" " * (size - len(body))


@pytest.mark.parametrize("base64_encoded", [False, True], ids=["text", "base64"])
def test_a_body_just_over_1_mib_is_413(webhook: Webhook, base64_encoded: bool):
    answer = webhook.post(body_of_size(MAX_BODY_BYTES + 1), base64_encoded=base64_encoded)

    assert (answer.status, answer.body["error"]["code"]) == (413, "payload_too_large")
    assert webhook.queued() == []


@pytest.mark.parametrize("base64_encoded", [False, True], ids=["text", "base64"])
def test_a_body_of_exactly_1_mib_is_taken(webhook: Webhook, base64_encoded: bool):
    assert webhook.post(body_of_size(MAX_BODY_BYTES), base64_encoded=base64_encoded).status == 202


def test_the_size_counts_bytes_not_characters(webhook: Webhook):
    event = sample("cdc_create.json")
    event["data"]["payload"]["Notes__c"] = "é" * (MAX_BODY_BYTES // 2)  # fewer characters than bytes
    body = json.dumps(event, ensure_ascii=False).encode()
    assert len(body.decode()) < MAX_BODY_BYTES < len(body)

    assert webhook.post(body).status == 413


def test_an_oversized_body_is_413_before_its_content_type_or_signature_is_checked(webhook: Webhook):
    assert webhook.post(body_of_size(MAX_BODY_BYTES + 1), content_type="text/plain", secret=None).status == 413


def test_an_event_too_large_for_an_sqs_message_is_413(webhook: Webhook):
    # 400,000 "é": 800 kB of the body, 2.4 MB of a message once JSON-escaped.
    events = updates_of_one_record(1, Notes__c="é" * 400_000)

    answer = webhook.post(json.dumps(events, ensure_ascii=False).encode())

    assert (answer.status, answer.body["error"]["code"]) == (413, "payload_too_large")
    assert webhook.queued() == []


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=iso-8859-1",
        "application/jsonx",
    ],
)
def test_a_body_that_is_not_utf_8_json_by_its_content_type_is_415(webhook: Webhook, content_type: str | None):
    answer = webhook.post(BODY, content_type=content_type)

    assert (answer.status, answer.body["error"]["code"]) == (415, "unsupported_media_type")
    assert webhook.queued() == []


def test_an_unsigned_body_of_the_wrong_content_type_is_415_before_401(webhook: Webhook):
    assert webhook.post(BODY, content_type="text/plain", secret=None).status == 415


def account_event() -> Any:
    event = sample("cdc_create.json")
    event["data"]["payload"]["ChangeEventHeader"]["entityName"] = "Account"
    return event


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"data": {"payload": ', "not JSON"),
        (b"", "not JSON"),
        (b"[]", "no change events"),
        (as_body(account_event()), "not of Task"),
        (as_body([sample("cdc_create.json"), account_event()]), "event 2"),
        (as_body([sample("cdc_create.json"), {"hello": "world"}]), "event 2"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
    ids=["bad JSON", "empty", "no events", "not Task", "mixed with another object's", "mixed with other JSON", "bytes"],
)
def test_a_signed_body_that_is_not_only_task_change_events_is_400_and_queues_nothing(webhook: Webhook, body, reason):
    answer = webhook.post(body, base64_encoded=True)

    assert (answer.status, answer.body["error"]["code"]) == (400, "invalid_change_events")
    assert reason in answer.body["error"]["message"]
    assert webhook.queued() == []


def test_a_body_that_is_not_base64_when_the_event_says_so_is_400(webhook: Webhook):
    answer = webhook.post(BODY, base64_encoded=True, wire_body="not base64!")

    assert (answer.status, answer.body["error"]["code"]) == (400, "invalid_body")
    assert webhook.queued() == []


def test_a_text_body_holding_a_lone_surrogate_is_refused_not_failed(webhook: Webhook):
    # No sender's bytes decode to a lone surrogate, but an event's JSON text may hold "\\ud800".
    answer = webhook.post(BODY, wire_body='{"data": "\ud800"}')

    assert (answer.status, answer.body["error"]["code"]) == (401, "invalid_signature")


# -- SQS refusing entries: retried once, then 503 so that the relay sends again -----------------------


class RefusingSqs:
    """The moto SQS client, except that SQS refuses (as ``Failed`` entries) the first ``refusals``
    entries it is sent; the others of the call go through."""

    def __init__(self, sqs: Any, refusals: int) -> None:
        self._sqs = sqs
        self.refusals = refusals

    def send_message_batch(self, *, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        refused, taken = Entries[: self.refusals], Entries[self.refusals :]
        self.refusals -= len(refused)
        answer: dict[str, Any] = {"Successful": [], "Failed": []}
        if taken:
            answer = self._sqs.send_message_batch(QueueUrl=QueueUrl, Entries=taken)
        failed = [{"Id": e["Id"], "SenderFault": False, "Code": "InternalError"} for e in refused]
        return {**answer, "Failed": answer.get("Failed", []) + failed}


def refusing_root(webhook: Webhook, refusals: int) -> IntakeRoot:
    built = build_intake_root(webhook.config)
    queue = SqsChangesQueue(webhook.queue_url, RefusingSqs(webhook.sqs, refusals))  # type: ignore[arg-type]
    return dataclasses.replace(built, queue=queue, clock=webhook.clock)


def test_an_entry_sqs_refused_once_is_sent_again_and_the_request_accepted(webhook: Webhook):
    events = sample("cdc_transaction.json")

    with override(refusing_root(webhook, refusals=1)):
        answer = webhook.post(as_body(events))

    assert answer == Answer(202, {"queued": 2})
    assert webhook.queued_bodies() == bodies(events)


def test_an_entry_sqs_refused_twice_is_503_and_the_relays_retry_queues_each_event_once(webhook: Webhook):
    events = sample("cdc_transaction.json")

    with override(refusing_root(webhook, refusals=3)):  # both on the first call, the first again on the retry
        answer = webhook.post(as_body(events))
    retried = webhook.post(as_body(events))

    assert (answer.status, answer.body["error"]["code"]) == (503, "queue_unavailable")
    assert "1 of 2 change events could not be queued (InternalError)" in answer.body["error"]["message"]
    assert retried == Answer(202, {"queued": 2})
    assert webhook.queued_bodies() == bodies(events)


# -- what the function reports ----------------------------------------------------------------------


def emitted_metrics(output: str) -> dict[str, float]:
    """Name -> value of the CloudWatch metrics (embedded metric format) in the function's output."""
    found: dict[str, float] = {}
    for line in output.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        for directive in record.get("_aws", {}).get("CloudWatchMetrics", []):
            for metric in directive["Metrics"]:
                (found[metric["Name"]],) = record[metric["Name"]]
    return found


def test_the_function_counts_what_it_queued_and_what_it_refused(webhook: Webhook, capsys: pytest.CaptureFixture[str]):
    webhook.post(as_body(sample("cdc_transaction.json")))
    assert emitted_metrics(capsys.readouterr().out) == {"ChangesEnqueued": 2}

    webhook.post(BODY, secret=None)
    assert emitted_metrics(capsys.readouterr().out) == {"WebhookRefused": 1}


# -- the cold start: docs/decisions/0008-webhook-intake.md ----------------------------------------------

HEAVY = ["simple_salesforce", "tasksync.engine", "tasksync.use_cases", "tasksync.adapters.salesforce.gateway"]


def loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after ``code``."""
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "AWS_DEFAULT_REGION": "us-east-1",
        "STAGE": "local",
        "SALESFORCE_CHANGES_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/test.fifo",
        "WEBHOOK_SECRETS_PREFIX": PREFIX,
    }
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env)  # noqa: S603
    return set(json.loads(done.stdout))


WEBHOOK_STARTED = f"""
import importlib.util
spec = importlib.util.spec_from_file_location("app", {str(ROOT / "functions" / "salesforce_webhook" / "app.py")!r})
app = importlib.util.module_from_spec(spec)
spec.loader.exec_module(app)
from tasksync.composition.intake import intake_root
intake_root()
"""


def test_the_webhook_starts_without_the_engine_the_use_cases_or_simple_salesforce():
    loaded = loaded_after(WEBHOOK_STARTED)

    assert {"tasksync.webhook_intake", "tasksync.change_events.messages", "boto3"} <= loaded
    assert {name for name in loaded if name.split(".")[0] == "simple_salesforce" or name in HEAVY} == set()
    assert not any(name.startswith(("tasksync.engine.", "tasksync.use_cases.")) for name in loaded)


def test_the_sync_root_does_load_the_use_cases():  # so the check above can fail
    assert "tasksync.use_cases" in loaded_after("import tasksync.composition.sync")
