"""The rep's HTTP API driven through its handler as API Gateway would: the route found in template.yaml
(so an unrouted path is refused as API Gateway refuses it), the JWT authorizer's claims put in the
event (API Gateway verifies the token before the function runs), the answer read as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from local.stack.http_server import Route, routes_of
from local.stack.lambdas import http_api_event
from tests.support.handler_stack import HandlerStack

API_FUNCTION = "ApiFunction"


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str]
    cookies: tuple[str, ...] = ()
    """``Set-Cookie`` values, as the function answered them."""


class ApiClient:
    def __init__(self, stack: HandlerStack, user_id: str | None) -> None:
        """``user_id``: the subject of the caller's token; None for a call that carries none. The client
        is one browser too: it keeps the cookies it is given and sends them back."""
        self.stack = stack
        self.user_id = user_id
        self.routes = [route for route in routes_of(stack.functions) if route.function == API_FUNCTION]
        self.cookies: dict[str, str] = {}

    def get(self, path: str, query: dict[str, str] | None = None) -> Answer:
        return self.request("GET", path, query=query)

    def post(self, path: str, body: Any) -> Answer:
        return self.request("POST", path, body)

    def patch(self, path: str, body: Any) -> Answer:
        return self.request("PATCH", path, body)

    def put(self, path: str, body: Any) -> Answer:
        return self.request("PUT", path, body)

    def delete(self, path: str) -> Answer:
        return self.request("DELETE", path)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: str | None = None,
        query: dict[str, str] | None = None,
        accept: str | None = None,
    ) -> Answer:
        route, parameters = self._route(method, path)
        if route is None:
            return Answer(404, {"message": "Not Found"}, {})  # API Gateway's own answer to an unrouted request
        text = raw if raw is not None else (None if body is None else json.dumps(body))
        event = http_api_event(
            method,
            path,
            route_key=f"{method} {route.path}",
            path_parameters=parameters,
            headers={
                **({"Content-Type": "application/json"} if text is not None else {}),
                **({"Accept": accept} if accept else {}),
            },
            body=text,
            query=query,
            claims=None
            if self.user_id is None or not route.authorized
            else {"sub": self.user_id, "aud": "tasksync-local"},
            cookies=[f"{name}={value}" for name, value in self.cookies.items()],
        )
        answer = self.stack.invoke(API_FUNCTION, event)
        set_cookies = tuple(answer.get("cookies") or ())
        for cookie in set_cookies:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in cookie or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        payload = answer.get("body") or None
        body = json.loads(payload) if payload else None
        return Answer(answer["statusCode"], body, answer.get("headers", {}), set_cookies)

    def _route(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        for route in self.routes:
            match = route.pattern.match(path)
            if match and route.method == method:
                return route, match.groupdict()
        return None, {}
