"""Connecting a rep's org with ``web_server_flow`` against the org emulator over HTTPS: the browser's part
is ``OrgEmulator.approve_authorization`` (the login page's own form POST), the rest is the product code."""

from __future__ import annotations

import socket
from urllib.parse import parse_qsl, urlsplit

import pytest

from tasksync.adapters.salesforce import web_server_flow as flow
from tasksync.adapters.salesforce.auth import AccessToken, request_refresh_token_grant
from tasksync.ports.salesforce import AuthRevoked, ErrorKind
from tests.integration.salesforce.conftest import CALLBACK

TIMEOUT = (5.0, 10.0)


def callback_query(location: str) -> dict[str, str]:
    """What the callback route reads off the URL the browser lands on."""
    assert location.split("?", 1)[0] == CALLBACK
    return dict(parse_qsl(urlsplit(location).query))


def browse(emulator, url: str, username: str, *, allow: bool = True) -> dict[str, str]:
    return callback_query(emulator.approve_authorization(url, username, allow=allow))


def start(emulator, app, **options):
    state = flow.new_state()
    verifier, challenge = flow.new_pkce()
    url = flow.authorize_url(emulator.instance_url, app.client_id, CALLBACK, state, challenge, **options)
    return url, state, verifier


def connection_of(grant, emulator, app):
    return grant.connection(client_id=app.client_id, client_secret=app.client_secret, login_url=emulator.instance_url)


def exchange(emulator, app, session, code, verifier, **overrides):
    arguments = {
        "login_url": emulator.instance_url,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": CALLBACK,
        "code": code,
        "code_verifier": verifier,
    }
    arguments.update(overrides)
    return flow.exchange_code(**arguments, session=session, timeout=TIMEOUT)


def test_a_rep_connects_an_org_and_the_refresh_token_keeps_the_sync_going(emulator, org, rep, app, session):
    # Given the API sent the rep's browser to the authorize page, and the rep allowed access
    url, state, verifier = start(emulator, app, login_hint=rep.username)
    code = flow.read_callback(browse(emulator, url, rep.username), state)

    # When the callback exchanges the code
    grant = exchange(emulator, app, session, code, verifier)

    # Then it knows who connected which org, and holds a refresh token
    assert grant.identity == flow.Identity(org.id, rep.id, rep.username, "Rita Rep", "rita@acme.test")
    assert grant.instance_url == emulator.instance_url
    assert grant.identity_url == f"{emulator.instance_url}/id/{org.id}/{rep.id}"
    assert grant.scope == ("api", "refresh_token")
    assert grant.issued_at is not None
    assert grant.token == AccessToken(grant.access_token, emulator.instance_url, grant.identity_url)
    assert (grant.token.org_id, grant.token.user_id) == (org.id, rep.id)
    assert grant.refresh_token not in repr(grant) and grant.access_token not in repr(grant)
    # And the product's own refresh flow turns the stored refresh token into working sessions
    connection = connection_of(grant, emulator, app)
    renewed = request_refresh_token_grant(session, connection, TIMEOUT)
    query = session.get(
        f"{renewed.token.instance_url}/services/data/v59.0/query",
        params={"q": "SELECT COUNT() FROM Task"},
        headers={"Authorization": f"Bearer {renewed.token.value}"},
        timeout=TIMEOUT,
    )
    assert query.status_code == 200 and query.json()["totalSize"] == 0


def test_the_authorize_url_opens_the_login_page_with_what_it_asks(emulator, org, rep, app, session):
    url, state, _ = start(emulator, app, login_hint=rep.username, prompt="login")
    page = session.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert page.status_code == 200
    assert f'value="{state}"' in page.text and f'value="{rep.username}"' in page.text
    assert "<code>refresh_token</code>" in page.text


def test_a_rep_who_denies_access_is_told_apart_from_a_forged_callback(emulator, org, rep, app):
    url, state, _ = start(emulator, app)
    denied = browse(emulator, url, rep.username, allow=False)

    with pytest.raises(flow.WebServerFlowError) as raised:
        flow.read_callback(denied, state)
    assert (raised.value.error, raised.value.description) == ("access_denied", "end-user denied authorization")

    allowed = browse(emulator, url, rep.username)
    with pytest.raises(flow.WebServerFlowError) as forged:
        flow.read_callback(allowed, flow.new_state())
    assert forged.value.error == "STATE_MISMATCH"


def test_a_code_spent_or_stolen_is_refused_with_salesforces_error(emulator, org, rep, app, session):
    url, state, verifier = start(emulator, app)
    code = flow.read_callback(browse(emulator, url, rep.username), state)

    with pytest.raises(flow.WebServerFlowError) as wrong_verifier:
        exchange(emulator, app, session, code, flow.new_pkce()[0])
    assert (wrong_verifier.value.error, wrong_verifier.value.status) == ("invalid_grant", 400)
    assert wrong_verifier.value.kind is ErrorKind.AUTH
    with pytest.raises(flow.WebServerFlowError) as wrong_secret:
        exchange(emulator, app, session, code, verifier, client_secret="not-the-secret")
    assert wrong_secret.value.error == "invalid_client" and wrong_secret.value.kind is ErrorKind.PERMANENT
    exchange(emulator, app, session, code, verifier)
    with pytest.raises(flow.WebServerFlowError) as again:
        exchange(emulator, app, session, code, verifier)
    assert (again.value.error, again.value.description) == ("invalid_grant", "expired authorization code")


def test_without_the_refresh_token_scope_the_exchange_says_so(emulator, org, rep, app, session):
    url, state, verifier = start(emulator, app, scope=["api"])
    code = flow.read_callback(browse(emulator, url, rep.username), state)
    with pytest.raises(flow.WebServerFlowError) as raised:
        exchange(emulator, app, session, code, verifier)
    assert raised.value.error == "NO_REFRESH_TOKEN"


def test_an_app_without_a_required_secret_connects_on_pkce_alone(emulator, org, rep, session):
    public = emulator.create_connected_app("Tasksync public", callback_urls=[CALLBACK], require_secret=False)
    url, state, verifier = start(emulator, public)
    code = flow.read_callback(browse(emulator, url, rep.username), state)
    grant = exchange(emulator, public, session, code, verifier, client_secret=None)
    assert grant.identity.user_id == rep.id


def test_disconnecting_revokes_the_grant(emulator, org, rep, app, session):
    url, state, verifier = start(emulator, app)
    grant = exchange(emulator, app, session, flow.read_callback(browse(emulator, url, rep.username), state), verifier)

    flow.revoke(emulator.instance_url, grant.refresh_token, session=session, timeout=TIMEOUT)

    connection = connection_of(grant, emulator, app)
    with pytest.raises(AuthRevoked):
        request_refresh_token_grant(session, connection, TIMEOUT)
    with pytest.raises(flow.WebServerFlowError) as identity:
        flow.read_identity(grant.identity_url, grant.access_token, session=session, timeout=TIMEOUT)
    assert (identity.value.error, identity.value.status) == ("Bad_OAuth_Token", 403)
    with pytest.raises(flow.WebServerFlowError) as again:
        flow.revoke(emulator.instance_url, grant.refresh_token, session=session, timeout=TIMEOUT)
    assert (again.value.error, again.value.status) == ("invalid_token", 400)


def test_an_unreachable_login_host_is_a_transient_failure(session):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once closed
    with pytest.raises(flow.WebServerFlowError) as raised:
        flow.revoke(f"https://127.0.0.1:{port}", "token", session=session, timeout=(1.0, 1.0))
    assert raised.value.kind is ErrorKind.TRANSIENT and raised.value.status is None


def test_the_login_url_must_be_https(app, session):
    with pytest.raises(ValueError, match="https"):
        flow.authorize_url("http://login.salesforce.com", app.client_id, CALLBACK, "s", None)
