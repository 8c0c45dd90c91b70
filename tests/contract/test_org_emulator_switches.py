"""The org's harsher switches, off by default and seeded so runs reproduce: sObject Collections writes
without the client id. Each is driven through the Python API and the HTTP control API."""

from __future__ import annotations

from simple_salesforce.api import Salesforce

from tests.contract.conftest import header


def client(emulator, org, client_id=None):
    """A simple-salesforce client for ``org``'s first user (making one if the org has none)."""
    user = org.users[0] if org.users else org.create_user(last_name="Rep")
    session = emulator.http_session()
    if client_id:
        session.headers["Sforce-Call-Options"] = f"client={client_id}"
    return Salesforce(instance_url=emulator.instance_url, session_id=org.access_token(user), session=session)


def collection(sf, *subjects):
    records = [{"attributes": {"type": "Task"}, "Subject": s} for s in subjects]
    return sf.restful("composite/sobjects", method="POST", json={"records": records})


# -- sObject Collections without the client id -------------------------------------------------------------


def test_collections_writes_can_lose_the_client_id(org, salesforce):
    # REST API Developer Guide, "Call Options Header": "The Call Options header can be used with sObject
    # Basic Information, sObject Rows, sObject Rows by External ID, Query, QueryAll, and Search. It is
    # also supported in Bulk API and Bulk API 2.0." sObject Collections are not among them.
    sf = salesforce(client_id="tasksync")
    org.omit_collections_client(1.0)
    [created] = collection(sf, "made")
    sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={"records": [{"attributes": {"type": "Task"}, "id": created["id"], "Subject": "changed"}]},
    )
    sf.restful(
        "composite/sobjects/Task/Tasksync_Id__c",
        method="PATCH",
        json={"records": [{"attributes": {"type": "Task"}, "Tasksync_Id__c": "sia-1", "Subject": "upserted"}]},
    )
    sf.restful("composite/sobjects", method="DELETE", params={"ids": created["id"]})
    sf.Task.create({"Subject": "one record"})
    origins = [header(m)["changeOrigin"] for m in org.events()]
    assert origins == ["com/salesforce/api/rest/59.0"] * 4 + ["com/salesforce/api/rest/59.0;client=tasksync"]


def test_collections_without_client_id_by_chance_reproduce(emulator, org, salesforce, control):
    def pattern(sf, handle):
        for n in range(20):
            collection(sf, f"call {n}")
        return [header(m)["changeOrigin"].endswith(";client=tasksync") for m in handle.events()]

    org.omit_collections_client(0.5, seed=7)
    first = pattern(salesforce(client_id="tasksync"), org)
    other = emulator.create_org("Same seed")
    answer = control("PUT", f"/orgs/{other.id}/collections-client-id", json={"probability": 0.5, "seed": 7})
    assert answer.json() == {"probability": 0.5, "seed": 7}
    assert pattern(client(emulator, other, "tasksync"), other) == first
    assert True in first and False in first
