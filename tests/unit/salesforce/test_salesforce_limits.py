"""API usage from Sforce-Limit-Info."""

from __future__ import annotations

import pytest
import requests

from tasksync.adapters.salesforce.limits import UsageRecorder, parse_limit_info
from tasksync.ports.salesforce import ApiUsage


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("api-usage=18/5000", ApiUsage(18, 5000)),
        ("api-usage=25/5000; per-app-api-usage=17/250(appName=sample-connected-app)", ApiUsage(25, 5000)),
        # per-app usage first must not be read as the org's usage
        ("per-app-api-usage=17/250(appName=x); api-usage=25/5000", ApiUsage(25, 5000)),
        ("api-usage=110018/100000; api-bursts=1/750", ApiUsage(110018, 100000)),
        ("api-usage=7/15000,per-app-api-usage=1/2(appName=y)", ApiUsage(7, 15000)),
        ("per-app-api-usage=17/250(appName=only-app)", None),
        ("", None),
        (None, None),
        ("api-usage=abc/def", None),
    ],
)
def test_parse_limit_info(header, expected):
    assert parse_limit_info(header) == expected


def test_usage_above_the_limit_has_nothing_remaining():
    assert ApiUsage(110018, 100000).remaining == 0


def test_recorder_keeps_the_latest_reading_and_ignores_answers_without_one():
    recorder = UsageRecorder()
    for header in ("api-usage=1/100", "api-usage=2/100", None):
        response = requests.Response()
        if header:
            response.headers["Sforce-Limit-Info"] = header
        recorder.on_response(response)

    assert recorder.latest == ApiUsage(2, 100)
