"""SPEC 8 and 9: a rep reaches only their own resources; sync settings start the first sync, show its
progress, keep the moment sync was turned on, and stop both directions when turned off."""

from __future__ import annotations

import pytest

from tests.support.api_client import ApiClient
from tests.support.handler_stack import HandlerStack
from tests.support.handler_stack import connected_app as connected_app
from tests.support.handler_stack import org_emulator as org_emulator
from tests.support.handler_stack import stack as stack
from tests.support.handler_stack import webhook_receiver as webhook_receiver

USER_ROUTES = [
    ("GET", "/v1/users/{user}/tasks", None),
    ("POST", "/v1/users/{user}/tasks", {"name": "Intruding"}),
    ("GET", "/v1/users/{user}/tasks/{task}", None),
    ("PATCH", "/v1/users/{user}/tasks/{task}", {"name": "Intruding"}),
    ("DELETE", "/v1/users/{user}/tasks/{task}", None),
    ("GET", "/v1/users/{user}/command-center", None),
    ("GET", "/v1/users/{user}/settings/sync", None),
    ("PUT", "/v1/users/{user}/settings/sync", {"enabled": False}),
    ("GET", "/v1/users/{user}/sync/errors", None),
    ("GET", "/v1/users/{user}/salesforce-connection", None),
    ("GET", "/v1/users/{user}/salesforce-connection/authorize", None),
    ("PUT", "/v1/users/{user}/salesforce-connection", {"flow": "jwtBearer", "username": "someone@example.com"}),
    ("DELETE", "/v1/users/{user}/salesforce-connection", None),
]


@pytest.mark.parametrize(("method", "path", "body"), USER_ROUTES)
def test_another_users_resources_are_forbidden_and_left_alone(
    stack: HandlerStack, method: str, path: str, body: object
) -> None:
    owner, intruder = stack.connect(), stack.connect()
    task = ApiClient(stack, owner.user_id).post(f"/v1/users/{owner.user_id}/tasks", {"name": "Mine"}).body
    settings_before = stack.settings(owner)

    answer = ApiClient(stack, intruder.user_id).request(method, path.format(user=owner.user_id, task=task["id"]), body)

    assert answer.status == 403
    assert answer.body["error"]["code"] == "FORBIDDEN"
    assert [t.name for t in stack.sia_tasks(owner)] == ["Mine"]
    assert stack.settings(owner) == settings_before


@pytest.mark.parametrize(("method", "path", "body"), USER_ROUTES)
def test_a_call_without_a_token_is_refused(stack: HandlerStack, method: str, path: str, body: object) -> None:
    """API Gateway's authorizer refuses it first; the function refuses it too, should a route lose it."""
    rep = stack.connect()

    answer = ApiClient(stack, None).request(method, path.format(user=rep.user_id, task="t1"), body)

    assert answer.status == 401
    assert answer.body["error"]["code"] == "UNAUTHENTICATED"


def test_turning_sync_on_starts_the_first_sync_and_shows_its_progress(stack: HandlerStack) -> None:
    rep = stack.connect()
    stack.org.clear_webhook()  # made before sync was on: only the first sync brings it
    stack.org.ui_create_task({"Subject": "Call Ada", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    stack.org.set_webhook(stack.receiver.url_for(stack.org.id), stack.webhook_secret)
    api = ApiClient(stack, rep.user_id)
    path = f"/v1/users/{rep.user_id}/settings/sync"

    saved = api.put(
        path, {"enabled": True, "timeZone": "Europe/Berlin", "subjectTemplate": "SIA: {{activity_subject}}"}
    )

    assert saved.status == 200
    body = saved.body
    assert (body["enabled"], body["timeZone"], body["subjectTemplate"]) == (
        True,
        "Europe/Berlin",
        "SIA: {{activity_subject}}",
    )
    assert [invocation.payload for invocation in stack.invocations] == [{"userId": rep.user_id}]
    stack.settle()
    shown = api.get(path).body
    assert shown["firstSync"] == {"state": "done", "total": 1, "imported": 1, "deleted": 0, "error": None}
    assert shown["enabledAt"] == body["enabledAt"] is not None
    assert [t.name for t in stack.sia_tasks(rep)] == ["Call Ada"]


def test_saving_again_while_on_keeps_the_moment_and_syncs_again_without_duplicates(stack: HandlerStack) -> None:
    rep = stack.connect()
    stack.org.ui_create_task({"Subject": "Call Ada", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    api = ApiClient(stack, rep.user_id)
    path = f"/v1/users/{rep.user_id}/settings/sync"
    first = api.put(path, {"enabled": True}).body
    stack.settle()

    again = api.put(path, {"enabled": True, "timeZone": "Asia/Tokyo"}).body
    stack.settle()

    assert again["enabledAt"] == first["enabledAt"]
    assert again["timeZone"] == "Asia/Tokyo"
    assert len(stack.invocations) >= 2
    assert [t.name for t in stack.sia_tasks(rep)] == ["Call Ada"]
    assert api.get(path).body["firstSync"]["state"] == "done"


def test_turning_sync_off_stops_both_directions(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    api = ApiClient(stack, rep.user_id)

    off = api.put(f"/v1/users/{rep.user_id}/settings/sync", {"enabled": False})
    api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "Made while off"})
    stack.org.ui_create_task({"Subject": "Made in Salesforce", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    stack.settle()

    assert off.body["enabled"] is False
    assert stack.sf_tasks_of(rep)[0]["Subject"] == "Made in Salesforce"
    assert len(stack.sf_tasks_of(rep)) == 1
    assert [t.name for t in stack.sia_tasks(rep)] == ["Made while off"]


def test_sync_cannot_be_turned_on_without_a_connection(stack: HandlerStack) -> None:
    rep = stack.connect()
    stack.save_settings(rep, connection=None)
    api = ApiClient(stack, rep.user_id)

    answer = api.put(f"/v1/users/{rep.user_id}/settings/sync", {"enabled": True})

    assert answer.status == 409
    assert answer.body["error"]["code"] == "SALESFORCE_NOT_CONNECTED"
    assert stack.settings(rep).enabled is False
    assert stack.invocations == []


@pytest.mark.parametrize(
    "body",
    [
        {"enabled": True, "timeZone": "Mars/Olympus_Mons"},
        {"enabled": True, "subjectTemplate": "{{activity_subject"},
        {"enabled": "yes"},
        {"timeZone": "UTC"},
        {"enabled": True, "firstSync": {"state": "done"}},
    ],
)
def test_settings_the_sync_cannot_hold_are_refused_and_nothing_is_saved(stack: HandlerStack, body: object) -> None:
    rep = stack.connect()
    before = stack.settings(rep)

    answer = ApiClient(stack, rep.user_id).put(f"/v1/users/{rep.user_id}/settings/sync", body)

    assert answer.status == 400
    assert set(answer.body["error"]) == {"code", "message"}
    assert stack.settings(rep) == before
    assert stack.invocations == []


def test_an_unknown_route_is_not_found(stack: HandlerStack) -> None:
    rep = stack.connect()

    assert ApiClient(stack, rep.user_id).get(f"/v1/users/{rep.user_id}/nothing-here").status == 404


def test_the_sync_errors_come_newest_first_with_the_task_they_concern(stack: HandlerStack) -> None:
    from local.salesforce_org import PrefixOnSave

    rep = stack.syncing_rep()
    stack.org.add_automation(PrefixOnSave("[Acme Corporation] "))  # a Subject of 255 becomes too long
    api = ApiClient(stack, rep.user_id)
    first = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "a" * 250}).body
    stack.settle()
    second = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "b" * 250}).body
    stack.settle()

    errors = api.get(f"/v1/users/{rep.user_id}/sync/errors").body["errors"]

    assert [error["task"]["id"] for error in errors] == [second["id"], first["id"]]
    assert {error["code"] for error in errors} == {"STRING_TOO_LONG"}
    assert {error["kind"] for error in errors} == {"permanent"}
