"""The Salesforce adapter against the org emulator over HTTPS: one emulator for the session, a fresh org,
rep and connected app per test, and the gateway's own session (``http_session.build_session``) trusting
the emulator's CA."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from local.salesforce_org import ConnectedApp, OrgEmulator, OrgHandle, User
from tasksync.adapters.salesforce.http_session import build_session
from tasksync.adapters.salesforce.settings import GatewaySettings

CALLBACK = "https://tasksync.test/v1/oauth/salesforce/callback"


@pytest.fixture(scope="session")
def emulator() -> Iterator[OrgEmulator]:
    with OrgEmulator.start() as running:
        yield running


@pytest.fixture
def org(emulator: OrgEmulator) -> OrgHandle:
    return emulator.create_org("Acme")


@pytest.fixture
def rep(org: OrgHandle) -> User:
    return org.create_user(first_name="Rita", last_name="Rep", email="rita@acme.test")


@pytest.fixture
def app(emulator: OrgEmulator) -> ConnectedApp:
    return emulator.create_connected_app("Tasksync", callback_urls=[CALLBACK])


@pytest.fixture
def session(emulator: OrgEmulator, app: ConnectedApp) -> Iterator[requests.Session]:
    built = build_session(GatewaySettings(client_id=app.client_id, ca_bundle=emulator.ca_path))
    yield built
    built.close()
