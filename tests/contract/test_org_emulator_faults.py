"""Injected faults: lock errors, limit refusals, unavailability, slow answers and latency."""

from __future__ import annotations

import time

import pytest
import requests
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceMalformedRequest, SalesforceRefusedRequest


def test_unable_to_lock_row_fails_the_next_writes_only(org, salesforce):
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "x"})["id"]
    org.inject_fault("UNABLE_TO_LOCK_ROW", 2)
    assert sf.Task.get(task_id)["Subject"] == "x"  # reads are not locked out
    for _ in range(2):
        with pytest.raises(SalesforceMalformedRequest) as raised:
            sf.Task.update(task_id, {"Subject": "y"})
        [error] = raised.value.content
        assert error["errorCode"] == "UNABLE_TO_LOCK_ROW"
        assert error["message"].startswith("unable to obtain exclusive access to this record")
    assert sf.Task.update(task_id, {"Subject": "y"}) == 204
    assert sf.Task.get(task_id)["Subject"] == "y"


def test_unable_to_lock_row_inside_a_collection_fails_each_record(org, salesforce):
    sf = salesforce()
    org.inject_fault("UNABLE_TO_LOCK_ROW")
    results = sf.restful(
        "composite/sobjects",
        method="POST",
        json={"records": [{"attributes": {"type": "Task"}, "Subject": s} for s in ("a", "b")]},
    )
    assert [r["errors"][0]["statusCode"] for r in results] == ["UNABLE_TO_LOCK_ROW", "UNABLE_TO_LOCK_ROW"]
    assert all(r["success"] is False for r in results)
    assert sf.query("SELECT COUNT() FROM Task")["totalSize"] == 0


def test_request_limit_and_server_unavailable(org, salesforce):
    sf = salesforce()
    org.inject_fault("REQUEST_LIMIT_EXCEEDED")
    with pytest.raises(SalesforceRefusedRequest) as refused:
        sf.query("SELECT Id FROM Task")
    assert refused.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    org.inject_fault("SERVER_UNAVAILABLE", 1)
    with pytest.raises(SalesforceGeneralError) as unavailable:
        sf.Task.create({"Subject": "x"})
    assert unavailable.value.status == 503
    assert unavailable.value.content[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert sf.query("SELECT COUNT() FROM Task")["totalSize"] == 0


def test_faults_can_target_methods_and_paths(org, salesforce):
    sf = salesforce()
    org.inject_fault("SERVER_UNAVAILABLE", 1, path_contains="/query")
    sf.Task.create({"Subject": "writes still work"})
    with pytest.raises(SalesforceGeneralError):
        sf.query("SELECT Id FROM Task")
    org.inject_fault("UNABLE_TO_LOCK_ROW", 1, methods=["DELETE"])
    task_id = sf.Task.create({"Subject": "x"})["id"]
    with pytest.raises(SalesforceMalformedRequest):
        sf.Task.delete(task_id)
    assert sf.Task.delete(task_id) == 204


def test_a_slow_answer_times_out_after_the_write_committed(emulator, org, rep, https):
    org.inject_fault("SLOW_RESPONSE", 1, seconds=0.6)
    with pytest.raises(requests.exceptions.ReadTimeout):
        https.post(
            f"{emulator.instance_url}/services/data/v59.0/sobjects/Task",
            json={"Subject": "timed out but made", "Tasksync_Id__c": "retry-me"},
            headers={"Authorization": f"Bearer {org.access_token(rep)}"},
            timeout=0.2,
        )
    deadline = time.monotonic() + 5
    while not org.tasks() and time.monotonic() < deadline:
        time.sleep(0.01)
    [task] = org.tasks()
    assert task["Tasksync_Id__c"] == "retry-me"


def test_latency_is_added_to_every_call(org, salesforce):
    sf = salesforce()
    org.set_latency(0.2)
    started = time.monotonic()
    sf.query("SELECT Id FROM Task")
    assert time.monotonic() - started >= 0.2
    org.clear_faults()
    started = time.monotonic()
    sf.query("SELECT Id FROM Task")
    assert time.monotonic() - started < 0.2


def test_faults_are_listed_and_cleared(org):
    org.inject_fault("SERVER_UNAVAILABLE", 3, methods=["get"])
    described = org.org.faults.describe()
    assert described["rules"] == [
        {"kind": "SERVER_UNAVAILABLE", "remaining": 3, "methods": ["GET"], "pathContains": None, "seconds": 0.0}
    ]
    org.clear_faults()
    assert org.org.faults.describe() == {"latencySeconds": 0.0, "rules": []}
    with pytest.raises(ValueError):
        org.inject_fault("EARTHQUAKE")
