"""sObject Collections: create, update, delete and upsert up to 200 Tasks in one API call."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from local.salesforce_org import ids

# REST API Developer Guide, "Create Records Using sObject Collections", example response bodies: one
# result per record in request order; errors use statusCode (not errorCode).
DOCUMENTED_PARTIAL = [
    {"id": "001RM000003oLnnYAE", "success": True, "errors": []},
    {
        "success": False,
        "errors": [{"statusCode": "DUPLICATES_DETECTED", "message": "Use one of these records?", "fields": []}],
    },
]
DOCUMENTED_ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was using AllOrNone header",
    "fields": [],
}


def task(**fields: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Task"}, **fields}


def collections(sf: Any, method: str, body: Any = None, params: Any = None) -> Any:
    return sf.restful("composite/sobjects", method=method, json=body, params=params)


def test_create_answers_per_record_results_in_request_order(org, salesforce):
    sf = salesforce()
    used_before, _ = org.api_usage()
    results = collections(
        sf,
        "POST",
        {"allOrNone": False, "records": [task(Subject="one"), task(Status="Nope"), task(Subject="three")]},
    )
    assert org.api_usage()[0] == used_before + 1
    assert [r["success"] for r in results] == [True, False, True]
    assert set(results[0]) == set(DOCUMENTED_PARTIAL[0])
    assert set(results[1]) == set(DOCUMENTED_PARTIAL[1])
    assert set(results[1]["errors"][0]) == {"statusCode", "message", "fields"}
    assert results[1]["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    subjects = {r["Subject"] for r in sf.query("SELECT Subject FROM Task")["records"]}
    assert subjects == {"one", "three"}


def test_all_or_none_rolls_everything_back(org, salesforce):
    sf = salesforce()
    results = collections(
        sf,
        "POST",
        {"allOrNone": True, "records": [task(Subject="one"), task(Subject="s" * 256), task(Subject="three")]},
    )
    assert results[0] == {"success": False, "errors": [DOCUMENTED_ROLLED_BACK]}
    assert results[1]["errors"][0]["statusCode"] == "STRING_TOO_LONG"
    assert results[2] == {"success": False, "errors": [DOCUMENTED_ROLLED_BACK]}
    assert sf.query("SELECT COUNT() FROM Task")["totalSize"] == 0
    assert org.events() == []


def test_update_and_delete(salesforce):
    sf = salesforce()
    created = collections(sf, "POST", {"records": [task(Subject="a"), task(Subject="b")]})
    first, second = (r["id"] for r in created)
    missing = ids.new_id(ids.TASK)
    results = collections(
        sf,
        "PATCH",
        {
            "allOrNone": False,
            "records": [
                task(id=first, Status="Completed"),
                task(Subject="no id"),
                task(id="bad", Subject="x"),
                task(id=second, Priority="High"),
            ],
        },
    )
    assert results[0] == {"id": first, "success": True, "errors": []}
    assert results[1]["errors"][0] == {
        "statusCode": "MISSING_ARGUMENT",
        "message": "Id not specified in an update call",
        "fields": [],
    }
    assert results[2]["errors"][0]["statusCode"] == "MALFORMED_ID"
    assert results[3] == {"id": second, "success": True, "errors": []}
    assert sf.Task.get(first)["IsClosed"] is True
    deleted = collections(sf, "DELETE", params={"ids": f"{first},{missing},{second}", "allOrNone": "false"})
    assert deleted[0] == {"id": first, "success": True, "errors": []}
    assert deleted[1]["success"] is False
    assert deleted[2] == {"id": second, "success": True, "errors": []}
    again = collections(sf, "DELETE", params={"ids": first})
    assert again[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    updated = collections(sf, "PATCH", {"records": [task(id=second, Subject="late")]})
    assert updated[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"


def test_delete_all_or_none(salesforce):
    sf = salesforce()
    [created] = collections(sf, "POST", {"records": [task(Subject="keep me")]})
    results = collections(sf, "DELETE", params={"ids": f"{created['id']},{ids.new_id(ids.TASK)}", "allOrNone": "true"})
    assert results[0] == {"success": False, "errors": [DOCUMENTED_ROLLED_BACK]}
    assert sf.Task.get(created["id"])["IsDeleted"] is False


def test_upsert_by_external_id(salesforce):
    sf = salesforce()
    path = "composite/sobjects/Task/Tasksync_Id__c"
    first = sf.restful(
        path,
        method="PATCH",
        json={
            "allOrNone": False,
            "records": [task(Tasksync_Id__c="a", Subject="A"), task(Tasksync_Id__c="b", Subject="B")],
        },
    )
    assert [(r["success"], r["created"]) for r in first] == [(True, True), (True, True)]
    second = sf.restful(
        path,
        method="PATCH",
        json={
            "allOrNone": False,
            "records": [
                task(Tasksync_Id__c="a", Subject="A2"),
                task(Tasksync_Id__c="B", Subject="another b"),  # Tasksync_Id__c is case-sensitive
                task(Subject="no external id"),
                task(Tasksync_Id__c="d", Subject="D1"),
                task(Tasksync_Id__c="d", Subject="D2"),
                task(Tasksync_Id__c="D", Subject="D3"),
            ],
        },
    )
    assert second[0] == {"id": first[0]["id"], "success": True, "errors": [], "created": False}
    assert second[1]["created"] is True and second[1]["id"] != first[1]["id"]
    assert second[2]["errors"][0]["statusCode"] == "INVALID_FIELD"
    assert second[3]["errors"][0]["statusCode"] == "DUPLICATE_EXTERNAL_ID"
    assert second[4]["errors"][0]["statusCode"] == "DUPLICATE_EXTERNAL_ID"
    assert second[5]["created"] is True
    assert sf.Task.get(first[0]["id"])["Subject"] == "A2"
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.restful("composite/sobjects/Task/Subject", method="PATCH", json={"records": [task(Subject="x")]})
    assert raised.value.content[0]["errorCode"] == "INVALID_FIELD"


def test_malformed_requests_answer_400(salesforce):
    sf = salesforce()
    with pytest.raises(SalesforceMalformedRequest) as too_many:
        collections(sf, "POST", {"records": [task(Subject=str(i)) for i in range(201)]})
    assert too_many.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    with pytest.raises(SalesforceMalformedRequest) as untyped:
        collections(sf, "POST", {"records": [{"Subject": "no attributes"}]})
    assert untyped.value.content[0]["errorCode"] == "INVALID_TYPE"
    with pytest.raises(SalesforceMalformedRequest):
        collections(sf, "POST", {"allOrNone": False})
    with pytest.raises(SalesforceMalformedRequest):
        collections(sf, "DELETE", params={"ids": ",".join(ids.new_id(ids.TASK) for _ in range(201))})
    assert sf.query("SELECT COUNT() FROM Task")["totalSize"] == 0


def test_two_hundred_records_is_one_call(org, salesforce):
    sf = salesforce()
    before, _ = org.api_usage()
    results = collections(sf, "POST", {"records": [task(Subject=str(i)) for i in range(200)]})
    assert len(results) == 200 and all(r["success"] for r in results)
    assert org.api_usage()[0] == before + 1


def test_create_refuses_an_id_and_other_types(salesforce):
    sf = salesforce()
    results = collections(
        sf,
        "POST",
        {
            "records": [
                task(Id=ids.new_id(ids.TASK), Subject="x"),
                {"attributes": {"type": "Account"}, "Name": "n"},
                {"attributes": {"type": "User"}},
            ]
        },
    )
    assert results[0]["errors"][0] == {
        "statusCode": "INVALID_FIELD",
        "message": "cannot specify Id in an insert call",
        "fields": ["Id"],
    }
    assert results[1]["errors"][0]["statusCode"] == "INVALID_TYPE"
    assert results[2]["errors"][0]["statusCode"] == "INVALID_TYPE_FOR_OPERATION"
