"""A write's error says nothing was written only when every attempt of it was refused (decision record
0017): a time-out on the way may have landed, whatever the retries answered after it."""

from __future__ import annotations

import requests

from tasksync.domain.salesforce_task import SalesforceField
from tasksync.domain.salesforce_writes import TaskUpdate
from tests.unit.salesforce.scripted_http import answer, fails

ID1 = "00T000000000001AAA"
DOWN = [{"errorCode": "SERVER_UNAVAILABLE", "message": "down"}]
LOCKED = [{"success": False, "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW", "message": "busy"}]}]
UPDATE = [TaskUpdate(ID1, {SalesforceField.DESCRIPTION: "x"})]


def test_refused_at_every_attempt_nothing_was_written(transport, gateway, sleeps):
    transport.on("PATCH", r"/composite/sobjects$", *[answer(503, DOWN)] * 4)
    (result,) = gateway.update_tasks(UPDATE)
    assert result.error is not None and result.error.nothing_written is True


def test_a_time_out_then_refusals_may_have_written(transport, gateway, sleeps):
    transport.on("PATCH", r"/composite/sobjects$", fails(requests.ReadTimeout("slow")), *[answer(503, DOWN)] * 3)
    (result,) = gateway.update_tasks(UPDATE)
    assert len(transport.calls("PATCH", r"/composite/sobjects$")) == 4
    assert result.error is not None and result.error.code == "SERVER_UNAVAILABLE"
    assert result.error.nothing_written is False


def test_a_time_out_then_a_locked_record_may_have_written(transport, gateway, sleeps):
    transport.on("PATCH", r"/composite/sobjects$", fails(requests.ReadTimeout("slow")), *[answer(200, LOCKED)] * 9)
    (result,) = gateway.update_tasks(UPDATE)
    assert result.error is not None and result.error.code == "UNABLE_TO_LOCK_ROW"
    assert result.error.nothing_written is False


def test_a_locked_record_whose_resend_times_out_may_have_written(transport, gateway, sleeps):
    slow = fails(requests.ReadTimeout("slow"))
    transport.on("PATCH", r"/composite/sobjects$", answer(200, LOCKED), slow, *[answer(200, LOCKED)] * 8)
    (result,) = gateway.update_tasks(UPDATE)
    assert result.error is not None and result.error.nothing_written is False
