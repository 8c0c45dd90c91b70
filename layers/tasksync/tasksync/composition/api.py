"""The rep API's root: what connecting Salesforce needs (the connector, the OAuth flows under way) and
the function that runs the first sync. The stores and the asynchronous invocations are the syncing
root's (``composition.sync``)."""

from __future__ import annotations

from dataclasses import dataclass

from tasksync.adapters.dynamodb.pending_authorizations import DynamoDBPendingAuthorizations
from tasksync.adapters.salesforce.connector import SecretsManagerConnector
from tasksync.adapters.salesforce.settings import GatewaySettings
from tasksync.composition import RootSeam
from tasksync.composition.sync import SyncRoot, sync_root
from tasksync.configuration import load_config
from tasksync.configuration.functions import ApiConfig
from tasksync.ports.salesforce_connector import PendingAuthorizations, SalesforceConnector


@dataclass(frozen=True)
class ApiRoot:
    connector: SalesforceConnector
    pending: PendingAuthorizations
    first_sync_function: str

    @property
    def sync(self) -> SyncRoot:
        return sync_root(ApiConfig)

    def start_first_sync(self, user_id: str) -> None:
        """Asynchronously: Lambda retries it, and the settings show its progress."""
        self.sync.invoke(self.first_sync_function, {"userId": user_id})


def build_api_root(config: ApiConfig) -> ApiRoot:
    settings = GatewaySettings(client_id=config.salesforce_call_client, ca_bundle=config.salesforce_ca_bundle)
    connector = SecretsManagerConnector(config.salesforce_app_secret_name, config.salesforce_secrets_prefix, settings)
    return ApiRoot(
        connector=connector,
        pending=DynamoDBPendingAuthorizations(config.state_table_name),
        first_sync_function=config.first_sync_function_name,
    )


_root: ApiRoot | None = None
_seam: RootSeam[ApiRoot] = RootSeam()
override = _seam.override
"""Tests: the API uses the given root instead of the real adapters."""


def api_root() -> ApiRoot:
    """The container's root, built on first use."""
    global _root
    if _seam.root is not None:
        return _seam.root
    if _root is None:
        _root = build_api_root(load_config(ApiConfig))
    return _root
