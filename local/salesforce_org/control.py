"""The emulator's own HTTP API under ``/__emulator``: set-up, clock, faults, how harsh an org is,
webhook, events, a path to act in an org as a Salesforce user in Lightning Experience, and one to change
records as the platform does. Nothing here counts against an org's API allowance. It works on the
emulator state and drives each org through the same ``OrgHandle`` methods as the Python API.

JSON in and out, camelCase; errors answer ``{"error": "<message>"}`` (400, or 404 for an unknown org,
user or app), except the UI routes, which answer Salesforce's own error list
(``[{"message", "errorCode", "fields"}]``) for a record Salesforce would refuse.

Routes (``<org>``: org id; ``<user>``: user id)::

    GET    /__emulator/health
    GET    /__emulator/clock                         {"now", "frozen"}
    POST   /__emulator/clock                         {"set": iso, "frozen": bool} | {"advanceSeconds": n}
                                                     | {"freeze": true} | {"resume": true}
    GET    /__emulator/connected-apps
    POST   /__emulator/connected-apps                {"name", "rotateRefreshTokens", "jwtPublicKey",
                                                      "clientId", "clientSecret", "sessionTimeoutSeconds",
                                                      "callbackUrls", "requireSecret", "scopes"}
    GET    /__emulator/orgs
    POST   /__emulator/orgs                          {"name"}
    GET    /__emulator/orgs/<org>
    PATCH  /__emulator/orgs/<org>/settings           {"sessionTimeoutSeconds", "mergeIdenticalChanges",
                                                      "bulkPollsBeforeComplete", "queryLocatorIdleSeconds"}
    GET    /__emulator/orgs/<org>/users
    POST   /__emulator/orgs/<org>/users              {"username", "lastName", "firstName", "email", "timeZone"}
    PATCH  /__emulator/orgs/<org>/users/<user>       {"isActive", "timeZone"}
    POST   /__emulator/orgs/<org>/users/<user>/access-token          {"clientId"?}
    POST   /__emulator/orgs/<org>/users/<user>/refresh-token         {"clientId"}
    POST   /__emulator/orgs/<org>/users/<user>/revoke-tokens
    POST   /__emulator/orgs/<org>/users/<user>/expire-access-tokens
    GET    /__emulator/orgs/<org>/limits             {"used", "max"}
    PUT    /__emulator/orgs/<org>/limits             {"dailyApiRequests"}
    POST   /__emulator/orgs/<org>/limits/reset
    GET    /__emulator/orgs/<org>/faults
    POST   /__emulator/orgs/<org>/faults             {"kind", "count", "methods", "pathContains", "seconds"}
    DELETE /__emulator/orgs/<org>/faults             (also resets the latency)
    PUT    /__emulator/orgs/<org>/latency            {"seconds"}
    PUT    /__emulator/orgs/<org>/clock-skew         {"seconds"}  (the org's clock ahead, or behind if < 0)
    PUT    /__emulator/orgs/<org>/collections-client-id   {"probability", "seed"}  (writes without client=)
    GET    /__emulator/orgs/<org>/automation
    POST   /__emulator/orgs/<org>/automation         {"rule": "prefixOnSave" | "setWhenChanged" |
                                                      "revertApiWrite", ..., "probability", "seed"}
    DELETE /__emulator/orgs/<org>/automation
    GET    /__emulator/orgs/<org>/webhook            configuration, queue and delivery records
    PUT    /__emulator/orgs/<org>/webhook            {"url", "secret", "maxAttempts", "baseDelay",
                                                      "maxDelay", "timeout", "signWithEmulatorClock"}
    DELETE /__emulator/orgs/<org>/webhook
    POST   /__emulator/orgs/<org>/webhook/faults     {"drop", "duplicate", "reorder"}  (DELETE clears)
    PUT    /__emulator/orgs/<org>/webhook/relay      {"drop", "duplicate", "reorder", "window", "seed"}
                                                     (probabilities; all 0: off)
    POST   /__emulator/orgs/<org>/webhook/release-held
    POST   /__emulator/orgs/<org>/webhook/wait-idle  {"timeout"}  -> {"idle": bool}
    POST   /__emulator/orgs/<org>/webhook/replay     {"afterReplayId"}
    GET    /__emulator/orgs/<org>/events?after=<replayId>
    POST   /__emulator/orgs/<org>/events/gap         {"changeType", "recordIds"}
    POST   /__emulator/orgs/<org>/events/gap-next    {"count"}
    POST   /__emulator/orgs/<org>/events/field-conversion              (one UPDATE for "00T*")
    PUT    /__emulator/orgs/<org>/events/shape       {"probability", "seed"}  (Pub/Sub shape instead of CometD)
    GET    /__emulator/orgs/<org>/events/relay?after=<replayId>&account=<id>&region=<region>
                                                     (as Event Relay puts them on EventBridge)
    POST   /__emulator/orgs/<org>/recycle-bin/empty
    GET    /__emulator/orgs/<org>/picklists
    POST   /__emulator/orgs/<org>/picklists/<Status|Priority>          {"apiName", "label", "isClosed",
                                                                        "isHighPriority", "isDefault"}
    PATCH  /__emulator/orgs/<org>/picklists/<Status|Priority>/<value>  {"apiName", "label", "isDefault"}
    GET    /__emulator/orgs/<org>/ui/tasks?includeDeleted=true
    POST   /__emulator/orgs/<org>/ui/tasks           {<Task fields>, "asUser"?}
    GET    /__emulator/orgs/<org>/ui/tasks/<id>
    PATCH  /__emulator/orgs/<org>/ui/tasks/<id>      {<Task fields>, "asUser"?}
    DELETE /__emulator/orgs/<org>/ui/tasks/<id>?asUser=<user>
    POST   /__emulator/orgs/<org>/ui/tasks/<id>/undelete
    PATCH  /__emulator/orgs/<org>/system/tasks/<id>  {<Task fields>, "asUser"?}  (changeOrigin empty)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from local.salesforce_org import formats
from local.salesforce_org.automation import rule_from_json
from local.salesforce_org.context import error_response, json_response
from local.salesforce_org.errors import ApiError
from local.salesforce_org.oauth import DEFAULT_SCOPES
from local.salesforce_org.org import PicklistEntry
from local.salesforce_org.org_handle import OrgHandle
from local.salesforce_org.records import LIGHTNING_API_VERSION
from local.salesforce_org.schema import TASK
from local.salesforce_org.soql_eval import json_value
from local.salesforce_org.state import EmulatorState


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _rules() -> list[Rule]:
    table = [
        ("/health", "health", ["GET"]),
        ("/clock", "clock", ["GET", "POST"]),
        ("/connected-apps", "apps", ["GET", "POST"]),
        ("/orgs", "orgs", ["GET", "POST"]),
        ("/orgs/<org>", "org", ["GET"]),
        ("/orgs/<org>/settings", "settings", ["PATCH"]),
        ("/orgs/<org>/users", "users", ["GET", "POST"]),
        ("/orgs/<org>/users/<user>", "user", ["PATCH"]),
        ("/orgs/<org>/users/<user>/access-token", "access_token", ["POST"]),
        ("/orgs/<org>/users/<user>/refresh-token", "refresh_token", ["POST"]),
        ("/orgs/<org>/users/<user>/revoke-tokens", "revoke_tokens", ["POST"]),
        ("/orgs/<org>/users/<user>/expire-access-tokens", "expire_tokens", ["POST"]),
        ("/orgs/<org>/limits", "limits", ["GET", "PUT"]),
        ("/orgs/<org>/limits/reset", "limits_reset", ["POST"]),
        ("/orgs/<org>/faults", "faults", ["GET", "POST", "DELETE"]),
        ("/orgs/<org>/latency", "latency", ["PUT"]),
        ("/orgs/<org>/clock-skew", "clock_skew", ["PUT"]),
        ("/orgs/<org>/collections-client-id", "collections_client", ["PUT"]),
        ("/orgs/<org>/automation", "automation", ["GET", "POST", "DELETE"]),
        ("/orgs/<org>/webhook", "webhook", ["GET", "PUT", "DELETE"]),
        ("/orgs/<org>/webhook/faults", "webhook_faults", ["POST", "DELETE"]),
        ("/orgs/<org>/webhook/relay", "webhook_relay", ["PUT"]),
        ("/orgs/<org>/webhook/release-held", "webhook_release", ["POST"]),
        ("/orgs/<org>/webhook/wait-idle", "webhook_wait", ["POST"]),
        ("/orgs/<org>/webhook/replay", "webhook_replay", ["POST"]),
        ("/orgs/<org>/events", "events", ["GET"]),
        ("/orgs/<org>/events/gap", "gap", ["POST"]),
        ("/orgs/<org>/events/gap-next", "gap_next", ["POST"]),
        ("/orgs/<org>/events/field-conversion", "field_conversion", ["POST"]),
        ("/orgs/<org>/events/shape", "event_shape", ["PUT"]),
        ("/orgs/<org>/events/relay", "relay_events", ["GET"]),
        ("/orgs/<org>/recycle-bin/empty", "empty_bin", ["POST"]),
        ("/orgs/<org>/picklists", "picklists", ["GET"]),
        ("/orgs/<org>/picklists/<field>", "picklist_add", ["POST"]),
        ("/orgs/<org>/picklists/<field>/<value>", "picklist_change", ["PATCH"]),
        ("/orgs/<org>/ui/tasks", "ui_tasks", ["GET", "POST"]),
        ("/orgs/<org>/ui/tasks/<task>", "ui_task", ["GET", "PATCH", "DELETE"]),
        ("/orgs/<org>/ui/tasks/<task>/undelete", "ui_undelete", ["POST"]),
        ("/orgs/<org>/system/tasks/<task>", "system_task", ["PATCH"]),
    ]
    return [Rule("/__emulator" + path, endpoint=endpoint, methods=methods) for path, endpoint, methods in table]


def _body(request: Request) -> dict[str, Any]:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ControlError("the body is not JSON") from None
    if not isinstance(body, dict):
        raise ControlError("the body must be a JSON object")
    return body


def _strings(body: dict[str, Any], key: str, default: list[str]) -> list[str]:
    value = body.get(key, default)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ControlError(f"{key}: a list of strings is required")
    return value


def _odds(body: dict[str, Any]) -> tuple[float, int]:
    return float(body.get("probability", 0.0)), int(body.get("seed", 0))


def _after(request: Request) -> int | None:
    after = request.args.get("after")
    if after is not None and not after.lstrip("-").isdigit():
        raise ControlError("after: a replay id (integer) is required")
    return int(after) if after is not None else None


def _task_json(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "attributes": {"type": "Task", "url": f"/services/data/v{LIGHTNING_API_VERSION}/sobjects/Task/{row['Id']}"}
    }
    for name in TASK.field_names:
        out[name] = json_value(row.get(name))
    return out


def _picklist_json(entry: PicklistEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "apiName": entry.api_name,
        "label": entry.label,
        "sortOrder": entry.sort_order,
        "isDefault": entry.is_default,
        "isClosed": entry.is_closed,
        "isHighPriority": entry.is_high_priority,
    }


class ControlApi:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.url_map = Map(_rules(), strict_slashes=False, merge_slashes=True)

    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/") or "/"
        try:
            endpoint, values = self.url_map.bind("emulator").match(path, method=request.method)
        except MethodNotAllowed:
            return json_response({"error": f"{request.method} is not allowed on {path}"}, 405)
        except NotFound:
            return json_response({"error": f"no control route {path}"}, 404)
        handler: Callable[..., Response] = getattr(self, f"_{endpoint}")
        try:
            return handler(request, **values)
        except ControlError as error:
            return json_response({"error": error.message}, error.status)
        except ApiError as error:
            return error_response(error)
        except KeyError as error:
            return json_response({"error": f"not found: {error.args[0] if error.args else error}"}, 404)
        except (ValueError, TypeError) as error:
            return json_response({"error": str(error)}, 400)

    # -- helpers ---------------------------------------------------------------------------------------

    def _org_handle(self, org: str) -> OrgHandle:
        found = self.state.org(org)
        if found is None:
            raise KeyError(f"no org {org}")
        return OrgHandle(self.state, found)

    # -- emulator-wide ---------------------------------------------------------------------------------

    def _health(self, request: Request) -> Response:
        return json_response({"ok": True, "instanceUrl": self.state.base_url})

    def _clock(self, request: Request) -> Response:
        clock = self.state.clock
        if request.method == "POST":
            body = _body(request)
            if "set" in body:
                when = formats.parse_iso_datetime(str(body["set"]))
                if when is None:
                    raise ControlError("set: an ISO 8601 date and time with an offset is required")
                clock.set(when, frozen=bool(body.get("frozen", True)))
            if "advanceSeconds" in body:
                clock.advance(timedelta(seconds=float(body["advanceSeconds"])))
            if body.get("freeze"):
                clock.freeze()
            if body.get("resume"):
                clock.resume()
        return json_response({"now": formats.rest_datetime(clock.now()), "frozen": clock.frozen})

    def _apps(self, request: Request) -> Response:
        if request.method == "GET":
            apps = self.state.tokens.apps.values()
            return json_response([a.describe(with_secret=False) for a in apps])
        body = _body(request)
        timeout = body.get("sessionTimeoutSeconds")
        app = self.state.tokens.create_app(
            str(body.get("name", "tasksync")),
            rotate_refresh_tokens=bool(body.get("rotateRefreshTokens", False)),
            jwt_public_key=body.get("jwtPublicKey"),
            client_id=body.get("clientId"),
            client_secret=body.get("clientSecret"),
            session_timeout=timedelta(seconds=float(timeout)) if timeout else None,
            callback_urls=_strings(body, "callbackUrls", []),
            require_secret=bool(body.get("requireSecret", True)),
            scopes=_strings(body, "scopes", list(DEFAULT_SCOPES)),
        )
        return json_response(app.describe(), 201)

    def _orgs(self, request: Request) -> Response:
        if request.method == "GET":
            return json_response([OrgHandle(self.state, o).describe() for o in list(self.state.orgs.values())])
        handle = OrgHandle(self.state, self.state.create_org(str(_body(request).get("name", "Emulated Org"))))
        return json_response(handle.describe(), 201)

    # -- one org ---------------------------------------------------------------------------------------

    def _org(self, request: Request, org: str) -> Response:
        return json_response(self._org_handle(org).describe())

    def _settings(self, request: Request, org: str) -> Response:
        body = _body(request)
        timeout = body.get("sessionTimeoutSeconds")
        idle = body.get("queryLocatorIdleSeconds")
        settings = self._org_handle(org).configure(
            session_timeout=timedelta(seconds=float(timeout)) if timeout is not None else None,
            merge_identical_changes=body.get("mergeIdenticalChanges"),
            bulk_polls_before_complete=body.get("bulkPollsBeforeComplete"),
            query_locator_idle=timedelta(seconds=float(idle)) if idle is not None else None,
        )
        return json_response(settings)

    def _users(self, request: Request, org: str) -> Response:
        handle = self._org_handle(org)
        if request.method == "GET":
            return json_response([u.describe() for u in handle.users])
        body = _body(request)
        user = handle.create_user(
            body.get("username"),
            last_name=str(body.get("lastName", "User")),
            first_name=body.get("firstName"),
            email=body.get("email"),
            time_zone=str(body.get("timeZone", "UTC")),
        )
        return json_response(user.describe(), 201)

    def _user(self, request: Request, org: str, user: str) -> Response:
        body = _body(request)
        updated = self._org_handle(org).update_user(
            user, is_active=body.get("isActive"), time_zone=body.get("timeZone")
        )
        return json_response(updated.describe())

    def _access_token(self, request: Request, org: str, user: str) -> Response:
        handle = self._org_handle(org)
        client_id = _body(request).get("clientId")
        app = self.state.tokens.apps[client_id] if client_id else None
        token = handle.access_token(user, app)
        return json_response(
            {"accessToken": token, "instanceUrl": self.state.base_url, "orgId": handle.id, "userId": user}
        )

    def _refresh_token(self, request: Request, org: str, user: str) -> Response:
        client_id = _body(request).get("clientId")
        if not client_id:
            raise ControlError("clientId is required")
        token = self._org_handle(org).refresh_token(user, self.state.tokens.apps[client_id])
        return json_response({"refreshToken": token, "clientId": client_id})

    def _revoke_tokens(self, request: Request, org: str, user: str) -> Response:
        return json_response({"revoked": self._org_handle(org).revoke_tokens(user)})

    def _expire_tokens(self, request: Request, org: str, user: str) -> Response:
        self._org_handle(org).expire_access_tokens(user)
        return json_response({"expired": True})

    def _limits(self, request: Request, org: str) -> Response:
        handle = self._org_handle(org)
        if request.method == "PUT":
            limit = _body(request).get("dailyApiRequests")
            if not isinstance(limit, int) or limit < 0:
                raise ControlError("dailyApiRequests: a non-negative integer is required")
            handle.set_daily_api_limit(limit)
        used, limit = handle.api_usage()
        return json_response({"used": used, "max": limit})

    def _limits_reset(self, request: Request, org: str) -> Response:
        handle = self._org_handle(org)
        handle.reset_api_usage()
        used, limit = handle.api_usage()
        return json_response({"used": used, "max": limit})

    def _faults(self, request: Request, org: str) -> Response:
        handle = self._org_handle(org)
        if request.method == "POST":
            body = _body(request)
            rule = handle.inject_fault(
                str(body.get("kind")),
                int(body.get("count", 1)),
                methods=body.get("methods"),
                path_contains=body.get("pathContains"),
                seconds=float(body.get("seconds", 0.0)),
            )
            return json_response(rule.describe(), 201)
        if request.method == "DELETE":
            handle.clear_faults()
        return json_response(handle.org.faults.describe())

    def _latency(self, request: Request, org: str) -> Response:
        handle = self._org_handle(org)
        handle.set_latency(float(_body(request).get("seconds", 0.0)))
        return json_response(handle.org.faults.describe())

    def _clock_skew(self, request: Request, org: str) -> Response:
        seconds = _body(request).get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ControlError("seconds: a number is required")
        handle = self._org_handle(org)
        handle.set_clock_skew(timedelta(seconds=seconds))
        return json_response({"clockSkewSeconds": handle.org.clock_skew.total_seconds()})

    def _collections_client(self, request: Request, org: str) -> Response:
        probability, seed = _odds(_body(request))
        handle = self._org_handle(org)
        handle.omit_collections_client(probability, seed=seed)
        return json_response(handle.org.collections_without_client.describe())

    def _automation(self, request: Request, org: str) -> Response:
        handle = self._org_handle(org)
        if request.method == "POST":
            return json_response(handle.add_automation(rule_from_json(_body(request))).describe(), 201)
        if request.method == "DELETE":
            handle.clear_automation()
        return json_response([rule.describe() for rule in handle.org.automation])

    def _webhook(self, request: Request, org: str) -> Response:
        handle = self._org_handle(org)
        if request.method == "PUT":
            body = _body(request)
            if not body.get("url") or not body.get("secret"):
                raise ControlError("url and secret are required")
            options = {
                key: body[camel]
                for key, camel in (
                    ("max_attempts", "maxAttempts"),
                    ("base_delay", "baseDelay"),
                    ("max_delay", "maxDelay"),
                    ("timeout", "timeout"),
                    ("sign_with_emulator_clock", "signWithEmulatorClock"),
                )
                if camel in body
            }
            handle.set_webhook(str(body["url"]), str(body["secret"]), **options)
        elif request.method == "DELETE":
            handle.clear_webhook()
        return json_response(handle.webhook_status())

    def _webhook_faults(self, request: Request, org: str) -> Response:
        handle = self._org_handle(org)
        if request.method == "DELETE":
            handle.clear_webhook_faults()
        else:
            body = _body(request)
            handle.webhook_faults(
                drop=int(body.get("drop", 0)),
                duplicate=int(body.get("duplicate", 0)),
                reorder=int(body.get("reorder", 0)),
            )
        return json_response(handle.webhook_status())

    def _webhook_relay(self, request: Request, org: str) -> Response:
        body = _body(request)
        handle = self._org_handle(org)
        handle.relay_webhook(
            drop=float(body.get("drop", 0.0)),
            duplicate=float(body.get("duplicate", 0.0)),
            reorder=float(body.get("reorder", 0.0)),
            window=int(body.get("window", 5)),
            seed=int(body.get("seed", 0)),
        )
        return json_response(handle.webhook_status())

    def _webhook_release(self, request: Request, org: str) -> Response:
        handle = self._org_handle(org)
        handle.release_held_events()
        return json_response(handle.webhook_status())

    def _webhook_wait(self, request: Request, org: str) -> Response:
        timeout = float(_body(request).get("timeout", 10.0))
        return json_response({"idle": self._org_handle(org).wait_for_webhook(timeout)})

    def _webhook_replay(self, request: Request, org: str) -> Response:
        after = _body(request).get("afterReplayId")
        return json_response({"queued": self._org_handle(org).replay_to_webhook(after)})

    def _events(self, request: Request, org: str) -> Response:
        return json_response({"events": self._org_handle(org).events(_after(request))})

    def _relay_events(self, request: Request, org: str) -> Response:
        options = {key: request.args[key] for key in ("account", "region") if key in request.args}
        return json_response({"events": self._org_handle(org).relay_events(_after(request), **options)})

    def _event_shape(self, request: Request, org: str) -> Response:
        probability, seed = _odds(_body(request))
        handle = self._org_handle(org)
        handle.use_pubsub_shape(probability, seed=seed)
        return json_response(handle.org.pubsub_shape.describe())

    def _field_conversion(self, request: Request, org: str) -> Response:
        return json_response(self._org_handle(org).publish_field_conversion(), 201)

    def _gap(self, request: Request, org: str) -> Response:
        body = _body(request)
        message = self._org_handle(org).emit_gap(str(body.get("changeType")), list(body.get("recordIds") or []))
        return json_response(message, 201)

    def _gap_next(self, request: Request, org: str) -> Response:
        count = int(_body(request).get("count", 1))
        handle = self._org_handle(org)
        handle.gap_next(count)
        return json_response({"gapNext": handle.org.gap_next})

    def _empty_bin(self, request: Request, org: str) -> Response:
        return json_response({"purged": self._org_handle(org).empty_recycle_bin()})

    def _picklists(self, request: Request, org: str) -> Response:
        handle = self._org_handle(org)
        return json_response(
            {
                "Status": [_picklist_json(e) for e in handle.org.statuses],
                "Priority": [_picklist_json(e) for e in handle.org.priorities],
            }
        )

    def _picklist_add(self, request: Request, org: str, field: str) -> Response:
        handle = self._org_handle(org)
        body = _body(request)
        api_name = body.get("apiName")
        if not isinstance(api_name, str) or not api_name:
            raise ControlError("apiName is required")
        label = body.get("label")
        if field == "Status":
            entry = handle.add_status(
                api_name, label=label, is_closed=bool(body.get("isClosed")), is_default=bool(body.get("isDefault"))
            )
        elif field == "Priority":
            entry = handle.add_priority(
                api_name,
                label=label,
                is_high_priority=bool(body.get("isHighPriority")),
                is_default=bool(body.get("isDefault")),
            )
        else:
            raise ControlError("the picklist is Status or Priority", 404)
        return json_response(_picklist_json(entry), 201)

    def _picklist_change(self, request: Request, org: str, field: str, value: str) -> Response:
        handle = self._org_handle(org)
        body = _body(request)
        if field not in ("Status", "Priority"):
            raise ControlError("the picklist is Status or Priority", 404)
        renamed = 0
        current = value
        new_name = body.get("apiName")
        if isinstance(new_name, str) and new_name and new_name != value:
            rename = handle.rename_status if field == "Status" else handle.rename_priority
            renamed = rename(value, new_name, label=body.get("label"))
            current = new_name
        if body.get("isDefault"):
            (handle.set_default_status if field == "Status" else handle.set_default_priority)(current)
        return json_response({"apiName": current, "recordsUpdated": renamed})

    # -- Lightning Experience and the platform ---------------------------------------------------------

    def _ui_tasks(self, request: Request, org: str) -> Response:
        handle = self._org_handle(org)
        if request.method == "GET":
            include_deleted = request.args.get("includeDeleted", "false").lower() == "true"
            return json_response([_task_json(r) for r in handle.tasks(include_deleted=include_deleted)])
        body = _body(request)
        as_user = body.pop("asUser", None) or request.args.get("asUser")
        record_id = handle.ui_create_task(body, as_user=as_user)
        return json_response(_task_json(handle.task(record_id)), 201)

    def _ui_task(self, request: Request, org: str, task: str) -> Response:
        handle = self._org_handle(org)
        if request.method == "GET":
            return json_response(_task_json(handle.task(task)))
        if request.method == "PATCH":
            body = _body(request)
            as_user = body.pop("asUser", None) or request.args.get("asUser")
            handle.ui_update_task(task, body, as_user=as_user)
            return json_response(_task_json(handle.task(task)))
        handle.ui_delete_task(task, as_user=request.args.get("asUser"))
        return Response(status=204)

    def _ui_undelete(self, request: Request, org: str, task: str) -> Response:
        handle = self._org_handle(org)
        handle.ui_undelete_task(task, as_user=_body(request).get("asUser") or request.args.get("asUser"))
        return json_response(_task_json(handle.task(task)))

    def _system_task(self, request: Request, org: str, task: str) -> Response:
        handle = self._org_handle(org)
        body = _body(request)
        as_user = body.pop("asUser", None) or request.args.get("asUser")
        handle.system_update_task(task, body, as_user=as_user)
        return json_response(_task_json(handle.task(task)))
