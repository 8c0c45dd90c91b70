"""The OAuth 2.0 web-server flow (the authorization code grant): ``GET``/``POST
/services/oauth2/authorize`` and ``grant_type=authorization_code`` at ``/services/oauth2/token``.

Salesforce Help, "OAuth 2.0 Web Server Flow for Web App Integration" (and REST API Developer Guide,
"Understanding the Web Server OAuth Authentication Flow", versions 34.0 and 222.0):

- The authorize request: ``response_type=code``, ``client_id`` (the consumer key), ``redirect_uri``
  (one of the connected app's Callback URLs), optional ``state`` (sent back unchanged), ``scope``
  (space-separated; the app's scopes when absent, and a subset of them when given: Mobile SDK Guide,
  "Scope Parameter Values"), ``prompt`` (``login``, ``consent``, ``select_account``), ``login_hint``
  (fills in the username), ``display``, ``immediate`` and ``code_challenge`` (the base64url-encoded
  SHA-256 of the ``code_verifier``; Salesforce names no ``code_challenge_method``: S256 is the only one
  it computes, so the emulator takes ``S256`` or none).
- The user logs in and approves; Salesforce redirects to ``redirect_uri?code=...&state=...``. The code
  is good once, for 15 minutes.
- The token request: ``grant_type=authorization_code``, ``code``, ``client_id``, ``client_secret``
  (required while the app's "Require Secret for Web Server Flow" is on), ``redirect_uri`` (the
  authorize request's), ``code_verifier`` when a challenge was given. The answer carries
  ``access_token``, ``refresh_token`` (when ``refresh_token``/``offline_access`` was granted: "OAuth
  Tokens and Scopes"), ``signature``, ``scope``, ``instance_url``, ``id``, ``token_type`` and
  ``issued_at``, as the refresh flow's answer does (``oauth``).

Errors. Salesforce Help, "OAuth 2.0 Authorization Errors": an error goes to the callback URL with an
error code (``?error=access_denied`` when the user denies access). An unknown ``client_id`` or a
``redirect_uri`` that is not a Callback URL is never redirected to (RFC 6749, 4.1.2.1): the page shows
``invalid_client_id`` "client identifier invalid" or ``redirect_uri_mismatch`` "redirect_uri must match
configuration" (the pair Salesforce puts in its error page's URL, as quoted in Salesforce Help article
001122778; the emulator answers that page itself, with 400, where Salesforce redirects to an error page
of its own). Redirected: ``access_denied`` "end-user denied authorization", ``unsupported_response_type``,
``invalid_scope``, ``immediate_unsuccessful`` (``immediate=true``: no one is ever logged in here), and
``invalid_request`` for a ``code_challenge_method`` other than S256; the last four descriptions are ours.

The token endpoint answers 400 ``{"error", "error_description"}``: ``invalid_client_id`` "client
identifier invalid", ``invalid_client`` "invalid client credentials" (wrong or missing secret),
``invalid_grant`` with "invalid authorization code" (unknown, or another app's), "expired authorization
code" (past 15 minutes, and also once used: as Salesforce is seen to answer a second exchange),
"redirect_uri must match configuration", "invalid code verifier" (PKCE: a wrong or missing verifier,
as Salesforce is seen to answer; the REST API guide's older pages say ``invalid_request`` for a wrong
one and ``invalid_grant`` for a missing one) and "inactive user". Not on a doc page, chosen here: a
``redirect_uri`` other than the authorize request's is ``invalid_grant`` (RFC 6749, 5.2; Salesforce may
answer ``redirect_uri_mismatch``), a verifier without a challenge is refused like a wrong one, and a
failed exchange does not use up the code (only a successful one does).

The login-and-approve page (``login_page``) posts its form back here: the authorize parameters, then
``username`` and ``action`` (``allow`` or ``deny``). That POST is also how a script approves as a user
(``OrgEmulator.approve_authorization``); it is checked exactly like the GET.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from local.salesforce_org.errors import OAuthError
from local.salesforce_org.oauth import (
    REFRESH_SCOPES,
    AuthorizationCode,
    ConnectedApp,
    Grant,
    TokenRegistry,
)
from local.salesforce_org.org import User

CODE_LIFETIME = timedelta(minutes=15)
AUTHORIZE_PARAMETERS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "prompt",
    "login_hint",
    "display",
    "immediate",
    "code_challenge",
    "code_challenge_method",
)
"""What the login page carries from the authorize request to its form's POST."""
LOGIN_FAILED = (
    "Please check your username and password. If you still can't log in, contact your Salesforce administrator."
)
"""Salesforce's login page message for a failed login."""


class AuthorizeRefusal(Exception):
    """A request whose client or redirect_uri cannot be trusted: an error page, never a redirect."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


class AuthorizeError(Exception):
    """A refusal the client hears about at its (registered) redirect_uri."""

    def __init__(self, redirect_uri: str, state: str | None, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.redirect_uri = redirect_uri
        self.state = state
        self.error = error
        self.description = description

    def location(self) -> str:
        return with_query(
            self.redirect_uri, {"error": self.error, "error_description": self.description, "state": self.state}
        )


@dataclass(frozen=True)
class AuthorizeRequest:
    """A checked authorize request: what the page shows and the approval turns into a code."""

    app: ConnectedApp
    redirect_uri: str
    state: str | None
    scope: tuple[str, ...]
    login_hint: str | None
    code_challenge: str | None
    carried: dict[str, str] = field(default_factory=dict)
    """The request's own parameters, for the page's hidden fields."""


def with_query(url: str, params: Mapping[str, str | None]) -> str:
    """``url`` with ``params`` (None values left out) added to whatever query it has already."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend((key, value) for key, value in params.items() if value is not None)
    return urlunsplit(parts._replace(query=urlencode(query)))


def parse_authorize(registry: TokenRegistry, params: Mapping[str, str]) -> AuthorizeRequest:
    """Check an authorize request in Salesforce's order: the client and its redirect_uri first (an error
    page), then the rest (an error at the redirect_uri)."""
    app = registry.apps.get(params.get("client_id", ""))
    if app is None:
        raise AuthorizeRefusal("invalid_client_id", "client identifier invalid")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in app.callback_urls:
        raise AuthorizeRefusal("redirect_uri_mismatch", "redirect_uri must match configuration")
    state = params.get("state")

    def refuse(error: str, description: str) -> AuthorizeError:
        return AuthorizeError(redirect_uri, state, error, description)

    if params.get("response_type") != "code":
        raise refuse("unsupported_response_type", "response type not supported")
    requested = params.get("scope", "").split()
    if any(scope not in app.scopes for scope in requested):
        raise refuse("invalid_scope", "the requested scope is not allowed")
    method = params.get("code_challenge_method")
    challenge = params.get("code_challenge") or None
    if method is not None and (method != "S256" or challenge is None):
        raise refuse("invalid_request", "code_challenge_method must be S256, with a code_challenge")
    if params.get("immediate", "").lower() == "true":
        raise refuse("immediate_unsuccessful", "the user is not logged in")
    return AuthorizeRequest(
        app=app,
        redirect_uri=redirect_uri,
        state=state,
        scope=tuple(dict.fromkeys(requested)) or app.scopes,
        login_hint=params.get("login_hint") or None,
        code_challenge=challenge,
        carried={key: params[key] for key in AUTHORIZE_PARAMETERS if key in params},
    )


def approve(registry: TokenRegistry, request: AuthorizeRequest, user: User, now: datetime) -> str:
    """The user allowed access: a new code, and where the browser goes with it."""
    code = registry.issue_code(
        AuthorizationCode(
            # Salesforce's codes are Base64 and end in "==" (sent as %3D%3D): clients must decode them.
            value="aPrx" + base64.urlsafe_b64encode(secrets.token_bytes(64)).decode(),
            client_id=request.app.client_id,
            org_id=user.org_id,
            user_id=user.id,
            redirect_uri=request.redirect_uri,
            scope=" ".join(request.scope),
            code_challenge=request.code_challenge,
            issued_at=now,
            expires_at=now + CODE_LIFETIME,
        )
    )
    return with_query(request.redirect_uri, {"code": code.value, "state": request.state})


def deny(request: AuthorizeRequest) -> str:
    return AuthorizeError(
        request.redirect_uri, request.state, "access_denied", "end-user denied authorization"
    ).location()


def s256(verifier: str) -> str:
    """RFC 7636's S256: base64url (unpadded) of the verifier's SHA-256."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def check_code_grant(
    registry: TokenRegistry, form: Mapping[str, str], users: Mapping[str, User], now: datetime
) -> Grant:
    app = registry.apps.get(form.get("client_id", ""))
    if app is None:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    secret = form.get("client_secret")
    if (secret is None and app.require_secret) or (
        secret is not None and not hmac.compare_digest(secret, app.client_secret)
    ):
        raise OAuthError("invalid_client", "invalid client credentials")
    code = registry.code(form.get("code", ""))
    if code is None or code.client_id != app.client_id:
        raise OAuthError("invalid_grant", "invalid authorization code")
    if code.used or now >= code.expires_at:
        raise OAuthError("invalid_grant", "expired authorization code")
    if form.get("redirect_uri") != code.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri must match configuration")
    verifier = form.get("code_verifier")
    if code.code_challenge is None:
        if verifier is not None:
            raise OAuthError("invalid_grant", "invalid code verifier")
    elif verifier is None or not hmac.compare_digest(s256(verifier), code.code_challenge):
        raise OAuthError("invalid_grant", "invalid code verifier")
    user = users.get(code.user_id)
    if user is None or not user.is_active:
        raise OAuthError("invalid_grant", "inactive user")
    if not registry.consume_code(code):
        raise OAuthError("invalid_grant", "expired authorization code")
    refresh = None
    if REFRESH_SCOPES.intersection(code.scope.split()):
        refresh = registry.issue_refresh_token(app, user, now, code.scope).value
    return Grant(app, user, refresh, scope=code.scope, parent_refresh_token=refresh)
