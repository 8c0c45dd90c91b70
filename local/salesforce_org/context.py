"""What a REST handler knows about the call it answers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from local.salesforce_org.errors import ApiError, json_parser_error
from local.salesforce_org.oauth import AccessToken
from local.salesforce_org.org import Org, User
from local.salesforce_org.records import Actor, api_origin
from local.salesforce_org.state import EmulatorState

CALL_OPTIONS = "Sforce-Call-Options"
QUERY_OPTIONS = "Sforce-Query-Options"


def call_options_client(header: str | None) -> str | None:
    """``client`` from ``Sforce-Call-Options``. REST API Developer Guide, "Call Options Header": the
    current page separates options with ``;`` (``client=caseSensitiveToken; defaultNamespace=battle``),
    older versions of it with ``,`` (``client=SampleCaseSensitiveToken/100, defaultNamespace=battle``):
    both are read, with or without spaces."""
    if not header:
        return None
    for part in re.split(r"[;,]", header):
        key, _, value = part.strip().partition("=")
        if key.strip() == "client" and value.strip():
            return value.strip()
    return None


@dataclass
class ApiContext:
    state: EmulatorState
    org: Org
    user: User
    token: AccessToken
    api_version: str
    request: Request
    lock_fault: bool = False
    """UNABLE_TO_LOCK_ROW was injected for this call."""

    @property
    def client_id(self) -> str | None:
        return call_options_client(self.request.headers.get(CALL_OPTIONS))

    @property
    def actor(self) -> Actor:
        return Actor(self.user.id, api_origin(self.api_version, self.client_id), via_api=True)

    def collections_actor(self) -> Actor:
        """The actor of an sObject Collections write. "Call Options Header" lists the resources the
        header applies to (sObject rows, rows by external ID, query, queryAll, search, Bulk), not
        sObject Collections: with the org's ``collections_without_client`` chance, rolled once per call,
        the call's changeOrigin lacks ``;client=``."""
        if self.org.collections_without_client.hit():
            return Actor(self.user.id, api_origin(self.api_version, None), via_api=True)
        return self.actor

    @property
    def version_number(self) -> float:
        return float(self.api_version)

    def json_body(self) -> Any:
        raw = self.request.get_data(cache=True)
        if not raw.strip():
            raise json_parser_error("The request body is empty")
        try:
            return json.loads(raw)
        except ValueError as error:
            raise json_parser_error(f"Unexpected character in the JSON body: {error}") from None

    def json_object(self, what: str = "sObject") -> dict[str, Any]:
        body = self.json_body()
        if not isinstance(body, dict):
            kind = "START_ARRAY" if isinstance(body, list) else "VALUE"
            raise json_parser_error(f"Cannot deserialize instance of {what} from {kind} value")
        return body


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(body), status=status, content_type="application/json;charset=UTF-8")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def error_response(error: ApiError) -> Response:
    return json_response(error.body(), error.status)


def no_content() -> Response:
    return Response(status=204)
