"""Review of the rep's API (4de6f82, e881c4a; decision record 0014), adversarial: another user's
resources by every route, odd bodies and paths, deleted tasks, the sync status in the states where it
is easiest to get wrong, the Command Center across a date line, and the OAuth flow (state reuse and
expiry, whose browser finishes it, where the browser is sent back, switching Salesforce users). A test
that fails names a bug (marked xfail, strict); one that passes guards an attack that did not work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from local.salesforce_org import PrefixOnSave
from tasksync.domain.settings import ConnectionStatus
from tests.integration.api.test_connection_api import authorize, callback, new_rep
from tests.support.api_client import ApiClient
from tests.support.handler_stack import HandlerStack
from tests.support.handler_stack import connected_app as connected_app
from tests.support.handler_stack import org_emulator as org_emulator
from tests.support.handler_stack import stack as stack
from tests.support.handler_stack import webhook_receiver as webhook_receiver

API_ORIGIN = "https://local.execute-api.us-east-1.amazonaws.com"


# -- ownership: every user route, another user's token ------------------------------------------------------


def test_every_user_route_refuses_another_users_token(stack: HandlerStack) -> None:
    """Attack that did not work: each route of template.yaml that names a {userId}, called with a token
    of another user (with a body that would be valid), is refused and changes nothing."""
    owner = stack.syncing_rep()
    mine = ApiClient(stack, owner.user_id)
    task = mine.post(f"/v1/users/{owner.user_id}/tasks", {"name": "Call Ada"}).body
    stack.settle()
    intruder = ApiClient(stack, "sia-user-intruder")
    bodies = {
        "POST": {"name": "Planted"},
        "PATCH": {"name": "Hijacked"},
        "PUT": {"enabled": False},
    }
    routed = [route for route in ApiClient(stack, None).routes if "{userId}" in route.path]
    assert len(routed) >= 9, [route.path for route in routed]

    for route in routed:
        path = route.path.replace("{userId}", owner.user_id).replace("{taskId}", task["id"])
        body = bodies.get(route.method)
        if route.method == "PUT" and path.endswith("salesforce-connection"):
            body = {"flow": "jwtBearer", "username": owner.sf_user.username}
        answer = intruder.request(route.method, path, body)
        assert answer.status in (403, 404), (route.method, route.path, answer)
        assert answer.body is None or "error" in answer.body

    assert stack.settings(owner).enabled and stack.settings(owner).connection is not None
    assert [(t.id, t.name) for t in stack.sia_tasks(owner)] == [(task["id"], "Call Ada")]


def test_a_rep_cannot_reach_another_reps_task_by_its_id_under_their_own_path(stack: HandlerStack) -> None:
    """Attack that did not work: the task id of another rep (even an imported one's id) under one's own
    path is an unknown task."""
    owner = stack.syncing_rep()
    in_salesforce = stack.org.ui_create_task({"Subject": "Owner's call", "OwnerId": owner.sf_id}, as_user=owner.sf_user)
    stack.settle()
    theirs = stack.sia_task_for(owner, in_salesforce)
    assert theirs is not None
    other = stack.connect()
    api = ApiClient(stack, other.user_id)

    for method, body in (("GET", None), ("PATCH", {"name": "Hijacked"}), ("DELETE", None)):
        answer = api.request(method, f"/v1/users/{other.user_id}/tasks/{theirs.id}", body)
        assert (answer.status, answer.body["error"]["code"]) == (404, "TASK_NOT_FOUND"), (method, answer)
    assert stack.sia_task(owner, theirs.id) == theirs


def test_a_call_without_claims_is_401_on_every_user_route(stack: HandlerStack) -> None:
    """Attack that did not work: no token at all (the authorizer's claims missing)."""
    anonymous = ApiClient(stack, None)
    for route in ApiClient(stack, None).routes:
        if "{userId}" not in route.path:
            continue
        path = route.path.replace("{userId}", "sia-user-x").replace("{taskId}", "t")
        answer = anonymous.request(route.method, path, {"name": "x"} if route.method in ("POST", "PATCH") else None)
        assert answer.status == 401, (route.method, route.path, answer)


# -- bodies and paths ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "raw"),
    [
        ({"name": "x" * 256}, None),
        ({"name": ""}, None),
        ({"name": None}, None),
        ({"name": "ok", "details": "d" * 32_001}, None),
        ({"name": "ok", "status": "completed"}, None),
        ({"name": "ok", "dueDate": "2026-02-30"}, None),
        ({"name": "ok", "dueDate": "2026-03-02T10:00:00Z"}, None),
        ({"name": "ok", "sync": {"state": "synced"}}, None),
        ({"name": 5}, None),
        (None, "null"),
        (None, "[]"),
        (None, '"a task"'),
        (None, "{"),
    ],
)
def test_a_task_body_out_of_bounds_is_400_and_makes_nothing(stack: HandlerStack, body: object, raw: str | None) -> None:
    """Attack that did not work: sizes one past the limits, nulls, extra and read-only fields, wrong
    types, bodies that are JSON but no object."""
    rep = stack.connect()
    api = ApiClient(stack, rep.user_id)

    answer = api.request("POST", f"/v1/users/{rep.user_id}/tasks", body, raw=raw)

    assert answer.status == 400, answer
    assert answer.body["error"]["code"] in ("INVALID_BODY", "INVALID_JSON")
    assert stack.sia_tasks(rep) == []


def test_a_task_at_the_size_limits_is_taken_and_synced(stack: HandlerStack) -> None:
    """Attack that did not work: a name of 255 and details of 32,000 characters, astral ones included
    (4 bytes each in UTF-8, two UTF-16 units), are stored, published and reach Salesforce."""
    rep = stack.syncing_rep()
    api = ApiClient(stack, rep.user_id)
    name, details = "n" * 254 + "\N{GRINNING FACE}", "\N{GRINNING FACE}" * 16_000

    made = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": name, "details": details})
    stack.settle()

    assert made.status == 201, made
    task = api.get(f"/v1/users/{rep.user_id}/tasks/{made.body['id']}").body
    assert (task["name"], task["details"]) == (name, details)
    assert task["sync"]["state"] == "synced"
    sf_id = stack.sf_id_of(rep, made.body["id"])
    record = stack.sf_task(sf_id or "")
    assert record is not None and record["Description"] == details


def test_patch_and_delete_of_a_deleted_task_are_404_and_do_not_bring_it_back(stack: HandlerStack) -> None:
    """Attack that did not work: PATCH (with fields, or with none) and DELETE of a deleted task."""
    rep = stack.syncing_rep()
    api = ApiClient(stack, rep.user_id)
    task = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "Call Ada"}).body
    stack.settle()
    path = f"/v1/users/{rep.user_id}/tasks/{task['id']}"
    assert api.delete(path).status == 204
    stack.settle()

    assert api.patch(path, {"name": "Back?"}).status == 404
    assert api.patch(path, {}).status == 404
    assert api.delete(path).status == 404
    assert api.get(path).status == 404
    stack.settle()
    assert stack.sia_tasks(rep) == []
    assert stack.sf_tasks_of(rep) == []


def test_a_task_deleted_in_salesforce_is_404_through_the_api(stack: HandlerStack) -> None:
    """Attack that did not work: a task whose record was deleted in Salesforce is gone in SIA too (its
    status is not left standing as synced)."""
    rep = stack.syncing_rep()
    api = ApiClient(stack, rep.user_id)
    task = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "Call Ada"}).body
    stack.settle()
    sf_id = stack.sf_id_of(rep, task["id"])
    assert sf_id is not None
    stack.org.ui_delete_task(sf_id, as_user=rep.sf_user)
    stack.settle()

    assert api.get(f"/v1/users/{rep.user_id}/tasks/{task['id']}").status == 404
    assert api.get(f"/v1/users/{rep.user_id}/tasks").body == {"tasks": []}


@pytest.mark.parametrize("task_id", ["..", "%2e%2e", "a%2Fb", "sf-", "'; DROP", "x" * 2_000, "ü"])
def test_an_odd_task_id_in_the_path_is_an_unknown_task(stack: HandlerStack, task_id: str) -> None:
    """Attack that did not work: task ids no task has (dots, escapes, quotes, very long, non-ASCII)."""
    rep = stack.connect()
    api = ApiClient(stack, rep.user_id)
    api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "Call Ada"})

    answer = api.get(f"/v1/users/{rep.user_id}/tasks/{task_id}")

    assert answer.status == 404, answer
    assert "error" in answer.body


# -- sync status --------------------------------------------------------------------------------------------


def test_a_refused_change_followed_by_a_successful_edit_of_another_field_is_not_shown_synced(
    stack: HandlerStack,
) -> None:
    rep = stack.syncing_rep()
    api = ApiClient(stack, rep.user_id)
    task = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "Call Ada"}).body
    stack.settle()
    path = f"/v1/users/{rep.user_id}/tasks/{task['id']}"
    sf_id = stack.sf_id_of(rep, task["id"]) or ""
    stack.org.add_automation(PrefixOnSave("[Acme Corporation] "))  # a Subject of 250 becomes too long
    api.patch(path, {"name": "x" * 250})
    stack.settle()
    assert api.get(path).body["sync"]["state"] == "error"
    stack.org.clear_automation()

    api.patch(path, {"details": "Bring notes"})
    stack.settle()

    record = stack.sf_task(sf_id)
    assert record is not None and record["Description"] == "Bring notes"
    shown = api.get(path).body["sync"]
    in_step = record["Subject"] == "x" * 250
    assert in_step or shown["state"] != "synced", (record["Subject"], shown)


def test_a_task_made_while_sync_is_on_but_the_connection_is_revoked_is_not_shown_pending(stack: HandlerStack) -> None:
    """Attack that did not work: with the grant revoked, nothing goes to Salesforce; a task made then
    is local (reconnecting turns sync on again, and tasks made meanwhile stay local, SPEC 5.2)."""
    rep = stack.syncing_rep()
    settings = stack.settings(rep)
    assert settings.connection is not None
    revoked = settings.connection.model_copy(
        update={"status": ConnectionStatus.REVOKED, "status_reason": "invalid_grant"}
    )
    stack.save_settings(rep, connection=revoked)
    api = ApiClient(stack, rep.user_id)

    made = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "Made while revoked"}).body

    assert made["sync"]["state"] == "local"
    assert api.get(f"/v1/users/{rep.user_id}/salesforce-connection").body["state"] == "revoked"


# -- settings -----------------------------------------------------------------------------------------------


def test_sync_cannot_be_turned_on_without_a_connection_nor_after_disconnecting(stack: HandlerStack) -> None:
    """Attack that did not work: turning sync on with no connection, and after a disconnect."""
    rep, api = new_rep(stack)
    path = f"/v1/users/{rep.user_id}/settings/sync"

    refused = api.put(path, {"enabled": True})

    assert (refused.status, refused.body["error"]["code"]) == (409, "SALESFORCE_NOT_CONNECTED")
    assert api.get(path).body["enabled"] is False
    syncing = stack.syncing_rep()
    theirs = ApiClient(stack, syncing.user_id)
    theirs.put(f"/v1/users/{syncing.user_id}/settings/sync", {"enabled": False})
    assert theirs.delete(f"/v1/users/{syncing.user_id}/salesforce-connection").status == 204
    again = theirs.put(f"/v1/users/{syncing.user_id}/settings/sync", {"enabled": True})
    assert again.status == 409


@pytest.mark.parametrize(
    "body",
    [
        {"enabled": "true"},
        {"enabled": True, "timeZone": "Mars/Olympus"},
        {"enabled": False, "timeZone": "../../../etc/passwd"},
        {"enabled": False, "timeZone": None, "firstSync": {"state": "done"}},
        {"enabled": False, "subjectTemplate": "{{activity_subject}"},
        {"timeZone": "UTC"},
    ],
)
def test_a_settings_body_the_settings_refuse_is_400_and_saves_nothing(stack: HandlerStack, body: object) -> None:
    """Attack that did not work: strings for booleans, unknown or path-like time zones, read-only fields,
    a template with a stray brace, no ``enabled``."""
    rep = stack.connect()
    api = ApiClient(stack, rep.user_id)
    before = stack.settings(rep)

    answer = api.put(f"/v1/users/{rep.user_id}/settings/sync", body)

    assert answer.status == 400, answer
    assert stack.settings(rep) == before


def test_the_command_center_crosses_the_date_line_with_the_reps_time_zone(stack: HandlerStack) -> None:
    """Attack that did not work: at 10:30 UTC on 1 March, it is already 2 March in Kiritimati (UTC+14)
    and still 28 February in Pago Pago (UTC-11): each rep's today and tomorrow are their own."""
    stack.emulator.clock.set(datetime(2026, 3, 1, 10, 30, tzinfo=UTC))
    try:
        east = stack.connect(time_zone="Pacific/Kiritimati")
        west = stack.connect(time_zone="Pacific/Pago_Pago")
        shown: dict[str, list[str]] = {}
        for rep in (east, west):
            api = ApiClient(stack, rep.user_id)
            for due in ("2026-02-28", "2026-03-01", "2026-03-02", "2026-03-03"):
                api.post(f"/v1/users/{rep.user_id}/tasks", {"name": due, "dueDate": due})
            body = api.get(f"/v1/users/{rep.user_id}/command-center").body
            shown[rep.user_id] = [body["today"], *(task["name"] for task in body["tasks"])]
    finally:
        stack.emulator.clock.set(datetime.now(UTC), frozen=False)

    assert shown[east.user_id] == ["2026-03-02", "2026-03-02", "2026-03-03"]
    assert shown[west.user_id] == ["2026-02-28", "2026-02-28", "2026-03-01"]


# -- the OAuth flow -----------------------------------------------------------------------------------------


def test_a_state_past_its_ten_minutes_connects_nobody(stack: HandlerStack) -> None:
    """Attack that did not work: Salesforce's redirect coming back eleven minutes after the start (the
    state's TTL deletion lags, so the item may still be there)."""
    rep, api = new_rep(stack)
    with stack.rewound(timedelta(minutes=11)):
        location = authorize(api, rep)
    approved = stack.emulator.approve_authorization(location, rep.sf_user.username)

    answer = callback(api, approved)

    assert answer.headers["Location"] == "/?salesforce=refused&code=STATE_MISMATCH"
    assert stack.settings(rep).connection is None


def test_a_state_is_one_users_and_the_code_exchange_cannot_be_redirected(stack: HandlerStack) -> None:
    """Attack that did not work: a rep starting the flow with a login URL on another host, a user-info
    path or an http one; none is accepted, so the code and the verifier never leave for another site."""
    rep, api = new_rep(stack)
    for login_url in (
        "https://login.salesforce.com.evil.example",
        "https://evil.example/.my.salesforce.com",
        "https://acme.my.salesforce.com@evil.example",
        "https://acme.my.salesforce.com:8443",
        "https://acme.my.salesforce.com/services",
        "https://acme.my.salesforce.com#",
        "http://acme.my.salesforce.com",
        "https://169.254.169.254",
    ):
        answer = api.get(f"/v1/users/{rep.user_id}/salesforce-connection/authorize", query={"loginUrl": login_url})
        assert (answer.status, answer.body["error"]["code"]) == (400, "LOGIN_URL_REFUSED"), login_url


@pytest.mark.parametrize("return_to", ["/\t/evil.example/"])
def test_the_browser_is_sent_back_to_this_site_whatever_the_return_path(stack: HandlerStack, return_to: str) -> None:
    rep, api = new_rep(stack)
    location = authorize(api, rep, returnTo=return_to)

    back = callback(api, stack.emulator.approve_authorization(location, rep.sf_user.username))

    assert back.status == 302
    sent_to = urljoin(API_ORIGIN + "/settings", back.headers["Location"])  # urllib strips tabs as browsers do
    assert urlsplit(sent_to).netloc == urlsplit(API_ORIGIN).netloc, sent_to


def test_an_authorization_started_by_one_rep_and_approved_in_anothers_browser_connects_nobody(
    stack: HandlerStack,
) -> None:
    attacker, api = new_rep(stack)
    victim = stack.org.create_user(last_name="Victim", first_name="Vera", time_zone="UTC")
    stack.org.ui_create_task({"Subject": "Confidential deal", "OwnerId": victim.id}, as_user=victim)
    location = authorize(api, attacker)  # sent to the victim as a link to Salesforce's own page

    # The victim's browser: logged in to Salesforce as the victim, never to the attacker's SIA session.
    back = callback(ApiClient(stack, None), stack.emulator.approve_authorization(location, victim.username))

    connection = stack.settings(attacker).connection
    assert connection is None or connection.sf_user_id != victim.id, back


def test_connecting_another_salesforce_user_retires_the_grant_it_replaces(stack: HandlerStack) -> None:
    rep = stack.connect()
    api = ApiClient(stack, rep.user_id)
    replaced = rep.secret_name
    other = stack.org.create_user(last_name="Second", first_name="Login", time_zone="UTC")

    back = callback(api, stack.emulator.approve_authorization(authorize(api, rep), other.username))

    assert back.headers["Location"] == "/?salesforce=connected"
    connection = stack.settings(rep).connection
    assert connection is not None and connection.sf_user_id == other.id
    with pytest.raises(stack.secretsmanager.exceptions.ResourceNotFoundException):
        stack.secretsmanager.get_secret_value(SecretId=replaced)


def test_a_callback_answer_tells_no_code_token_or_verifier(stack: HandlerStack) -> None:
    """Attack that did not work: neither the redirect after connecting nor the connection's state
    carries the authorization code, the verifier, or the refresh token."""
    rep, api = new_rep(stack)
    approved = stack.emulator.approve_authorization(authorize(api, rep, returnTo="/settings"), rep.sf_user.username)
    code = parse_qs(urlsplit(approved).query)["code"][0]

    back = callback(api, approved)

    connection = stack.settings(rep).connection
    assert connection is not None
    stored = stack.secretsmanager.get_secret_value(SecretId=connection.secret_name)["SecretString"]
    shown = str(back.headers) + str(api.get(f"/v1/users/{rep.user_id}/salesforce-connection").body)
    assert code not in shown
    for secret in ('"refresh_token": "', '"client_secret": "'):
        if secret in stored:
            value = stored.split(secret, 1)[1].split('"', 1)[0]
            assert value not in shown and value not in str(stack.settings(rep).model_dump())
