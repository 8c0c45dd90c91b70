"""The one ``requests.Session`` a gateway uses: call options header, time-outs, TLS trust."""

from __future__ import annotations

from collections.abc import Mapping

import requests
from requests.adapters import HTTPAdapter

from tasksync.adapters.salesforce.settings import GatewaySettings

CALL_OPTIONS_HEADER = "Sforce-Call-Options"


class _DefaultTimeoutAdapter(HTTPAdapter):
    """Gives every request a time-out: simple-salesforce passes none on most calls (``SFType.updated``,
    ``deleted``, the Bulk 2.0 client), and requests without one can wait forever."""

    def __init__(self, timeout: tuple[float, float]) -> None:
        super().__init__()
        self._timeout = timeout

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        return super().send(
            request,
            stream=stream,
            timeout=self._timeout if timeout is None else timeout,
            verify=verify,
            cert=cert,
            proxies=proxies,
        )


def build_session(settings: GatewaySettings) -> requests.Session:
    session = requests.Session()
    # REST API Developer Guide, "Call Options Header": client=<id> names the caller; CDC copies it into
    # ChangeEventHeader.changeOrigin, which the sync uses to drop its own echoes. Set on the session so
    # every call made through simple-salesforce (REST and Bulk 2.0) carries it.
    session.headers[CALL_OPTIONS_HEADER] = f"client={settings.client_id}"
    adapter = _DefaultTimeoutAdapter(settings.timeout)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    if settings.ca_bundle is not None:
        session.verify = settings.ca_bundle
        # With trust_env on, REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE would replace session.verify.
        session.trust_env = False
    return session
