"""Connection secrets in Secrets Manager (moto, the ``secretsmanager`` fixture of conftest), read through
Powertools' cache."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities import parameters
from pydantic import SecretStr, ValidationError

from tasksync.adapters.salesforce.credentials import (
    JwtBearerConnection,
    RefreshTokenConnection,
    SecretStore,
    connection_secret_json,
    parse_connection_secret,
)

REFRESH = {
    "flow": "refresh_token",
    "client_id": "consumer-key",
    "client_secret": "consumer-secret",
    "refresh_token": "rt-1",
    "login_url": "https://login.salesforce.com/",
    "instance_url": "https://acme.my.salesforce.com",
}
JWT = {
    "flow": "jwt_bearer",
    "client_id": "consumer-key",
    "username": "rep@acme.com",
    "private_key": "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n",
    "login_url": "https://test.salesforce.com",
}


def test_refresh_token_shape():
    secret = parse_connection_secret(json.dumps(REFRESH))

    assert isinstance(secret, RefreshTokenConnection)
    assert secret.token_url == "https://login.salesforce.com/services/oauth2/token"
    assert secret.refresh_token.get_secret_value() == "rt-1"
    assert "rt-1" not in repr(secret) and "consumer-secret" not in repr(secret)


def test_jwt_shape_defaults_the_audience_to_the_login_url():
    secret = parse_connection_secret(json.dumps(JWT))

    assert isinstance(secret, JwtBearerConnection)
    assert secret.jwt_audience == "https://test.salesforce.com"
    assert "PRIVATE KEY" not in repr(secret)


@pytest.mark.parametrize(
    "broken",
    [
        {**REFRESH, "flow": "password"},
        {key: value for key, value in REFRESH.items() if key != "refresh_token"},
        {**REFRESH, "refreshToken": "typo"},
        {**REFRESH, "login_url": "http://login.salesforce.com"},
        {key: value for key, value in JWT.items() if key != "username"},
    ],
)
def test_broken_shapes_are_refused(broken):
    with pytest.raises(ValidationError):
        parse_connection_secret(json.dumps(broken))


def test_json_keeps_the_real_values_for_writing_back():
    secret = parse_connection_secret(json.dumps(REFRESH))
    assert isinstance(secret, RefreshTokenConnection)
    rotated = secret.model_copy(update={"refresh_token": SecretStr("rt-2")})

    written = json.loads(connection_secret_json(rotated))

    assert written["refresh_token"] == "rt-2"
    assert written["client_secret"] == "consumer-secret"
    assert parse_connection_secret(connection_secret_json(rotated)) == rotated


def test_reads_are_cached_for_max_age(secretsmanager):
    secretsmanager.create_secret(Name="conn", SecretString=json.dumps(REFRESH))
    store = SecretStore(max_age=300)
    store.load("conn")
    secretsmanager.put_secret_value(SecretId="conn", SecretString=json.dumps({**REFRESH, "refresh_token": "changed"}))

    cached = store.load("conn")
    fresh = store.load("conn", force=True)

    assert isinstance(cached, RefreshTokenConnection) and isinstance(fresh, RefreshTokenConnection)
    assert cached.refresh_token.get_secret_value() == "rt-1"
    assert fresh.refresh_token.get_secret_value() == "changed"


def test_save_writes_a_new_version_and_the_next_read_skips_the_cache(secretsmanager):
    secretsmanager.create_secret(Name="conn", SecretString=json.dumps(REFRESH))
    store = SecretStore(max_age=300)
    secret = store.load("conn")
    assert isinstance(secret, RefreshTokenConnection)

    store.save("conn", secret.model_copy(update={"refresh_token": SecretStr("rt-2")}))

    stored = json.loads(secretsmanager.get_secret_value(SecretId="conn")["SecretString"])
    assert stored["refresh_token"] == "rt-2"
    reread = store.load("conn")
    assert isinstance(reread, RefreshTokenConnection)
    assert reread.refresh_token.get_secret_value() == "rt-2"


def test_an_explicit_provider_is_used_for_reads_and_writes(secretsmanager):
    secretsmanager.create_secret(Name="conn", SecretString=json.dumps(JWT))
    store = SecretStore(provider=parameters.SecretsProvider(boto3_client=secretsmanager), max_age=0)
    secret = store.load("conn")
    assert isinstance(secret, JwtBearerConnection)

    store.save("conn", secret.model_copy(update={"instance_url": "https://acme.my.salesforce.com"}))

    assert json.loads(secretsmanager.get_secret_value(SecretId="conn")["SecretString"])["instance_url"] == (
        "https://acme.my.salesforce.com"
    )
