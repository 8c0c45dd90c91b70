"""SalesforceConnector over the OAuth 2.0 flows (``web_server_flow``, ``auth``) and Secrets Manager.

The connected app's own credentials live in one secret (``SALESFORCE_APP_SECRET_NAME``), JSON::

    {"client_id": "<consumer key>", "client_secret": "<consumer secret>",
     "login_url": "https://login.salesforce.com",
     "private_key": "-----BEGIN PRIVATE KEY-----\\n..."}

``client_secret`` is optional (PKCE then stands in for it), ``private_key`` only for orgs that use the
JWT bearer flow (the certificate's key, whose certificate the connected app holds). Each connection's
credentials go to ``<SALESFORCE_SECRETS_PREFIX><orgId>/<userId>``, in ``credentials``' shape, which the
gateway reads.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

import requests
from aws_lambda_powertools.utilities import parameters
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from tasksync.adapters.salesforce import web_server_flow
from tasksync.adapters.salesforce.auth import request_jwt_bearer_grant
from tasksync.adapters.salesforce.credentials import (
    JwtBearerConnection,
    RefreshTokenConnection,
    connection_secret_json,
    parse_connection_secret,
)
from tasksync.adapters.salesforce.http_session import build_session
from tasksync.adapters.salesforce.settings import GatewaySettings
from tasksync.domain.settings import SalesforceConnection
from tasksync.observability import logger
from tasksync.ports.salesforce import SalesforceError
from tasksync.ports.salesforce_connector import ConnectionRefused, Granted

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

SALESFORCE_LOGINS = ("https://login.salesforce.com", "https://test.salesforce.com")
MY_DOMAIN = re.compile(r"^https://[A-Za-z0-9-]+(\.sandbox)?\.my\.salesforce\.com$")
"""A My Domain login URL (Salesforce Help, "My Domain URL Formats"), a sandbox's included."""


class ConnectedApp(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    client_id: str = Field(min_length=1)
    client_secret: SecretStr | None = None
    login_url: str
    private_key: SecretStr | None = None

    @field_validator("login_url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError("login_url must be an https:// URL")
        return value.rstrip("/")


class SecretsManagerConnector:
    def __init__(
        self,
        app_secret_name: str,
        secrets_prefix: str,
        settings: GatewaySettings,
        *,
        client: SecretsManagerClient | None = None,
        max_age: int = 300,
    ) -> None:
        self._app_secret_name = app_secret_name
        self._prefix = secrets_prefix
        self._settings = settings
        self._client = client
        self._max_age = max_age
        self._session: requests.Session | None = None

    # -- the flows --------------------------------------------------------------------------------

    def login_url(self, asked: str | None) -> str:
        app = self._app()
        if asked is None:
            return app.login_url
        wanted = asked.strip().rstrip("/")
        if wanted == app.login_url or wanted in SALESFORCE_LOGINS or MY_DOMAIN.match(wanted):
            return wanted
        raise ConnectionRefused("LOGIN_URL_REFUSED", f"{asked} is not a Salesforce login URL")

    def authorize_url(self, login_url: str, redirect_uri: str, state: str, code_challenge: str) -> str:
        return web_server_flow.authorize_url(login_url, self._app().client_id, redirect_uri, state, code_challenge)

    def new_pkce(self) -> tuple[str, str]:
        return web_server_flow.new_pkce()

    def exchange_code(self, login_url: str, redirect_uri: str, code: str, code_verifier: str) -> Granted:
        app = self._app()
        client_secret = app.client_secret.get_secret_value() if app.client_secret else None
        try:
            grant = web_server_flow.exchange_code(
                login_url, app.client_id, client_secret, redirect_uri, code, code_verifier, session=self._http()
            )
        except SalesforceError as refused:
            raise ConnectionRefused(refused.code, refused.message) from refused
        identity = grant.identity
        credentials = grant.connection(client_id=app.client_id, client_secret=client_secret, login_url=login_url)
        return Granted(
            identity.org_id, identity.user_id, identity.username, identity.display_name, grant.instance_url, credentials
        )

    def grant_by_jwt(self, login_url: str, username: str) -> Granted:
        app = self._app()
        if app.private_key is None:
            raise ConnectionRefused("JWT_NOT_SET_UP", "the connected app has no key for the JWT bearer flow")
        credentials = JwtBearerConnection(
            flow="jwt_bearer",
            client_id=app.client_id,
            username=username,
            private_key=app.private_key,
            login_url=login_url,
        )
        session = self._http()
        try:
            answer = request_jwt_bearer_grant(session, credentials, self._settings.timeout, time.time())
            if answer.token.identity_url is None:
                raise ConnectionRefused("NO_IDENTITY", "Salesforce's token answer names no user")
            identity = web_server_flow.read_identity(answer.token.identity_url, answer.token.value, session=session)
        except SalesforceError as refused:
            raise ConnectionRefused(refused.code, refused.message) from refused
        return Granted(
            identity.org_id,
            identity.user_id,
            identity.username,
            identity.display_name,
            answer.token.instance_url,
            credentials.model_copy(update={"instance_url": answer.token.instance_url}),
        )

    # -- the credentials ----------------------------------------------------------------------------

    def store(self, granted: Granted) -> SalesforceConnection:
        credentials = granted.credentials
        if not isinstance(credentials, RefreshTokenConnection | JwtBearerConnection):
            raise TypeError("a grant of another connector")
        name = f"{self._prefix}{granted.org_id}/{granted.sf_user_id}"
        value = connection_secret_json(credentials)
        client = self._secrets()
        try:
            client.create_secret(Name=name, SecretString=value, Description="tasksync: a rep's Salesforce connection")
        except client.exceptions.ResourceExistsException:
            client.put_secret_value(SecretId=name, SecretString=value)  # the same Salesforce user, connecting again
        return SalesforceConnection(
            org_id=granted.org_id,
            sf_user_id=granted.sf_user_id,
            instance_url=granted.instance_url,
            secret_name=name,
            username=granted.username,
            display_name=granted.display_name,
        )

    def forget(self, granted: Granted) -> None:
        if isinstance(granted.credentials, RefreshTokenConnection):
            self._revoke(granted.credentials)

    def disconnect(self, connection: SalesforceConnection) -> None:
        client = self._secrets()
        try:
            stored = client.get_secret_value(SecretId=connection.secret_name)["SecretString"]
        except client.exceptions.ResourceNotFoundException:
            return  # removed already
        credentials = parse_connection_secret(stored)
        if isinstance(credentials, RefreshTokenConnection):
            self._revoke(credentials)
        client.delete_secret(SecretId=connection.secret_name, ForceDeleteWithoutRecovery=True)

    def _revoke(self, credentials: RefreshTokenConnection) -> None:
        """Best effort: the secret goes whatever Salesforce answers, and an admin can revoke the app too."""
        try:
            web_server_flow.revoke(
                credentials.login_url, credentials.refresh_token.get_secret_value(), session=self._http()
            )
        except SalesforceError as refused:
            logger.warning("Salesforce did not revoke the refresh token", code=refused.code)

    def _app(self) -> ConnectedApp:
        raw: Any = parameters.get_secret(self._app_secret_name, max_age=self._max_age)
        return ConnectedApp.model_validate_json(raw)

    def _http(self) -> requests.Session:
        if self._session is None:
            self._session = build_session(self._settings)
        return self._session

    def _secrets(self) -> SecretsManagerClient:
        if self._client is None:
            import boto3

            self._client = boto3.client("secretsmanager")
        return self._client
