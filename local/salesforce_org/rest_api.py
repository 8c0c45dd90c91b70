"""The Salesforce-facing routes: ``/services/oauth2/...`` (token, authorize, revoke, userinfo), the
identity URL ``/id/<orgId>/<userId>``, and ``/services/data/vXX.X/...``.

Every ``/services/data/vXX.X`` call goes through the same steps: the access token (``Authorization:
Bearer <token>``; ``OAuth <token>`` also works) picks the org and the user, or the answer is 401
``INVALID_SESSION_ID``; the call is counted against the org's daily allowance, or refused with 403
``REQUEST_LIMIT_EXCEEDED``; the org's added latency and injected faults apply; the handler answers.
Every answer to an authenticated call carries ``Sforce-Limit-Info: api-usage=<used>/<max>`` (REST API
Developer Guide, "Limit Info Header"). Any API version ``vNN.N`` is accepted; simple-salesforce 1.12.10
defaults to 59.0 (``DEFAULT_API_VERSION`` in its ``api.py``).

The OAuth routes and the identity URL are not API calls: no allowance, latency or faults apply.
``/services/oauth2/revoke`` (Mobile SDK Guide, "Revoking OAuth Tokens"; Salesforce Help, "Revoke OAuth
Tokens Programmatically"; Salesforce Developers Blog, "Revoking OAuth 2.0 Access Tokens and Refresh
Tokens", 2011, for the GET variant): ``token=`` form-encoded in a POST (or as a GET parameter); an
access token is revoked alone, a refresh token with every access token issued with or through it;
HTTP 200 on success, else 400 ``unsupported_token_type`` ("Token type not supported") or
``invalid_token`` ("Token was invalid"). Which token is of an unsupported type is not documented: here
an authorization code is; an unknown, revoked or expired token is invalid.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from local.salesforce_org import bulk, collections, ids, query_paging, replication, sobjects
from local.salesforce_org.context import QUERY_OPTIONS, ApiContext, error_response, json_response
from local.salesforce_org.errors import (
    ApiError,
    OAuthError,
    invalid_session,
    not_found,
    request_limit_exceeded,
    server_unavailable,
)
from local.salesforce_org.faults import FaultKind
from local.salesforce_org.identity import IdentityFailure, api_version, identity_answer, userinfo_answer
from local.salesforce_org.login_page import error_page, login_page
from local.salesforce_org.oauth import (
    JWT_BEARER,
    Grant,
    TokenKind,
    check_jwt_grant,
    check_refresh_grant,
    token_answer,
)
from local.salesforce_org.org import Org, User
from local.salesforce_org.state import EmulatorState
from local.salesforce_org.web_server_flow import (
    LOGIN_FAILED,
    AuthorizeError,
    AuthorizeRefusal,
    approve,
    check_code_grant,
    deny,
    parse_authorize,
)

LIMIT_INFO = "Sforce-Limit-Info"
_VERSION = re.compile(r"^\d{2}\.\d$")
_PREFIX = "/services/data/v<version>"

Handler = Callable[..., Response]


def _rules() -> list[Rule]:
    def rule(path: str, endpoint: str, *methods: str) -> Rule:
        return Rule(_PREFIX + path, endpoint=endpoint, methods=list(methods) or ["GET"])

    return [
        Rule("/services/oauth2/token", endpoint="token", methods=["POST"]),
        Rule("/services/oauth2/authorize", endpoint="authorize", methods=["GET", "POST"]),
        Rule("/services/oauth2/revoke", endpoint="revoke", methods=["GET", "POST"]),
        Rule("/services/oauth2/userinfo", endpoint="userinfo", methods=["GET", "POST"]),
        Rule("/id/<org>/<user>", endpoint="identity", methods=["GET", "POST"]),
        Rule("/services/data", endpoint="versions", methods=["GET"]),
        rule("", "resources"),
        rule("/limits", "limits"),
        rule("/query", "query"),
        rule("/queryAll", "query_all"),
        rule("/query/<locator>", "query_more"),
        rule("/queryAll/<locator>", "query_all_more"),
        rule("/sobjects", "describe_global"),
        rule("/sobjects/<sobject>", "sobject", "GET", "POST"),
        rule("/sobjects/<sobject>/describe", "describe"),
        rule("/sobjects/<sobject>/updated", "updated"),
        rule("/sobjects/<sobject>/deleted", "deleted"),
        rule("/sobjects/<sobject>/<record>", "record", "GET", "PATCH", "DELETE"),
        rule("/sobjects/<sobject>/<field>/<value>", "external", "GET", "PATCH", "DELETE"),
        rule("/composite/sobjects", "collections", "POST", "PATCH", "DELETE"),
        rule("/composite/sobjects/<sobject>/<field>", "collections_upsert", "PATCH"),
        rule("/jobs/query", "bulk_jobs", "GET", "POST"),
        rule("/jobs/query/<job>", "bulk_job", "GET", "PATCH", "DELETE"),
        rule("/jobs/query/<job>/results", "bulk_results"),
    ]


class RestApi:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.url_map = Map(_rules(), strict_slashes=False, merge_slashes=True)
        self._handlers: dict[str, Handler] = {
            "resources": self._resources,
            "limits": self._limits,
            "query": lambda ctx: self._query(ctx, include_deleted=False),
            "query_all": lambda ctx: self._query(ctx, include_deleted=True),
            "query_more": lambda ctx, locator: self._query_more(ctx, locator),
            "query_all_more": lambda ctx, locator: self._query_more(ctx, locator),
            "describe_global": sobjects.describe_global,
            "sobject": self._sobject,
            "describe": sobjects.describe,
            "updated": self._updated,
            "deleted": self._deleted,
            "record": self._record,
            "external": self._external,
            "collections": self._collections,
            "collections_upsert": collections.upsert,
            "bulk_jobs": self._bulk_jobs,
            "bulk_job": self._bulk_job,
            "bulk_results": lambda ctx, job: bulk.results(ctx, job),
        }
        self._oauth_handlers: dict[str, Callable[..., Response]] = {
            "token": self._token,
            "authorize": self._authorize,
            "revoke": self._revoke,
            "userinfo": self._userinfo,
            "identity": self._identity,
        }

    # -- dispatch --------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/") or "/"
        adapter = self.url_map.bind("emulator", url_scheme="https")
        try:
            endpoint, values = adapter.match(path, method=request.method)
        except MethodNotAllowed as error:
            allowed = ",".join(m for m in (error.valid_methods or []) if m not in ("HEAD", "OPTIONS"))
            return error_response(
                ApiError(
                    405, "METHOD_NOT_ALLOWED", f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}"
                )
            )
        except NotFound:
            return error_response(not_found())
        if endpoint in self._oauth_handlers:
            return self._oauth_handlers[str(endpoint)](request, **values)
        if endpoint == "versions":
            return json_response(_versions())
        values = dict(values)
        version = str(values.pop("version"))
        if not _VERSION.match(version):
            return error_response(not_found())
        return self._api_call(request, str(endpoint), version, values)

    def _api_call(self, request: Request, endpoint: str, version: str, values: dict[str, Any]) -> Response:
        state = self.state
        now = state.now()
        header = request.headers.get("Authorization", "")
        scheme, _, token_value = header.partition(" ")
        token = state.tokens.access(token_value.strip(), now) if scheme.lower() in ("bearer", "oauth") else None
        org = state.orgs.get(token.org_id) if token else None
        user = org.users.get(token.user_id) if org and token else None
        if token is None or org is None or user is None or not user.is_active:
            return error_response(invalid_session())
        counted, used = org.usage.try_record(now)
        headers = {LIMIT_INFO: f"api-usage={used}/{org.usage.limit}"}
        if not counted:
            return _with_headers(error_response(request_limit_exceeded()), headers)
        if org.faults.latency_seconds > 0:
            time.sleep(org.faults.latency_seconds)
        fault = org.faults.take(request.method, request.path)
        if fault is not None and fault.kind is FaultKind.REQUEST_LIMIT_EXCEEDED:
            return _with_headers(error_response(request_limit_exceeded()), headers)
        if fault is not None and fault.kind is FaultKind.SERVER_UNAVAILABLE:
            return _with_headers(error_response(server_unavailable()), headers)
        ctx = ApiContext(
            state=state,
            org=org,
            user=user,
            token=token,
            api_version=version,
            request=request,
            lock_fault=fault is not None and fault.kind is FaultKind.UNABLE_TO_LOCK_ROW,
        )
        try:
            # Path values go positionally, in the order they appear in the rule.
            response = self._handlers[endpoint](ctx, *values.values())
        except ApiError as error:
            response = error_response(error)
        if fault is not None and fault.kind is FaultKind.SLOW_RESPONSE:
            time.sleep(fault.seconds)
        return _with_headers(response, headers)

    # -- OAuth -----------------------------------------------------------------------------------------

    def _token(self, request: Request) -> Response:
        state = self.state
        form = dict(request.form.items())
        grant_type = form.get("grant_type")
        now = state.now()
        try:
            grant: Grant
            if grant_type == "refresh_token":
                grant = check_refresh_grant(state.tokens, form, state.users, now)
            elif grant_type == "authorization_code":
                grant = check_code_grant(state.tokens, form, state.users, now)
            elif grant_type == JWT_BEARER:
                grant = check_jwt_grant(state.tokens, form, state.usernames, state.jwt_audiences, now)
            else:
                raise OAuthError("unsupported_grant_type", "grant type not supported")
        except OAuthError as error:
            return json_response(error.body(), error.status)
        org = state.orgs[grant.user.org_id]
        access = state.tokens.issue_access_token(
            org, grant.user, grant.app, now, refresh_token=grant.parent_refresh_token
        )
        return json_response(token_answer(grant, access, state.base_url))

    def _authorize(self, request: Request) -> Response:
        """The web-server flow's first leg (``web_server_flow``): GET shows the login-and-approve page,
        whose form POSTs the same parameters back with ``username`` and ``action`` (``allow`` or
        ``deny``). A script approves as a user with that POST alone; it is checked like the GET."""
        state = self.state
        params = dict(request.values.items())
        try:
            authorize = parse_authorize(state.tokens, params)
        except AuthorizeRefusal as refusal:
            return _html(error_page(refusal.error, refusal.description), 400)
        except AuthorizeError as error:
            return _redirect(error.location())
        users = self._active_users()
        if request.method == "GET":
            return _html(login_page(authorize, users))
        action = request.form.get("action", "")
        username = request.form.get("username", "").strip()
        if action == "deny":
            return _redirect(deny(authorize))
        if action != "allow":
            page = login_page(authorize, users, error="Choose Allow or Deny.", username=username)
            return _html(page, 400)
        user = state.usernames.get(username.lower())
        if user is None or not user.is_active or user.org_id not in state.orgs:
            return _html(login_page(authorize, users, error=LOGIN_FAILED, username=username))
        return _redirect(approve(state.tokens, authorize, user, state.now()))

    def _active_users(self) -> list[tuple[User, str]]:
        state = self.state
        with state.lock:
            users = [u for u in state.usernames.values() if u.is_active and u.org_id in state.orgs]
        return [(u, state.orgs[u.org_id].name) for u in sorted(users, key=lambda u: u.username.lower())]

    def _revoke(self, request: Request) -> Response:
        source = request.form if request.method == "POST" else request.args
        kind = self.state.tokens.revoke(source.get("token", ""), self.state.now())
        if kind is TokenKind.CODE:
            return json_response(OAuthError("unsupported_token_type", "Token type not supported").body(), 400)
        if kind is None:
            return json_response(OAuthError("invalid_token", "Token was invalid").body(), 400)
        return Response(status=200)

    def _bearer(self, request: Request) -> tuple[Org, User]:
        """The identity services' caller: a live token of an active user, or 403."""
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        given = value.strip() if scheme.lower() in ("bearer", "oauth") else ""
        given = given or request.values.get("oauth_token", "") or request.values.get("access_token", "")
        if not given:
            raise IdentityFailure(403, "Missing_OAuth_Token")
        state = self.state
        token = state.tokens.access(given, state.now())
        org = state.orgs.get(token.org_id) if token else None
        user = org.users.get(token.user_id) if org and token else None
        if token is None or org is None or user is None or not user.is_active:
            raise IdentityFailure(403, "Bad_OAuth_Token")
        return org, user

    def _identity(self, request: Request, org: str, user: str) -> Response:
        state = self.state
        try:
            token_org, asker = self._bearer(request)
            if ids.normalize(org) != token_org.id:
                raise IdentityFailure(403, "Wrong_Org")
            target = token_org.users.get(ids.normalize(user) or "")
            if target is None:
                raise IdentityFailure(404, "Bad_Id")
            version = api_version(request.values.get("version"), max(_RELEASES, key=float))
        except IdentityFailure as failure:
            return _text(failure.code, failure.status)
        return json_response(
            identity_answer(state.base_url, token_org, target, asker=asker, version=version, now=state.now())
        )

    def _userinfo(self, request: Request) -> Response:
        try:
            org, user = self._bearer(request)
        except IdentityFailure as failure:
            return _text(failure.code, failure.status)
        return json_response(userinfo_answer(self.state.base_url, org, user, now=self.state.now()))

    # -- handlers that pick between resources ----------------------------------------------------------

    def _resources(self, ctx: ApiContext) -> Response:
        base = f"/services/data/v{ctx.api_version}"
        names = ("sobjects", "query", "queryAll", "limits", "composite", "jobs")
        return json_response({name: f"{base}/{name}" for name in names})

    def _limits(self, ctx: ApiContext) -> Response:
        # REST API Developer Guide, "Limits": {"DailyApiRequests": {"Max": ..., "Remaining": ...}, ...}.
        used = ctx.org.usage.used(ctx.state.now())
        limit = ctx.org.usage.limit
        jobs = len(ctx.state.bulk_jobs.of_org(ctx.org.id))
        return json_response(
            {
                "DailyApiRequests": {"Max": limit, "Remaining": max(limit - used, 0)},
                "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": max(10000 - jobs, 0)},
            }
        )

    def _query(self, ctx: ApiContext, *, include_deleted: bool) -> Response:
        text = ctx.request.args.get("q")
        if not text:
            raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
        return json_response(
            query_paging.query_resource(
                ctx.state.query_cursors,
                ctx.org,
                ctx.user,
                text,
                include_deleted=include_deleted,
                api_version=ctx.api_version,
                batch=query_paging.batch_size(ctx.request.headers.get(QUERY_OPTIONS)),
            )
        )

    def _query_more(self, ctx: ApiContext, locator: str) -> Response:
        return json_response(
            query_paging.query_more_resource(
                ctx.state.query_cursors,
                ctx.org,
                ctx.user,
                locator,
                api_version=ctx.api_version,
                batch=query_paging.batch_size(ctx.request.headers.get(QUERY_OPTIONS)),
            )
        )

    def _sobject(self, ctx: ApiContext, sobject: str) -> Response:
        if ctx.request.method == "POST":
            return sobjects.create(ctx, sobject)
        return sobjects.basic_info(ctx, sobject)

    def _updated(self, ctx: ApiContext, sobject: str) -> Response:
        self._replicated(sobject)
        args = ctx.request.args
        return json_response(replication.updated(ctx.org, args.get("start"), args.get("end")))

    def _deleted(self, ctx: ApiContext, sobject: str) -> Response:
        self._replicated(sobject)
        args = ctx.request.args
        return json_response(replication.deleted(ctx.org, args.get("start"), args.get("end")))

    @staticmethod
    def _replicated(sobject: str) -> None:
        obj = sobjects.sobject_or_404(sobject)
        if obj.name != "Task":
            raise ApiError(400, "INVALID_TYPE", f"sObject type '{obj.name}' is not replicable")

    def _record(self, ctx: ApiContext, sobject: str, record: str) -> Response:
        method = ctx.request.method
        if method == "GET":
            return sobjects.get_record(ctx, sobject, record)
        if method == "PATCH":
            return sobjects.update_record(ctx, sobject, record)
        return sobjects.delete_record(ctx, sobject, record)

    def _external(self, ctx: ApiContext, sobject: str, field: str, value: str) -> Response:
        method = ctx.request.method
        if method == "GET":
            return sobjects.external_get(ctx, sobject, field, value)
        if method == "PATCH":
            return sobjects.external_upsert(ctx, sobject, field, value)
        return sobjects.external_delete(ctx, sobject, field, value)

    def _collections(self, ctx: ApiContext) -> Response:
        method = ctx.request.method
        if method == "POST":
            return collections.create(ctx)
        if method == "PATCH":
            return collections.update(ctx)
        return collections.delete(ctx)

    def _bulk_jobs(self, ctx: ApiContext) -> Response:
        if ctx.request.method == "POST":
            return bulk.create_job(ctx)
        return bulk.list_jobs(ctx)

    def _bulk_job(self, ctx: ApiContext, job: str) -> Response:
        method = ctx.request.method
        if method == "GET":
            return bulk.job_info(ctx, job)
        if method == "PATCH":
            return bulk.abort(ctx, job)
        return bulk.delete(ctx, job)


def _with_headers(response: Response, headers: dict[str, str]) -> Response:
    for key, value in headers.items():
        response.headers[key] = value
    return response


def _html(page: str, status: int = 200) -> Response:
    response = Response(page, status=status, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def _text(body: str, status: int) -> Response:
    return Response(body, status=status, content_type="text/plain; charset=utf-8")


def _redirect(location: str) -> Response:
    response = Response(status=302)
    response.headers["Location"] = location
    response.headers["Cache-Control"] = "no-store"
    return response


_RELEASES = {
    "58.0": "Summer '23",
    "59.0": "Winter '24",
    "60.0": "Spring '24",
    "61.0": "Summer '24",
    "62.0": "Winter '25",
}


def _versions() -> list[dict[str, str]]:
    return [{"label": label, "url": f"/services/data/v{v}", "version": v} for v, label in _RELEASES.items()]
