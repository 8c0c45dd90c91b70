"""The HTML the authorize endpoint shows a person: a login-and-approve page and an OAuth error page.

Plain HTML, no JavaScript: a labelled username field (the emulator asks for no password), the active
users to pick from (as a datalist and as a visible list), what the app asks for, and Allow / Deny
buttons in one form that posts back to ``/services/oauth2/authorize`` with the authorize request's
parameters as hidden fields (``web_server_flow`` checks them again on the POST). A failed login or an
error is announced with ``role="alert"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from local.salesforce_org.org import User
from local.salesforce_org.web_server_flow import AuthorizeRequest

SCOPE_LABELS = {
    # Salesforce Help, "OAuth Tokens and Scopes": the labels the approval page shows.
    "api": "Manage user data via APIs",
    "refresh_token": "Perform requests at any time",
    "offline_access": "Perform requests at any time",
    "id": "Access the identity URL service",
    "openid": "Access unique user identifiers",
    "full": "Full access",
    "web": "Manage user data via Web browsers",
}

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}"
    "label{display:block;font-weight:600}"
    "input[type=text]{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}"
    "button{font:inherit;padding:.5rem 1.25rem;margin:1rem .5rem 0 0}"
    "[role=alert]{border:2px solid #a00;padding:.5rem 1rem}"
    "code{overflow-wrap:anywhere}"
)


def _document(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def login_page(
    request: AuthorizeRequest, users: Sequence[tuple[User, str]], *, error: str | None = None, username: str = ""
) -> str:
    """``users``: the active users to offer, each with its org's name."""
    app = escape(request.app.name)
    hidden = "\n".join(
        f'<input type="hidden" name="{escape(key)}" value="{escape(value)}">' for key, value in request.carried.items()
    )
    value = username or request.login_hint or ""
    options = "\n".join(
        f'<option value="{escape(user.username)}">{escape(user.name)}, {escape(org)}</option>' for user, org in users
    )
    listed = "\n".join(
        f"<li><code>{escape(user.username)}</code> ({escape(user.name)}, {escape(org)})</li>" for user, org in users
    )
    asks = "\n".join(f"<li>{escape(SCOPE_LABELS.get(s, s))} (<code>{escape(s)}</code>)</li>" for s in request.scope)
    alert = f'<p role="alert" id="login-error">{escape(error)}</p>\n' if error else ""
    described = ' aria-describedby="login-error username-help"' if error else ' aria-describedby="username-help"'
    body = f"""<h1>Log in and allow access to {app}</h1>
<p>Salesforce org emulator: pick an active user; no password is asked.</p>
{alert}<form method="post" action="/services/oauth2/authorize">
{hidden}
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" list="active-users"
 value="{escape(value)}"{described}>
<p id="username-help">One of the active users listed below.</p>
<datalist id="active-users">
{options}
</datalist>
<h2>{app} asks to</h2>
<ul>
{asks}
</ul>
<button type="submit" name="action" value="allow">Allow</button>
<button type="submit" name="action" value="deny">Deny</button>
</form>
<h2>Active users</h2>
<ul>
{listed}
</ul>"""
    return _document(f"Allow access to {request.app.name}? | Salesforce org emulator", body)


def error_page(error: str, description: str) -> str:
    body = f"""<h1>OAuth Error</h1>
<p role="alert">We can't authorize you because of an OAuth error.</p>
<dl>
<dt>error</dt><dd><code>{escape(error)}</code></dd>
<dt>error_description</dt><dd>{escape(description)}</dd>
</dl>"""
    return _document("OAuth Error | Salesforce org emulator", body)
