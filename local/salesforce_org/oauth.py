"""Connected apps, tokens, and the refresh token and JWT bearer grants of ``POST /services/oauth2/token``
(the web-server flow's authorization code grant is in ``web_server_flow``, revocation in ``rest_api``,
the identity URL in ``identity``).

Salesforce Help, "OAuth 2.0 Refresh Token Flow for Renewed Sessions": ``grant_type=refresh_token``,
``refresh_token``, ``client_id``, optional ``client_secret``; the answer carries ``access_token``,
``signature``, ``scope``, ``instance_url``, ``id``, ``token_type`` (``Bearer``) and ``issued_at``
(epoch milliseconds, as a string); with refresh token rotation on, a new ``refresh_token`` comes back and
the old one is invalidated. ``signature`` is the Base64 HMAC-SHA256 of ``id`` + ``issued_at`` keyed with
the consumer secret. "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration":
``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`` and an RS256 ``assertion`` with ``iss`` (the
consumer key), ``sub`` (the username), ``aud`` (the login URL) and ``exp``, verified with the certificate
uploaded to the connected app; no refresh token in the answer.

Errors are HTTP 400 ``{"error", "error_description"}``: ``invalid_grant`` for an unknown, revoked or
expired refresh token ("expired access/refresh token") and for an inactive user; for JWTs "invalid
assertion", "audience is invalid", "user hasn't approved this consumer"; ``invalid_client_id`` ("client
identifier invalid"), ``invalid_client`` ("invalid client credentials"), ``unsupported_grant_type``.
The descriptions are those Salesforce is seen to answer; "inactive user" and "expired authorization
code" (a JWT past its ``exp``) are not on a doc page.

A JWT's ``exp`` is checked against the emulator clock (a test that moves it must sign with it too).
Access tokens live ``session_timeout`` (the org's, or the app's when set) on the emulator clock; an
expired, revoked or unknown one gets 401 ``INVALID_SESSION_ID`` from the REST API. The emulator accepts
JWT audiences ``https://login.salesforce.com``, ``https://test.salesforce.com`` and its own base URL.

A refresh token keeps the scope the user approved, and every access token records the refresh token it
was issued with or through, so that revoking a refresh token revokes them too (Mobile SDK Guide,
"Revoking OAuth Tokens": "If a refresh token is included, Salesforce revokes it and any associated access
tokens").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt

from local.salesforce_org import formats
from local.salesforce_org.errors import OAuthError
from local.salesforce_org.org import Org, User

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEFAULT_SCOPES = ("api", "refresh_token")
SCOPE = " ".join(DEFAULT_SCOPES)
REFRESH_SCOPES = frozenset({"refresh_token", "offline_access"})
"""Either grants a refresh token (Salesforce Help, "OAuth Tokens and Scopes": ``offline_access`` is a
synonym of ``refresh_token``)."""
STANDARD_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")


@dataclass
class ConnectedApp:
    client_id: str
    client_secret: str
    name: str
    rotate_refresh_tokens: bool = False
    jwt_public_key: str | None = None
    """PEM of the certificate's public key (Salesforce takes the certificate; its key is what counts)."""
    session_timeout: timedelta | None = None
    """Overrides the org's session timeout for tokens issued through this app."""
    callback_urls: tuple[str, ...] = ()
    """The app's Callback URLs: the web-server flow's ``redirect_uri`` must be one of them, exactly."""
    require_secret: bool = True
    """"Require Secret for Web Server Flow": the code exchange must carry ``client_secret``."""
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    """The app's selected OAuth scopes: what the web-server flow may ask for and grants when asked
    for nothing."""

    def describe(self, *, with_secret: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "clientId": self.client_id,
            "name": self.name,
            "rotateRefreshTokens": self.rotate_refresh_tokens,
            "hasJwtPublicKey": self.jwt_public_key is not None,
            "sessionTimeoutSeconds": self.session_timeout.total_seconds() if self.session_timeout else None,
            "callbackUrls": list(self.callback_urls),
            "requireSecret": self.require_secret,
            "scopes": list(self.scopes),
        }
        if with_secret:
            out["clientSecret"] = self.client_secret
        return out


@dataclass
class RefreshToken:
    value: str
    client_id: str
    org_id: str
    user_id: str
    issued_at: datetime
    revoked: bool = False
    scope: str = SCOPE
    """What the user approved; every token answer through this refresh token names it."""


@dataclass
class AccessToken:
    value: str
    org_id: str
    user_id: str
    client_id: str | None
    issued_at: datetime
    expires_at: datetime
    revoked: bool = False
    refresh_token: str | None = None
    """The refresh token this access token was issued with or through: revoking it revokes this too."""


@dataclass
class AuthorizationCode:
    """What the web-server flow's approval hands the client (``web_server_flow``)."""

    value: str
    client_id: str
    org_id: str
    user_id: str
    redirect_uri: str
    scope: str
    code_challenge: str | None
    issued_at: datetime
    expires_at: datetime
    used: bool = False


class TokenKind(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"
    CODE = "code"


class TokenRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.apps: dict[str, ConnectedApp] = {}
        self._refresh: dict[str, RefreshToken] = {}
        self._access: dict[str, AccessToken] = {}
        self._codes: dict[str, AuthorizationCode] = {}

    def create_app(
        self,
        name: str,
        *,
        rotate_refresh_tokens: bool = False,
        jwt_public_key: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        session_timeout: timedelta | None = None,
        callback_urls: Sequence[str] = (),
        require_secret: bool = True,
        scopes: Sequence[str] = DEFAULT_SCOPES,
    ) -> ConnectedApp:
        app = ConnectedApp(
            client_id=client_id or "3MVG9" + secrets.token_urlsafe(60).replace("-", ".").replace("_", "."),
            client_secret=client_secret or secrets.token_hex(32).upper(),
            name=name,
            rotate_refresh_tokens=rotate_refresh_tokens,
            jwt_public_key=jwt_public_key,
            session_timeout=session_timeout,
            callback_urls=tuple(callback_urls),
            require_secret=require_secret,
            scopes=tuple(scopes),
        )
        with self._lock:
            if app.client_id in self.apps:
                raise ValueError(f"a connected app with client id {app.client_id} exists already")
            self.apps[app.client_id] = app
        return app

    def issue_refresh_token(self, app: ConnectedApp, user: User, now: datetime, scope: str = SCOPE) -> RefreshToken:
        token = RefreshToken(
            "5Aep861" + secrets.token_urlsafe(64), app.client_id, user.org_id, user.id, now, scope=scope
        )
        with self._lock:
            self._refresh[token.value] = token
        return token

    def issue_access_token(
        self, org: Org, user: User, app: ConnectedApp | None, now: datetime, *, refresh_token: str | None = None
    ) -> AccessToken:
        lifetime = (app.session_timeout if app and app.session_timeout else None) or org.settings.session_timeout
        token = AccessToken(
            value=f"{org.id[:15]}!{secrets.token_urlsafe(72)}",
            org_id=org.id,
            user_id=user.id,
            client_id=app.client_id if app else None,
            issued_at=now,
            expires_at=now + lifetime,
            refresh_token=refresh_token,
        )
        with self._lock:
            self._access[token.value] = token
        return token

    def issue_code(self, code: AuthorizationCode) -> AuthorizationCode:
        with self._lock:
            self._codes[code.value] = code
        return code

    def access(self, value: str, now: datetime) -> AccessToken | None:
        """The live access token ``value``: None when unknown, revoked or expired."""
        with self._lock:
            token = self._access.get(value)
        if token is None or token.revoked or now >= token.expires_at:
            return None
        return token

    def refresh(self, value: str) -> RefreshToken | None:
        with self._lock:
            token = self._refresh.get(value)
        return None if token is None or token.revoked else token

    def code(self, value: str) -> AuthorizationCode | None:
        """The authorization code ``value`` whatever its state (the caller tells expired from used)."""
        with self._lock:
            return self._codes.get(value)

    def consume_code(self, code: AuthorizationCode) -> bool:
        """Mark ``code`` used; False when it was used already (two exchanges raced: one wins)."""
        with self._lock:
            if code.used:
                return False
            code.used = True
            return True

    def revoke_refresh(self, token: RefreshToken) -> None:
        with self._lock:
            token.revoked = True

    def revoke(self, value: str, now: datetime) -> TokenKind | None:
        """``POST /services/oauth2/revoke``: revoke a live access token, or a live refresh token and every
        access token issued with or through it. Returns what ``value`` was, or None when it is no live
        token (unknown, revoked already, expired); an authorization code is named but left alone."""
        with self._lock:
            access = self._access.get(value)
            if access is not None:
                if access.revoked or now >= access.expires_at:
                    return None
                access.revoked = True
                return TokenKind.ACCESS
            refresh = self._refresh.get(value)
            if refresh is not None:
                if refresh.revoked:
                    return None
                refresh.revoked = True
                for issued in self._access.values():
                    if issued.refresh_token == value:
                        issued.revoked = True
                return TokenKind.REFRESH
            return TokenKind.CODE if value in self._codes else None

    def revoke_user(self, user_id: str) -> int:
        """Revoke every token of ``user_id`` (as an admin revoking the user's OAuth connections does);
        codes not yet exchanged die too (they are not counted)."""
        count = 0
        with self._lock:
            for refresh in self._refresh.values():
                if refresh.user_id == user_id and not refresh.revoked:
                    refresh.revoked = True
                    count += 1
            for access in self._access.values():
                if access.user_id == user_id and not access.revoked:
                    access.revoked = True
                    count += 1
            for code in self._codes.values():
                if code.user_id == user_id:
                    code.used = True
        return count

    def expire_access_tokens(self, user_id: str | None = None) -> None:
        """Make live access tokens (of one user, or all) expired now, leaving refresh tokens valid."""
        with self._lock:
            for access in self._access.values():
                if user_id is None or access.user_id == user_id:
                    access.expires_at = access.issued_at


def identity_url(base_url: str, user: User) -> str:
    return f"{base_url}/id/{user.org_id}/{user.id}"


def signature(app: ConnectedApp, identity: str, issued_at: str) -> str:
    digest = hmac.new(app.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class Grant:
    """Who a token request authenticated: the caller turns it into an access token."""

    app: ConnectedApp
    user: User
    refresh_token: str | None = None
    """A refresh token for the answer: the code exchange's, or a rotated one."""
    refresh_token_flow: bool = True
    """The answer has the refresh and web-server flows' shape (``signature``, ``issued_at``)."""
    scope: str = SCOPE
    parent_refresh_token: str | None = None
    """The refresh token the new access token belongs to (revoking it revokes the access token)."""


def check_refresh_grant(registry: TokenRegistry, form: dict[str, str], users: dict[str, User], now: datetime) -> Grant:
    app = registry.apps.get(form.get("client_id", ""))
    if app is None:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    secret = form.get("client_secret")
    if secret is not None and not hmac.compare_digest(secret, app.client_secret):
        raise OAuthError("invalid_client", "invalid client credentials")
    token = registry.refresh(form.get("refresh_token", ""))
    if token is None or token.client_id != app.client_id:
        raise OAuthError("invalid_grant", "expired access/refresh token")
    user = users.get(token.user_id)
    if user is None or not user.is_active:
        raise OAuthError("invalid_grant", "inactive user")
    rotated = None
    if app.rotate_refresh_tokens:
        registry.revoke_refresh(token)
        rotated = registry.issue_refresh_token(app, user, now, token.scope).value
    return Grant(app, user, rotated, scope=token.scope, parent_refresh_token=rotated or token.value)


def check_jwt_grant(
    registry: TokenRegistry,
    form: dict[str, str],
    users_by_name: dict[str, User],
    audiences: tuple[str, ...],
    now: datetime,
) -> Grant:
    assertion = form.get("assertion", "")
    try:
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise OAuthError("invalid_grant", "invalid assertion") from None
    app = registry.apps.get(str(claims.get("iss", "")))
    if app is None:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if app.jwt_public_key is None:
        raise OAuthError("invalid_grant", "invalid assertion")
    try:
        jwt.decode(
            assertion,
            app.jwt_public_key,
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_aud": False, "verify_iat": False, "verify_nbf": False},
        )
    except jwt.PyJWTError:
        raise OAuthError("invalid_grant", "invalid assertion") from None
    audience = claims.get("aud")
    given = audience if isinstance(audience, list) else [audience]
    if not any(isinstance(a, str) and a.rstrip("/") in audiences for a in given):
        raise OAuthError("invalid_grant", "audience is invalid")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= now.timestamp():
        raise OAuthError("invalid_grant", "expired authorization code")
    user = users_by_name.get(str(claims.get("sub", "")).lower())
    if user is None:
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")
    if not user.is_active:
        raise OAuthError("invalid_grant", "inactive user")
    return Grant(app, user, refresh_token_flow=False)


def token_answer(grant: Grant, token: AccessToken, base_url: str) -> dict[str, Any]:
    identity = identity_url(base_url, grant.user)
    if not grant.refresh_token_flow:
        return {
            "access_token": token.value,
            "scope": grant.scope,
            "instance_url": base_url,
            "id": identity,
            "token_type": "Bearer",
        }
    issued_at = str(formats.epoch_millis(token.issued_at))
    answer: dict[str, Any] = {
        "access_token": token.value,
        "signature": signature(grant.app, identity, issued_at),
        "scope": grant.scope,
        "instance_url": base_url,
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued_at,
    }
    if grant.refresh_token is not None:
        answer["refresh_token"] = grant.refresh_token
    return answer
