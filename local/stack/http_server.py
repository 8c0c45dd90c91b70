"""The HTTP API on one local port, as API Gateway serves it: each route of template.yaml's ``HttpApi``
events handed to its function as a payload-2.0 event, a user route only with a bearer token the JWT
authorizer would accept (else API Gateway's own 401), and the answer written back. The same port serves
the web page (``local/web``) and, for the page's Salesforce panel, the emulated org as its user sees it
(``/org/...``): one origin, so the page never reaches across origins."""

from __future__ import annotations

import base64
import contextlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import jwt

from local.stack.lambda_service import LambdaService
from local.stack.lambdas import http_api_event
from local.user_tokens import LocalIssuer
from tasksync.observability import logger

WEB = Path(__file__).resolve().parents[1] / "web"
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css"}
INVOKE_PATH = "/2015-03-31/functions/"
MAX_BODY = 10 * 1024 * 1024
"""API Gateway's payload limit for HTTP APIs."""


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    pattern: re.Pattern[str]
    function: str
    authorized: bool


def routes_of(functions: dict[str, Any]) -> list[Route]:
    found = []
    for function in functions.values():
        for event in function.events.values():
            if event["Type"] != "HttpApi":
                continue
            properties = event["Properties"]
            path = properties["Path"]
            pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$")
            authorized = properties.get("Auth", {}).get("Authorizer") != "NONE"
            found.append(Route(properties["Method"].upper(), path, pattern, function.logical_id, authorized))
    return found


OrgPanel = Callable[[str, str, dict[str, Any] | None], tuple[int, Any]]
"""(method, path under /org, JSON body) -> (status, JSON answer)."""

Session = Callable[[], dict[str, str]]
"""The demo rep's ``{"userId", "token"}`` for the page (``GET /local/session``), a fresh token each time.

The page asks the local server for its token rather than taking one from a ``#token=...`` fragment:
opening the printed address is all a newcomer does (no token of a thousand characters to paste), a reload
gets a fresh token however long the stack has run, and no token sits in the address bar, the history or
a screenshot. Only the local stack has this route; a deployed page gets the rep's token from SIA's own
sign-in."""

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class LocalApi:
    def __init__(
        self,
        host: str,
        port: int,
        lambda_: LambdaService,
        issuer: LocalIssuer,
        org_panel: OrgPanel,
        status: Callable[[], Any],
        session: Session | None = None,
    ) -> None:
        self.lambda_ = lambda_
        self.issuer = issuer
        self.routes = routes_of(lambda_.functions)
        self.org_panel = org_panel
        self.status = status
        self.session = session
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api.handle(self)

            def do_POST(self) -> None:
                api.handle(self)

            def do_PUT(self) -> None:
                api.handle(self)

            def do_PATCH(self) -> None:
                api.handle(self)

            def do_DELETE(self) -> None:
                api.handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the handlers log what matters

        self.server = ThreadingHTTPServer((host, port), Handler)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        # The browser may go away mid-answer (a page reloaded): then there is nothing to tell it.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._handle(request)

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(request, 413, {"message": "Request Entity Too Large"})
            return
        body = request.rfile.read(length) if length else b""
        if parts.path.startswith("/v1/"):
            self._api(request, parts.path, parts.query, body)
            return
        local = parts.path.startswith(("/org/", "/local/", INVOKE_PATH))
        if local and urlsplit("//" + request.headers.get("Host", "")).hostname not in LOCAL_HOSTS:
            # A page of another site that rebinds its name to this address sends that name as its Host:
            # it reaches neither the org nor the session (the API itself asks for a token).
            self._send(request, 403, {"message": "Forbidden"})
        elif parts.path.startswith("/org/"):
            payload = json.loads(body) if body else None
            status, answer = self.org_panel(request.command, parts.path.removeprefix("/org"), payload)
            self._send(request, status, answer)
        elif parts.path == "/local/status":
            self._send(request, 200, self.status())
        elif parts.path == "/local/session" and self.session is not None and request.command == "GET":
            self._send(request, 200, self.session())
        elif parts.path.startswith(INVOKE_PATH) and parts.path.endswith("/invocations") and request.command == "POST":
            self._invoke(request, unquote(parts.path.removeprefix(INVOKE_PATH).removesuffix("/invocations")), body)
        elif request.command == "GET":
            self._static(request, parts.path)
        else:
            self._send(request, 404, {"message": "Not Found"})

    def _api(self, request: BaseHTTPRequestHandler, path: str, query: str, body: bytes) -> None:
        method = request.command
        for route in self.routes:
            matched = route.pattern.match(path)
            if matched is None or route.method != method:
                continue
            claims = None
            if route.authorized:
                claims = self._claims(request.headers.get("Authorization", ""))
                if claims is None:
                    self._send(request, 401, {"message": "Unauthorized"})
                    return
            headers = dict(request.headers.items())
            headers["X-Forwarded-Proto"] = "http"
            text, encoded = _body_text(body)
            event = http_api_event(
                method,
                path,
                route_key=f"{method} {route.path}",
                path_parameters=matched.groupdict(),
                headers=headers,
                body=text,
                query=dict(parse_qsl(query, keep_blank_values=True)),
                claims=claims,
                cookies=[part.strip() for part in request.headers.get("Cookie", "").split(";") if part.strip()],
            )
            event["isBase64Encoded"] = encoded
            host = request.headers.get("Host") or self.url.removeprefix("http://")
            event["requestContext"]["domainName"] = host
            try:
                answer = self.lambda_.invoke(route.function, event)
            except Exception:  # API Gateway's answer to a function that failed; the log says why
                logger.exception("the function failed", function=route.function)
                self._send(request, 500, {"message": "Internal Server Error"})
                return
            self._answer(request, answer)
            return
        self._send(request, 404, {"message": "Not Found"})

    def _invoke(self, request: BaseHTTPRequestHandler, name: str, body: bytes) -> None:
        """Lambda's Invoke API (``POST /2015-03-31/functions/<name>/invocations``) for the functions this
        process runs, so that a boto3 Lambda client pointed here (``AWS_ENDPOINT_URL_LAMBDA``), such as the
        dead-letter command's replays, reaches the same handlers (Lambda API Reference, "Invoke": 202 for
        ``Event``; 200 with ``X-Amz-Function-Error`` when the function failed)."""
        try:
            function = self.lambda_.by_name(name.rsplit(":function:", 1)[-1].split(":", 1)[0])
        except KeyError:
            self._send(request, 404, {"Type": "User", "message": f"Function not found: {name}"})
            return
        payload = json.loads(body) if body else {}
        if request.headers.get("X-Amz-Invocation-Type", "RequestResponse") == "Event":
            self.lambda_.invoke_async(function.name, payload)
            self._send(request, 202, None, empty=True)
            return
        try:
            answer = self.lambda_.invoke(function.logical_id, payload)
        except Exception as error:  # the function's error, told as Lambda tells it
            failed = {"errorMessage": str(error), "errorType": type(error).__name__}
            self._send(request, 200, failed, headers={"X-Amz-Function-Error": "Unhandled"})
            return
        self._send(request, 200, answer)

    def _claims(self, authorization: str) -> dict[str, str] | None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            claims = self.issuer.verify(token.strip())
        except jwt.InvalidTokenError:
            return None
        return {name: str(value) for name, value in claims.items()}  # API Gateway hands claims over as text

    def _answer(self, request: BaseHTTPRequestHandler, answer: dict[str, Any]) -> None:
        body = answer.get("body") or ""
        raw = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode("utf-8")
        request.send_response(int(answer.get("statusCode", 200)))
        for name, value in (answer.get("headers") or {}).items():
            request.send_header(name, str(value))
        for cookie in answer.get("cookies") or []:
            request.send_header("Set-Cookie", cookie)
        request.send_header("Content-Length", str(len(raw)))
        request.end_headers()
        request.wfile.write(raw)

    def _static(self, request: BaseHTTPRequestHandler, path: str) -> None:
        name = "index.html" if path in ("", "/") else path.lstrip("/")
        file = (WEB / name).resolve()
        if WEB not in file.parents or not file.is_file():
            self._send(request, 404, {"message": "Not Found"})
            return
        content = file.read_bytes()
        request.send_response(200)
        request.send_header("Content-Type", CONTENT_TYPES.get(file.suffix, "application/octet-stream"))
        request.send_header("Content-Length", str(len(content)))
        request.send_header("Cache-Control", "no-store")
        request.end_headers()
        request.wfile.write(content)

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler,
        status: int,
        answer: Any,
        *,
        empty: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        # The org panel's times are datetimes: as text.
        raw = b"" if status == 204 or empty else json.dumps(answer, default=str).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(raw)))
        request.end_headers()
        request.wfile.write(raw)


def _body_text(body: bytes) -> tuple[str | None, bool]:
    """As API Gateway passes it: text when it is UTF-8, else base64 with ``isBase64Encoded``."""
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode(), True
