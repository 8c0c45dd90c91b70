"""Task records one at a time: create, read, update, delete, upsert by external id, describe, and the
validation Salesforce applies."""

from __future__ import annotations

import re

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from local.salesforce_org import ids

SF_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")

# REST API Developer Guide, "Create a Record", example response body.
DOCUMENTED_CREATE = {"id": "001D000000IqhSLIAZ", "errors": [], "success": True}
# REST API Developer Guide, "Status Codes and Error Responses", incorrect ID example.
DOCUMENTED_MALFORMED_ID = [
    {
        "fields": ["Id"],
        "message": "Account ID: id value of incorrect type: 001900K0001pPuOAAU",
        "errorCode": "MALFORMED_ID",
    }
]
DOCUMENTED_NOT_FOUND = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]


@pytest.fixture
def raw(emulator, org, rep, https):
    """``raw(method, path, json=None, version="59.0")``: a REST call as the rep; returns the response."""
    token = org.access_token(rep)

    def call(method, path, version="59.0", **kwargs):
        return https.request(
            method,
            f"{emulator.instance_url}/services/data/v{version}/{path}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
            **kwargs,
        )

    return call


def test_create_answers_201_with_the_documented_body(raw):
    answer = raw("POST", "sobjects/Task", json={"Subject": "Call Acme"})
    assert answer.status_code == 201
    body = answer.json()
    assert set(body) == set(DOCUMENTED_CREATE)
    assert body["success"] is True and body["errors"] == []
    assert len(body["id"]) == 18 and body["id"].startswith("00T")
    assert ids.normalize(body["id"]) == body["id"]


def test_create_fills_defaults_and_system_fields(salesforce, rep):
    sf = salesforce()
    record = sf.Task.get(sf.Task.create({"Subject": "Call"})["id"])
    assert record["attributes"]["type"] == "Task"
    assert record["Status"] == "Not Started"
    assert record["Priority"] == "Normal"
    assert record["OwnerId"] == rep.id
    assert record["CreatedById"] == record["LastModifiedById"] == rep.id
    assert record["TaskSubtype"] == "Task"
    assert record["IsRecurrence"] is False and record["IsClosed"] is False and record["IsDeleted"] is False
    assert record["CompletedDateTime"] is None and record["ActivityDate"] is None
    for name in ("CreatedDate", "LastModifiedDate", "SystemModstamp"):
        assert SF_DATETIME.match(record[name]), record[name]
    for name in (
        "Id",
        "Subject",
        "Status",
        "Priority",
        "ActivityDate",
        "Description",
        "OwnerId",
        "WhoId",
        "WhatId",
        "TaskSubtype",
        "IsRecurrence",
        "RecurrenceActivityId",
        "IsClosed",
        "IsDeleted",
        "CreatedDate",
        "CreatedById",
        "LastModifiedDate",
        "LastModifiedById",
        "SystemModstamp",
        "CompletedDateTime",
        "Tasksync_Id__c",
    ):
        assert name in record


def test_defaults_follow_the_orgs_picklists(org, salesforce):
    org.add_status("Open", is_default=True)
    org.set_default_priority("High")
    sf = salesforce()
    record = sf.Task.get(sf.Task.create({"Subject": "x"})["id"])
    assert (record["Status"], record["Priority"]) == ("Open", "High")


def test_get_with_fields_returns_those_fields(salesforce):
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "x", "Priority": "High"})["id"]
    record = sf.Task.get(task_id, params={"fields": "Subject,priority"})
    assert record == {
        "attributes": {"type": "Task", "url": f"/services/data/v59.0/sobjects/Task/{task_id}"},
        "Subject": "x",
        "Priority": "High",
        "Id": task_id,
    }
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.Task.get(task_id, params={"fields": "Subject,Bogus"})
    assert raised.value.content[0]["errorCode"] == "INVALID_FIELD"


def test_update_answers_204_and_status_drives_is_closed(salesforce):
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "x"})["id"]
    assert sf.Task.update(task_id, {"Status": "Completed"}) == 204
    closed = sf.Task.get(task_id)
    assert closed["IsClosed"] is True
    assert SF_DATETIME.match(closed["CompletedDateTime"])
    sf.Task.update(task_id, {"Status": "In Progress"})
    reopened = sf.Task.get(task_id)
    assert reopened["IsClosed"] is False and reopened["CompletedDateTime"] is None


def test_closed_custom_status_closes_the_task(org, salesforce):
    org.add_status("Done (won)", is_closed=True)
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "x", "Status": "Done (won)"})["id"]
    assert sf.Task.get(task_id)["IsClosed"] is True


def test_activity_date_is_a_plain_date(org, rep, salesforce):
    org.update_user(rep, time_zone="Pacific/Kiritimati")
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "x", "ActivityDate": "2024-05-07"})["id"]
    assert sf.Task.get(task_id)["ActivityDate"] == "2024-05-07"
    sf.Task.update(task_id, {"ActivityDate": None})
    assert sf.Task.get(task_id)["ActivityDate"] is None


def test_empty_text_is_stored_as_null(salesforce):
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "", "Description": ""})["id"]
    record = sf.Task.get(task_id)
    assert record["Subject"] is None and record["Description"] is None


def test_length_limits_are_inclusive(salesforce):
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "s" * 255, "Description": "d" * 32000})["id"]
    record = sf.Task.get(task_id)
    assert len(record["Subject"]) == 255 and len(record["Description"]) == 32000


OTHER_USER = ids.new_id(ids.USER)
A_TASK_ID = ids.new_id(ids.TASK)


@pytest.mark.parametrize(
    ("body", "code", "fields"),
    [
        ({"Foo": 1}, "INVALID_FIELD", None),
        ({"Status": "Bogus"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ["Status"]),
        ({"Priority": "Urgent"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ["Priority"]),
        ({"TaskSubtype": "Fax"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ["TaskSubtype"]),
        ({"Subject": "s" * 256}, "STRING_TOO_LONG", ["Subject"]),
        ({"Description": "d" * 32001}, "STRING_TOO_LONG", ["Description"]),
        ({"Tasksync_Id__c": "e" * 256}, "STRING_TOO_LONG", ["Tasksync_Id__c"]),
        ({"ActivityDate": "2024-05-07T10:00:00Z"}, "JSON_PARSER_ERROR", None),
        ({"ActivityDate": "07/05/2024"}, "JSON_PARSER_ERROR", None),
        ({"ActivityDate": "2024-02-30"}, "JSON_PARSER_ERROR", None),
        ({"Subject": {"nested": 1}}, "JSON_PARSER_ERROR", None),
        ({"IsRecurrence": "yes"}, "JSON_PARSER_ERROR", None),
        ({"IsClosed": True}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["IsClosed"]),
        ({"IsDeleted": False}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["IsDeleted"]),
        ({"Id": A_TASK_ID}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["Id"]),
        ({"CreatedDate": "2024-01-01T00:00:00.000+0000"}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["CreatedDate"]),
        ({"LastModifiedDate": "2024-01-01T00:00:00.000+0000"}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["LastModifiedDate"]),
        ({"SystemModstamp": "2024-01-01T00:00:00.000+0000"}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["SystemModstamp"]),
        (
            {"CompletedDateTime": "2024-01-01T00:00:00.000+0000"},
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            ["CompletedDateTime"],
        ),
        ({"OwnerId": "not-an-id"}, "MALFORMED_ID", ["OwnerId"]),
        ({"OwnerId": OTHER_USER}, "FIELD_INTEGRITY_EXCEPTION", ["OwnerId"]),
        ({"WhoId": A_TASK_ID}, "FIELD_INTEGRITY_EXCEPTION", ["WhoId"]),
        ({"Status": None}, "REQUIRED_FIELD_MISSING", ["Status"]),
        ({"IsRecurrence": True, "ActivityDate": "2024-05-07"}, "FIELD_INTEGRITY_EXCEPTION", ["ActivityDate"]),
    ],
)
def test_create_validation_answers_salesforce_errors(salesforce, body, code, fields):
    with pytest.raises(SalesforceMalformedRequest) as raised:
        salesforce().Task.create(body)
    assert raised.value.status == 400
    [error] = raised.value.content
    assert error["errorCode"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert error.get("fields") == fields


def test_unknown_field_message(salesforce):
    with pytest.raises(SalesforceMalformedRequest) as raised:
        salesforce().Task.create({"Foo": 1})
    assert raised.value.content == [
        {"message": "No such column 'Foo' on sobject of type Task", "errorCode": "INVALID_FIELD"}
    ]


def test_inactive_owner_is_refused(org, salesforce):
    other = org.create_user(last_name="Leaver")
    org.deactivate_user(other)
    with pytest.raises(SalesforceMalformedRequest) as raised:
        salesforce().Task.create({"Subject": "x", "OwnerId": other.id})
    assert raised.value.content[0]["errorCode"] == "INACTIVE_OWNER_OR_USER"


def test_task_subtype_and_recurrence_are_create_only(salesforce):
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "Logged call", "TaskSubtype": "Call"})["id"]
    assert sf.Task.get(task_id)["TaskSubtype"] == "Call"
    for body, field in (({"TaskSubtype": "Task"}, "TaskSubtype"), ({"IsRecurrence": True}, "IsRecurrence")):
        with pytest.raises(SalesforceMalformedRequest) as raised:
            sf.Task.update(task_id, body)
        assert raised.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
        assert raised.value.content[0]["fields"] == [field]


def test_ids_malformed_unknown_and_fifteen_characters(salesforce, raw):
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "x"})["id"]
    for bad in ("123", task_id[:17] + "!", task_id[:15] + "ZZZ", "0058a000000000AAAA"):
        answer = raw("GET", f"sobjects/Task/{bad}")
        assert answer.status_code == 400, bad
        [error] = answer.json()
        assert set(error) == set(DOCUMENTED_MALFORMED_ID[0])
        assert error == {
            "fields": ["Id"],
            "message": f"Task ID: id value of incorrect type: {bad}",
            "errorCode": "MALFORMED_ID",
        }
    unknown = ids.new_id(ids.TASK)
    for method in ("GET", "PATCH", "DELETE"):
        answer = raw(method, f"sobjects/Task/{unknown}", json={"Subject": "y"} if method == "PATCH" else None)
        assert answer.status_code == 404
        assert answer.json() == DOCUMENTED_NOT_FOUND
    assert sf.Task.get(task_id[:15])["Id"] == task_id


def test_delete_moves_the_record_to_the_recycle_bin(org, salesforce, raw):
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "x"})["id"]
    assert sf.Task.delete(task_id) == 204
    for method in ("GET", "PATCH", "DELETE"):
        answer = raw(method, f"sobjects/Task/{task_id}", json={"Subject": "y"} if method == "PATCH" else None)
        assert answer.status_code == 404
        assert answer.json() == [{"message": "entity is deleted", "errorCode": "ENTITY_IS_DELETED", "fields": []}]
    assert sf.query(f"SELECT Id FROM Task WHERE Id = '{task_id}'")["totalSize"] == 0  # noqa: S608 - SOQL from test data
    [row] = sf.query_all(f"SELECT Id, IsDeleted FROM Task WHERE Id = '{task_id}'", include_deleted=True)["records"]  # noqa: S608 - SOQL from test data
    assert row["IsDeleted"] is True
    org.ui_undelete_task(task_id)
    assert sf.Task.get(task_id)["IsDeleted"] is False


def test_a_purged_record_answers_entity_is_deleted(org, salesforce, raw):
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "x"})["id"]
    sf.Task.delete(task_id)
    assert org.empty_recycle_bin() == [task_id]
    assert raw("GET", f"sobjects/Task/{task_id}").json()[0]["errorCode"] == "ENTITY_IS_DELETED"
    assert sf.query_all(f"SELECT Id FROM Task WHERE Id = '{task_id}'", include_deleted=True)["totalSize"] == 0  # noqa: S608 - SOQL from test data


def test_upsert_by_external_id_creates_then_updates(raw, salesforce):
    created = raw("PATCH", "sobjects/Task/Tasksync_Id__c/sia-1", json={"Subject": "first"})
    assert created.status_code == 201
    body = created.json()
    assert body == {"id": body["id"], "success": True, "errors": [], "created": True}
    updated = raw("PATCH", "sobjects/Task/Tasksync_Id__c/sia-1", json={"Subject": "second"})
    assert updated.status_code == 200
    assert updated.json() == {"id": body["id"], "success": True, "errors": [], "created": False}
    record = salesforce().Task.get(body["id"])
    assert (record["Subject"], record["Tasksync_Id__c"]) == ("second", "sia-1")


def test_upsert_matches_the_external_id_case_sensitively(raw, salesforce):
    # Apex Developer Guide, "Upserting Records": "Custom field matching is case-insensitive only if the
    # custom field has the Unique and Treat "ABC" and "abc" as duplicate values (case insensitive)
    # attributes"; Tasksync_Id__c is caseSensitive (its field-meta.xml).
    first = raw("PATCH", "sobjects/Task/Tasksync_Id__c/SIA-case-1", json={"Subject": "upper"}).json()["id"]
    other = raw("PATCH", "sobjects/Task/Tasksync_Id__c/sia-case-1", json={"Subject": "lower"})
    assert other.status_code == 201 and other.json()["id"] != first
    sf = salesforce()
    assert sf.Task.get(first)["Subject"] == "upper"
    assert sf.Task.get_by_custom_id("Tasksync_Id__c", "sia-case-1")["Subject"] == "lower"
    # SOQL and SOSL Reference, "Comparison Operators": "Comparisons on strings are case-sensitive for
    # unique case-sensitive fields".
    for where, expected in [
        ("Tasksync_Id__c = 'SIA-case-1'", ["upper"]),
        ("Tasksync_Id__c IN ('sia-case-1')", ["lower"]),
        ("Tasksync_Id__c LIKE 'SIA-%'", ["upper"]),
        ("Subject = 'UPPER'", ["upper"]),  # other fields stay case-insensitive
    ]:
        rows = sf.query(f"SELECT Subject FROM Task WHERE {where}")["records"]  # noqa: S608 - SOQL from test data
        assert [r["Subject"] for r in rows] == expected, where
    mismatch = raw("PATCH", "sobjects/Task/Tasksync_Id__c/sia-case-2", json={"Tasksync_Id__c": "SIA-case-2"})
    assert mismatch.status_code == 400 and mismatch.json()[0]["errorCode"] == "INVALID_FIELD"


def test_the_external_id_holds_64_characters(raw):
    assert raw("PATCH", f"sobjects/Task/Tasksync_Id__c/{'x' * 64}", json={"Subject": "fits"}).status_code == 201
    too_long = raw("PATCH", f"sobjects/Task/Tasksync_Id__c/{'y' * 65}", json={"Subject": "too long"})
    assert too_long.status_code == 400 and too_long.json()[0]["errorCode"] == "STRING_TOO_LONG"
    created = raw("POST", "sobjects/Task", json={"Tasksync_Id__c": "z" * 65})
    assert created.status_code == 400 and created.json()[0]["fields"] == ["Tasksync_Id__c"]


def test_upsert_before_api_46_answers_204_on_update(raw):
    created = raw("PATCH", "sobjects/Task/Tasksync_Id__c/old-api", version="45.0", json={"Subject": "a"})
    assert created.status_code == 201
    assert set(created.json()) == {"id", "errors", "success"}
    updated = raw("PATCH", "sobjects/Task/Tasksync_Id__c/old-api", version="45.0", json={"Subject": "b"})
    assert updated.status_code == 204 and updated.content == b""


def test_simple_salesforce_upsert_and_get_by_custom_id(salesforce):
    sf = salesforce()
    assert sf.Task.upsert("Tasksync_Id__c/sia-2", {"Subject": "a"}) == 201
    assert sf.Task.upsert("Tasksync_Id__c/sia-2", {"Subject": "b"}) == 200
    assert sf.Task.get_by_custom_id("Tasksync_Id__c", "sia-2")["Subject"] == "b"
    assert sf.Task.delete("Tasksync_Id__c/sia-2") == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Task.get_by_custom_id("Tasksync_Id__c", "sia-2")


def test_upsert_on_a_field_that_is_no_external_id_is_not_found(raw):
    answer = raw("PATCH", "sobjects/Task/Subject/abc", json={"Description": "x"})
    assert answer.status_code == 404
    assert answer.json() == DOCUMENTED_NOT_FOUND


def test_external_id_is_unique_case_sensitively(salesforce):
    sf = salesforce()
    first = sf.Task.create({"Subject": "a", "Tasksync_Id__c": "dup"})["id"]
    assert sf.Task.create({"Subject": "b", "Tasksync_Id__c": "DUP"})["success"] is True
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.Task.create({"Subject": "c", "Tasksync_Id__c": "dup"})
    assert raised.value.content == [
        {
            "message": f"duplicate value found: Tasksync_Id__c duplicates value on record with id: {first}",
            "errorCode": "DUPLICATE_VALUE",
            "fields": [],
        }
    ]


def test_upsert_skips_the_recycle_bin_and_undelete_then_conflicts(org, salesforce):
    sf = salesforce()
    first = sf.Task.create({"Subject": "a", "Tasksync_Id__c": "again"})["id"]
    sf.Task.delete(first)
    assert sf.Task.upsert("Tasksync_Id__c/again", {"Subject": "b"}) == 201
    second = sf.Task.get_by_custom_id("Tasksync_Id__c", "again")["Id"]
    assert second != first
    from local.salesforce_org.errors import ApiError

    with pytest.raises(ApiError) as raised:
        org.ui_undelete_task(first)
    assert raised.value.code == "DUPLICATE_VALUE"


def test_upsert_follows_external_id_changes_deletes_and_purges(org, salesforce):
    sf = salesforce()
    first = sf.Task.create({"Subject": "a", "Tasksync_Id__c": "old"})["id"]
    sf.Task.update(first, {"Tasksync_Id__c": "new"})
    assert sf.Task.upsert("Tasksync_Id__c/new", {"Subject": "b"}) == 200
    assert sf.Task.upsert("Tasksync_Id__c/old", {"Subject": "c"}) == 201  # "old" was free again
    second = sf.Task.get_by_custom_id("Tasksync_Id__c", "old")["Id"]
    sf.Task.delete(second)
    assert sf.Task.upsert("Tasksync_Id__c/old", {"Subject": "d"}) == 201  # the recycle bin is skipped
    third = sf.Task.get_by_custom_id("Tasksync_Id__c", "old")["Id"]
    assert len({first, second, third}) == 3
    sf.Task.delete(third)
    org.empty_recycle_bin()
    assert sf.Task.upsert("Tasksync_Id__c/old", {"Subject": "e"}) == 201
    assert sf.Task.get_by_custom_id("Tasksync_Id__c", "new")["Id"] == first


def test_describe_lists_the_modelled_fields(org, salesforce):
    org.add_status("Blocked")
    describe = salesforce().Task.describe()
    assert (describe["name"], describe["keyPrefix"]) == ("Task", "00T")
    fields = {f["name"]: f for f in describe["fields"]}
    assert {"Subject", "Status", "Priority", "ActivityDate", "Description", "Tasksync_Id__c", "IsClosed"} <= set(fields)
    status = fields["Status"]
    assert status["type"] == "picklist" and status["restrictedPicklist"] is True
    assert [v["value"] for v in status["picklistValues"]][-1] == "Blocked"
    assert [v["value"] for v in status["picklistValues"] if v["defaultValue"]] == ["Not Started"]
    assert (fields["Subject"]["length"], fields["Description"]["length"]) == (255, 32000)
    assert fields["ActivityDate"]["type"] == "date"
    assert fields["Tasksync_Id__c"]["externalId"] is True and fields["Tasksync_Id__c"]["unique"] is True
    assert fields["Tasksync_Id__c"]["caseSensitive"] is True and fields["Subject"]["caseSensitive"] is False
    assert fields["TaskSubtype"]["createable"] is True and fields["TaskSubtype"]["updateable"] is False
    assert fields["IsClosed"]["createable"] is False and fields["IsClosed"]["updateable"] is False
    assert fields["Description"]["filterable"] is False


def test_describe_global_and_basic_information(salesforce):
    sf = salesforce()
    names = {s["name"] for s in sf.describe()["sobjects"]}
    assert {"Task", "TaskStatus", "TaskPriority", "User"} <= names
    info = sf.Task.metadata()
    assert info["objectDescribe"]["keyPrefix"] == "00T" and info["recentItems"] == []
