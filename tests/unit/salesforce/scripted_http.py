"""A scripted HTTP transport for unit tests: no sockets, canned Salesforce answers, every request kept.

It replaces ``HTTPAdapter.send`` (the gateway's time-out adapter calls it through ``super()``), so the
session under test keeps its own headers, hooks and time-out defaults.
"""

from __future__ import annotations

import io
import json
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

LIMIT_INFO = "api-usage=10/15000"


@dataclass
class Seen:
    method: str
    url: str
    headers: CaseInsensitiveDict[str]
    body: bytes | None
    timeout: Any

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query)

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        text = self.body.decode() if isinstance(self.body, bytes) else str(self.body)
        return {k: v[0] for k, v in parse_qs(text).items()}


Responder = Callable[[Seen], requests.Response]


def answer(
    status: int = 200,
    body: Any = None,
    *,
    text: str | None = None,
    headers: dict[str, str] | None = None,
    limit_info: str | None = LIMIT_INFO,
) -> Responder:
    def respond(seen: Seen) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response.url = seen.url
        response.headers = CaseInsensitiveDict(headers or {})
        if limit_info:
            response.headers["Sforce-Limit-Info"] = limit_info
        if text is not None:
            response._content = text.encode()
            response.headers.setdefault("Content-Type", "text/csv")
        elif body is not None:
            response._content = json.dumps(body).encode()
            response.headers["Content-Type"] = "application/json"
        else:
            response._content = b""
        response.encoding = "utf-8"
        response.raw = io.BytesIO(response._content)  # for a streamed read (iter_content)
        return response

    return respond


def fails(exc: Exception) -> Responder:
    def respond(seen: Seen) -> requests.Response:
        raise exc

    return respond


@dataclass
class ScriptedTransport:
    routes: list[tuple[str, re.Pattern[str], deque[Responder]]] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)

    def on(self, method: str, path_pattern: str, *responders: Responder) -> ScriptedTransport:
        """Answer ``method`` on a URL path matching ``path_pattern`` with the responders in turn; the
        last one repeats."""
        self.routes.append((method, re.compile(path_pattern), deque(responders)))
        return self

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        # Installed as HTTPAdapter.send: a bound method does not bind again, so no adapter argument.
        body = request.body.encode() if isinstance(request.body, str) else request.body
        seen = Seen(
            str(request.method), str(request.url), CaseInsensitiveDict(request.headers), body, kwargs.get("timeout")
        )
        self.seen.append(seen)
        for method, pattern, responders in self.routes:
            if method == seen.method and pattern.search(seen.path):
                responder = responders.popleft() if len(responders) > 1 else responders[0]
                response = responder(seen)
                response.request = request
                return response
        raise AssertionError(f"unscripted request {seen.method} {seen.url}")

    def calls(self, method: str, path_pattern: str) -> list[Seen]:
        pattern = re.compile(path_pattern)
        return [s for s in self.seen if s.method == method and pattern.search(s.path)]
