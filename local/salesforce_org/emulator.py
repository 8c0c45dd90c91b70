"""The Python API: start an emulator, make orgs (``org_handle.OrgHandle``: users, tokens, the webhook,
faults, acting in the org) and connected apps, drive the clock.

See the package docstring for a tour.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import TracebackType

import requests
from werkzeug.wrappers import Request, Response

from local.salesforce_org.clock import Clock
from local.salesforce_org.context import error_response
from local.salesforce_org.control import ControlApi
from local.salesforce_org.errors import not_found
from local.salesforce_org.oauth import ConnectedApp
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
        if request.path.startswith("/services/"):
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
    ) -> ConnectedApp:
        return self.state.tokens.create_app(
            name,
            rotate_refresh_tokens=rotate_refresh_tokens,
            jwt_public_key=jwt_public_key,
            client_id=client_id,
            client_secret=client_secret,
            session_timeout=session_timeout,
        )
