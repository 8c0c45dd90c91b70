"""The daily API allowance: ``Sforce-Limit-Info`` on every answer, ``GET limits``, and running out."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from simple_salesforce.exceptions import SalesforceRefusedRequest

from local.salesforce_org import ids

# REST API Developer Guide, "Limit Info Header": "Sforce-Limit-Info: api-usage=18/5000".
LIMIT_INFO = re.compile(r"^api-usage=(\d+)/(\d+)$")
# REST API Developer Guide, "Limits", example response (excerpt).
DOCUMENTED_LIMITS = {"DailyApiRequests": {"Max": 15000, "Remaining": 14998}}


@pytest.fixture
def raw(emulator, org, rep, https):
    token = org.access_token(rep)

    def call(method, path, **kwargs):
        return https.request(
            method,
            f"{emulator.instance_url}/services/data/v59.0/{path}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
            **kwargs,
        )

    return call


def test_every_answer_carries_the_usage_header(raw):
    answers = [
        raw("GET", "limits"),
        raw("POST", "sobjects/Task", json={"Subject": "x"}),
        raw("GET", "query", params={"q": "SELECT Id FROM Task"}),
        raw("GET", "query", params={"q": "SELECT Nope FROM Task"}),
        raw("GET", f"sobjects/Task/{ids.new_id(ids.TASK)}"),
        raw("GET", "sobjects/Task/updated", params={"start": "2024-01-01T00:00:00Z", "end": "2024-01-01T00:00:30Z"}),
    ]
    used = []
    for answer in answers:
        match = LIMIT_INFO.match(answer.headers["Sforce-Limit-Info"])
        assert match, answer.headers
        used.append(int(match.group(1)))
        assert int(match.group(2)) == 100_000
    assert used == [1, 2, 3, 4, 5, 6]


def test_limits_resource(org, salesforce):
    org.set_daily_api_limit(15000)
    sf = salesforce()
    sf.query("SELECT Id FROM Task")
    limits = sf.limits()
    assert limits["DailyApiRequests"].keys() == DOCUMENTED_LIMITS["DailyApiRequests"].keys()
    assert limits["DailyApiRequests"] == {"Max": 15000, "Remaining": 14998}
    assert sf.api_usage["api-usage"].used == 2 and sf.api_usage["api-usage"].total == 15000


def test_running_out_answers_403_request_limit_exceeded(org, salesforce, raw, emulator, https, rep):
    org.set_daily_api_limit(3)
    sf = salesforce()
    sf.query("SELECT Id FROM Task")
    sf.query("SELECT Id FROM Task")
    sf.Task.create({"Subject": "last one"})
    with pytest.raises(SalesforceRefusedRequest) as raised:
        sf.query("SELECT Id FROM Task")
    assert raised.value.status == 403
    assert raised.value.content == [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    refused = raw("GET", "limits")
    assert refused.headers["Sforce-Limit-Info"] == "api-usage=3/3"
    # Token requests and the emulator's own routes are not API calls.
    app = emulator.create_connected_app("t")
    token = https.post(
        emulator.token_url,
        data={"grant_type": "refresh_token", "refresh_token": org.refresh_token(rep, app), "client_id": app.client_id},
        timeout=5,
    )
    assert token.status_code == 200
    org.ui_create_task({"Subject": "made in the UI"})
    assert org.api_usage() == (3, 3)


def test_the_window_rolls_over_24_hours(org, salesforce, clock):
    org.set_daily_api_limit(2)
    org.configure(session_timeout=timedelta(days=2))
    sf = salesforce()
    clock.freeze()
    sf.query("SELECT Id FROM Task")
    clock.advance(timedelta(hours=12))
    sf.query("SELECT Id FROM Task")
    with pytest.raises(SalesforceRefusedRequest):
        sf.query("SELECT Id FROM Task")
    clock.advance(timedelta(hours=12, seconds=1))  # the first call is 24 hours old
    sf.query("SELECT Id FROM Task")
    assert org.api_usage() == (2, 2)
    org.reset_api_usage()
    assert org.api_usage() == (0, 2)
