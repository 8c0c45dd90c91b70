"""SOQL through the REST Query, QueryAll and Query More resources."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

# REST API Developer Guide, "Query More Results", example response body (records shortened).
DOCUMENTED_PAGE = {
    "totalSize": 3222,
    "done": False,
    "nextRecordsUrl": "/services/data/v67.0/query/01gRO0000016PIAYA2-500",
    "records": [
        {
            "attributes": {"type": "Contact", "url": "/services/data/v67.0/sobjects/Contact/003RO0000035WQgYAM"},
            "Id": "003RO0000035WQgYAM",
        }
    ],
}


@pytest.fixture
def sf(salesforce):
    return salesforce()


def make(sf: Any, **fields: Any) -> str:
    record_id: str = sf.Task.create(fields)["id"]
    return record_id


def make_many(sf: Any, names: Iterable[str]) -> None:
    names = list(names)
    for start in range(0, len(names), 200):
        records = [{"attributes": {"type": "Task"}, "Subject": n} for n in names[start : start + 200]]
        sf.restful("composite/sobjects", method="POST", json={"records": records})


def subjects(answer: Any) -> list[Any]:
    return [r["Subject"] for r in answer["records"]]


def test_records_carry_attributes_and_the_selected_fields_in_order(sf):
    task_id = make(sf, Subject="Call", ActivityDate="2024-05-07")
    answer = sf.query("select subject, id, ACTIVITYDATE, CreatedDate from task")
    assert answer["totalSize"] == 1 and answer["done"] is True and "nextRecordsUrl" not in answer
    [record] = answer["records"]
    assert list(record) == ["attributes", "Subject", "Id", "ActivityDate", "CreatedDate"]
    assert record["attributes"] == {"type": "Task", "url": f"/services/data/v59.0/sobjects/Task/{task_id}"}
    assert record["ActivityDate"] == "2024-05-07"
    assert record["CreatedDate"].endswith(".000+0000")


def test_where_operators(sf):
    make(sf, Subject="Alpha call", Priority="High", ActivityDate="2024-01-10")
    make(sf, Subject="beta_meeting", Priority="Low", ActivityDate="2024-02-10")
    make(sf, Subject="Gamma 100%", Status="Completed")
    make(sf, Subject=None, Description="no subject")

    def q(where):
        return sorted(str(s) for s in subjects(sf.query(f"SELECT Subject FROM Task WHERE {where}")))  # noqa: S608 - SOQL from test data

    assert q("Subject = 'alpha CALL'") == ["Alpha call"]  # string comparisons ignore case
    assert q("Subject != 'Alpha call'") == ["Gamma 100%", "None", "beta_meeting"]  # != keeps nulls
    assert q("Subject = null") == ["None"]
    assert q("Subject != null AND Priority = 'Normal'") == ["Gamma 100%"]
    assert q("Priority IN ('High', 'Low')") == ["Alpha call", "beta_meeting"]
    assert q("Priority NOT IN ('High', 'Low')") == ["Gamma 100%", "None"]
    assert q("Subject LIKE 'a%'") == ["Alpha call"]
    assert q("Subject LIKE '%\\_%'") == ["beta_meeting"]
    assert q("Subject LIKE 'gamma 100\\%'") == ["Gamma 100%"]
    assert q("Subject LIKE '_eta%'") == ["beta_meeting"]
    assert q("ActivityDate < 2024-02-01") == ["Alpha call"]
    assert q("ActivityDate >= 2024-01-10 AND ActivityDate <= 2024-02-10") == ["Alpha call", "beta_meeting"]
    assert q("ActivityDate > 2024-01-10") == ["beta_meeting"]
    assert q("IsClosed = true") == ["Gamma 100%"]
    assert q("NOT IsClosed = true AND Subject != null") == ["Alpha call", "beta_meeting"]
    assert q("(Priority = 'High' OR Priority = 'Low') AND ActivityDate > 2024-01-31") == ["beta_meeting"]
    assert q("Priority = 'High' OR (Status = 'Completed' AND IsClosed = true)") == ["Alpha call", "Gamma 100%"]
    assert q("Subject = 'it\\'s'") == []


def test_datetime_literals_with_offsets(sf, clock):
    clock.set(datetime(2024, 3, 1, 12, 0, 30, tzinfo=UTC))
    make(sf, Subject="noon")
    assert subjects(sf.query("SELECT Subject FROM Task WHERE CreatedDate = 2024-03-01T12:00:30Z")) == ["noon"]
    assert subjects(sf.query("SELECT Subject FROM Task WHERE CreatedDate > 2024-03-01T11:00:00Z")) == ["noon"]
    assert subjects(sf.query("SELECT Subject FROM Task WHERE CreatedDate > 2024-03-01T12:30:00+01:00")) == ["noon"]
    assert subjects(sf.query("SELECT Subject FROM Task WHERE CreatedDate >= 2024-03-01T13:00:31.000+01:00")) == []


def test_date_literals_follow_the_emulator_clock_and_user_time_zone(org, rep, sf, clock):
    org.update_user(rep, time_zone="America/Los_Angeles")
    # Wednesday 2024-05-08, 03:00 UTC = Tuesday 2024-05-07, 20:00 in Los Angeles.
    clock.set(datetime(2024, 5, 8, 3, 0, tzinfo=UTC))
    for day in ("2024-05-04", "2024-05-05", "2024-05-06", "2024-05-07", "2024-05-08", "2024-05-12", "2024-04-30"):
        make(sf, Subject=day, ActivityDate=day)

    def q(literal, op="="):
        return sorted(subjects(sf.query(f"SELECT Subject FROM Task WHERE ActivityDate {op} {literal}")))  # noqa: S608 - SOQL from test data

    assert q("TODAY") == ["2024-05-07"]
    assert q("YESTERDAY") == ["2024-05-06"]
    assert q("TOMORROW") == ["2024-05-08"]
    assert q("TODAY", ">") == ["2024-05-08", "2024-05-12"]
    assert q("TODAY", "<") == ["2024-04-30", "2024-05-04", "2024-05-05", "2024-05-06"]
    assert q("THIS_WEEK") == ["2024-05-05", "2024-05-06", "2024-05-07", "2024-05-08"]  # Sunday to Saturday
    assert q("LAST_WEEK") == ["2024-04-30", "2024-05-04"]
    assert q("NEXT_WEEK") == ["2024-05-12"]
    assert q("LAST_N_DAYS:2") == ["2024-05-05", "2024-05-06", "2024-05-07"]  # includes today
    assert q("NEXT_N_DAYS:1") == ["2024-05-08"]  # starts tomorrow
    assert q("N_DAYS_AGO:3") == ["2024-05-04"]
    assert q("LAST_MONTH") == ["2024-04-30"]
    assert len(q("THIS_MONTH")) == 6
    assert len(q("THIS_YEAR")) == 7
    # On a datetime field the range is the user's local day, in UTC.
    assert len(sf.query("SELECT Id FROM Task WHERE CreatedDate = TODAY")["records"]) == 7
    clock.advance(timedelta(hours=21))  # 2024-05-08 17:00 in Los Angeles
    assert len(sf.query("SELECT Id FROM Task WHERE CreatedDate = YESTERDAY")["records"]) == 7
    assert len(sf.query("SELECT Id FROM Task WHERE CreatedDate = LAST_N_DAYS:1")["records"]) == 7


def test_order_by_limit_and_offset(sf):
    for subject, date in (("b", "2024-01-02"), ("A", None), ("c", "2024-01-01"), ("d", None)):
        make(sf, Subject=subject, **({"ActivityDate": date} if date else {}))
    assert subjects(sf.query("SELECT Subject FROM Task ORDER BY Subject")) == ["A", "b", "c", "d"]
    assert subjects(sf.query("SELECT Subject FROM Task ORDER BY Subject DESC")) == ["d", "c", "b", "A"]
    assert subjects(sf.query("SELECT Subject FROM Task ORDER BY ActivityDate, Subject")) == ["A", "d", "c", "b"]
    assert subjects(sf.query("SELECT Subject FROM Task ORDER BY ActivityDate NULLS LAST, Subject")) == [
        "c",
        "b",
        "A",
        "d",
    ]
    assert subjects(sf.query("SELECT Subject FROM Task ORDER BY ActivityDate DESC NULLS LAST")) == ["b", "c", "A", "d"]
    assert subjects(sf.query("SELECT Subject FROM Task ORDER BY Subject LIMIT 2")) == ["A", "b"]
    assert subjects(sf.query("SELECT Subject FROM Task ORDER BY Subject LIMIT 2 OFFSET 1")) == ["b", "c"]
    assert sf.query("SELECT COUNT() FROM Task WHERE ActivityDate != null") == {
        "totalSize": 2,
        "done": True,
        "records": [],
    }


def test_query_more_pages_through_next_records_url(org, sf):
    make_many(sf, (f"{i:03d}" for i in range(450)))
    headers = {"Sforce-Query-Options": "batchSize=200"}
    first = sf.query("SELECT Id, Subject FROM Task ORDER BY Subject", headers=headers)
    assert set(first) == set(DOCUMENTED_PAGE)
    assert (first["totalSize"], first["done"], len(first["records"])) == (450, False, 200)
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    assert first["nextRecordsUrl"].endswith("-200")
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True, headers=headers)
    third = sf.query_more(second["nextRecordsUrl"], identifier_is_url=True, headers=headers)
    assert third["done"] is True and "nextRecordsUrl" not in third
    everything = subjects(first) + subjects(second) + subjects(third)
    assert everything == [f"{i:03d}" for i in range(450)]
    # simple-salesforce's query_all follows the locators itself; default batches are 2,000.
    assert len(sf.query_all("SELECT Id FROM Task")["records"]) == 450
    assert sf.query("SELECT Id FROM Task")["done"] is True
    # A batch size below 200 is raised to 200.
    assert len(sf.query("SELECT Id FROM Task", headers={"Sforce-Query-Options": "batchSize=10"})["records"]) == 200


def test_a_stale_or_unknown_locator_is_refused(org, sf, clock):
    make_many(sf, (str(i) for i in range(201)))
    first = sf.query("SELECT Id FROM Task", headers={"Sforce-Query-Options": "batchSize=200"})
    with pytest.raises(SalesforceMalformedRequest) as unknown:
        sf.query_more("/services/data/v59.0/query/01g8a0000000000AAA-200", identifier_is_url=True)
    assert unknown.value.content == [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}]
    clock.advance(timedelta(minutes=16))
    with pytest.raises(SalesforceMalformedRequest):
        sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)


def test_a_locator_belongs_to_its_org_and_user(emulator, org, sf):
    make_many(sf, (str(i) for i in range(201)))
    first = sf.query("SELECT Id FROM Task", headers={"Sforce-Query-Options": "batchSize=200"})
    other = emulator.create_org("Other")
    outsider = Salesforce(
        instance_url=emulator.instance_url,
        session_id=other.access_token(other.create_user(last_name="Other")),
        session=emulator.http_session(),
    )
    colleague = Salesforce(
        instance_url=emulator.instance_url,
        session_id=org.access_token(org.create_user(last_name="Colleague")),
        session=emulator.http_session(),
    )
    for stranger in (outsider, colleague):
        with pytest.raises(SalesforceMalformedRequest) as refused:
            stranger.query_more(first["nextRecordsUrl"], identifier_is_url=True)
        assert refused.value.content[0]["errorCode"] == "INVALID_QUERY_LOCATOR"
    assert len(sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)["records"]) == 1


def test_query_all_includes_the_recycle_bin(sf):
    kept = make(sf, Subject="kept")
    gone = make(sf, Subject="gone")
    sf.Task.delete(gone)
    assert subjects(sf.query("SELECT Subject FROM Task")) == ["kept"]
    rows = sf.query_all("SELECT Id, IsDeleted FROM Task ORDER BY Subject", include_deleted=True)["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in rows] == [(gone, True), (kept, False)]
    assert sf.query("SELECT Id FROM Task WHERE IsDeleted = true")["totalSize"] == 0
    assert sf.query_all("SELECT Id FROM Task WHERE IsDeleted = true", include_deleted=True)["totalSize"] == 1


def test_ids_in_filters(sf):
    task_id = make(sf, Subject="x")
    assert sf.query(f"SELECT Id FROM Task WHERE Id = '{task_id[:15]}'")["totalSize"] == 1  # noqa: S608 - SOQL from test data
    assert sf.query(f"SELECT Id FROM Task WHERE Id IN ('{task_id}')")["totalSize"] == 1  # noqa: S608 - SOQL from test data
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.query("SELECT Id FROM Task WHERE Id = 'nope'")
    assert raised.value.content[0]["errorCode"] == "INVALID_QUERY_FILTER_OPERATOR"
    assert raised.value.content[0]["message"].endswith("invalid ID field: nope")


def test_picklist_and_user_objects(org, rep, sf):
    org.add_status("Blocked", label="Blocked by someone")
    org.rename_priority("Low", "Someday")
    statuses = sf.query(
        "SELECT ApiName, MasterLabel, IsClosed, IsDefault, SortOrder FROM TaskStatus ORDER BY SortOrder"
    )
    assert [(r["ApiName"], r["IsClosed"], r["IsDefault"]) for r in statuses["records"]] == [
        ("Not Started", False, True),
        ("In Progress", False, False),
        ("Completed", True, False),
        ("Waiting on someone else", False, False),
        ("Deferred", False, False),
        ("Blocked", False, False),
    ]
    assert statuses["records"][-1]["MasterLabel"] == "Blocked by someone"
    assert statuses["records"][0]["attributes"]["type"] == "TaskStatus"
    priorities = sf.query("SELECT ApiName, IsDefault, IsHighPriority FROM TaskPriority ORDER BY SortOrder")["records"]
    assert [(r["ApiName"], r["IsDefault"], r["IsHighPriority"]) for r in priorities] == [
        ("High", False, True),
        ("Normal", True, False),
        ("Someday", False, False),
    ]
    closed = sf.query("SELECT ApiName FROM TaskStatus WHERE IsClosed = true")["records"]
    assert [r["ApiName"] for r in closed] == ["Completed"]
    [me] = sf.query(f"SELECT Id, Username, IsActive FROM User WHERE Id = '{rep.id}'")["records"]  # noqa: S608 - SOQL from test data
    assert (me["Username"], me["IsActive"]) == (rep.username, True)


def test_renaming_a_value_rewrites_the_records(org, sf):
    task_id = make(sf, Subject="x", Status="Deferred")
    assert org.rename_status("Deferred", "Parked") == 1
    assert sf.Task.get(task_id)["Status"] == "Parked"
    with pytest.raises(SalesforceMalformedRequest):
        make(sf, Subject="y", Status="Deferred")


# Query errors: layout and messages as Salesforce answers them.
@pytest.mark.parametrize(
    ("soql", "code", "message"),
    [
        (
            "SELECT Id FROMM Task",
            "MALFORMED_QUERY",
            "\nSELECT Id FROMM Task\n          ^\nERROR at Row:1:Column:11\nunexpected token: FROMM",
        ),
        (
            "SELECT Foo FROM Task",
            "INVALID_FIELD",
            "\nSELECT Foo FROM Task\n       ^\nERROR at Row:1:Column:8\n"
            "No such column 'Foo' on entity 'Task'. If you are attempting to use a custom field, be sure to "
            "append the '__c' after the custom field name. Please reference your WSDL or the describe call for "
            "the appropriate names.",
        ),
        (
            "SELECT Id FROM Tasks",
            "INVALID_TYPE",
            "\nSELECT Id FROM Tasks\n               ^\nERROR at Row:1:Column:16\n"
            "sObject type 'Tasks' is not supported. If you are attempting to use a custom object, be sure to "
            "append the '__c' after the entity name. Please reference your WSDL or the describe call for the "
            "appropriate names.",
        ),
    ],
)
def test_query_errors_answer_salesforce_messages(sf, soql, code, message):
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.query(soql)
    assert raised.value.status == 400
    assert raised.value.content == [{"message": message, "errorCode": code}]


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Id FROM Task WHERE Subject = 'a' AND Status = 'b' OR Priority = 'c'", "MALFORMED_QUERY"),
        ("SELECT Id FROM Task WHERE", "MALFORMED_QUERY"),
        ("SELECT Id FROM Task WHERE Subject = 'bad\\q'", "MALFORMED_QUERY"),
        ("SELECT Id, Id FROM Task", "MALFORMED_QUERY"),
        ("SELECT Id FROM Task WHERE CreatedDate > 2024-01-01", "INVALID_FIELD"),
        ("SELECT Id FROM Task WHERE ActivityDate > 2024-01-01T00:00:00Z", "INVALID_FIELD"),
        ("SELECT Id FROM Task WHERE Subject = 5", "INVALID_FIELD"),
        ("SELECT Id FROM Task WHERE IsClosed = 'true'", "INVALID_FIELD"),
        ("SELECT Id FROM Task WHERE Description = 'x'", "INVALID_FIELD"),
        ("SELECT Id FROM Task ORDER BY Description", "INVALID_FIELD"),
        ("SELECT Id FROM Task WHERE Bogus__c = 'x'", "INVALID_FIELD"),
        ("SELECT Id FROM Task LIMIT 10 OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE"),
        ("SELECT Owner.Name FROM Task", "INVALID_FIELD"),
    ],
)
def test_invalid_queries(sf, soql, code):
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.query(soql)
    assert raised.value.content[0]["errorCode"] == code
