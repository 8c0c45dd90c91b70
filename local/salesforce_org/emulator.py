"""The Python API: start an emulator, make orgs (``org_handle.OrgHandle``: users, tokens, the webhook,
faults, acting in the org) and connected apps, drive the clock.

See the package docstring for a tour.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

import requests
from werkzeug.wrappers import Request, Response

from local.salesforce_org.clock import Clock
from local.salesforce_org.context import error_response
from local.salesforce_org.control import ControlApi
from local.salesforce_org.errors import not_found
from local.salesforce_org.oauth import DEFAULT_SCOPES, ConnectedApp
from local.salesforce_org.org_handle import OrgHandle
from local.salesforce_org.rest_api import RestApi
from local.salesforce_org.server import TlsServer
from local.salesforce_org.state import EmulatorState


class OrgEmulator:
    """A running emulator: an HTTPS server hosting any number of orgs.

    ``OrgEmulator.start()`` returns it started; use it as a context manager or call ``stop()``.
    """

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, clock: Clock | None = None, ca_file: Path | None = None
    ) -> None:
        self.state = EmulatorState(clock)
        self._rest = RestApi(self.state)
        self._control = ControlApi(self.state)
        self._server = TlsServer(self._dispatch, host=host, port=port, ca_file=ca_file)
        self.state.base_url = self._server.base_url
        self._started = False

    @classmethod
    def start(
        cls, *, host: str = "127.0.0.1", port: int = 0, clock: Clock | None = None, ca_file: Path | None = None
    ) -> OrgEmulator:
        emulator = cls(host=host, port=port, clock=clock, ca_file=ca_file)
        emulator._server.start()
        emulator._started = True
        return emulator

    def stop(self) -> None:
        self.state.stop()
        if self._started:
            self._server.stop()
            self._started = False

    def __enter__(self) -> OrgEmulator:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _dispatch(self, request: Request) -> Response:
        if request.path.startswith("/__emulator"):
            return self._control.handle(request)
        if request.path.startswith(("/services/", "/id/")):
            return self._rest.handle(request)
        return error_response(not_found())

    # -- where it is -----------------------------------------------------------------------------------

    @property
    def instance_url(self) -> str:
        """``https://127.0.0.1:<port>``, also the login URL of the token endpoint."""
        return self.state.base_url

    @property
    def token_url(self) -> str:
        return f"{self.state.base_url}/services/oauth2/token"

    @property
    def authorize_url(self) -> str:
        """The web-server flow's login-and-approve page (``web_server_flow``)."""
        return f"{self.state.base_url}/services/oauth2/authorize"

    @property
    def revoke_url(self) -> str:
        return f"{self.state.base_url}/services/oauth2/revoke"

    @property
    def ca_path(self) -> str:
        """The emulator CA's certificate (PEM): what clients pass as ``verify``."""
        return str(self._server.ca_path)

    @property
    def clock(self) -> Clock:
        return self.state.clock

    def http_session(self) -> requests.Session:
        """A ``requests.Session`` that trusts the emulator (``verify=ca_path``, ``trust_env=False``)."""
        session = requests.Session()
        session.verify = self.ca_path
        session.trust_env = False
        return session

    # -- orgs and apps ---------------------------------------------------------------------------------

    def create_org(self, name: str = "Emulated Org") -> OrgHandle:
        return OrgHandle(self.state, self.state.create_org(name))

    def create_connected_app(
        self,
        name: str = "tasksync",
        *,
        rotate_refresh_tokens: bool = False,
        jwt_public_key: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        session_timeout: timedelta | None = None,
        callback_urls: Sequence[str] = (),
        require_secret: bool = True,
        scopes: Sequence[str] = DEFAULT_SCOPES,
    ) -> ConnectedApp:
        """``callback_urls``: where the web-server flow may send a code (``redirect_uri`` must be one of
        them exactly); ``require_secret``: the code exchange needs ``client_secret`` ("Require Secret for
        Web Server Flow"); ``scopes``: what the app may be granted."""
        return self.state.tokens.create_app(
            name,
            rotate_refresh_tokens=rotate_refresh_tokens,
            jwt_public_key=jwt_public_key,
            client_id=client_id,
            client_secret=client_secret,
            session_timeout=session_timeout,
            callback_urls=callback_urls,
            require_secret=require_secret,
            scopes=scopes,
        )

    def approve_authorization(self, url: str, username: str, *, allow: bool = True) -> str:
        """Do what a person does on the login-and-approve page of ``url`` (an authorize URL, as a client
        would send a browser to): log in as ``username`` and press Allow (or Deny). Returns the
        ``Location`` the browser is sent to (``redirect_uri?code=...&state=...``). It POSTs the page's
        own form over HTTPS, so every check of the authorize endpoint applies; ValueError when the
        endpoint answers with a page instead of a redirect (an OAuth error, or a failed login)."""
        form = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        form.update(username=username, action="allow" if allow else "deny")
        with self.http_session() as session:
            answer = session.post(self.authorize_url, data=form, allow_redirects=False, timeout=10)
        if answer.status_code != 302:
            raise ValueError(f"the authorize endpoint answered {answer.status_code}, not a redirect")
        return answer.headers["Location"]
