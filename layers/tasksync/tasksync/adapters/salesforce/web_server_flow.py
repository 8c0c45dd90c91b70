"""Connecting a rep's Salesforce org: the OAuth 2.0 web-server flow (authorization code grant, with PKCE),
client side. The HTTP routes and the secret's storage are built on these functions, not here.

1. ``new_pkce()`` and ``new_state()``, kept for the callback (a signed cookie, a short-lived record);
   ``authorize_url(...)`` is where the browser is sent.
2. ``read_callback(query, expected_state)``: the ``code`` Salesforce sent to the callback URL, or the
   refusal it sent instead (``access_denied`` when the rep pressed Deny), and a state that must match.
3. ``exchange_code(...)``: one POST to the token endpoint, then one GET of the identity URL; a ``Grant``
   with the refresh token to store, the first access token, the instance URL and who connected (org id,
   user id, username, display name, email). A code is good once, for 15 minutes: never retry the
   exchange (after a time-out the code may be spent); start the flow again instead.
4. ``revoke(login_url, token)`` on disconnect: a refresh token and every access token it gave die.

Salesforce Help, "OAuth 2.0 Web Server Flow for Web App Integration" (the parameters, PKCE's
``code_challenge``/``code_verifier``, the token answer and its ``signature``: Base64 HMAC-SHA256 of
``id`` + ``issued_at`` keyed with the consumer secret, checked here so that the identity URL cannot have
been swapped), "OAuth Endpoints" (``/services/oauth2/authorize``, ``/token``, ``/revoke`` under the login
URL: ``https://login.salesforce.com``, ``https://test.salesforce.com`` or a My Domain), "Identity URLs",
"Revoke OAuth Tokens Programmatically" (form-encoded ``token``; 200, else 400 ``unsupported_token_type``
or ``invalid_token``), "OAuth 2.0 Authorization Errors". The challenge goes with
``code_challenge_method=S256``: RFC 7636 takes a challenge without a method as ``plain``, and
Salesforce's pages describe the challenge as the verifier's SHA-256, naming no method.

Sessions: pass the gateway's (``http_session.build_session``), so the time-outs and the TLS trust (the
org emulator's CA locally) are the same. Failures raise ``WebServerFlowError``, a ``SalesforceError``
whose ``code`` (also ``error``) is Salesforce's OAuth error (``invalid_grant``, ``invalid_client``,
``invalid_client_id``, ``invalid_token``, ``access_denied``...) or one of ours (``STATE_MISMATCH``,
``INVALID_SIGNATURE``, ``NO_REFRESH_TOKEN``, ``IDENTITY_MISMATCH``, ``MALFORMED_ANSWER``, a network error's
name), and whose ``kind`` is sorted by ``errors.sort_error`` (TRANSIENT: time-outs and 5xx).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from pydantic import SecretStr

from tasksync.adapters.salesforce.auth import AccessToken, _json_or_text
from tasksync.adapters.salesforce.credentials import RefreshTokenConnection
from tasksync.adapters.salesforce.errors import Operation, error_from_response, sort_error, transient_error
from tasksync.ports.salesforce import ErrorKind, SalesforceError

AUTHORIZE_PATH = "/services/oauth2/authorize"
TOKEN_PATH = "/services/oauth2/token"  # noqa: S105 - a path, not a secret
REVOKE_PATH = "/services/oauth2/revoke"
DEFAULT_SCOPE = ("api", "refresh_token")
"""The REST API, and a refresh token so the sync runs while the rep is away."""
DEFAULT_TIMEOUT = (5.0, 30.0)
_BARE_CODE = re.compile(r"^[A-Za-z][A-Za-z_]{2,40}$")
"""The identity URL answers failures as a bare word (``Bad_OAuth_Token``)."""


class WebServerFlowError(SalesforceError):
    """A refusal or failure of the web-server flow. ``error``/``code``: what went wrong, Salesforce's
    OAuth error code when it answered one; ``status``: the HTTP status, when there was an answer."""

    def __init__(self, kind: ErrorKind, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(kind, code, message)
        self.status = status

    @property
    def error(self) -> str:
        return self.code

    @property
    def description(self) -> str:
        return self.message

    @classmethod
    def of_answer(cls, response: requests.Response) -> WebServerFlowError:
        body = _json_or_text(response)
        status = response.status_code
        if isinstance(body, str) and _BARE_CODE.match(body.strip()):
            code = body.strip()
            return cls(sort_error(code, status, Operation.READ), code, code, status=status)
        sorted_error = error_from_response(status, body, Operation.READ)
        return cls(sorted_error.kind, sorted_error.code, sorted_error.message, status=status)

    @classmethod
    def of_exception(cls, exc: requests.RequestException) -> WebServerFlowError:
        failed = transient_error(exc)
        return cls(failed.kind, failed.code, failed.message)


@dataclass(frozen=True)
class Identity:
    """Who connected, from the identity URL."""

    org_id: str
    user_id: str
    username: str
    display_name: str
    email: str | None = None


@dataclass(frozen=True)
class Grant:
    """What a code exchange gave: store ``refresh_token``; the access token is good for the session."""

    refresh_token: str = field(repr=False)
    access_token: str = field(repr=False)
    instance_url: str
    identity_url: str
    identity: Identity
    scope: tuple[str, ...]
    issued_at: datetime | None = None

    @property
    def token(self) -> AccessToken:
        """The access token as ``auth`` keeps it (for ``TokenCache.put``)."""
        return AccessToken(value=self.access_token, instance_url=self.instance_url, identity_url=self.identity_url)

    def connection(self, *, client_id: str, client_secret: str | None, login_url: str) -> RefreshTokenConnection:
        """The connection secret's model (``credentials``) for this grant; storing it is the caller's."""
        return RefreshTokenConnection(
            flow="refresh_token",
            client_id=client_id,
            client_secret=SecretStr(client_secret) if client_secret is not None else None,
            refresh_token=SecretStr(self.refresh_token),
            login_url=login_url,
            instance_url=self.instance_url,
        )


def new_state() -> str:
    """A value for ``state``, unguessable: it ties the callback to the browser that started the flow."""
    return secrets.token_urlsafe(32)


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256: unpadded base64url of the verifier's SHA-256."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).decode().rstrip("=")


def new_pkce() -> tuple[str, str]:
    """(verifier, challenge): keep the verifier for the exchange, send the challenge to authorize. The
    verifier is 86 characters of ``[A-Za-z0-9_-]`` (RFC 7636 asks for 43 to 128 unreserved ones)."""
    verifier = secrets.token_urlsafe(64)
    return verifier, pkce_challenge(verifier)


def authorize_url(
    login_url: str,
    client_id: str,
    redirect_uri: str,
    state: str,
    code_challenge: str | None,
    *,
    scope: Sequence[str] | None = DEFAULT_SCOPE,
    prompt: str | None = None,
    login_hint: str | None = None,
) -> str:
    """Where to send the rep's browser. ``redirect_uri`` must be one of the connected app's Callback URLs,
    exactly; ``scope`` None asks for whatever the app has; ``prompt`` e.g. ``"login"`` to let the rep
    pick another account; ``login_hint`` fills in the username."""
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "state": state}
    if code_challenge is not None:
        params.update(code_challenge=code_challenge, code_challenge_method="S256")
    if scope:
        params["scope"] = " ".join(scope)
    if prompt:
        params["prompt"] = prompt
    if login_hint:
        params["login_hint"] = login_hint
    return f"{_base(login_url)}{AUTHORIZE_PATH}?{urlencode(params)}"


def read_callback(query: Mapping[str, str], expected_state: str) -> str:
    """The authorization code from the callback's query parameters. Raises ``STATE_MISMATCH`` when the
    state is not the one this flow sent (checked first: a forged error is refused too), and Salesforce's
    own ``error`` (``access_denied``...) when it sent one instead of a code."""
    state = query.get("state", "")
    if not expected_state or not hmac.compare_digest(state.encode(), expected_state.encode()):
        raise WebServerFlowError(ErrorKind.PERMANENT, "STATE_MISMATCH", "the callback's state is not this flow's")
    if "error" in query:
        error = query["error"] or "UNKNOWN_ERROR"
        raise WebServerFlowError(ErrorKind.PERMANENT, error, query.get("error_description", ""))
    code = query.get("code", "")
    if not code:
        raise WebServerFlowError(ErrorKind.PERMANENT, "NO_CODE", "the callback carries no code")
    return code


def exchange_code(
    login_url: str,
    client_id: str,
    client_secret: str | None,
    redirect_uri: str,
    code: str,
    code_verifier: str | None,
    *,
    session: requests.Session,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
) -> Grant:
    """Trade the callback's code for tokens, then read who connected. ``client_secret`` None for an app
    that does not require it (PKCE then stands in); ``code_verifier`` None when no challenge was sent."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client_id,
        "redirect_uri": redirect_uri,
    }
    if client_secret is not None:
        form["client_secret"] = client_secret
    if code_verifier is not None:
        form["code_verifier"] = code_verifier
    body = _answer(session, "POST", f"{_base(login_url)}{TOKEN_PATH}", timeout, data=form)
    access_token, instance_url, identity_url = (_text(body, key) for key in ("access_token", "instance_url", "id"))
    if access_token is None or instance_url is None or identity_url is None:
        raise _malformed("the token answer lacks access_token, instance_url or id")
    if client_secret is not None:
        _check_signature(body, client_secret, identity_url)
    refresh_token = _text(body, "refresh_token")
    if refresh_token is None:
        raise WebServerFlowError(
            ErrorKind.PERMANENT,
            "NO_REFRESH_TOKEN",
            f"no refresh token was granted (scope {body.get('scope')!r}): the connected app needs the "
            "refresh_token scope",
        )
    identity = read_identity(identity_url, access_token, session=session, timeout=timeout)
    issued_at = _text(body, "issued_at")
    return Grant(
        refresh_token=refresh_token,
        access_token=access_token,
        instance_url=instance_url.rstrip("/"),
        identity_url=identity_url,
        identity=identity,
        scope=tuple(str(body.get("scope", "")).split()),
        issued_at=datetime.fromtimestamp(int(issued_at) / 1000, UTC) if issued_at and issued_at.isdigit() else None,
    )


def read_identity(
    identity_url: str, access_token: str, *, session: requests.Session, timeout: tuple[float, float] = DEFAULT_TIMEOUT
) -> Identity:
    """Who ``access_token`` acts for, from its identity URL (``https://<login host>/id/<orgId>/<userId>``)."""
    body = _answer(session, "GET", identity_url, timeout, headers={"Authorization": f"Bearer {access_token}"})
    org_id, user_id, username, display_name = (
        _text(body, key) for key in ("organization_id", "user_id", "username", "display_name")
    )
    if org_id is None or user_id is None or username is None or display_name is None:
        raise _malformed("the identity answer lacks organization_id, user_id, username or display_name")
    if [org_id, user_id] != urlsplit(identity_url).path.rstrip("/").split("/")[-2:]:
        raise WebServerFlowError(ErrorKind.PERMANENT, "IDENTITY_MISMATCH", "the identity answer names another user")
    return Identity(org_id, user_id, username, display_name, _text(body, "email"))


def revoke(
    login_url: str, token: str, *, session: requests.Session, timeout: tuple[float, float] = DEFAULT_TIMEOUT
) -> None:
    """Revoke a refresh token (and every access token it gave) or one access token. Raises
    ``invalid_token`` for a token that is no longer valid (revoked already, expired, unknown): a
    disconnect may take that as done."""
    _send(session, "POST", f"{_base(login_url)}{REVOKE_PATH}", timeout, data={"token": token})


def _base(login_url: str) -> str:
    base = login_url.strip().rstrip("/")
    if not base.startswith("https://"):
        raise ValueError(f"the login URL must be https://, not {login_url!r}")
    return base


def _send(
    session: requests.Session,
    method: str,
    url: str,
    timeout: tuple[float, float],
    *,
    data: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> requests.Response:
    """A 200 answer, or the failure raised."""
    try:
        response = session.request(
            method, url, data=data, headers={"Accept": "application/json", **(headers or {})}, timeout=timeout
        )
    except requests.RequestException as exc:
        raise WebServerFlowError.of_exception(exc) from exc
    if response.status_code != 200:
        raise WebServerFlowError.of_answer(response)
    return response


def _answer(
    session: requests.Session,
    method: str,
    url: str,
    timeout: tuple[float, float],
    *,
    data: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The JSON object of a 200 answer, or the failure raised."""
    body = _json_or_text(_send(session, method, url, timeout, data=data, headers=headers))
    if not isinstance(body, dict):
        raise _malformed(f"expected a JSON object from {urlsplit(url).path}")
    return body


def _check_signature(body: Mapping[str, Any], client_secret: str, identity_url: str) -> None:
    signature, issued_at = body.get("signature"), body.get("issued_at")
    if not isinstance(signature, str) or not isinstance(issued_at, str):
        raise WebServerFlowError(ErrorKind.PERMANENT, "INVALID_SIGNATURE", "the token answer is not signed")
    digest = hmac.new(client_secret.encode(), (identity_url + issued_at).encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(base64.b64encode(digest).decode(), signature):
        raise WebServerFlowError(
            ErrorKind.PERMANENT, "INVALID_SIGNATURE", "the token answer's signature does not match its id"
        )


def _text(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    return value if isinstance(value, str) and value else None


def _malformed(message: str) -> WebServerFlowError:
    return WebServerFlowError(ErrorKind.TRANSIENT, "MALFORMED_ANSWER", message)
