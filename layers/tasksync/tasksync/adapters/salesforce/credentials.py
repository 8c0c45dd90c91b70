"""Connection secrets: one AWS Secrets Manager secret per Salesforce connection, holding JSON.

Refresh-token flow (a user connected through the web-server OAuth flow)::

    {"flow": "refresh_token", "client_id": "<consumer key>", "client_secret": "<consumer secret>",
     "refresh_token": "<refresh token>", "login_url": "https://login.salesforce.com",
     "instance_url": "https://acme.my.salesforce.com"}

JWT bearer flow (server-to-server, a pre-approved connected app)::

    {"flow": "jwt_bearer", "client_id": "<consumer key>", "username": "rep@acme.com",
     "private_key": "-----BEGIN PRIVATE KEY-----\\n...", "login_url": "https://login.salesforce.com",
     "audience": "https://login.salesforce.com", "instance_url": "https://acme.my.salesforce.com"}

``client_secret`` is optional (a connected app may not require it for the refresh flow);
``instance_url`` is informative (each token answer names the instance to use); ``audience`` defaults to
``login_url``. Reads go through Powertools parameters (cached ``max_age`` seconds); a rotated refresh
token is written back with ``put_secret_value`` and the next read bypasses the cache.
Powertools docs: "Parameters" utility, ``get_secret`` / ``SecretsProvider``, ``max_age``,
``force_fetch``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

from aws_lambda_powertools.utilities import parameters
from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter, field_validator

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient


def _https_url(value: str) -> str:
    value = value.strip().rstrip("/")
    if not value.startswith("https://"):
        raise ValueError("must be an https:// URL (simple-salesforce only speaks https)")
    return value


class _Connection(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    client_id: str = Field(min_length=1)
    login_url: str
    instance_url: str | None = None

    @field_validator("login_url", "instance_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        return None if value is None else _https_url(value)

    @property
    def token_url(self) -> str:
        return f"{self.login_url}/services/oauth2/token"


class RefreshTokenConnection(_Connection):
    flow: Literal["refresh_token"]
    client_secret: SecretStr | None = None
    refresh_token: SecretStr


class JwtBearerConnection(_Connection):
    flow: Literal["jwt_bearer"]
    username: str = Field(min_length=1)
    private_key: SecretStr
    audience: str | None = None

    @property
    def jwt_audience(self) -> str:
        return self.audience or self.login_url


ConnectionSecret = Annotated[RefreshTokenConnection | JwtBearerConnection, Field(discriminator="flow")]
_CONNECTION_SECRET: TypeAdapter[RefreshTokenConnection | JwtBearerConnection] = TypeAdapter(ConnectionSecret)


def parse_connection_secret(raw: str | bytes) -> RefreshTokenConnection | JwtBearerConnection:
    return _CONNECTION_SECRET.validate_json(raw)


def connection_secret_json(secret: RefreshTokenConnection | JwtBearerConnection) -> str:
    """The secret's JSON with the real values (``model_dump_json`` would write ``**********``)."""
    data: dict[str, Any] = {}
    for name, value in secret.model_dump(exclude_none=True).items():
        data[name] = value.get_secret_value() if isinstance(value, SecretStr) else value
    return json.dumps(data)


class SecretStore:
    """Reads connection secrets through Powertools' cache and writes rotated refresh tokens back."""

    def __init__(
        self,
        *,
        provider: parameters.SecretsProvider | None = None,
        client: SecretsManagerClient | None = None,
        max_age: int = 300,
    ) -> None:
        """Without ``provider`` reads use ``parameters.get_secret`` (Powertools' shared provider, so the
        cache outlives one invocation); without ``client`` writes use the provider's client, or a new
        boto3 client."""
        self._provider = provider
        self._client = client
        self._max_age = max_age
        self._written: set[str] = set()

    def load(self, name: str, *, force: bool = False) -> RefreshTokenConnection | JwtBearerConnection:
        force = force or name in self._written
        if self._provider is not None:
            raw = self._provider.get(name, max_age=self._max_age, force_fetch=force)
        else:
            raw = parameters.get_secret(name, max_age=self._max_age, force_fetch=force)
        if not isinstance(raw, str | bytes):
            raise ValueError(f"secret {name} holds no string")
        self._written.discard(name)
        return parse_connection_secret(raw)

    def save(self, name: str, secret: RefreshTokenConnection | JwtBearerConnection) -> None:
        self._secrets_client().put_secret_value(SecretId=name, SecretString=connection_secret_json(secret))
        # The Powertools cache still holds the old value (and its dead refresh token).
        self._written.add(name)

    def _secrets_client(self) -> SecretsManagerClient:
        if self._client is None:
            if self._provider is not None:
                self._client = self._provider.client
            else:
                import boto3

                self._client = boto3.client("secretsmanager")
        return self._client
