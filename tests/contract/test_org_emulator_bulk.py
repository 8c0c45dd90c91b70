"""Bulk API 2.0 query jobs, through simple-salesforce 1.12.10's ``sf.bulk2`` and raw HTTP."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceOperationError

# Bulk API 2.0 and Bulk API Developer Guide, "Step 6: Query Jobs": the create answer.
DOCUMENTED_JOB = {
    "id": "7986gEXAMPLE4X2OPT",
    "operation": "query",
    "object": "Account",
    "createdById": "0055fEXAMPLEtG4AAM",
    "createdDate": "2022-01-02T17:38:59.000+0000",
    "systemModstamp": "2022-01-02T17:38:59.000+0000",
    "state": "UploadComplete",
    "concurrencyMode": "Parallel",
    "contentType": "CSV",
    "apiVersion": 58.0,
    "lineEnding": "LF",
    "columnDelimiter": "COMMA",
}


def seed(sf: Any, count: int) -> None:
    for start in range(0, count, 200):
        records = [
            {
                "attributes": {"type": "Task"},
                "Subject": f"task {i:04d}",
                **({"ActivityDate": "2024-05-07"} if i % 2 else {}),
            }
            for i in range(start, min(start + 200, count))
        ]
        sf.restful("composite/sobjects", method="POST", json={"records": records})


def rows(pages: Iterable[Any]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for page in pages:
        out.extend(csv.DictReader(io.StringIO(page)))
    return out


def test_simple_salesforce_bulk2_query_reads_every_page(salesforce):
    sf = salesforce()
    seed(sf, 450)
    pages = list(sf.bulk2.Task.query("SELECT Id, Subject, ActivityDate, IsClosed FROM Task", max_records=200, wait=0))
    assert len(pages) == 3
    result = rows(pages)
    assert len(result) == 450
    assert result[0]["Subject"] == "task 0000" and result[0]["ActivityDate"] == "" and result[0]["IsClosed"] == "false"
    assert result[1]["ActivityDate"] == "2024-05-07"
    assert pages[0].startswith('"Id","Subject","ActivityDate","IsClosed"\n')


def test_query_all_job_includes_deleted_rows(salesforce):
    sf = salesforce()
    kept = sf.Task.create({"Subject": "kept"})["id"]
    gone = sf.Task.create({"Subject": "gone"})["id"]
    sf.Task.delete(gone)
    assert {r["Id"] for r in rows(sf.bulk2.Task.query("SELECT Id FROM Task", wait=0))} == {kept}
    both = rows(sf.bulk2.Task.query_all("SELECT Id, IsDeleted FROM Task", wait=0))
    assert {(r["Id"], r["IsDeleted"]) for r in both} == {(kept, "false"), (gone, "true")}


@pytest.fixture
def raw(emulator, org, rep, https):
    token = org.access_token(rep)

    def call(method, path, version="59.0", **kwargs):
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return https.request(
            method, f"{emulator.instance_url}/services/data/v{version}/{path}", headers=headers, timeout=10, **kwargs
        )

    return call


def test_job_lifecycle_over_http(org, raw, salesforce):
    org.configure(bulk_polls_before_complete=2)
    seed(salesforce(), 5)
    created = raw("POST", "jobs/query", json={"operation": "query", "query": "SELECT Id, Subject FROM Task"})
    assert created.status_code == 200
    job = created.json()
    assert set(job) == set(DOCUMENTED_JOB)
    assert (job["state"], job["object"], job["apiVersion"]) == ("UploadComplete", "Task", 59.0)
    assert job["id"].startswith("750")
    assert [j["id"] for j in org.bulk_jobs()] == [job["id"]]
    not_yet = raw("GET", f"jobs/query/{job['id']}/results")
    assert not_yet.status_code == 400
    states = [raw("GET", f"jobs/query/{job['id']}").json()["state"] for _ in range(3)]
    assert states == ["InProgress", "InProgress", "JobComplete"]
    info = raw("GET", f"jobs/query/{job['id']}").json()
    assert info["numberRecordsProcessed"] == 5
    first = raw("GET", f"jobs/query/{job['id']}/results", params={"maxRecords": 3})
    assert first.status_code == 200 and first.headers["Content-Type"].startswith("text/csv")
    assert first.headers["Sforce-NumberOfRecords"] == "3"
    locator = first.headers["Sforce-Locator"]
    assert locator != "null"
    second = raw("GET", f"jobs/query/{job['id']}/results", params={"maxRecords": 3, "locator": locator})
    assert second.headers["Sforce-NumberOfRecords"] == "2"
    assert second.headers["Sforce-Locator"] == "null"
    # A locator keeps giving the same set while the job exists.
    again = raw("GET", f"jobs/query/{job['id']}/results", params={"maxRecords": 3, "locator": locator})
    assert again.text == second.text
    # Results must be read with the job's API version.
    assert raw("GET", f"jobs/query/{job['id']}/results", version="60.0").status_code == 409
    assert raw("DELETE", f"jobs/query/{job['id']}").status_code == 204
    assert raw("GET", f"jobs/query/{job['id']}").status_code == 404
    assert org.bulk_jobs() == []


def test_a_job_belongs_to_its_org(emulator, org, raw, https):
    job = raw("POST", "jobs/query", json={"operation": "query", "query": "SELECT Id FROM Task"}).json()
    other = emulator.create_org("Other")
    token = other.access_token(other.create_user(last_name="Other"))

    def other_call(method: str, path: str) -> Any:
        url = f"{emulator.instance_url}/services/data/v59.0/{path}"
        return https.request(method, url, headers={"Authorization": f"Bearer {token}"}, timeout=10)

    assert other_call("GET", f"jobs/query/{job['id']}").status_code == 404
    assert other_call("GET", "jobs/query").json()["records"] == []
    assert other.bulk_jobs() == []
    assert [j["id"] for j in raw("GET", "jobs/query").json()["records"]] == [job["id"]]


def test_abort_and_failures_reach_simple_salesforce(org, raw, salesforce):
    org.configure(bulk_polls_before_complete=5)
    job = raw("POST", "jobs/query", json={"operation": "query", "query": "SELECT Id FROM Task"}).json()
    aborted = raw("PATCH", f"jobs/query/{job['id']}", json={"state": "Aborted"})
    assert aborted.json()["state"] == "Aborted"
    sf = salesforce()
    with pytest.raises(SalesforceOperationError):
        sf.bulk2.Task._client.wait_for_job(job["id"], True, 0)


def test_invalid_query_jobs(raw):
    bad_field = raw("POST", "jobs/query", json={"operation": "query", "query": "SELECT Nope FROM Task"})
    assert bad_field.status_code == 400 and bad_field.json()[0]["errorCode"] == "INVALID_FIELD"
    # Bulk API 2.0 doesn't support COUNT() or OFFSET ("Create a Query Job").
    for soql in ("SELECT COUNT() FROM Task", "SELECT Id FROM Task LIMIT 5 OFFSET 1"):
        answer = raw("POST", "jobs/query", json={"operation": "query", "query": soql})
        assert answer.status_code == 400 and answer.json()[0]["errorCode"] == "INVALIDJOB"
    wrong_op = raw("POST", "jobs/query", json={"operation": "insert", "query": "SELECT Id FROM Task"})
    assert wrong_op.json()[0]["errorCode"] == "INVALIDJOB"


def test_simple_salesforce_sees_query_errors(salesforce):
    with pytest.raises(SalesforceMalformedRequest):
        list(salesforce().bulk2.Task.query("SELECT Bogus FROM Task", wait=0))


def test_other_delimiters_and_line_endings(raw, salesforce):
    salesforce().Task.create({"Subject": "a;b"})
    job = raw(
        "POST",
        "jobs/query",
        json={
            "operation": "query",
            "query": "SELECT Subject FROM Task",
            "columnDelimiter": "SEMICOLON",
            "lineEnding": "CRLF",
        },
    ).json()
    raw("GET", f"jobs/query/{job['id']}")
    text = raw("GET", f"jobs/query/{job['id']}/results").text
    assert text == '"Subject"\r\n"a;b"\r\n'
