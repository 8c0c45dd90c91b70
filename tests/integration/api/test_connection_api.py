"""SPEC 9, connecting Salesforce: the OAuth 2.0 web-server flow against the org emulator (its authorize
page approved as the rep would), the connection's state, refusals, and disconnecting."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from aws_lambda_powertools.utilities import parameters
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tasksync.domain.settings import SalesforceConnection
from tests.support.api_client import Answer, ApiClient
from tests.support.handler_stack import OAUTH_CALLBACK_URL, HandlerStack, Rep
from tests.support.handler_stack import connected_app as connected_app
from tests.support.handler_stack import org_emulator as org_emulator
from tests.support.handler_stack import stack as stack
from tests.support.handler_stack import webhook_receiver as webhook_receiver


def new_rep(stack: HandlerStack) -> tuple[Rep, ApiClient]:
    """A rep whose SIA user has no connection yet."""
    rep = stack.connect()
    stack.save_settings(rep, connection=None)
    stack.secretsmanager.delete_secret(SecretId=rep.secret_name, ForceDeleteWithoutRecovery=True)
    return rep, ApiClient(stack, rep.user_id)


def callback(browser: ApiClient, location: str) -> Answer:
    """The browser following Salesforce's redirect to the API's callback (with its cookies, no token)."""
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == OAUTH_CALLBACK_URL
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    return browser.get(parts.path, query=query)


def authorize(api: ApiClient, rep: Rep, **query: str) -> str:
    started = api.get(f"/v1/users/{rep.user_id}/salesforce-connection/authorize", query=query or None)
    assert started.status == 302, started
    return started.headers["Location"]


def test_a_rep_connects_through_salesforces_authorize_page(stack: HandlerStack) -> None:
    rep, api = new_rep(stack)
    assert api.get(f"/v1/users/{rep.user_id}/salesforce-connection").body["state"] == "none"

    location = authorize(api, rep, returnTo="/settings")
    assert location.startswith(stack.emulator.authorize_url + "?")
    back = callback(api, stack.emulator.approve_authorization(location, rep.sf_user.username))

    assert (back.status, back.headers["Location"]) == (302, "/settings?salesforce=connected")
    shown = api.get(f"/v1/users/{rep.user_id}/salesforce-connection").body
    assert shown == {
        "state": "connected",
        "reason": None,
        "salesforceUser": {
            "id": rep.sf_user.id,
            "username": rep.sf_user.username,
            "name": shown["salesforceUser"]["name"],
        },
        "org": {"id": stack.org.id, "instanceUrl": stack.emulator.instance_url},
    }
    assert shown["salesforceUser"]["name"]
    # the grant works: turning sync on imports the rep's Salesforce tasks with it
    stack.org.ui_create_task({"Subject": "Call Ada", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    assert api.put(f"/v1/users/{rep.user_id}/settings/sync", {"enabled": True}).status == 200
    stack.settle()
    assert [task.name for task in stack.sia_tasks(rep)] == ["Call Ada"]


def test_the_refresh_token_lives_in_secrets_manager_and_nowhere_else(stack: HandlerStack) -> None:
    rep, api = new_rep(stack)
    callback(api, stack.emulator.approve_authorization(authorize(api, rep), rep.sf_user.username))

    connection = stack.settings(rep).connection
    assert isinstance(connection, SalesforceConnection)
    stored = stack.secretsmanager.get_secret_value(SecretId=connection.secret_name)["SecretString"]
    assert '"refresh_token"' in stored
    refresh_token = json.loads(stored)["refresh_token"]
    assert refresh_token not in connection.model_dump_json()
    assert refresh_token not in str(api.get(f"/v1/users/{rep.user_id}/salesforce-connection").body)


def test_a_callback_is_good_once(stack: HandlerStack) -> None:
    rep, api = new_rep(stack)
    location = stack.emulator.approve_authorization(authorize(api, rep), rep.sf_user.username)
    callback(api, location)

    again = callback(api, location)

    assert again.headers["Location"] == "/?salesforce=refused&code=STATE_MISMATCH"


def test_a_forged_state_connects_nobody(stack: HandlerStack) -> None:
    rep, api = new_rep(stack)
    location = stack.emulator.approve_authorization(authorize(api, rep), rep.sf_user.username)
    forged = location.replace("state=", "state=x")

    answer = callback(api, forged)

    assert answer.headers["Location"] == "/?salesforce=refused&code=STATE_MISMATCH"
    assert stack.settings(rep).connection is None


def test_a_rep_who_denies_access_stays_unconnected(stack: HandlerStack) -> None:
    rep, api = new_rep(stack)

    answer = callback(api, stack.emulator.approve_authorization(authorize(api, rep), rep.sf_user.username, allow=False))

    assert answer.headers["Location"] == "/?salesforce=refused&code=access_denied"
    assert stack.settings(rep).connection is None


@pytest.mark.parametrize("login_url", ["https://evil.example.com", "http://login.salesforce.com"])
def test_a_login_url_that_is_not_salesforces_is_refused(stack: HandlerStack, login_url: str) -> None:
    rep, api = new_rep(stack)

    answer = api.get(f"/v1/users/{rep.user_id}/salesforce-connection/authorize", query={"loginUrl": login_url})

    assert (answer.status, answer.body["error"]["code"]) == (400, "LOGIN_URL_REFUSED")


def test_a_page_may_ask_for_the_authorize_url_as_json_and_the_return_is_kept_on_this_site(stack: HandlerStack) -> None:
    rep, api = new_rep(stack)
    path = f"/v1/users/{rep.user_id}/salesforce-connection/authorize"

    event_answer = api.request("GET", path, query={"returnTo": "https://evil.example.com/"}, accept="application/json")

    assert event_answer.status == 200
    location = event_answer.body["authorizeUrl"]
    back = callback(api, stack.emulator.approve_authorization(location, rep.sf_user.username))
    assert back.headers["Location"] == "/?salesforce=connected"


def test_a_salesforce_user_connects_to_one_sia_user_only(stack: HandlerStack) -> None:
    owner = stack.connect()
    rep, api = new_rep(stack)

    answer = callback(api, stack.emulator.approve_authorization(authorize(api, rep), owner.sf_user.username))

    assert answer.headers["Location"] == "/?salesforce=refused&code=SALESFORCE_USER_TAKEN"
    assert stack.settings(rep).connection is None
    assert stack.settings(owner).connection is not None


def test_disconnecting_removes_the_secret_keeps_the_links_and_stops_the_sync(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    api = ApiClient(stack, rep.user_id)
    task = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "Call Ada"}).body
    stack.settle()
    secret = rep.secret_name

    assert api.delete(f"/v1/users/{rep.user_id}/salesforce-connection").status == 204

    assert api.get(f"/v1/users/{rep.user_id}/salesforce-connection").body["state"] == "none"
    with pytest.raises(stack.secretsmanager.exceptions.ResourceNotFoundException):
        stack.secretsmanager.get_secret_value(SecretId=secret)
    assert stack.sf_id_of(rep, task["id"]) is not None  # the link stays, for a later reconnect
    api.patch(f"/v1/users/{rep.user_id}/tasks/{task['id']}", {"name": "Renamed while disconnected"})
    stack.settle()
    assert [record["Subject"] for record in stack.sf_tasks_of(rep)] == ["Call Ada"]
    assert api.delete(f"/v1/users/{rep.user_id}/salesforce-connection").status == 204  # idempotent


def test_an_org_that_pre_approves_the_app_connects_its_reps_by_the_jwt_bearer_flow(stack: HandlerStack) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    app = stack.emulator.create_connected_app("tasksync-jwt", jwt_public_key=public)
    stack.secretsmanager.put_secret_value(
        SecretId=stack.environment["SALESFORCE_APP_SECRET_NAME"],
        SecretString=json.dumps(
            {"client_id": app.client_id, "login_url": stack.emulator.instance_url, "private_key": private}
        ),
    )
    parameters.clear_caches()
    rep, api = new_rep(stack)

    answer = api.put(
        f"/v1/users/{rep.user_id}/salesforce-connection", {"flow": "jwtBearer", "username": rep.sf_user.username}
    )

    assert answer.status == 200, answer
    assert (answer.body["state"], answer.body["salesforceUser"]["id"]) == ("connected", rep.sf_user.id)
    connection = stack.settings(rep).connection
    assert connection is not None
    stored = json.loads(stack.secretsmanager.get_secret_value(SecretId=connection.secret_name)["SecretString"])
    assert (stored["flow"], stored["username"]) == ("jwt_bearer", rep.sf_user.username)
    stack.org.ui_create_task({"Subject": "Call Ada", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    api.put(f"/v1/users/{rep.user_id}/settings/sync", {"enabled": True})
    stack.settle()
    assert [task.name for task in stack.sia_tasks(rep)] == ["Call Ada"]


def test_a_jwt_connection_for_a_user_salesforce_does_not_know_is_refused(stack: HandlerStack) -> None:
    rep, api = new_rep(stack)

    answer = api.put(f"/v1/users/{rep.user_id}/salesforce-connection", {"flow": "jwtBearer", "username": "nobody@x"})

    assert (answer.status, answer.body["error"]["code"]) == (400, "JWT_NOT_SET_UP")
    assert stack.settings(rep).connection is None


def test_reconnecting_after_a_disconnect_brings_both_sides_into_agreement(stack: HandlerStack) -> None:
    """SPEC 5.5: what changed on either side while the rep was disconnected is applied on reconnecting,
    through the links kept; a task made in SIA meanwhile stays local (SPEC 5.2)."""
    rep = stack.syncing_rep()
    api = ApiClient(stack, rep.user_id)
    kept = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "Call Ada"}).body
    in_salesforce = stack.org.ui_create_task({"Subject": "Send the quote", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    stack.settle()
    api.delete(f"/v1/users/{rep.user_id}/salesforce-connection")
    api.patch(f"/v1/users/{rep.user_id}/tasks/{kept['id']}", {"status": "complete"})
    stack.org.ui_update_task(in_salesforce, {"Priority": "High"}, as_user=rep.sf_user)
    made_meanwhile = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "Made while disconnected"}).body
    stack.settle()

    callback(api, stack.emulator.approve_authorization(authorize(api, rep), rep.sf_user.username))
    stack.settle()

    assert stack.disagreements(rep) == []
    assert stack.sf_task(stack.sf_id_of(rep, kept["id"]) or "")["Status"] == "Completed"  # type: ignore[index]
    assert stack.sia_task_for(rep, in_salesforce).priority.value == "high"  # type: ignore[union-attr]
    assert stack.sf_id_of(rep, made_meanwhile["id"]) is None
    assert api.get(f"/v1/users/{rep.user_id}/tasks/{made_meanwhile['id']}").body["sync"]["state"] == "local"


def test_a_revoked_grant_shows_as_revoked_with_why_and_reconnecting_mends_it(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    api = ApiClient(stack, rep.user_id)
    stack.org.revoke_tokens(rep.sf_user)
    task = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "Call Ada"}).body
    stack.settle()

    shown = api.get(f"/v1/users/{rep.user_id}/salesforce-connection").body
    assert shown["state"] == "revoked" and shown["reason"]
    assert api.get(f"/v1/users/{rep.user_id}/tasks/{task['id']}").body["sync"]["state"] == "local"
    errors = api.get(f"/v1/users/{rep.user_id}/sync/errors").body["errors"]
    assert [error["kind"] for error in errors] == ["auth"]

    callback(api, stack.emulator.approve_authorization(authorize(api, rep), rep.sf_user.username))
    stack.settle()
    assert api.get(f"/v1/users/{rep.user_id}/salesforce-connection").body["state"] == "connected"
    later = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "After reconnecting"}).body
    stack.settle()
    assert api.get(f"/v1/users/{rep.user_id}/tasks/{later['id']}").body["sync"]["state"] == "synced"


def test_a_flow_finished_in_another_browser_connects_nobody(stack: HandlerStack) -> None:
    """The flow's state is tied to the browser that started it by a cookie only the callback is sent: a
    link to Salesforce's page forwarded to a colleague, approved in their browser, connects nobody."""
    rep, api = new_rep(stack)
    colleague = stack.connect()
    location = stack.emulator.approve_authorization(authorize(api, rep), colleague.sf_user.username)

    answer = callback(ApiClient(stack, None), location)

    assert answer.headers["Location"] == "/?salesforce=refused&code=OTHER_BROWSER"
    assert stack.settings(rep).connection is None
