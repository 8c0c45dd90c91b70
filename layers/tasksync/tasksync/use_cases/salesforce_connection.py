"""Connecting a rep's Salesforce user, and disconnecting it (SPEC 9).

Connecting stores the grant's credentials in Secrets Manager, then names them in the rep's settings:
settings never point at a secret that is not there. A Salesforce user syncs for one SIA user only (two
would import each task twice), which is checked before anything is stored. Disconnecting revokes and
removes the credentials and keeps the links, so that a later connection of the same Salesforce user
brings both sides into agreement again (SPEC 5.5): with sync on, connecting runs the first sync, as
turning sync on does.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tasksync.domain.settings import SalesforceConnection, SyncSettings
from tasksync.ports.salesforce_connector import (
    ConnectionRefused,
    Granted,
    PendingAuthorization,
    PendingAuthorizations,
    SalesforceConnector,
)
from tasksync.ports.sync_state import SalesforceUserTaken, SettingsRepository
from tasksync.use_cases.settings_saving import saved

AUTHORIZATION_LIFETIME = timedelta(minutes=10)
"""A rep who started connecting has this long to log in and allow the app."""


@dataclass(frozen=True)
class Connecting:
    connector: SalesforceConnector
    pending: PendingAuthorizations
    settings: SettingsRepository
    now: datetime
    start_first_sync: Callable[[str], None]

    def start(self, user_id: str, login_url: str | None, redirect_uri: str, return_to: str) -> tuple[str, str]:
        """The URL of Salesforce's authorize page to send the rep's browser to, and the value that browser
        keeps (a cookie) to finish the flow with."""
        login = self.connector.login_url(login_url)
        verifier, challenge = self.connector.new_pkce()
        state, browser = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.pending.put(
            PendingAuthorization(
                state=state,
                user_id=user_id,
                code_verifier=verifier,
                login_url=login,
                redirect_uri=redirect_uri,
                return_to=return_to,
                expires_at=self.now + AUTHORIZATION_LIFETIME,
                browser=_digest(browser),
            )
        )
        return self.connector.authorize_url(login, redirect_uri, state, challenge), browser

    def finish(
        self, state: str, code: str | None, error: str | None, description: str, browser: str | None
    ) -> PendingAuthorization:
        """The callback: the flow ``state`` started, finished with Salesforce's ``code`` (or ``error``), in
        the browser that keeps ``browser``. ConnectionRefused when the state is unknown, used or expired,
        the browser is another, or Salesforce refused."""
        pending = self.pending.take(state) if state else None
        if pending is None or pending.expires_at <= self.now:
            raise ConnectionRefused("STATE_MISMATCH", "this sign-in is unknown, used or expired: connect again")
        if not browser or not hmac.compare_digest(_digest(browser), pending.browser):
            raise ConnectionRefused("OTHER_BROWSER", "finish connecting in the browser that started it")
        if error or not code:
            raise ConnectionRefused(error or "NO_CODE", description or "Salesforce sent no authorization code")
        granted = self.connector.exchange_code(pending.login_url, pending.redirect_uri, code, pending.code_verifier)
        self.connect(pending.user_id, granted)
        return pending

    def connect_by_jwt(self, user_id: str, login_url: str | None, username: str) -> SyncSettings:
        granted = self.connector.grant_by_jwt(self.connector.login_url(login_url), username)
        return self.connect(user_id, granted)

    def connect(self, user_id: str, granted: Granted) -> SyncSettings:
        holder = self.settings.user_for_salesforce_user(granted.org_id, granted.sf_user_id)
        if holder is not None and holder != user_id:
            self.connector.forget(granted)
            raise SalesforceUserTaken(f"{granted.username} is connected to another user of the app")
        before = self.settings.get_settings(user_id)
        replaced = before.connection if before is not None else None
        connection = self.connector.store(granted)
        connected = saved(self.settings, user_id, lambda current: _connected(current, connection, self.now))
        if replaced is not None and replaced.secret_name != connection.secret_name:
            self.connector.disconnect(replaced)  # another Salesforce user: the grant it replaces is retired
        if connected.enabled:
            self.start_first_sync(user_id)
        return connected


def disconnect(user_id: str, connector: SalesforceConnector, settings: SettingsRepository) -> None:
    """Idempotent: disconnecting what is not connected changes nothing."""
    current = settings.get_settings(user_id)
    if current is None or current.connection is None:
        return
    connection = current.connection
    saved(settings, user_id, lambda latest: latest.model_copy(update={"connection": None}))
    connector.disconnect(connection)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _connected(current: SyncSettings, connection: SalesforceConnection, now: datetime) -> SyncSettings:
    """With sync on, the first sync then catches up on the links (SPEC 5.3, 5.5). Connecting after a
    disconnect turns sync on again: tasks made meanwhile stay local (SPEC 5.2). Reconnecting a revoked
    grant ends a pause the rep did not choose: tasks made since sync was turned on still go, those made
    during the pause included (docs/decisions/0016-a-simulation-that-can-fail.md), and the first sync reads
    what Salesforce changed during the pause (SPEC 5.5): the same Salesforce user's new connection keeps
    when it began, and says when it ended."""
    replaced = current.connection
    if replaced is not None and replaced.paused_at is not None and _same_user(replaced, connection):
        connection = connection.model_copy(update={"paused_at": replaced.paused_at, "resumed_at": now})
    changes: dict[str, object] = {"connection": connection}
    if current.enabled and replaced is None:
        changes["enabled_at"] = now
    return current.model_copy(update=changes)


def _same_user(one: SalesforceConnection, other: SalesforceConnection) -> bool:
    return (one.org_id[:15], one.sf_user_id[:15]) == (other.org_id[:15], other.sf_user_id[:15])
