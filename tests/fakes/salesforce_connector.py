"""The connection use case's ports, for runs with no OAuth adapter: a grant is stored where its rep's
secret would be, and no authorization is ever pending."""

from __future__ import annotations

from tasksync.domain.settings import SalesforceConnection
from tasksync.ports.salesforce_connector import Granted, PendingAuthorization


class StoredGrants:
    """The one thing connecting needs of the OAuth adapter here: the grant stored, under the rep's name."""

    def store(self, granted: Granted) -> SalesforceConnection:
        return SalesforceConnection(
            org_id=granted.org_id,
            sf_user_id=granted.sf_user_id,
            instance_url=granted.instance_url,
            secret_name=f"tasksync/test/salesforce/{granted.display_name}",
        )

    def forget(self, granted: Granted) -> None:
        pass

    def disconnect(self, connection: SalesforceConnection) -> None:
        pass

    def login_url(self, asked: str | None) -> str:
        raise NotImplementedError

    def authorize_url(self, login_url: str, redirect_uri: str, state: str, code_challenge: str) -> str:
        raise NotImplementedError

    def new_pkce(self) -> tuple[str, str]:
        raise NotImplementedError

    def exchange_code(self, login_url: str, redirect_uri: str, code: str, code_verifier: str) -> Granted:
        raise NotImplementedError

    def grant_by_jwt(self, login_url: str, username: str) -> Granted:
        raise NotImplementedError


class NoPending:
    def put(self, pending: PendingAuthorization) -> None:
        raise NotImplementedError

    def take(self, state: str) -> PendingAuthorization | None:
        return None
