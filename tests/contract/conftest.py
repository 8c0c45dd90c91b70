"""Fixtures for contract tests against the Salesforce org emulator (local/salesforce_org).

- ``emulator``: one running emulator for the whole session (HTTPS on a free port).
- ``clock``: the emulator's clock; whatever a test does to it is undone afterwards.
- ``org`` / ``rep``: a fresh org per test, with one user.
- ``salesforce``: a simple-salesforce client factory speaking to the emulator as a third-party client
  would (``session=requests.Session`` with ``verify=<CA>``, ``trust_env=False``).
- ``https``: a plain ``requests.Session`` that trusts the emulator; ``control``: its ``/__emulator`` API.
- ``webhook_receiver``: a local HTTP endpoint that records posted change events and answers with
  scripted statuses.
- ``rsa_key_pair``: (private PEM, public PEM) for the JWT bearer flow.
- ``secretsmanager``: a Secrets Manager in moto (from ``tests.support.secrets_manager``).

And helpers to read a change event message: ``header``, ``fields`` (the record fields of its payload).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce.api import Salesforce

from local.salesforce_org import OrgEmulator, OrgHandle, User
from local.salesforce_org.clock import Clock
from tests.support.secrets_manager import secretsmanager as secretsmanager


@pytest.fixture(scope="session")
def emulator() -> Iterator[OrgEmulator]:
    with OrgEmulator.start() as running:
        yield running


@pytest.fixture
def clock(emulator: OrgEmulator) -> Iterator[Clock]:
    yield emulator.clock
    emulator.clock.set(datetime.now(UTC), frozen=False)


@pytest.fixture
def org(emulator: OrgEmulator) -> Iterator[OrgHandle]:
    handle = emulator.create_org("Contract Test Org")
    handle.create_user(last_name="Rep", first_name="Test")
    yield handle
    handle.clear_webhook()
    handle.clear_faults()


@pytest.fixture
def rep(org: OrgHandle) -> User:
    return org.users[0]


@pytest.fixture
def https(emulator: OrgEmulator) -> Iterator[requests.Session]:
    session = emulator.http_session()
    yield session
    session.close()


SalesforceFactory = Callable[..., Salesforce]

LIGHTNING_ORIGIN = "com/salesforce/api/soap/59.0;client=SfdcInternalAPI/"
"""The changeOrigin of a change made in Lightning Experience (``ui_*_task``)."""


def header(message: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = message["data"]["payload"]["ChangeEventHeader"]
    return result


def fields(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message["data"]["payload"].items() if k != "ChangeEventHeader"}


@pytest.fixture
def salesforce(emulator: OrgEmulator, org: OrgHandle, rep: User) -> Iterator[SalesforceFactory]:
    """``salesforce(user=rep, client_id=None, version="59.0", token=None)``: a simple-salesforce
    client; with ``client_id`` every call carries ``Sforce-Call-Options: client=<id>``."""
    sessions: list[requests.Session] = []

    def make(
        user: User | None = None, *, client_id: str | None = None, version: str = "59.0", token: str | None = None
    ) -> Salesforce:
        session = emulator.http_session()
        sessions.append(session)
        if client_id:
            session.headers["Sforce-Call-Options"] = f"client={client_id}"
        session_id = token or org.access_token(user or rep)
        return Salesforce(instance_url=emulator.instance_url, session_id=session_id, session=session, version=version)

    yield make
    for session in sessions:
        session.close()


@pytest.fixture
def control(emulator: OrgEmulator, https: requests.Session) -> Callable[..., requests.Response]:
    """``control("POST", "/orgs", json={...})``: a call to the emulator's control API."""

    def call(method: str, path: str, **kwargs: Any) -> requests.Response:
        return https.request(method, f"{emulator.instance_url}/__emulator{path}", timeout=10, **kwargs)

    return call


@dataclass
class ReceivedPost:
    body: bytes
    headers: dict[str, str]

    @property
    def message(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class WebhookReceiver:
    """A local endpoint for change events. ``statuses`` scripts the next answers (default 200)."""

    url: str
    posts: list[ReceivedPost] = field(default_factory=list)
    statuses: deque[int] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, body: bytes, headers: dict[str, str]) -> int:
        with self.lock:
            self.posts.append(ReceivedPost(body, headers))
            return self.statuses.popleft() if self.statuses else 200

    @property
    def messages(self) -> list[dict[str, Any]]:
        with self.lock:
            return [p.message for p in self.posts]

    def replay_ids(self) -> list[int]:
        return [m["data"]["event"]["replayId"] for m in self.messages]


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver: WebhookReceiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            status = receiver.record(body, dict(self.headers.items()))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = WebhookReceiver(url=f"http://127.0.0.1:{server.server_port}/v1/webhooks/salesforce/cdc")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def rsa_key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public
