"""The port through which a rep connects their Salesforce user (SPEC 9): the OAuth 2.0 web-server flow,
the JWT bearer flow for an org that pre-approves the app, and disconnecting. Credentials stay inside
the adapter and Secrets Manager; the use case sees who connected and where their secret is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from tasksync.domain.base import DomainModel
from tasksync.domain.settings import SalesforceConnection


class ConnectionRefused(Exception):
    """Salesforce, or the rep, said no (``access_denied``, ``invalid_grant``, a login URL that is not
    Salesforce's...): ``code`` says which."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Granted:
    """A grant just made, not stored yet: whose it is, and (opaque to the use case) its credentials."""

    org_id: str
    sf_user_id: str
    username: str
    display_name: str
    instance_url: str
    credentials: object = field(repr=False)


class PendingAuthorization(DomainModel):
    """A web-server flow started and not finished: the callback finds it by ``state``, once."""

    state: str
    user_id: str
    code_verifier: str
    login_url: str
    redirect_uri: str
    return_to: str
    expires_at: datetime
    browser: str = ""
    """The SHA-256 of the cookie set in the browser that started the flow: the callback must come back
    in that same browser (a link to Salesforce's page sent to a colleague connects nobody)."""


class PendingAuthorizations(Protocol):
    def put(self, pending: PendingAuthorization) -> None: ...

    def take(self, state: str) -> PendingAuthorization | None:
        """The flow started with ``state``, removed so that no second callback can use it; None when
        there is none (unknown, used already, or expired)."""
        ...


class SalesforceConnector(Protocol):
    def login_url(self, asked: str | None) -> str:
        """Where the rep logs in: the connected app's login URL unless they ask for another of
        Salesforce's own (a sandbox, their My Domain); ConnectionRefused for anything else."""
        ...

    def authorize_url(self, login_url: str, redirect_uri: str, state: str, code_challenge: str) -> str: ...

    def new_pkce(self) -> tuple[str, str]:
        """(verifier, challenge)."""
        ...

    def exchange_code(self, login_url: str, redirect_uri: str, code: str, code_verifier: str) -> Granted: ...

    def grant_by_jwt(self, login_url: str, username: str) -> Granted: ...

    def store(self, granted: Granted) -> SalesforceConnection:
        """The grant's credentials saved in Secrets Manager; the connection that names them."""
        ...

    def forget(self, granted: Granted) -> None:
        """A grant that will not be used is revoked at Salesforce (best effort)."""
        ...

    def disconnect(self, connection: SalesforceConnection) -> None:
        """The connection's refresh token revoked at Salesforce (best effort) and its secret removed."""
        ...
