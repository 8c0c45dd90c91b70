"""The HTTPS server: a werkzeug WSGI app on a ``ThreadedWSGIServer`` in a background thread, with a
certificate from a throw-away CA made at start (trustme).

simple-salesforce always speaks ``https://``, so clients trust the CA file (``ca_path``) through
``requests.Session.verify`` with ``trust_env = False`` (else ``REQUESTS_CA_BUNDLE`` wins), or
``curl --cacert``. The certificate names ``127.0.0.1`` and ``localhost``.
"""

from __future__ import annotations

import json
import logging
import shutil
import ssl
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import trustme
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

logger = logging.getLogger(__name__)

Dispatch = Callable[[Request], Response]


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request (tests make thousands)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


def wsgi_app(dispatch: Dispatch) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = dispatch(request)
        except Exception as error:  # an emulator bug must answer, not hang the client
            logger.exception("unhandled error for %s %s", request.method, request.path)
            body = [{"message": f"emulator error: {type(error).__name__}: {error}", "errorCode": "UNKNOWN_EXCEPTION"}]
            response = Response(json.dumps(body), status=500, content_type="application/json;charset=UTF-8")
        result: Iterable[bytes] = response(environ, start_response)
        return result

    return app


class TlsServer:
    def __init__(
        self, dispatch: Dispatch, *, host: str = "127.0.0.1", port: int = 0, ca_file: Path | None = None
    ) -> None:
        self._workdir = Path(tempfile.mkdtemp(prefix="salesforce-org-"))
        self._ca = trustme.CA(organization_name="Salesforce org emulator")
        self.ca_path = ca_file or self._workdir / "ca.pem"
        self.ca_path.parent.mkdir(parents=True, exist_ok=True)
        self._ca.cert_pem.write_to_path(str(self.ca_path))
        certificate = self._ca.issue_cert("127.0.0.1", "localhost")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(context)
        self._server: BaseWSGIServer = make_server(
            host, port, wsgi_app(dispatch), threaded=True, request_handler=_QuietHandler, ssl_context=context
        )
        self.host = host
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="salesforce-org-emulator", daemon=True)

    @property
    def base_url(self) -> str:
        return f"https://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        shutil.rmtree(self._workdir, ignore_errors=True)
