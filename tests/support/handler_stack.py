"""The whole event path in one process, through the real handlers, without Docker.

- AWS is moto (``mock_aws``): the tables, queues, event bus and rule of template.yaml, built from it
  (names, attributes, redrive policies, the rule's pattern and target), connection and webhook secrets in
  Secrets Manager. Every function's environment is its template ``Environment`` (Globals merged) with
  each Ref, GetAtt and Sub resolved to what was built here.
- Salesforce is the org emulator (``local/salesforce_org``) over real HTTPS: one per session, an org per
  test, each rep a user of it with a refresh-token secret (rotating) for the session's connected app.
  The gateway trusts the emulator's CA through ``SALESFORCE_CA_BUNDLE``.
- The handlers run as template.yaml wires them: ``HandlerStack.settle`` moves what AWS would move until
  nothing moves: the webhook posts the emulator made (to ``webhook_receiver``) into the webhook handler
  as HTTP API requests, the queues' messages into their consumers in the batch sizes of their event
  source mappings (a message reported in ``batchItemFailures`` goes back to its queue at once, as after
  its visibility time-out, and on to the dead-letter queue after ``maxReceiveCount`` receives), the
  reminder-task table's stream into the publisher, the bus's rule into the reminder changes queue, and
  the asynchronous invocations the functions made (``SyncRoot.invoke``, recorded) into their handlers.

Not modelled by moto, so done here as AWS would: the Event Relay partner bus (moto cannot name a bus
``aws.partner/...``; its events are put on ``EventRelayChangesQueue`` as the rule's target would, the whole
event as the body) and the schedules (tests invoke the scheduled handlers with ``{}``).

Fixtures: ``org_emulator`` and ``webhook_receiver`` (one per session), ``stack`` (one per test).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import itertools
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws
from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models.table import Table
from moto.sqs import models as sqs_models

from local.salesforce_org import ConnectedApp, OrgEmulator, OrgHandle, User
from local.stack.aws import AwsClients, build_resources, function_environment
from local.stack.event_sources import new_stream_records
from local.stack.lambda_service import LambdaService
from local.stack.lambdas import http_api_event, sqs_event, stream_event
from local.stack.template import Function, StackIdentity, Template, functions_of
from tasksync import configuration
from tasksync.adapters.salesforce.auth import PROCESS_TOKENS
from tasksync.adapters.salesforce.settings import GatewaySettings
from tasksync.composition import api as api_composition
from tasksync.composition import intake, publisher
from tasksync.composition import sync as sync_composition
from tasksync.composition.sync import SyncRoot, build_sync_root, override
from tasksync.configuration import load_config
from tasksync.configuration.functions import SyncConfig
from tasksync.configuration.webhook import WebhookConfig
from tasksync.domain.reminder_events import Origin
from tasksync.domain.reminder_task import Priority, ReminderTask, Status, TaskField, TaskValues
from tasksync.domain.settings import SalesforceConnection, SyncSettings
from tasksync.domain.sync_error import SyncError
from tasksync.observability import metrics
from tasksync.use_cases.services import SyncServices
from tests.support.moto_account import use_moto_account

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK_NAME = "tasksync-test"
WEBHOOK_ROUTE = "POST /v1/webhooks/salesforce/{orgId}/cdc"
OAUTH_CALLBACK_URL = "https://local.execute-api.us-east-1.amazonaws.com/v1/oauth/salesforce/callback"
"""The API's callback as its requests (``http_api_event``) name its host: registered with the app."""
MAX_ROUNDS = 40
"""``settle`` gives up after this many rounds that each moved something: a loop, not a slow path."""

GATEWAY_READ_TIMEOUT = 5.0
"""Seconds the gateway waits for an answer (30 in AWS): a lost answer (the emulator's SLOW_RESPONSE)
costs seconds here, not half a minute."""

_names = itertools.count(1)


# -- the org emulator and the webhook's receiver (one per session) -------------------------------------


@dataclass
class ReceivedPost:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    """Where the emulator posts change events: it records them and answers 200; ``HandlerStack`` hands
    them to the webhook handler in the test's own thread (never two handlers at once)."""

    base_url: str
    posts: list[ReceivedPost] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url_for(self, org_id: str) -> str:
        return f"{self.base_url}/v1/webhooks/salesforce/{org_id}/cdc"

    def record(self, post: ReceivedPost) -> None:
        with self.lock:
            self.posts.append(post)

    def take(self, org_id: str) -> list[ReceivedPost]:
        """The org's posts not taken yet, in the order they came."""
        path = f"/v1/webhooks/salesforce/{org_id}/cdc"
        with self.lock:
            taken = [post for post in self.posts if post.path == path]
            self.posts = [post for post in self.posts if post.path != path]
        return taken


@pytest.fixture(scope="session")
def org_emulator() -> Iterator[OrgEmulator]:
    with OrgEmulator.start() as running:
        yield running


@pytest.fixture(scope="session")
def connected_app(org_emulator: OrgEmulator) -> ConnectedApp:
    return org_emulator.create_connected_app(
        "tasksync-handlers", rotate_refresh_tokens=True, callback_urls=[OAUTH_CALLBACK_URL]
    )


@pytest.fixture(scope="session")
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver: WebhookReceiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.record(ReceivedPost(self.path, dict(self.headers.items()), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = WebhookReceiver(base_url=f"http://127.0.0.1:{server.server_port}")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


# -- the stack ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rep:
    """An SIA user connected as a Salesforce user of the test's org."""

    user_id: str
    sf_user: User
    secret_name: str

    @property
    def sf_id(self) -> str:
        return self.sf_user.id


@dataclass(frozen=True)
class Invocation:
    function_name: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class HandlerFailure:
    """A handler that raised (Lambda would retry it, or send its event to its dead-letter queue)."""

    function: str
    error: BaseException


@dataclass
class Moved:
    """What one ``settle`` moved, by kind."""

    webhook_posts: int = 0
    salesforce_changes: int = 0
    relay_changes: int = 0
    stream_records: int = 0
    reminder_changes: int = 0
    invocations: int = 0

    @property
    def total(self) -> int:
        return sum(dataclasses.astuple(self))

    def __iadd__(self, other: Moved) -> Moved:
        for name, value in dataclasses.asdict(other).items():
            setattr(self, name, getattr(self, name) + value)
        return self


class HandlerStack:
    """One test's stack: the AWS side in moto, the test's org in the emulator, the handlers wired as
    template.yaml wires them. Build it with the ``stack`` fixture."""

    def __init__(
        self,
        emulator: OrgEmulator,
        app: ConnectedApp,
        receiver: WebhookReceiver,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        self.emulator = emulator
        self.app = app
        self.receiver = receiver
        self.org: OrgHandle = emulator.create_org(f"Handlers Org {next(_names)}")
        self.template = Template(
            {"Stage": "local", "EventRelayPartnerEventSource": self._relay_source()},
            StackIdentity(STACK_NAME, REGION, ACCOUNT),
        )
        self.functions = functions_of(self.template)
        self.invocations: list[Invocation] = []
        self.failures: list[HandlerFailure] = []
        self.batches: list[tuple[str, int]] = []
        """(function, number of messages) of each SQS batch handed over, in order."""
        self.reported_failures: list[tuple[str, set[str]]] = []
        """(function, identifiers) of each batch a handler answered with ``batchItemFailures``."""
        self._pending: list[Invocation] = []
        self._stream_iterators: dict[str, str] = {}
        self.webhook_answers: list[dict[str, Any]] = []
        self._monkeypatch = monkeypatch
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.events = boto3.client("events", region_name=REGION)
        self.secretsmanager = boto3.client("secretsmanager", region_name=REGION)
        # moto serves DynamoDB Streams on the regional host only, not on botocore's account-based one.
        self.streams = boto3.client(
            "dynamodbstreams", region_name=REGION, endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com"
        )
        self._build_aws()
        self.lambda_ = LambdaService(self.template, self.functions, self.sqs)
        self._set_environment()
        self.root = self._build_root()
        self.secretsmanager.create_secret(
            Name=self.environment["SALESFORCE_APP_SECRET_NAME"],
            SecretString=json.dumps(
                {"client_id": app.client_id, "client_secret": app.client_secret, "login_url": emulator.instance_url}
            ),
        )
        self.webhook_secret = f"whsec-{uuid.uuid4().hex}"
        self.secretsmanager.create_secret(
            Name=self.environment["WEBHOOK_SECRETS_PREFIX"] + self.org.id, SecretString=self.webhook_secret
        )
        self.org.set_webhook(receiver.url_for(self.org.id), self.webhook_secret)

    def _relay_source(self) -> str:
        return f"aws.partner/salesforce.com/{self.org.id}/{self.org.org.relay_channel_id}"

    # -- building ------------------------------------------------------------------------------------

    def _build_aws(self) -> None:
        build_resources(self.template, AwsClients(self.dynamodb, self.sqs, self.events))

    def _set_environment(self) -> None:
        """Every function's variables in one process environment; no two functions may disagree on one."""
        merged = function_environment(self.template, self.functions)
        merged["SALESFORCE_CA_BUNDLE"] = self.emulator.ca_path  # the emulator's CA; unset in AWS
        self.environment = merged
        for name, value in merged.items():
            self._monkeypatch.setenv(name, value)
        # Powertools read these when tasksync.observability was first imported, maybe before this.
        self._monkeypatch.setattr(metrics, "namespace", merged["POWERTOOLS_METRICS_NAMESPACE"])
        self._monkeypatch.setattr(metrics, "service", merged["POWERTOOLS_SERVICE_NAME"])

    def document_of(self, logical_id: str) -> dict[str, Any]:
        properties: dict[str, Any] = self.template.document["Resources"][logical_id]["Properties"]
        return properties

    def _build_root(self) -> SyncRoot:
        # A fresh container: no configuration, root, client or token of an earlier test.
        self._monkeypatch.setattr(configuration, "_loaded", {})
        self._monkeypatch.setattr(api_composition, "_root", None)
        self._monkeypatch.setattr(
            sync_composition, "GatewaySettings", functools.partial(GatewaySettings, read_timeout=GATEWAY_READ_TIMEOUT)
        )
        built = build_sync_root(load_config(SyncConfig), clock=self.emulator.clock.now)
        return dataclasses.replace(built, invoke=self._record_invocation)

    def _record_invocation(self, function_name: str, payload: Mapping[str, Any]) -> None:
        invocation = Invocation(function_name, json.loads(json.dumps(payload)))  # as Lambda would carry it
        self.invocations.append(invocation)
        self._pending.append(invocation)

    @contextmanager
    def running(self) -> Iterator[HandlerStack]:
        """The handlers use this stack's roots while inside (``SyncRoot`` and the webhook's)."""
        with override(self.root), intake.override(intake.build_intake_root(load_config(WebhookConfig))):
            yield self

    # -- handlers --------------------------------------------------------------------------------------

    def handler(self, logical_id: str) -> Callable[[Any, Any], Any]:
        """The function's handler, its module loaded once per stack (one container per test)."""
        return self.lambda_.handler(logical_id)

    def invoke(self, logical_id: str, event: Any) -> Any:
        """Run one function's handler on ``event`` as Lambda would; raises what it raises."""
        return self.lambda_.invoke(logical_id, event)

    def scheduled(self, logical_id: str) -> Any:
        """A schedule's run of a scheduled function (EventBridge Scheduler sends ``{}``)."""
        return self.invoke(logical_id, {})

    def function_named(self, name: str) -> Function:
        for function in self.functions.values():
            if function.name == name:
                return function
        raise KeyError(f"no function named {name} in template.yaml")

    def _event_source(self, kind: str, attribute: tuple[str, str]) -> tuple[Function, dict[str, Any]]:
        """The function reading that queue or stream, and its event source mapping's properties."""
        for function in self.functions.values():
            for source in function.events.values():
                wired = source["Properties"].get("Queue" if kind == "SQS" else "Stream")
                if source["Type"] == kind and wired == {"Fn::GetAtt": list(attribute)}:
                    return function, source["Properties"]
        raise KeyError(f"no {kind} event source on {attribute[0]}")

    # -- moving things as AWS would --------------------------------------------------------------------

    def settle(self, *, redeliver: bool = False) -> Moved:
        """Move everything until nothing moves. ``redeliver``: every batch and invocation is handed over
        a second time after it succeeded (a lost delete, a retried stream batch, a repeated invoke)."""
        total = Moved()
        for _ in range(MAX_ROUNDS):
            moved = Moved(
                webhook_posts=self.deliver_webhook_posts(),
                salesforce_changes=self.drain_queue("SalesforceChangesQueue", redeliver=redeliver),
                relay_changes=self.drain_queue("EventRelayChangesQueue", redeliver=redeliver),
                stream_records=self.drain_stream("ReminderTaskTable", redeliver=redeliver),
                reminder_changes=self.drain_queue("ReminderChangesQueue", redeliver=redeliver),
                invocations=self.run_invocations(redeliver=redeliver),
            )
            if moved.total == 0:
                return total
            total += moved
        raise AssertionError(f"the stack did not settle in {MAX_ROUNDS} rounds: {total}")

    def deliver_webhook_posts(self) -> int:
        """The change events the emulator posted since, each into the webhook handler as a request."""
        if not self.org.wait_for_webhook(timeout=30):
            raise AssertionError(f"the emulator's webhook did not go idle: {self.org.webhook_status()}")
        posts = self.receiver.take(self.org.id)
        for post in posts:
            event = http_api_event(
                "POST",
                post.path,
                route_key=WEBHOOK_ROUTE,
                path_parameters={"orgId": self.org.id},
                headers=post.headers,
                body=post.body.decode("utf-8"),
            )
            answer = self.invoke("SalesforceWebhookFunction", event)
            self.webhook_answers.append(answer)
            if answer["statusCode"] != 202:
                self.failures.append(HandlerFailure("SalesforceWebhookFunction", RuntimeError(str(answer))))
        return len(posts)

    def post_relay_events(self, after: int | None = None) -> int:
        """The org's retained change events as Event Relay's rule puts them on its queue (module docstring)."""
        url = self.template.refs["EventRelayChangesQueue"]
        events = self.org.relay_events(after)
        for event in events:
            self.sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))
        return len(events)

    def drain_queue(self, queue: str, *, redeliver: bool = False) -> int:
        """Every visible message of ``queue``, in batches of its event source mapping's ``BatchSize``."""
        if queue not in self.template.refs:
            return 0
        function, source = self._event_source("SQS", (queue, "Arn"))
        batch_size = int(source.get("BatchSize", 10))
        url, arn = self.template.refs[queue], self.template.attributes[(queue, "Arn")]
        moved = 0
        while batch := self.receive(queue, batch_size):
            moved += len(batch)
            self._deliver_sqs_batch(function, batch, url, arn, redeliver=redeliver)
        return moved

    def drain_queue_one_by_one(self, queue: str, *, reverse: bool = False) -> int:
        """Every visible message of ``queue`` in a batch of its own, in the order received or reversed (a
        standard queue promises no order, EventBridge neither)."""
        function, _ = self._event_source("SQS", (queue, "Arn"))
        url, arn = self.template.refs[queue], self.template.attributes[(queue, "Arn")]
        messages = self.receive(queue, 10_000)
        for message in reversed(messages) if reverse else messages:
            self._deliver_sqs_batch(function, [message], url, arn, redeliver=False)
        return len(messages)

    def receive(self, queue: str, up_to: int) -> list[dict[str, Any]]:
        """Up to ``up_to`` visible messages, as Lambda's poller gathers a batch (ten a ReceiveMessage)."""
        messages: list[Any] = []
        while len(messages) < up_to:
            answer = self.sqs.receive_message(
                QueueUrl=self.template.refs[queue],
                MaxNumberOfMessages=min(10, up_to - len(messages)),
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            got = answer.get("Messages", [])
            if not got:
                break
            messages.extend(got)
        return messages

    def _deliver_sqs_batch(
        self, function: Function, batch: list[dict[str, Any]], url: str, arn: str, *, redeliver: bool
    ) -> None:
        self.batches.append((function.logical_id, len(batch)))
        failed = self._hand_over(function, sqs_event(batch, arn), {m["MessageId"] for m in batch})
        if redeliver and not failed:
            again = [{**m, "Attributes": {**m["Attributes"], "ApproximateReceiveCount": "2"}} for m in batch]
            failed = self._hand_over(function, sqs_event(again, arn), {m["MessageId"] for m in batch})
        for message in batch:
            if message["MessageId"] in failed:
                # Back to the queue as after its visibility time-out; the redrive policy counts receives.
                self.sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def _hand_over(self, function: Function, event: dict[str, Any], identifiers: set[str]) -> set[str]:
        """The identifiers the handler reported failed; all of them when it raised."""
        try:
            answer = self.invoke(function.logical_id, event)
        except Exception as error:  # Lambda retries the whole batch
            self.failures.append(HandlerFailure(function.logical_id, error))
            return identifiers
        failed = {item["itemIdentifier"] for item in answer.get("batchItemFailures", [])}
        if failed:
            self.reported_failures.append((function.logical_id, failed))
        return failed

    def drain_stream(self, table: str, *, redeliver: bool = False) -> int:
        """The table's new stream records into their function, ``BatchSize`` at a time; a batch whose
        handler reported a record failed is retried from that record (``MaximumRetryAttempts``)."""
        function, source = self._event_source("DynamoDB", (table, "StreamArn"))
        batch_size = int(source.get("BatchSize", 100))
        retries = int(source.get("MaximumRetryAttempts", 0))
        arn = self.template.attributes[(table, "StreamArn")]
        records = self._new_stream_records(arn)
        for start in range(0, len(records), batch_size):
            batch = records[start : start + batch_size]
            for attempt in range(retries + 1):
                sequences = {r["dynamodb"]["SequenceNumber"] for r in batch}
                failed = self._hand_over(function, stream_event(batch, arn), sequences)
                if redeliver and not failed and attempt == 0:
                    failed = self._hand_over(function, stream_event(batch, arn), sequences)
                if not failed:
                    break
                first = min(i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed)
                batch = batch[first:]
            else:
                self.failures.append(HandlerFailure(function.logical_id, RuntimeError(f"stream records lost: {batch}")))
        return len(records)

    def discard_stream(self, table: str = "ReminderTaskTable") -> int:
        """Lose the table's new stream records (a publisher that never got them): how many."""
        return len(self._new_stream_records(self.template.attributes[(table, "StreamArn")]))

    def _new_stream_records(self, arn: str) -> list[dict[str, Any]]:
        by_shard = new_stream_records(self.streams, arn, self._stream_iterators)
        return [record for records in by_shard.values() for record in records]

    def run_invocations(self, *, redeliver: bool = False) -> int:
        """The asynchronous invocations made since, each run (and retried as ``EventInvokeConfig`` says)."""
        pending, self._pending = self._pending, []
        for invocation in pending:
            function = self.function_named(invocation.function_name)
            retries = int(
                self.document_of(function.logical_id).get("EventInvokeConfig", {}).get("MaximumRetryAttempts", 2)
            )
            for attempt in range(retries + 1):
                try:
                    self.invoke(function.logical_id, invocation.payload)
                    if redeliver:
                        self.invoke(function.logical_id, invocation.payload)
                    break
                except Exception as error:
                    if attempt == retries:
                        self.failures.append(HandlerFailure(function.logical_id, error))
        return len(pending)

    def dead_letters(self, queue: str) -> list[str]:
        """The bodies waiting in a dead-letter queue (received and left there)."""
        answer = self.sqs.receive_message(
            QueueUrl=self.template.refs[queue], MaxNumberOfMessages=10, VisibilityTimeout=0
        )
        return [message["Body"] for message in answer.get("Messages", [])]

    # -- reps and their settings ------------------------------------------------------------------------

    @property
    def services(self) -> SyncServices:
        return self.root.services

    def now(self) -> datetime:
        """The time of the sync and of the emulator (one clock; the org may be skewed from it)."""
        return self.emulator.clock.now()

    @contextmanager
    def rewound(self, delta: timedelta) -> Iterator[None]:
        """Inside, the shared clock (the sync's and the emulator's) runs ``delta`` behind, so that what
        happens there is that long ago when the block ends; then it follows the machine's time again."""
        self.emulator.clock.set(datetime.now(UTC) - delta, frozen=False)
        try:
            yield
        finally:
            self.emulator.clock.set(datetime.now(UTC), frozen=False)

    def connect(self, *, last_name: str | None = None, time_zone: str = "UTC") -> Rep:
        """A new Salesforce user of the org connected to a new SIA user (OAuth done), sync still off."""
        number = next(_names)
        sf_user = self.org.create_user(last_name=last_name or f"Rep{number}", first_name="Test", time_zone=time_zone)
        secret_name = f"{self.environment['SALESFORCE_SECRETS_PREFIX']}{self.org.id}/{sf_user.id}"
        self.secretsmanager.create_secret(
            Name=secret_name,
            SecretString=json.dumps(
                {
                    "flow": "refresh_token",
                    "client_id": self.app.client_id,
                    "client_secret": self.app.client_secret,
                    "refresh_token": self.org.refresh_token(sf_user, self.app),
                    "login_url": self.emulator.instance_url,
                    "instance_url": self.emulator.instance_url,
                }
            ),
        )
        rep = Rep(user_id=f"sia-user-{number}", sf_user=sf_user, secret_name=secret_name)
        connection = SalesforceConnection(
            org_id=self.org.id, sf_user_id=sf_user.id, instance_url=self.emulator.instance_url, secret_name=secret_name
        )
        self.services.settings.save_settings(
            SyncSettings(user_id=rep.user_id, time_zone=time_zone, connection=connection)
        )
        return rep

    def settings(self, rep: Rep) -> SyncSettings:
        settings = self.services.settings.get_settings(rep.user_id)
        assert settings is not None
        return settings

    def save_settings(self, rep: Rep, **changes: Any) -> SyncSettings:
        return self.services.settings.save_settings(self.settings(rep).model_copy(update=changes))

    def turn_sync_on(self, rep: Rep) -> None:
        """The settings saved with sync on, and the first sync (SPEC 5) invoked as the settings API invokes
        it: asynchronously, so that ``settle`` runs it."""
        self.save_settings(rep, enabled=True, enabled_at=self.now())
        self._record_invocation(self.environment["FIRST_SYNC_FUNCTION_NAME"], {"userId": rep.user_id})

    def syncing_rep(self, *, last_name: str | None = None, time_zone: str = "UTC") -> Rep:
        """A rep connected, sync turned on, the first sync done and everything it started settled."""
        rep = self.connect(last_name=last_name, time_zone=time_zone)
        self.turn_sync_on(rep)
        self.settle()
        return rep

    def turn_sync_off(self, rep: Rep) -> None:
        self.save_settings(rep, enabled=False)

    def sync_errors(self, rep: Rep) -> list[SyncError]:
        return self.services.errors.errors_of(rep.user_id)

    # -- the SIA side, as the rep changes it through the app (the API writes the store) ---------------

    def sia_create(
        self,
        rep: Rep,
        name: str,
        *,
        status: Status = Status.OPEN,
        priority: Priority = Priority.NORMAL,
        due_date: date | None = None,
        details: str = "",
    ) -> ReminderTask:
        values = TaskValues(name=name, status=status, priority=priority, due_date=due_date, details=details)
        return self.services.reminders.create(
            rep.user_id, f"sia-{uuid.uuid4().hex[:20]}", values, Origin.USER, self.now()
        )

    def sia_update(self, rep: Rep, task_id: str, **changes: Any) -> ReminderTask:
        """``changes`` by field name: ``name``, ``status``, ``priority``, ``due_date``, ``details``."""
        fields = {TaskField(name): value for name, value in changes.items()}
        return self.services.reminders.update(rep.user_id, task_id, fields, Origin.USER, self.now())

    def sia_delete(self, rep: Rep, task_id: str) -> None:
        self.services.reminders.delete(rep.user_id, task_id, Origin.USER, self.now())

    def sia_task(self, rep: Rep, task_id: str) -> ReminderTask | None:
        return self.services.reminders.get(rep.user_id, task_id)

    def sia_tasks(self, rep: Rep) -> list[ReminderTask]:
        return self.services.reminders.list(rep.user_id)

    def sf_id_of(self, rep: Rep, task_id: str) -> str | None:
        """The Salesforce Task the rep's SIA task is linked to."""
        link = self.services.links.link_by_sia_id(rep.user_id, task_id)
        return None if link is None else link.sf_id

    def sia_task_for(self, rep: Rep, sf_id: str) -> ReminderTask | None:
        """The rep's SIA task linked to Salesforce Task ``sf_id``."""
        link = self.services.links.link_by_sf_id(rep.user_id, sf_id)
        return None if link is None else self.sia_task(rep, link.sia_id)

    # -- the Salesforce side ------------------------------------------------------------------------

    def sf_task(self, sf_id: str) -> dict[str, Any] | None:
        """The record as the org holds it; None when it is deleted (recycle bin) or purged."""
        try:
            record = self.org.task(sf_id)
        except KeyError:
            return None
        return None if record["IsDeleted"] else record

    def sf_tasks_of(self, rep: Rep) -> list[dict[str, Any]]:
        return [task for task in self.org.tasks() if task["OwnerId"] == rep.sf_id]

    def disagreements(self, rep: Rep) -> list[str]:
        """Where the rep's linked tasks and their Salesforce Tasks differ in what the field map syncs (SPEC
        2: a Salesforce status or priority it does not map leaves SIA's as it was; Subject is SIA's)."""
        found: list[str] = []
        for link in self.services.links.links_of(rep.user_id):
            sia = self.sia_task(rep, link.sia_id)
            record = self.sf_task(link.sf_id) if link.sf_id else None
            if sia is None or record is None:
                if (sia is None) != (record is None):
                    found.append(f"{link.sia_id} / {link.sf_id}: only on the {'SIA' if sia else 'Salesforce'} side")
                continue
            shown = {
                "status": _SF_STATUS.get(record["Status"], sia.status),
                "priority": _SF_PRIORITY.get(record["Priority"], sia.priority),
                "due_date": record["ActivityDate"],
                "details": record["Description"] or "",
            }
            for name, value in shown.items():
                if getattr(sia, name) != value:
                    found.append(
                        f"{link.sia_id} / {link.sf_id}: {name} {getattr(sia, name)!r} in SIA, {value!r} in Salesforce"
                    )
        return found

    def spend_api_calls(self, count: int) -> None:
        """``count`` API calls of the org's allowance spent by another client of the org."""
        user = self.org.users[0] if self.org.users else self.org.create_user(last_name="Integration")
        token = self.org.access_token(user)
        with self.emulator.http_session() as session:
            for _ in range(count):
                answer = session.get(
                    f"{self.emulator.instance_url}/services/data/v59.0/limits",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=10,
                )
                answer.raise_for_status()

    def api_calls(self) -> int:
        """The org's API calls in its rolling 24 hours (what ``Sforce-Limit-Info`` counts)."""
        return self.org.api_usage()[0]

    def close(self) -> None:
        self.org.clear_webhook()
        self.org.clear_faults()
        self.org.clear_automation()


_SF_STATUS = {"Not Started": Status.OPEN, "Completed": Status.COMPLETE}
_SF_PRIORITY = {"Normal": Priority.NORMAL, "High": Priority.HIGH}


@dataclass
class CallCount:
    """Salesforce API calls made inside ``counting``: by the org's count and by the gateways' own."""

    org: int = 0
    gateways: int = 0


@contextmanager
def counting(stack: HandlerStack) -> Iterator[CallCount]:
    count = CallCount()
    org_before, gateways_before = stack.api_calls(), stack.root.salesforce_calls()
    yield count
    count.org = stack.api_calls() - org_before
    count.gateways = stack.root.salesforce_calls() - gateways_before


@contextmanager
def dynamodb_requests(stack: HandlerStack) -> Iterator[Counter[str]]:
    """The DynamoDB requests the handlers' root makes inside, by operation."""
    requests: Counter[str] = Counter()
    client: Any = stack.services.settings._client  # type: ignore[attr-defined]  # the root's one client

    def count(event_name: str, **kwargs: Any) -> None:
        requests[event_name.rsplit(".", 1)[-1]] += 1

    client.meta.events.register("before-call.dynamodb", count)
    try:
        yield requests
    finally:
        client.meta.events.unregister("before-call.dynamodb", count)


def _item_level_transactions(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto backs a ``TransactWriteItems`` up by deep-copying every table it names, so that each
    transaction costs the whole table (the state table holds two items a link: the 1,000-task burst took
    many minutes). Here the backup is of the items the transaction names, put back when it is cancelled,
    and of the length of each named table's stream, cut back to it: the same outcome (a cancelled
    transaction changes no item and leaves no stream record)."""
    models: Any = dynamodb_models  # its ``copy`` module is what the backup goes through
    original = models.DynamoDBBackend.transact_write_items
    real_copy = models.copy
    tables_as_they_are = SimpleNamespace(
        deepcopy=lambda value, memo=None: value if isinstance(value, Table) else copy.deepcopy(value, memo),
        copy=copy.copy,
    )

    def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
        named = [(op.get("TableName"), kind, op) for item in transact_items for kind, op in item.items()]
        tables = {name: backend.tables[name] for name, _, _ in named if name in backend.tables}
        streams = {name: len(t.stream_shard.items) for name, t in tables.items() if t.stream_shard is not None}
        backups = []
        for name, kind, op in named:
            table = tables.get(name)
            if table is None:
                continue
            keys = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
            key = op["Item"] if kind == "Put" else op.get("Key", {})
            if not all(attribute in key for attribute in keys):
                continue  # moto's own checks refuse it
            key = {attribute: key[attribute] for attribute in keys}
            backups.append((name, key, copy.deepcopy(backend.get_item(name, key))))
        models.copy = tables_as_they_are
        try:
            original(backend, transact_items)
        except Exception:
            for name, key, item in reversed(backups):
                if item is None:
                    backend.delete_item(name, key)
                else:
                    backend.put_item(name, item.to_json()["Attributes"])
            for name, length in streams.items():
                del tables[name].stream_shard.items[length:]
            raise
        finally:
            models.copy = real_copy

    monkeypatch.setattr(models.DynamoDBBackend, "transact_write_items", transact_write_items)


def _quick_sqs_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's SQS reads the time through datetimes several times for every message a ``ReceiveMessage``
    passes, and reads every queue attribute (counting the messages) to check each one's retention: a
    batch of 1,000 messages took minutes to receive. The same time, read quickly, and the retention
    period read as it is stored."""

    def retained(backend: Any, queue_name: str, message: Any) -> bool:
        period = int(backend.get_queue(queue_name).message_retention_period)
        return bool(period + message.sent_timestamp / 1000 > time.time())

    monkeypatch.setattr(sqs_models, "unix_time", time.time)
    monkeypatch.setattr(sqs_models, "unix_time_millis", lambda: time.time() * 1000)
    monkeypatch.setattr(sqs_models.SQSBackend, "is_message_valid_based_on_retention_period", retained)


def _fresh_process_state() -> None:
    """What a new Lambda container would not hold: cached secrets, access tokens, the bus client."""
    parameters.clear_caches()
    PROCESS_TOKENS.clear()
    publisher.event_bridge.cache_clear()


@pytest.fixture
def stack(
    org_emulator: OrgEmulator,
    connected_app: ConnectedApp,
    webhook_receiver: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[HandlerStack]:
    use_moto_account(monkeypatch, REGION)
    _fresh_process_state()
    _item_level_transactions(monkeypatch)
    _quick_sqs_clock(monkeypatch)
    with mock_aws():
        built = HandlerStack(org_emulator, connected_app, webhook_receiver, monkeypatch)
        try:
            with built.running():
                yield built
        finally:
            built.close()
    _fresh_process_state()
    org_emulator.clock.set(datetime.now(UTC), frozen=False)
