"""The rep's Salesforce connection (SPEC 9): its state, the OAuth web-server flow (start, and
Salesforce's callback), the JWT bearer flow, and disconnecting."""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any, Literal
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from tasksync.composition.api import ApiRoot, api_root
from tasksync.domain.settings import SyncSettings
from tasksync.http_api.access import body_as, require_owner
from tasksync.http_api.errors import ApiError
from tasksync.http_api.shapes import ConnectionBody, Incoming
from tasksync.ports.salesforce_connector import ConnectionRefused
from tasksync.ports.sync_state import SalesforceUserTaken
from tasksync.use_cases.salesforce_connection import AUTHORIZATION_LIFETIME, Connecting, disconnect

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves its __init__ untyped

CALLBACK_PATH = "/v1/oauth/salesforce/callback"
BROWSER_COOKIE = "tasksync_oauth_browser"


class JwtConnection(Incoming):
    flow: Literal["jwtBearer"]
    username: str
    login_url: str | None = None


def _connecting(root: ApiRoot) -> Connecting:
    services = root.sync.services
    return Connecting(root.connector, root.pending, services.settings, services.clock(), root.start_first_sync)


def _settings(root: ApiRoot, user_id: str) -> SyncSettings:
    return root.sync.services.settings.get_settings(user_id) or SyncSettings(user_id=user_id)


def _origin() -> str:
    """This API's own origin, as the rep's browser reached it: the callback must come back to it."""
    event = router.current_event
    scheme = event.headers.get("x-forwarded-proto", "https")
    return f"{scheme}://{event.request_context.domain_name}"


SAFE_RETURN = re.compile(r"^/(?![/\\])[A-Za-z0-9/_.~%=&?-]*$")
"""A path on this origin: printable characters a path and query use, never a second slash or backslash at
its start (``//host`` is another site, and browsers drop tabs and line breaks before they read a URL)."""


def _safe_return(path: str | None) -> str:
    """Where the browser goes once connected: a path on this origin only (never another site)."""
    return path if path and SAFE_RETURN.match(path) else "/"


def _browser_cookie(value: str, seconds: float) -> Cookie:
    """Sent back only to the callback, only by this browser, only on a top-level navigation to it."""
    https = router.current_event.headers.get("x-forwarded-proto", "https") == "https"
    return Cookie(
        name=BROWSER_COOKIE,
        value=value,
        path=CALLBACK_PATH,
        secure=https,
        http_only=True,
        max_age=int(seconds),
        same_site=SameSite.LAX_MODE,
    )


def _redirect(location: str, cookie: Cookie | None = None) -> Response[str]:
    cookies = [cookie] if cookie is not None else None
    return Response(status_code=HTTPStatus.FOUND.value, headers={"Location": location}, body="", cookies=cookies)


@router.get("/v1/users/<user_id>/salesforce-connection")
def get_connection(user_id: str) -> dict[str, Any]:
    require_owner(router.current_event, user_id)
    return ConnectionBody.of(_settings(api_root(), user_id).connection).json_body()


@router.get("/v1/users/<user_id>/salesforce-connection/authorize")
def authorize(user_id: str) -> Response[str]:
    """302 to Salesforce's authorize page; a page that fetches this (with its token in a header, which a
    plain link cannot carry) asks for JSON and sends the browser itself."""
    event = router.current_event
    require_owner(event, user_id)
    query = event.query_string_parameters or {}
    try:
        url, browser = _connecting(api_root()).start(
            user_id, query.get("loginUrl"), _origin() + CALLBACK_PATH, _safe_return(query.get("returnTo"))
        )
    except ConnectionRefused as refused:
        raise ApiError(HTTPStatus.BAD_REQUEST, refused.code, refused.message) from refused
    cookie = _browser_cookie(browser, AUTHORIZATION_LIFETIME.total_seconds())
    if "application/json" in event.headers.get("accept", ""):
        body = json.dumps({"authorizeUrl": url})
        return Response(
            status_code=HTTPStatus.OK.value, content_type=content_types.APPLICATION_JSON, body=body, cookies=[cookie]
        )
    return _redirect(url, cookie)


@router.get(CALLBACK_PATH)
def callback() -> Response[str]:
    """Salesforce's redirect: no token of ours, the flow's one-time state stands for the rep. Back to the
    page the rep came from, saying how it went."""
    event = router.current_event
    query = event.query_string_parameters or {}
    browser = event.resolved_cookies_field.get(BROWSER_COOKIE)
    spent = _browser_cookie("", 0)  # the flow is over, whichever way
    try:
        pending = _connecting(api_root()).finish(
            query.get("state", ""), query.get("code"), query.get("error"), query.get("error_description", ""), browser
        )
    except ConnectionRefused as refused:
        return _redirect("/?" + urlencode({"salesforce": "refused", "code": refused.code}), spent)
    except SalesforceUserTaken:
        return _redirect("/?" + urlencode({"salesforce": "refused", "code": "SALESFORCE_USER_TAKEN"}), spent)
    done = pending.return_to + ("&" if "?" in pending.return_to else "?") + "salesforce=connected"
    return _redirect(done, spent)


@router.put("/v1/users/<user_id>/salesforce-connection")
def connect_by_jwt(user_id: str) -> dict[str, Any]:
    """The JWT bearer flow, for an org whose admin pre-approved the connected app for its reps."""
    require_owner(router.current_event, user_id)
    body = body_as(router.current_event, JwtConnection)
    try:
        saved = _connecting(api_root()).connect_by_jwt(user_id, body.login_url, body.username)
    except ConnectionRefused as refused:
        raise ApiError(HTTPStatus.BAD_REQUEST, refused.code, refused.message) from refused
    return ConnectionBody.of(saved.connection).json_body()


@router.delete("/v1/users/<user_id>/salesforce-connection")
def delete_connection(user_id: str) -> Response[str]:
    require_owner(router.current_event, user_id)
    root = api_root()
    disconnect(user_id, root.connector, root.sync.services.settings)
    return Response(status_code=HTTPStatus.NO_CONTENT.value, body="")
