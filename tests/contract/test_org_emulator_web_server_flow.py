"""OAuth 2.0 web-server flow: the authorize page and its refusals, the code exchange and its refusals
(single use, 15-minute life, PKCE), the identity URL and userinfo, and token revocation.

The pages each behaviour follows are named in ``local/salesforce_org/web_server_flow.py``,
``identity.py`` and ``rest_api.py``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from simple_salesforce.exceptions import SalesforceExpiredSession

CALLBACK = "https://app.tasksync.test/v1/oauth/salesforce/callback"
OTHER_CALLBACK = "http://localhost:3000/v1/oauth/salesforce/callback"

# Salesforce Help, "OAuth 2.0 Web Server Flow for Web App Integration": the keys of the token answer
# (``id_token`` only comes with the openid scope, which these apps do not have).
DOCUMENTED_CODE_ANSWER_KEYS = {
    "access_token",
    "refresh_token",
    "signature",
    "scope",
    "instance_url",
    "id",
    "token_type",
    "issued_at",
}


@pytest.fixture
def app(emulator):
    return emulator.create_connected_app("Tasksync Web", callback_urls=[CALLBACK, OTHER_CALLBACK])


def params_for(app: Any, **extra: str) -> dict[str, str]:
    base = {"response_type": "code", "client_id": app.client_id, "redirect_uri": CALLBACK, "state": "st-123"}
    base.update(extra)
    return {key: value for key, value in base.items() if value is not None}


def start(https: Any, emulator: Any, params: dict[str, str]) -> Any:
    return https.get(emulator.authorize_url, params=params, allow_redirects=False, timeout=5)


def submit(https: Any, emulator: Any, params: dict[str, str], username: str, action: str = "allow") -> Any:
    """What the page's form sends: the authorize parameters, the username and the button pressed."""
    form = {**params, "username": username, "action": action}
    return https.post(emulator.authorize_url, data=form, allow_redirects=False, timeout=5)


def redirected_to(answer: Any, redirect_uri: str = CALLBACK) -> dict[str, str]:
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    assert location.split("?", 1)[0] == redirect_uri.split("?", 1)[0]
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def code_for(https: Any, emulator: Any, params: dict[str, str], username: str) -> str:
    return redirected_to(submit(https, emulator, params, username), params.get("redirect_uri", CALLBACK))["code"]


def exchange(https: Any, emulator: Any, app: Any, code: str, /, **overrides: str | None) -> Any:
    form: dict[str, str | None] = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": CALLBACK,
    }
    form.update(overrides)
    return https.post(emulator.token_url, data={k: v for k, v in form.items() if v is not None}, timeout=5)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


class Page(HTMLParser):
    """What a browser (or a screen reader) finds in a page: elements with their attributes and text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.texts: dict[int, str] = {}
        self._open: list[int] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        if tag not in ("input", "meta", "br", "link"):
            self._open.append(len(self.elements) - 1)

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for index in self._open:
            self.texts[index] = self.texts.get(index, "") + data

    def all(self, tag: str, **attrs: str) -> list[tuple[int, dict[str, str]]]:
        return [
            (i, a)
            for i, (t, a) in enumerate(self.elements)
            if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def text(self, index: int) -> str:
        return " ".join(self.texts.get(index, "").split())


MISMATCH = ("redirect_uri_mismatch", "redirect_uri must match configuration")


# -- the authorize page -----------------------------------------------------------------------------


def test_the_authorize_page_is_a_plain_accessible_login_and_approve_form(emulator, org, rep, app, https):
    org.create_user(last_name="Gone", first_name="Former")
    gone = org.users[-1]
    org.deactivate_user(gone)
    params = params_for(app, scope="api refresh_token", login_hint=rep.username, prompt="login consent")

    answer = start(https, emulator, params)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    page = Page(answer.text)
    assert page.all("html", lang="en")
    assert not page.all("script")
    [(title, _)] = page.all("title")
    assert "Tasksync Web" in page.text(title)
    [(heading, _)] = page.all("h1")
    assert "Tasksync Web" in page.text(heading)
    [(_, form)] = page.all("form")
    assert (form["method"], form["action"]) == ("post", "/services/oauth2/authorize")
    hidden = {a["name"]: a["value"] for _, a in page.all("input", type="hidden")}
    assert hidden == params  # the form carries the request on, unchanged
    [(_, username)] = page.all("input", id="username")
    assert username["name"] == "username" and username["value"] == rep.username  # login_hint
    [(label, _)] = page.all("label", for_="username")
    assert page.text(label) == "Username"
    offered = [a["value"] for _, a in page.all("option")]
    assert rep.username in offered and gone.username not in offered  # active users only
    buttons = {a["value"]: page.text(i) for i, a in page.all("button", type="submit", name="action")}
    assert buttons == {"allow": "Allow", "deny": "Deny"}
    asks = [page.text(i) for i, _ in page.all("li")]
    assert any("(api)" in text for text in asks) and any("(refresh_token)" in text for text in asks)


def test_allowing_redirects_to_the_callback_with_a_code_and_the_state(emulator, org, rep, app, https):
    params = params_for(app)
    assert start(https, emulator, params).status_code == 200

    query = redirected_to(submit(https, emulator, params, rep.username))

    assert set(query) == {"code", "state"}
    assert query["state"] == "st-123"
    assert query["code"].endswith("==")  # Base64 like Salesforce's: the client must decode %3D%3D
    assert "%3D%3D" in submit(https, emulator, params, rep.username).headers["Location"]


def test_a_callback_url_with_a_query_keeps_it(emulator, org, rep, https):
    registered = "https://app.tasksync.test/cb?tenant=acme"
    app = emulator.create_connected_app("with query", callback_urls=[registered])
    query = redirected_to(submit(https, emulator, params_for(app, redirect_uri=registered), rep.username), registered)
    assert query["tenant"] == "acme" and query["state"] == "st-123" and query["code"]


def test_without_state_none_comes_back(emulator, org, rep, app, https):
    query = redirected_to(submit(https, emulator, params_for(app, state=None), rep.username))
    assert set(query) == {"code"}


def test_the_username_is_case_insensitive_and_trimmed(emulator, org, rep, app, https):
    assert redirected_to(submit(https, emulator, params_for(app), f"  {rep.username.upper()} "))["code"]


def test_denying_redirects_with_access_denied_and_the_state(emulator, org, rep, app, https):
    query = redirected_to(submit(https, emulator, params_for(app), rep.username, action="deny"))
    assert query == {"error": "access_denied", "error_description": "end-user denied authorization", "state": "st-123"}


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"client_id": "3MVG9unknown"}, ("invalid_client_id", "client identifier invalid")),
        ({"client_id": None}, ("invalid_client_id", "client identifier invalid")),
        ({"redirect_uri": "https://evil.test/callback"}, MISMATCH),
        ({"redirect_uri": CALLBACK + "/"}, MISMATCH),
        ({"redirect_uri": CALLBACK.upper()}, MISMATCH),
        ({"redirect_uri": None}, MISMATCH),
    ],
)
def test_an_untrusted_client_or_callback_gets_an_error_page_never_a_redirect(
    emulator, org, rep, app, https, method, change, error
):
    params = params_for(app, **change)
    answer = start(https, emulator, params) if method == "GET" else submit(https, emulator, params, rep.username)

    assert answer.status_code == 400
    assert "Location" not in answer.headers
    page = Page(answer.text)
    assert page.all("html", lang="en") and not page.all("form")
    codes = [page.text(i) for i, _ in page.all("code")]
    assert error[0] in codes
    assert error[1] in answer.text
    assert page.all("p", role="alert")


def test_an_app_without_callback_urls_cannot_use_the_flow(emulator, org, rep, https):
    bare = emulator.create_connected_app("no callbacks")
    answer = start(https, emulator, params_for(bare))
    assert answer.status_code == 400 and "redirect_uri_mismatch" in answer.text


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": None}, "unsupported_response_type"),
        ({"scope": "api full"}, "invalid_scope"),
        ({"code_challenge": "x" * 43, "code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": "S256"}, "invalid_request"),
        ({"immediate": "true"}, "immediate_unsuccessful"),
    ],
)
def test_other_refusals_go_to_the_callback_with_the_state(emulator, org, rep, app, https, change, error):
    params = params_for(app, **change)
    for answer in (start(https, emulator, params), submit(https, emulator, params, rep.username)):
        query = redirected_to(answer)
        assert query["error"] == error and query["state"] == "st-123" and query["error_description"]
        assert "code" not in query


@pytest.mark.parametrize("who", ["unknown", "inactive", "empty"])
def test_a_failed_login_shows_the_page_again_with_an_alert_and_no_code(emulator, org, rep, app, https, who):
    username = {"unknown": "nobody@nowhere.test", "inactive": rep.username, "empty": ""}[who]
    if who == "inactive":
        org.deactivate_user(rep)

    answer = submit(https, emulator, params_for(app), username)

    assert answer.status_code == 200 and "Location" not in answer.headers
    page = Page(answer.text)
    [(alert, _)] = page.all("p", role="alert")
    assert "check your username" in page.text(alert)
    [(_, field)] = page.all("input", id="username")
    assert "login-error" in field["aria-describedby"]


def test_a_post_without_a_button_choice_is_refused(emulator, org, rep, app, https):
    answer = submit(https, emulator, params_for(app), rep.username, action="")
    assert answer.status_code == 400 and "Location" not in answer.headers


def test_approve_authorization_is_the_scripted_login(emulator, org, rep, app):
    url = f"{emulator.authorize_url}?{urlencode(params_for(app))}"
    location = emulator.approve_authorization(url, rep.username)
    assert location.startswith(CALLBACK + "?") and "code=" in location
    denied = emulator.approve_authorization(url, rep.username, allow=False)
    assert "error=access_denied" in denied
    with pytest.raises(ValueError, match="400"):
        emulator.approve_authorization(url.replace(app.client_id, "3MVG9nope"), rep.username)


# -- the code exchange ------------------------------------------------------------------------------


def test_the_code_exchange_answers_the_documented_shape(emulator, org, rep, app, https, salesforce):
    code = code_for(https, emulator, params_for(app), rep.username)

    answer = exchange(https, emulator, app, code)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == DOCUMENTED_CODE_ANSWER_KEYS
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == emulator.instance_url
    assert body["id"] == f"{emulator.instance_url}/id/{org.id}/{rep.id}"
    assert body["scope"] == "api refresh_token"
    assert body["issued_at"].isdigit()
    expected = base64.b64encode(
        hmac.new(app.client_secret.encode(), (body["id"] + body["issued_at"]).encode(), hashlib.sha256).digest()
    ).decode()
    assert body["signature"] == expected
    assert salesforce(token=body["access_token"]).query("SELECT COUNT() FROM Task")["totalSize"] == 0


def test_the_refresh_token_works_with_the_refresh_flow(emulator, org, rep, app, https, salesforce):
    code = code_for(https, emulator, params_for(app), rep.username)
    refresh = exchange(https, emulator, app, code).json()["refresh_token"]

    answer = https.post(
        emulator.token_url,
        data={"grant_type": "refresh_token", "refresh_token": refresh, "client_id": app.client_id},
        timeout=5,
    )

    assert answer.status_code == 200
    assert answer.json()["scope"] == "api refresh_token"
    assert answer.json()["id"].endswith(f"/{org.id}/{rep.id}")
    assert salesforce(token=answer.json()["access_token"]).query("SELECT COUNT() FROM Task")["done"] is True


def test_without_the_refresh_token_scope_no_refresh_token_comes(emulator, org, rep, app, https):
    code = code_for(https, emulator, params_for(app, scope="api"), rep.username)
    body = exchange(https, emulator, app, code).json()
    assert "refresh_token" not in body and body["scope"] == "api"


def test_offline_access_is_a_refresh_token_scope_too(emulator, org, rep, https):
    app = emulator.create_connected_app("offline", callback_urls=[CALLBACK], scopes=["api", "offline_access"])
    code = code_for(https, emulator, params_for(app), rep.username)
    body = exchange(https, emulator, app, code).json()
    assert body["refresh_token"] and body["scope"] == "api offline_access"


def test_a_code_is_good_once(emulator, org, rep, app, https):
    code = code_for(https, emulator, params_for(app), rep.username)
    assert exchange(https, emulator, app, code).status_code == 200

    again = exchange(https, emulator, app, code)

    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant", "error_description": "expired authorization code"}


def test_a_code_lives_fifteen_minutes_on_the_emulator_clock(emulator, org, rep, app, https, clock):
    clock.freeze()
    params = params_for(app)
    early = code_for(https, emulator, params, rep.username)
    late = code_for(https, emulator, params, rep.username)

    clock.advance(timedelta(minutes=14, seconds=59))
    assert exchange(https, emulator, app, early).status_code == 200
    clock.advance(timedelta(seconds=1))
    answer = exchange(https, emulator, app, late)

    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_grant", "error_description": "expired authorization code"}


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ("unknown code", ("invalid_grant", "invalid authorization code")),
        ("other app's code", ("invalid_grant", "invalid authorization code")),
        ("other redirect_uri", ("invalid_grant", "redirect_uri must match configuration")),
        ("no redirect_uri", ("invalid_grant", "redirect_uri must match configuration")),
        ("unknown client", ("invalid_client_id", "client identifier invalid")),
        ("wrong secret", ("invalid_client", "invalid client credentials")),
        ("no secret", ("invalid_client", "invalid client credentials")),
        ("deactivated user", ("invalid_grant", "inactive user")),
        ("verifier without a challenge", ("invalid_grant", "invalid code verifier")),
    ],
)
def test_code_exchange_refusals(emulator, org, rep, app, https, change, error):
    other = emulator.create_connected_app("other", callback_urls=[CALLBACK])
    code = code_for(https, emulator, params_for(app), rep.username)
    overrides: dict[str, str | None] = {
        "unknown code": {"code": "aPrxnope=="},
        "other app's code": {"client_id": other.client_id, "client_secret": other.client_secret},
        "other redirect_uri": {"redirect_uri": OTHER_CALLBACK},
        "no redirect_uri": {"redirect_uri": None},
        "unknown client": {"client_id": "3MVG9nope"},
        "wrong secret": {"client_secret": "nope"},
        "no secret": {"client_secret": None},
        "deactivated user": {},
        "verifier without a challenge": {"code_verifier": pkce()[0]},
    }[change]
    if change == "deactivated user":
        org.deactivate_user(rep)

    answer = exchange(https, emulator, app, code, **overrides)

    assert answer.status_code == 400
    assert answer.json() == {"error": error[0], "error_description": error[1]}


def test_a_refused_exchange_leaves_the_code_usable(emulator, org, rep, app, https):
    code = code_for(https, emulator, params_for(app), rep.username)
    assert exchange(https, emulator, app, code, redirect_uri=OTHER_CALLBACK).status_code == 400
    assert exchange(https, emulator, app, code).status_code == 200


def test_an_app_that_requires_no_secret_exchanges_without_one(emulator, org, rep, https):
    public = emulator.create_connected_app("public", callback_urls=[CALLBACK], require_secret=False)
    verifier, challenge = pkce()
    code = code_for(https, emulator, params_for(public, code_challenge=challenge), rep.username)
    assert exchange(https, emulator, public, code, client_secret="wrong").status_code == 400  # checked if sent
    answer = exchange(https, emulator, public, code, client_secret=None, code_verifier=verifier)
    assert answer.status_code == 200 and answer.json()["refresh_token"]


@pytest.mark.parametrize("method", [None, "S256"])
def test_pkce_the_verifier_must_hash_to_the_challenge(emulator, org, rep, app, https, method):
    verifier, challenge = pkce()
    params = params_for(app, code_challenge=challenge, code_challenge_method=method)
    code = code_for(https, emulator, params, rep.username)
    refused = {"error": "invalid_grant", "error_description": "invalid code verifier"}

    assert exchange(https, emulator, app, code).json() == refused  # no verifier
    assert exchange(https, emulator, app, code, code_verifier=pkce()[0]).json() == refused
    assert exchange(https, emulator, app, code, code_verifier=challenge).json() == refused  # "plain"
    answer = exchange(https, emulator, app, code, code_verifier=verifier)

    assert answer.status_code == 200 and answer.json()["access_token"]


def test_revoking_the_user_kills_a_code_not_yet_exchanged(emulator, org, rep, app, https):
    code = code_for(https, emulator, params_for(app), rep.username)
    org.revoke_tokens(rep)
    assert exchange(https, emulator, app, code).json()["error"] == "invalid_grant"


def test_rotation_applies_to_refresh_tokens_from_the_code(emulator, org, rep, https):
    rotating = emulator.create_connected_app("rotating", callback_urls=[CALLBACK], rotate_refresh_tokens=True)
    code = code_for(https, emulator, params_for(rotating), rep.username)
    first = exchange(https, emulator, rotating, code).json()["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": first, "client_id": rotating.client_id}
    second = https.post(emulator.token_url, data=form, timeout=5).json()["refresh_token"]
    assert second != first
    assert https.post(emulator.token_url, data=form, timeout=5).json()["error"] == "invalid_grant"


# -- the identity URL and userinfo ------------------------------------------------------------------


def _grant(https: Any, emulator: Any, app: Any, user: Any) -> dict[str, Any]:
    code = code_for(https, emulator, params_for(app), user.username)
    body: dict[str, Any] = exchange(https, emulator, app, code).json()
    return body


def test_the_identity_url_answers_who_the_token_is(emulator, org, rep, app, https):
    body = _grant(https, emulator, app, rep)
    used_before = org.api_usage()[0]

    answer = https.get(body["id"], headers={"Authorization": f"Bearer {body['access_token']}"}, timeout=5)

    assert answer.status_code == 200
    me = answer.json()
    assert me["id"] == body["id"]
    assert (me["user_id"], me["organization_id"], me["username"]) == (rep.id, org.id, rep.username)
    assert me["display_name"] == "Test Rep"
    assert (me["first_name"], me["last_name"], me["email"]) == ("Test", "Rep", rep.email)
    assert me["active"] is True and me["asserted_user"] is True and me["user_type"] == "STANDARD"
    assert me["urls"]["rest"] == f"{emulator.instance_url}/services/data/v{{version}}/"
    assert me["timezone"] == "UTC" and me["utcOffset"] == 0
    assert org.api_usage()[0] == used_before  # not an API call


def test_the_identity_url_takes_a_version_and_the_token_as_a_parameter(emulator, org, rep, app, https):
    body = _grant(https, emulator, app, rep)
    answer = https.get(body["id"], params={"oauth_token": body["access_token"], "version": "59.0"}, timeout=5)
    assert answer.json()["urls"]["sobjects"] == f"{emulator.instance_url}/services/data/v59.0/sobjects/"
    latest = https.get(body["id"], params={"access_token": body["access_token"], "version": "latest"}, timeout=5)
    assert "/v62.0/" in latest.json()["urls"]["query"]
    bad = https.get(body["id"], params={"oauth_token": body["access_token"], "version": "x"}, timeout=5)
    assert (bad.status_code, bad.text) == (406, "Invalid_Version")


def test_the_identity_url_reads_a_colleague_but_not_another_org(emulator, org, rep, app, https):
    colleague = org.create_user(last_name="Colleague", time_zone="Europe/Paris")
    elsewhere = emulator.create_org("Elsewhere")
    stranger = elsewhere.create_user(last_name="Stranger")
    token = _grant(https, emulator, app, rep)["access_token"]
    auth = {"Authorization": f"Bearer {token}"}

    mate = https.get(f"{emulator.instance_url}/id/{org.id}/{colleague.id}", headers=auth, timeout=5)
    assert mate.status_code == 200
    assert mate.json()["asserted_user"] is False and mate.json()["user_id"] == colleague.id
    assert mate.json()["utcOffset"] in (3_600_000, 7_200_000)

    other_org = https.get(f"{emulator.instance_url}/id/{elsewhere.id}/{stranger.id}", headers=auth, timeout=5)
    assert (other_org.status_code, other_org.text) == (403, "Wrong_Org")
    no_one = https.get(f"{emulator.instance_url}/id/{org.id}/005000000000000AAA", headers=auth, timeout=5)
    assert (no_one.status_code, no_one.text) == (404, "Bad_Id")


@pytest.mark.parametrize("path", ["id", "userinfo"])
def test_identity_services_refuse_a_missing_or_dead_token(emulator, org, rep, app, https, path):
    body = _grant(https, emulator, app, rep)
    url = body["id"] if path == "id" else f"{emulator.instance_url}/services/oauth2/userinfo"
    missing = https.get(url, timeout=5)
    assert (missing.status_code, missing.text) == (403, "Missing_OAuth_Token")
    org.expire_access_tokens(rep)
    expired = https.get(url, headers={"Authorization": f"Bearer {body['access_token']}"}, timeout=5)
    assert (expired.status_code, expired.text) == (403, "Bad_OAuth_Token")


def test_userinfo_answers_the_tokens_own_user(emulator, org, rep, app, https):
    body = _grant(https, emulator, app, rep)
    answer = https.get(
        f"{emulator.instance_url}/services/oauth2/userinfo",
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=5,
    )
    info = answer.json()
    assert info["sub"] == body["id"]
    assert (info["user_id"], info["organization_id"], info["preferred_username"]) == (rep.id, org.id, rep.username)
    assert (info["name"], info["given_name"], info["family_name"]) == ("Test Rep", "Test", "Rep")
    assert info["active"] is True


# -- revocation -------------------------------------------------------------------------------------


def _revoke(https: Any, emulator: Any, token: str, method: str = "POST") -> Any:
    if method == "GET":
        return https.get(emulator.revoke_url, params={"token": token}, timeout=5)
    return https.post(emulator.revoke_url, data={"token": token}, timeout=5)


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_revoking_an_access_token_ends_that_session_only(emulator, org, rep, app, https, salesforce, method):
    body = _grant(https, emulator, app, rep)
    sibling = https.post(
        emulator.token_url,
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"], "client_id": app.client_id},
        timeout=5,
    ).json()["access_token"]

    answer = _revoke(https, emulator, body["access_token"], method)

    assert answer.status_code == 200
    with pytest.raises(SalesforceExpiredSession):
        salesforce(token=body["access_token"]).query("SELECT COUNT() FROM Task")
    assert salesforce(token=sibling).query("SELECT COUNT() FROM Task")["done"] is True


def test_revoking_a_refresh_token_kills_it_and_its_access_tokens(emulator, org, rep, app, https, salesforce):
    body = _grant(https, emulator, app, rep)
    refresh_form = {"grant_type": "refresh_token", "refresh_token": body["refresh_token"], "client_id": app.client_id}
    renewed = https.post(emulator.token_url, data=refresh_form, timeout=5).json()["access_token"]
    unrelated = _grant(https, emulator, app, rep)  # another connection of the same user lives on

    answer = _revoke(https, emulator, body["refresh_token"])

    assert answer.status_code == 200
    for token in (body["access_token"], renewed):
        with pytest.raises(SalesforceExpiredSession):
            salesforce(token=token).query("SELECT COUNT() FROM Task")
    again = https.post(emulator.token_url, data=refresh_form, timeout=5)
    assert again.json() == {"error": "invalid_grant", "error_description": "expired access/refresh token"}
    assert salesforce(token=unrelated["access_token"]).query("SELECT COUNT() FROM Task")["done"] is True


def test_revoking_a_rotated_refresh_token_kills_the_access_token_that_came_with_it(
    emulator, org, rep, https, salesforce
):
    rotating = emulator.create_connected_app("rotating", callback_urls=[CALLBACK], rotate_refresh_tokens=True)
    body = _grant(https, emulator, rotating, rep)
    form = {"grant_type": "refresh_token", "refresh_token": body["refresh_token"], "client_id": rotating.client_id}
    rotated = https.post(emulator.token_url, data=form, timeout=5).json()
    assert _revoke(https, emulator, rotated["refresh_token"]).status_code == 200
    with pytest.raises(SalesforceExpiredSession):
        salesforce(token=rotated["access_token"]).query("SELECT COUNT() FROM Task")


@pytest.mark.parametrize(
    ("token", "error"),
    [
        ("unknown", ("invalid_token", "Token was invalid")),
        ("", ("invalid_token", "Token was invalid")),
        ("revoked", ("invalid_token", "Token was invalid")),
        ("expired", ("invalid_token", "Token was invalid")),
        ("code", ("unsupported_token_type", "Token type not supported")),
    ],
)
def test_revocation_refusals(emulator, org, rep, app, https, token, error):
    body = _grant(https, emulator, app, rep)
    value = {
        "unknown": "00Dnope!AQ",
        "": "",
        "revoked": body["refresh_token"],
        "expired": body["access_token"],
        "code": code_for(https, emulator, params_for(app), rep.username),
    }[token]
    if token == "revoked":
        assert _revoke(https, emulator, value).status_code == 200
    if token == "expired":
        org.expire_access_tokens(rep)

    answer = _revoke(https, emulator, value)

    assert answer.status_code == 400
    assert answer.json() == {"error": error[0], "error_description": error[1]}


# -- the control API --------------------------------------------------------------------------------


def test_the_control_api_makes_apps_for_the_web_server_flow(emulator, org, rep, control, https):
    made = control(
        "POST",
        "/connected-apps",
        json={"name": "via control", "callbackUrls": [CALLBACK], "requireSecret": False, "scopes": ["api"]},
    )
    assert made.status_code == 201
    app = made.json()
    assert (app["callbackUrls"], app["requireSecret"], app["scopes"]) == ([CALLBACK], False, ["api"])
    params = {"response_type": "code", "client_id": app["clientId"], "redirect_uri": CALLBACK}
    form = {**params, "username": rep.username, "action": "allow"}
    answer = https.post(emulator.authorize_url, data=form, allow_redirects=False, timeout=5)
    assert answer.status_code == 302 and "code=" in answer.headers["Location"]
    bad = control("POST", "/connected-apps", json={"name": "bad", "callbackUrls": CALLBACK})
    assert bad.status_code == 400
