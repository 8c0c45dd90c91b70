"""OAuth: the refresh token and JWT bearer grants, their errors, access token expiry and revocation."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce.exceptions import SalesforceExpiredSession

from tasksync.adapters.salesforce.auth import JWT_BEARER_GRANT

# Salesforce Help, "OAuth 2.0 Refresh Token Flow for Renewed Sessions": the keys of the example response
# (the values here are illustrative, not copied).
DOCUMENTED_REFRESH_ANSWER = {
    "access_token": "00DB0000000TfcR!AQQAQFhoK8vTMg_rKA.esrJ2bCs.OOIjJgl.9Cx6O7KqjZmHMLOyVb.U61BU9tm4xRusf7d3fD1P",
    "signature": "d/SxeYBxH0GSVko0HMgcUxuZy0PA2cDDz1u7g7JtDHw=",
    "scope": "web openid",
    "instance_url": "https://yourInstance.salesforce.com",
    "id": "https://login.salesforce.com/id/00DB0000000TfcRMAS/005B0000005Bk90IAC",
    "token_type": "Bearer",
    "issued_at": "1399485447128",
}


def _post_token(https: Any, emulator: Any, **form: str) -> Any:
    return https.post(emulator.token_url, data=form, timeout=5)


def test_refresh_grant_answers_the_documented_shape(emulator, org, rep, https, salesforce):
    app = emulator.create_connected_app("tasksync")
    refresh = org.refresh_token(rep, app)
    answer = _post_token(
        https,
        emulator,
        grant_type="refresh_token",
        refresh_token=refresh,
        client_id=app.client_id,
        client_secret=app.client_secret,
    )
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == set(DOCUMENTED_REFRESH_ANSWER)
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == emulator.instance_url
    assert body["id"].endswith(f"/id/{org.id}/{rep.id}")
    assert body["issued_at"].isdigit()
    # The signature is Base64(HMAC-SHA256(consumer secret, id + issued_at)).
    expected = base64.b64encode(
        hmac.new(app.client_secret.encode(), (body["id"] + body["issued_at"]).encode(), hashlib.sha256).digest()
    ).decode()
    assert body["signature"] == expected
    # No rotation: no new refresh token, and the old one keeps working.
    assert "refresh_token" not in body
    again = _post_token(https, emulator, grant_type="refresh_token", refresh_token=refresh, client_id=app.client_id)
    assert again.status_code == 200
    # The access token is a session id for the REST API.
    sf = salesforce(token=body["access_token"])
    assert sf.query("SELECT COUNT() FROM Task")["totalSize"] == 0


def test_rotation_returns_a_new_refresh_token_and_kills_the_old(emulator, org, rep, https):
    app = emulator.create_connected_app("rotating", rotate_refresh_tokens=True)
    first = org.refresh_token(rep, app)
    answer = _post_token(https, emulator, grant_type="refresh_token", refresh_token=first, client_id=app.client_id)
    assert answer.status_code == 200
    second = answer.json()["refresh_token"]
    assert second != first
    reused = _post_token(https, emulator, grant_type="refresh_token", refresh_token=first, client_id=app.client_id)
    assert reused.status_code == 400
    assert reused.json() == {"error": "invalid_grant", "error_description": "expired access/refresh token"}
    assert _post_token(https, emulator, grant_type="refresh_token", refresh_token=second, client_id=app.client_id).ok


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ("unknown token", ("invalid_grant", "expired access/refresh token")),
        ("revoked", ("invalid_grant", "expired access/refresh token")),
        ("deactivated user", ("invalid_grant", "inactive user")),
        ("unknown client", ("invalid_client_id", "client identifier invalid")),
        ("wrong secret", ("invalid_client", "invalid client credentials")),
        ("other app's token", ("invalid_grant", "expired access/refresh token")),
    ],
)
def test_refresh_grant_errors(emulator, org, rep, https, change, error):
    app = emulator.create_connected_app("tasksync")
    other = emulator.create_connected_app("other")
    form = {
        "grant_type": "refresh_token",
        "refresh_token": org.refresh_token(rep, app),
        "client_id": app.client_id,
        "client_secret": app.client_secret,
    }
    if change == "unknown token":
        form["refresh_token"] = "5Aep861nope"
    elif change == "revoked":
        org.revoke_tokens(rep)
    elif change == "deactivated user":
        org.deactivate_user(rep)
    elif change == "unknown client":
        form["client_id"] = "3MVG9nope"
    elif change == "wrong secret":
        form["client_secret"] = "nope"
    elif change == "other app's token":
        form["refresh_token"] = org.refresh_token(rep, other)
    answer = https.post(emulator.token_url, data=form, timeout=5)
    assert answer.status_code == 400
    assert answer.json() == {"error": error[0], "error_description": error[1]}


def test_unsupported_grant_type(emulator, https):
    answer = _post_token(https, emulator, grant_type="password", username="x", password="y")
    assert answer.status_code == 400
    assert answer.json()["error"] == "unsupported_grant_type"


def _assertion(private_pem: str, **claims: Any) -> str:
    return jwt.encode(claims, private_pem, algorithm="RS256")


def test_jwt_bearer_grant(emulator, org, rep, https, rsa_key_pair, clock, salesforce):
    private, public = rsa_key_pair
    app = emulator.create_connected_app("jwt", jwt_public_key=public)
    now = clock.now().timestamp()
    assertion = _assertion(private, iss=app.client_id, sub=rep.username, aud=emulator.instance_url, exp=int(now) + 180)
    answer = _post_token(https, emulator, grant_type=JWT_BEARER_GRANT, assertion=assertion)
    assert answer.status_code == 200
    body = answer.json()
    assert "refresh_token" not in body
    assert body["token_type"] == "Bearer"
    assert body["id"].endswith(f"/{org.id}/{rep.id}")
    assert salesforce(token=body["access_token"]).query("SELECT COUNT() FROM Task")["done"] is True
    # login.salesforce.com is an accepted audience too.
    login = _assertion(
        private, iss=app.client_id, sub=rep.username, aud="https://login.salesforce.com", exp=int(now) + 60
    )
    assert _post_token(https, emulator, grant_type=JWT_BEARER_GRANT, assertion=login).ok


def test_jwt_bearer_errors(emulator, org, rep, https, rsa_key_pair, clock):
    private, public = rsa_key_pair
    app = emulator.create_connected_app("jwt", jwt_public_key=public)
    now = int(clock.now().timestamp())
    good = {"iss": app.client_id, "sub": rep.username, "aud": emulator.instance_url, "exp": now + 180}

    def grant(assertion):
        answer = _post_token(https, emulator, grant_type=JWT_BEARER_GRANT, assertion=assertion)
        assert answer.status_code == 400
        return answer.json()

    stranger, _ = _other_key()
    assert grant(_assertion(stranger, **good)) == {"error": "invalid_grant", "error_description": "invalid assertion"}
    assert (
        grant(_assertion(private, **{**good, "aud": "https://evil.example"}))["error_description"]
        == "audience is invalid"
    )
    assert grant(_assertion(private, **{**good, "exp": now - 1}))["error_description"] == "expired authorization code"
    assert grant(_assertion(private, **{**good, "sub": "nobody@x.test"}))["error_description"] == (
        "user hasn't approved this consumer"
    )
    assert grant(_assertion(private, **{**good, "iss": "3MVG9unknown"}))["error"] == "invalid_client_id"
    assert grant("not-a-jwt")["error"] == "invalid_grant"
    org.deactivate_user(rep)
    assert grant(_assertion(private, **good)) == {"error": "invalid_grant", "error_description": "inactive user"}


def _other_key() -> tuple[str, None]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return pem, None


# REST API Developer Guide, "Status Codes and Error Responses": 401, "Session expired or invalid".
DOCUMENTED_INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_access_tokens_expire_with_the_session_timeout(org, salesforce, clock):
    org.configure(session_timeout=timedelta(minutes=30))
    sf = salesforce()
    sf.query("SELECT COUNT() FROM Task")
    clock.advance(timedelta(minutes=31))
    with pytest.raises(SalesforceExpiredSession) as raised:
        sf.query("SELECT COUNT() FROM Task")
    assert raised.value.status == 401
    assert raised.value.content == DOCUMENTED_INVALID_SESSION


def test_unknown_revoked_and_deactivated_sessions_are_invalid(org, rep, salesforce):
    with pytest.raises(SalesforceExpiredSession) as raised:
        salesforce(token="00Dnope!AQ").query("SELECT COUNT() FROM Task")
    assert raised.value.content == DOCUMENTED_INVALID_SESSION
    sf = salesforce()
    org.revoke_tokens(rep)
    with pytest.raises(SalesforceExpiredSession):
        sf.Task.create({"Subject": "x"})
    fresh = salesforce()
    org.deactivate_user(rep)
    with pytest.raises(SalesforceExpiredSession):
        fresh.query("SELECT COUNT() FROM Task")


def test_expiring_access_tokens_leaves_refresh_tokens_working(emulator, org, rep, https, salesforce):
    app = emulator.create_connected_app("tasksync")
    refresh = org.refresh_token(rep, app)
    sf = salesforce()
    org.expire_access_tokens()
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT COUNT() FROM Task")
    answer = _post_token(https, emulator, grant_type="refresh_token", refresh_token=refresh, client_id=app.client_id)
    assert salesforce(token=answer.json()["access_token"]).query("SELECT COUNT() FROM Task")["totalSize"] == 0
