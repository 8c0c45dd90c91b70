"""Fixtures for the Salesforce adapter's unit tests: a scripted transport, an in-memory secret store,
and ``secretsmanager`` (a Secrets Manager in moto, from ``tests.support.secrets_manager``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from tasksync.adapters.salesforce.auth import TokenCache, TokenSource
from tasksync.adapters.salesforce.credentials import (
    JwtBearerConnection,
    RefreshTokenConnection,
    SecretStore,
    parse_connection_secret,
)
from tasksync.adapters.salesforce.gateway import SimpleSalesforceGateway
from tasksync.adapters.salesforce.http_session import build_session
from tasksync.adapters.salesforce.limits import UsageRecorder
from tasksync.adapters.salesforce.retry import RetryPolicy
from tasksync.adapters.salesforce.settings import GatewaySettings
from tests.support.secrets_manager import secretsmanager as secretsmanager
from tests.unit.salesforce.scripted_http import ScriptedTransport, answer

LOGIN = "https://login.salesforce.test"
INSTANCE = "https://acme.my.salesforce.test"
API = "/services/data/v59.0"
SECRET_NAME = "tasksync/salesforce/conn-1"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


class MemorySecretStore(SecretStore):
    def __init__(self, secrets: dict[str, str]) -> None:
        super().__init__()
        self.raw = secrets
        self.saved: list[str] = []
        self.forced_loads = 0

    def load(self, name: str, *, force: bool = False) -> RefreshTokenConnection | JwtBearerConnection:
        self.forced_loads += int(force)
        return parse_connection_secret(self.raw[name])

    def save(self, name: str, secret: RefreshTokenConnection | JwtBearerConnection) -> None:
        from tasksync.adapters.salesforce.credentials import connection_secret_json

        self.raw[name] = connection_secret_json(secret)
        self.saved.append(self.raw[name])


def refresh_secret(refresh_token: str = "rt-1") -> str:  # noqa: S107 - a test value
    import json

    return json.dumps(
        {
            "flow": "refresh_token",
            "client_id": "consumer-key",
            "client_secret": "consumer-secret",
            "refresh_token": refresh_token,
            "login_url": LOGIN,
        }
    )


def token_answer(access_token: str = "at-1", refresh_token: str | None = None) -> Callable[..., Any]:  # noqa: S107
    body = {
        "access_token": access_token,
        "instance_url": INSTANCE,
        "id": f"{LOGIN}/id/00D000000000001AAA/005000000000001AAA",
        "token_type": "Bearer",
    }
    if refresh_token:
        body["refresh_token"] = refresh_token
    return answer(200, body, limit_info=None)


@pytest.fixture
def transport(monkeypatch: pytest.MonkeyPatch) -> ScriptedTransport:
    scripted = ScriptedTransport()
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", scripted.send)
    return scripted


@pytest.fixture
def secrets() -> MemorySecretStore:
    return MemorySecretStore({SECRET_NAME: refresh_secret()})


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_gateway(
    transport: ScriptedTransport, secrets: MemorySecretStore, sleeps: list[float]
) -> Callable[..., SimpleSalesforceGateway]:
    def make(**settings_overrides: Any) -> SimpleSalesforceGateway:
        settings = GatewaySettings(client_id="tasksync-test", **settings_overrides)
        session = build_session(settings)
        usage = UsageRecorder()
        usage.attach(session)
        tokens = TokenSource(SECRET_NAME, secrets, session, timeout=settings.timeout, cache=TokenCache())
        retry = RetryPolicy(sleep=sleeps.append, jitter=lambda: 1.0)
        return SimpleSalesforceGateway(tokens, session, settings, usage=usage, retry=retry, clock=lambda: NOW)

    return make


@pytest.fixture
def gateway(transport: ScriptedTransport, make_gateway: Callable[..., SimpleSalesforceGateway]) -> Any:
    transport.on("POST", r"/services/oauth2/token$", token_answer())
    return make_gateway()
