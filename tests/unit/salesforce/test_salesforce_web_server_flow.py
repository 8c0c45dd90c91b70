"""The web-server flow's client against a scripted Salesforce: the URLs and forms it sends, and what it
does with answers the emulator never gives (a bad signature, another user's identity, a 503)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

import pytest

from tasksync.adapters.salesforce import web_server_flow as flow
from tasksync.adapters.salesforce.http_session import build_session
from tasksync.adapters.salesforce.settings import GatewaySettings
from tasksync.ports.salesforce import ErrorKind
from tests.unit.salesforce.conftest import INSTANCE, LOGIN
from tests.unit.salesforce.scripted_http import answer
from tests.unit.salesforce.test_salesforce_imports import imports_simple_salesforce

CALLBACK = "https://tasksync.test/v1/oauth/salesforce/callback"
ORG = "00D000000000001AAA"
USER = "005000000000001AAA"
IDENTITY_URL = f"{LOGIN}/id/{ORG}/{USER}"
SECRET = "consumer-secret"


def signed(identity_url: str = IDENTITY_URL, issued_at: str = "1717243200000", secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), (identity_url + issued_at).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def token_body(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "access_token": "00D!at",
        "refresh_token": "5Aep-rt",
        "signature": signed(),
        "scope": "api refresh_token",
        "instance_url": INSTANCE + "/",
        "id": IDENTITY_URL,
        "token_type": "Bearer",
        "issued_at": "1717243200000",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def identity_body(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "id": IDENTITY_URL,
        "user_id": USER,
        "organization_id": ORG,
        "username": "rep@acme.test",
        "display_name": "Rita Rep",
        "email": "rita@acme.test",
    }
    body.update(changes)
    return body


@pytest.fixture
def session():
    return build_session(GatewaySettings(client_id="consumer-key"))


def exchange(session, client_secret: str | None = SECRET, verifier: str | None = "verifier"):
    return flow.exchange_code(LOGIN, "consumer-key", client_secret, CALLBACK, "aPrx==", verifier, session=session)


def test_the_pkce_challenge_is_rfc_7636s_s256():
    # RFC 7636, Appendix B: the example verifier and its S256 challenge.
    assert (
        flow.pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
    verifier, challenge = flow.new_pkce()
    assert 43 <= len(verifier) <= 128 and set(verifier) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    )
    assert challenge == flow.pkce_challenge(verifier)
    assert flow.new_pkce()[0] != verifier and flow.new_state() != flow.new_state()


def test_the_authorize_url_carries_the_documented_parameters():
    url = flow.authorize_url(LOGIN + "/", "consumer-key", CALLBACK, "st", "chal", login_hint="rep@acme.test")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{LOGIN}/services/oauth2/authorize"
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "response_type": "code",
        "client_id": "consumer-key",
        "redirect_uri": CALLBACK,
        "state": "st",
        "code_challenge": "chal",
        "code_challenge_method": "S256",
        "scope": "api refresh_token",
        "login_hint": "rep@acme.test",
    }
    bare = parse_qs(urlsplit(flow.authorize_url(LOGIN, "k", CALLBACK, "st", None, scope=None)).query)
    assert set(bare) == {"response_type", "client_id", "redirect_uri", "state"}


def test_the_exchange_posts_the_form_and_reads_the_identity(transport, session):
    transport.on("POST", r"/services/oauth2/token$", answer(200, token_body(), limit_info=None))
    transport.on("GET", rf"/id/{ORG}/{USER}$", answer(200, identity_body(), limit_info=None))

    grant = exchange(session)

    [post] = transport.calls("POST", r"/services/oauth2/token$")
    assert post.url == f"{LOGIN}/services/oauth2/token"
    assert post.form() == {
        "grant_type": "authorization_code",
        "code": "aPrx==",
        "client_id": "consumer-key",
        "client_secret": SECRET,
        "redirect_uri": CALLBACK,
        "code_verifier": "verifier",
    }
    [get] = transport.calls("GET", r"/id/")
    assert get.headers["Authorization"] == "Bearer 00D!at"
    assert grant.instance_url == INSTANCE and grant.refresh_token == "5Aep-rt"
    assert grant.identity == flow.Identity(ORG, USER, "rep@acme.test", "Rita Rep", "rita@acme.test")
    assert grant.issued_at is not None and grant.issued_at.year == 2024


def test_without_secret_or_verifier_neither_is_sent(transport, session):
    transport.on("POST", r"/services/oauth2/token$", answer(200, token_body(signature=None), limit_info=None))
    transport.on("GET", r"/id/", answer(200, identity_body(), limit_info=None))
    exchange(session, client_secret=None, verifier=None)
    form = transport.calls("POST", r"/token$")[0].form()
    assert "client_secret" not in form and "code_verifier" not in form


@pytest.mark.parametrize(
    "change",
    [
        {"signature": signed(secret="someone-else")},
        {"id": f"{LOGIN}/id/{ORG}/005000000000002AAA"},  # the id swapped after signing
        {"signature": None},
    ],
)
def test_a_token_answer_whose_signature_fails_is_refused(transport, session, change):
    transport.on("POST", r"/services/oauth2/token$", answer(200, token_body(**change), limit_info=None))
    with pytest.raises(flow.WebServerFlowError) as raised:
        exchange(session)
    assert raised.value.error == "INVALID_SIGNATURE"
    assert transport.calls("GET", r"/id/") == []


def test_an_identity_of_another_user_is_refused(transport, session):
    transport.on("POST", r"/services/oauth2/token$", answer(200, token_body(), limit_info=None))
    transport.on("GET", r"/id/", answer(200, identity_body(user_id="005000000000002AAA"), limit_info=None))
    with pytest.raises(flow.WebServerFlowError) as raised:
        exchange(session)
    assert raised.value.error == "IDENTITY_MISMATCH"


@pytest.mark.parametrize(
    ("responder", "code", "kind"),
    [
        (answer(503, text="Service Unavailable", limit_info=None), "HTTP_503", ErrorKind.TRANSIENT),
        (answer(200, {"instance_url": INSTANCE}, limit_info=None), "MALFORMED_ANSWER", ErrorKind.TRANSIENT),
        (answer(200, text="<html>", limit_info=None), "MALFORMED_ANSWER", ErrorKind.TRANSIENT),
        (
            answer(400, {"error": "invalid_grant", "error_description": "x"}, limit_info=None),
            "invalid_grant",
            ErrorKind.AUTH,
        ),
        (answer(400, {"error": "invalid_client_id"}, limit_info=None), "invalid_client_id", ErrorKind.PERMANENT),
    ],
)
def test_failures_are_sorted_by_what_the_caller_can_do(transport, session, responder, code, kind):
    transport.on("POST", r"/services/oauth2/token$", responder)
    with pytest.raises(flow.WebServerFlowError) as raised:
        exchange(session)
    assert (raised.value.code, raised.value.kind) == (code, kind)


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"code": "c", "state": "other"}, "STATE_MISMATCH"),
        ({"code": "c"}, "STATE_MISMATCH"),
        ({"error": "access_denied", "state": "other"}, "STATE_MISMATCH"),
        (
            {"error": "access_denied", "error_description": "end-user denied authorization", "state": "st"},
            "access_denied",
        ),
        ({"state": "st"}, "NO_CODE"),
    ],
)
def test_the_callback_is_read_only_for_its_own_state(query, error):
    with pytest.raises(flow.WebServerFlowError) as raised:
        flow.read_callback(query, "st")
    assert raised.value.error == error
    assert flow.read_callback({"code": "aPrx==", "state": "st"}, "st") == "aPrx=="


def test_the_module_stays_clear_of_simple_salesforce():
    assert not imports_simple_salesforce("tasksync.adapters.salesforce.web_server_flow")
