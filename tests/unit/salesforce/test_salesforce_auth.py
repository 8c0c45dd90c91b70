"""Token flows against a scripted token endpoint."""

from __future__ import annotations

import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tasksync.adapters.salesforce.auth import JWT_BEARER_GRANT, AccessToken, TokenCache, TokenSource
from tasksync.adapters.salesforce.http_session import build_session
from tasksync.adapters.salesforce.settings import GatewaySettings
from tasksync.ports.salesforce import AuthRevoked, ErrorKind, SalesforceError
from tests.unit.salesforce.conftest import (
    INSTANCE,
    LOGIN,
    SECRET_NAME,
    MemorySecretStore,
    refresh_secret,
    token_answer,
)
from tests.unit.salesforce.scripted_http import answer

TOKEN_PATH = r"/services/oauth2/token$"


def source(secrets, clock=lambda: 1_700_000_000.0):
    session = build_session(GatewaySettings(client_id="tasksync-test"))
    return TokenSource(SECRET_NAME, secrets, session, cache=TokenCache(), clock=clock)


def test_refresh_grant_posts_the_form_and_caches_the_token(transport, secrets):
    transport.on("POST", TOKEN_PATH, token_answer("at-1"))
    tokens = source(secrets)

    first = tokens.current()
    second = tokens.current()

    assert first is second and first.value == "at-1" and first.instance_url == INSTANCE
    assert (first.org_id, first.user_id) == ("00D000000000001AAA", "005000000000001AAA")
    [call] = transport.calls("POST", TOKEN_PATH)
    assert call.url == f"{LOGIN}/services/oauth2/token"
    assert call.form() == {
        "grant_type": "refresh_token",
        "refresh_token": "rt-1",
        "client_id": "consumer-key",
        "client_secret": "consumer-secret",
    }
    assert secrets.saved == []  # no rotation, nothing to store


def test_a_rotated_refresh_token_is_stored_every_time(transport, secrets):
    transport.on("POST", TOKEN_PATH, token_answer("at-1", refresh_token="rt-2"), token_answer("at-2", "rt-3"))
    tokens = source(secrets)

    tokens.current()
    tokens.refresh()

    assert [json.loads(raw)["refresh_token"] for raw in secrets.saved] == ["rt-2", "rt-3"]
    assert [c.form()["refresh_token"] for c in transport.calls("POST", TOKEN_PATH)] == ["rt-1", "rt-2"]
    assert json.loads(secrets.raw[SECRET_NAME])["instance_url"] == INSTANCE


def test_invalid_grant_raises_auth_revoked(transport, secrets):
    transport.on("POST", TOKEN_PATH, answer(400, {"error": "invalid_grant", "error_description": "expired"}))

    with pytest.raises(AuthRevoked) as raised:
        source(secrets).current()

    assert raised.value.kind is ErrorKind.AUTH
    assert secrets.forced_loads == 1  # it looked past the cache for a token rotated elsewhere first


def test_a_token_rotated_by_another_process_is_picked_up_instead_of_pausing(transport):
    class RotatedElsewhere(MemorySecretStore):
        def load(self, name, *, force=False):
            if force:  # the secret as another Lambda left it after rotating
                self.raw[name] = refresh_secret("rt-from-elsewhere")
            return super().load(name, force=force)

    secrets = RotatedElsewhere({SECRET_NAME: refresh_secret("rt-old")})
    transport.on(
        "POST",
        TOKEN_PATH,
        answer(400, {"error": "invalid_grant", "error_description": "token rotated"}),
        token_answer("at-new"),
    )

    assert source(secrets).current().value == "at-new"
    assert [c.form()["refresh_token"] for c in transport.calls("POST", TOKEN_PATH)] == ["rt-old", "rt-from-elsewhere"]


def test_a_misconfigured_client_pauses_with_its_reason_but_is_not_revoked(transport, secrets):
    transport.on("POST", TOKEN_PATH, answer(400, {"error": "invalid_client_id", "error_description": "client id"}))

    with pytest.raises(SalesforceError) as raised:
        source(secrets).current()

    assert not isinstance(raised.value, AuthRevoked)
    assert (raised.value.kind, raised.value.code) == (ErrorKind.AUTH, "invalid_client_id")


def test_an_unavailable_token_endpoint_is_transient(transport, secrets):
    transport.on("POST", TOKEN_PATH, answer(503, text="down"))

    with pytest.raises(SalesforceError) as raised:
        source(secrets).current()

    assert raised.value.kind is ErrorKind.TRANSIENT


def test_jwt_bearer_grant_signs_the_documented_claims(transport):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    secrets = MemorySecretStore(
        {
            SECRET_NAME: json.dumps(
                {
                    "flow": "jwt_bearer",
                    "client_id": "consumer-key",
                    "username": "rep@acme.com",
                    "private_key": pem,
                    "login_url": LOGIN,
                }
            )
        }
    )
    transport.on("POST", TOKEN_PATH, token_answer("at-jwt", refresh_token="never-stored"))

    token = source(secrets, clock=lambda: 1_700_000_000.0).current()

    assert token.value == "at-jwt"
    [call] = transport.calls("POST", TOKEN_PATH)
    form = call.form()
    assert form["grant_type"] == JWT_BEARER_GRANT
    claims = jwt.decode(
        form["assertion"], key.public_key(), algorithms=["RS256"], audience=LOGIN, options={"verify_exp": False}
    )
    assert claims == {"iss": "consumer-key", "sub": "rep@acme.com", "aud": LOGIN, "exp": 1_700_000_180}
    assert secrets.saved == []


def test_a_refresh_after_a_stale_token_reuses_a_newer_one_from_the_cache(transport, secrets):
    transport.on("POST", TOKEN_PATH, token_answer("at-1"), token_answer("at-2"))
    cache = TokenCache()
    session = build_session(GatewaySettings(client_id="tasksync-test"))
    first = TokenSource(SECRET_NAME, secrets, session, cache=cache)
    second = TokenSource(SECRET_NAME, secrets, session, cache=cache)
    stale = first.current()

    fresh = first.refresh(stale=stale)
    reused = second.refresh(stale=stale)  # another gateway saw the same expired token

    assert fresh is reused and fresh.value == "at-2"
    assert len(transport.calls("POST", TOKEN_PATH)) == 2


def test_access_tokens_stay_out_of_repr():
    assert "secret-token" not in repr(AccessToken("secret-token", INSTANCE))
