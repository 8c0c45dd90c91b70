"""Access tokens: the OAuth 2.0 refresh-token and JWT bearer flows, and a per-process token cache.

simple-salesforce has no refresh-token grant, so both flows POST to
``<login_url>/services/oauth2/token`` here (Salesforce Help, "OAuth 2.0 Refresh Token Flow for Renewed
Sessions" and "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration").

- Refresh token: ``grant_type=refresh_token``, ``refresh_token``, ``client_id`` (+ ``client_secret``).
  With refresh token rotation on, the answer carries a new refresh token and the old one is
  invalidated: it is written back to the secret every time.
- JWT bearer: ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`` and an RS256 ``assertion``
  with ``iss`` = consumer key, ``sub`` = username, ``aud`` = login URL, ``exp`` within 3 minutes.
  No refresh token.
- A revoked or expired grant answers 400 ``{"error": "invalid_grant"}``: ``AuthRevoked``.

Access tokens live only in memory; ``AccessToken`` keeps its value out of ``repr``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
import requests
from pydantic import SecretStr

from tasksync.adapters.salesforce.credentials import (
    JwtBearerConnection,
    RefreshTokenConnection,
    SecretStore,
)
from tasksync.adapters.salesforce.errors import Operation, error_from_response, transient_error
from tasksync.ports.salesforce import AuthRevoked, ErrorKind, SalesforceError

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_LIFETIME_SECONDS = 180


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    instance_url: str
    identity_url: str | None = None
    """``https://login.salesforce.com/id/<orgId>/<userId>``: who the token acts for."""

    @property
    def user_id(self) -> str | None:
        return self.identity_url.rstrip("/").rsplit("/", 1)[-1] if self.identity_url else None

    @property
    def org_id(self) -> str | None:
        return self.identity_url.rstrip("/").rsplit("/", 2)[-2] if self.identity_url else None


@dataclass(frozen=True)
class TokenAnswer:
    token: AccessToken
    refresh_token: str | None = field(default=None, repr=False)


def request_refresh_token_grant(
    session: requests.Session, connection: RefreshTokenConnection, timeout: tuple[float, float]
) -> TokenAnswer:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": connection.refresh_token.get_secret_value(),
        "client_id": connection.client_id,
    }
    if connection.client_secret is not None:
        form["client_secret"] = connection.client_secret.get_secret_value()
    return _post_token_request(session, connection.token_url, form, timeout)


def jwt_assertion(connection: JwtBearerConnection, now: float) -> str:
    claims = {
        "iss": connection.client_id,
        "sub": connection.username,
        "aud": connection.jwt_audience,
        "exp": int(now) + JWT_LIFETIME_SECONDS,
    }
    return jwt.encode(claims, connection.private_key.get_secret_value(), algorithm="RS256")


def request_jwt_bearer_grant(
    session: requests.Session, connection: JwtBearerConnection, timeout: tuple[float, float], now: float
) -> TokenAnswer:
    form = {"grant_type": JWT_BEARER_GRANT, "assertion": jwt_assertion(connection, now)}
    return _post_token_request(session, connection.token_url, form, timeout)


def _post_token_request(
    session: requests.Session, url: str, form: dict[str, str], timeout: tuple[float, float]
) -> TokenAnswer:
    try:
        response = session.post(url, data=form, headers={"Accept": "application/json"}, timeout=timeout)
    except requests.RequestException as exc:
        raise transient_error(exc) from exc
    body = _json_or_text(response)
    if response.status_code != 200:
        if isinstance(body, dict) and body.get("error") == "invalid_grant":
            raise AuthRevoked(str(body.get("error_description") or "invalid_grant"))
        error = error_from_response(response.status_code, body, Operation.READ)
        if error.kind is ErrorKind.TRANSIENT:
            raise error
        # invalid_client_id, invalid_client, unsupported_grant_type...: the connection is misconfigured;
        # retrying will not help and the user's sync must pause with a reason.
        raise SalesforceError(ErrorKind.AUTH, error.code, error.message)
    if not isinstance(body, dict) or "access_token" not in body or "instance_url" not in body:
        raise SalesforceError(ErrorKind.TRANSIENT, "MALFORMED_TOKEN_ANSWER", "token answer lacks fields")
    refresh_token = body.get("refresh_token")
    return TokenAnswer(
        token=AccessToken(
            value=str(body["access_token"]),
            instance_url=str(body["instance_url"]).rstrip("/"),
            identity_url=str(body["id"]) if body.get("id") else None,
        ),
        refresh_token=str(refresh_token) if refresh_token else None,
    )


def _json_or_text(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


class TokenCache:
    """Access tokens by secret name. One per process (``PROCESS_TOKENS``), so a warm Lambda reuses
    them across invocations."""

    def __init__(self) -> None:
        self._tokens: dict[str, AccessToken] = {}

    def get(self, key: str) -> AccessToken | None:
        return self._tokens.get(key)

    def put(self, key: str, token: AccessToken) -> None:
        self._tokens[key] = token

    def clear(self) -> None:
        self._tokens.clear()


PROCESS_TOKENS = TokenCache()


class TokenSource:
    """The current access token of one connection (one secret), fetched on first use and on demand."""

    def __init__(
        self,
        secret_name: str,
        secrets: SecretStore,
        session: requests.Session,
        *,
        timeout: tuple[float, float] = (5.0, 30.0),
        cache: TokenCache = PROCESS_TOKENS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.secret_name = secret_name
        self._secrets = secrets
        self._session = session
        self._timeout = timeout
        self._cache = cache
        self._clock = clock

    def current(self) -> AccessToken:
        return self._cache.get(self.secret_name) or self.refresh()

    def refresh(self, stale: AccessToken | None = None) -> AccessToken:
        """A new access token. With ``stale`` (the token that just failed), a token that another
        gateway in this process already fetched since is used instead of asking again."""
        cached = self._cache.get(self.secret_name)
        if stale is not None and cached is not None and cached is not stale:
            return cached
        connection = self._secrets.load(self.secret_name)
        if isinstance(connection, JwtBearerConnection):
            answer = request_jwt_bearer_grant(self._session, connection, self._timeout, self._clock())
        else:
            answer = self._refresh_token_grant(connection)
        self._cache.put(self.secret_name, answer.token)
        return answer.token

    def _refresh_token_grant(self, connection: RefreshTokenConnection) -> TokenAnswer:
        try:
            answer = request_refresh_token_grant(self._session, connection, self._timeout)
        except AuthRevoked:
            # With rotation, another process may have used our (cached) refresh token and stored its
            # successor: read the secret past the cache before concluding the grant is revoked.
            latest = self._secrets.load(self.secret_name, force=True)
            if not isinstance(latest, RefreshTokenConnection) or (
                latest.refresh_token.get_secret_value() == connection.refresh_token.get_secret_value()
            ):
                raise
            connection = latest
            answer = request_refresh_token_grant(self._session, connection, self._timeout)
        rotated = answer.refresh_token
        if rotated is not None and rotated != connection.refresh_token.get_secret_value():
            self._secrets.save(
                self.secret_name,
                connection.model_copy(
                    update={"refresh_token": SecretStr(rotated), "instance_url": answer.token.instance_url}
                ),
            )
        return answer
