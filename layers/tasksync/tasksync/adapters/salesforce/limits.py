"""API usage from the ``Sforce-Limit-Info`` response header, for the budget governor.

REST API Developer Guide, "Limit Info Header": ``Sforce-Limit-Info: api-usage=18/5000``, possibly
followed by ``; per-app-api-usage=17/250(appName=...)`` or ``; api-bursts=1/750``; used may exceed max
while an org runs on burst allowance.
"""

from __future__ import annotations

import re
from typing import Any

import requests

from tasksync.ports.salesforce import ApiUsage

LIMIT_INFO_HEADER = "Sforce-Limit-Info"

# "api-usage" only as a whole segment name: "per-app-api-usage" must not match.
_API_USAGE = re.compile(r"(?:^|[;,\s])api-usage=(\d+)/(\d+)")


def parse_limit_info(header: str | None) -> ApiUsage | None:
    if not header:
        return None
    match = _API_USAGE.search(header)
    if match is None:
        return None
    return ApiUsage(used=int(match.group(1)), limit=int(match.group(2)))


class UsageRecorder:
    """Keeps the latest usage seen on any response of one session.

    A response hook rather than simple-salesforce's ``api_usage``: that attribute is set on whichever
    object made the call, and ``sf.Task`` is a new SFType at every access, so it loses readings.
    """

    def __init__(self) -> None:
        self.latest: ApiUsage | None = None
        self.calls = 0
        """Responses of the REST API (``/services/data/``): the calls the org counts. Token requests are not."""

    def attach(self, session: requests.Session) -> None:
        session.hooks["response"].append(self.on_response)

    def on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if "/services/data/" in (response.url or ""):
            self.calls += 1
        usage = parse_limit_info(response.headers.get(LIMIT_INFO_HEADER))
        if usage is not None:
            self.latest = usage
