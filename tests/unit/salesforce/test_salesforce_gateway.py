"""The gateway against scripted Salesforce answers: request shapes, retries, result order, errors."""

from __future__ import annotations

import json
from datetime import date, timedelta
from urllib.parse import unquote

import pytest
import requests

from tasksync.adapters.salesforce.settings import ExternalIdMode
from tasksync.domain.salesforce_task import SalesforceField
from tasksync.domain.salesforce_writes import TaskCreate, TaskUpdate
from tasksync.domain.settings import ImportCheckpoint
from tasksync.ports.salesforce import ApiUsage, ErrorKind, SalesforceError
from tests.unit.salesforce.conftest import API, INSTANCE, NOW, token_answer
from tests.unit.salesforce.scripted_http import answer, fails

TOKEN_PATH = r"/services/oauth2/token$"
ID1, ID2, ID3 = "00T000000000001AAA", "00T000000000002AAA", "00T000000000003AAA"
OWNER = "005000000000001AAA"


def task_json(sf_id, **fields):
    return {"attributes": {"type": "Task"}, "Id": sf_id, "Subject": "Call", "Status": "Not Started", **fields}


def query_page(records, next_url=None):
    return {"totalSize": len(records), "done": next_url is None, "records": records, "nextRecordsUrl": next_url}


def soql_of(seen):
    return seen.query["q"][0]


# -- every call ----------------------------------------------------------------------------------


def test_calls_carry_client_id_bearer_token_and_a_time_out(transport, gateway):
    transport.on("GET", r"/sobjects/Task/", answer(200, task_json(ID1)))

    gateway.get_task(ID1)

    call = transport.calls("GET", r"/sobjects/Task/")[0]
    assert call.headers["Sforce-Call-Options"] == "client=tasksync-test"
    assert call.headers["Authorization"] == "Bearer at-1"
    assert call.timeout == (5.0, 30.0)
    assert call.url.startswith(f"{INSTANCE}{API}/sobjects/Task/{ID1}")
    assert transport.calls("POST", TOKEN_PATH)[0].headers["Sforce-Call-Options"] == "client=tasksync-test"


def test_api_usage_follows_the_latest_answer(transport, gateway):
    transport.on(
        "GET",
        r"/query/$",
        answer(200, query_page([]), limit_info="api-usage=41/15000; per-app-api-usage=3/100(appName=x)"),
        answer(200, query_page([]), limit_info="api-usage=42/15000"),
    )

    assert gateway.api_usage() is None
    gateway.get_tasks([ID1])
    assert gateway.api_usage() == ApiUsage(41, 15000)
    gateway.get_tasks([ID2])
    assert gateway.api_usage() == ApiUsage(42, 15000)


# -- auth ------------------------------------------------------------------------------------------


def test_an_expired_session_is_refreshed_once_and_the_call_retried(transport, make_gateway):
    transport.on("POST", TOKEN_PATH, token_answer("at-1"), token_answer("at-2"))
    expired = answer(401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    transport.on("GET", r"/sobjects/Task/", expired, answer(200, task_json(ID1)))

    task = make_gateway().get_task(ID1)

    assert task is not None and task.id == ID1
    auth = [c.headers["Authorization"] for c in transport.calls("GET", r"/sobjects/Task/")]
    assert auth == ["Bearer at-1", "Bearer at-2"]


def test_a_session_that_stays_invalid_is_an_auth_error_after_one_refresh(transport, make_gateway):
    transport.on("POST", TOKEN_PATH, token_answer("at-1"), token_answer("at-2"))
    transport.on("GET", r"/sobjects/Task/", answer(401, [{"message": "no", "errorCode": "INVALID_SESSION_ID"}]))

    with pytest.raises(SalesforceError) as raised:
        make_gateway().get_task(ID1)

    assert (raised.value.kind, raised.value.code) == (ErrorKind.AUTH, "INVALID_SESSION_ID")
    assert len(transport.calls("GET", r"/sobjects/Task/")) == 2
    assert len(transport.calls("POST", TOKEN_PATH)) == 2


# -- transient failures --------------------------------------------------------------------------


def test_transient_failures_are_retried_with_back_off(transport, gateway, sleeps):
    transport.on(
        "GET",
        r"/query/$",
        answer(503, [{"message": "down", "errorCode": "SERVER_UNAVAILABLE"}]),
        fails(requests.ConnectionError("reset")),
        answer(200, query_page([task_json(ID1)])),
    )

    assert [t.id for t in gateway.get_tasks([ID1])] == [ID1]
    assert sleeps == [0.5, 1.0]


def test_retries_are_bounded(transport, gateway, sleeps):
    transport.on("GET", r"/query/$", fails(requests.ReadTimeout("slow")))

    with pytest.raises(SalesforceError) as raised:
        gateway.get_tasks([ID1])

    assert raised.value.kind is ErrorKind.TRANSIENT
    assert len(transport.calls("GET", r"/query/$")) == 4 and len(sleeps) == 3


def test_permanent_failures_are_not_retried(transport, gateway, sleeps):
    transport.on("GET", r"/query/$", answer(400, [{"message": "bad", "errorCode": "MALFORMED_QUERY"}]))

    with pytest.raises(SalesforceError) as raised:
        gateway.get_tasks([ID1])

    assert raised.value.kind is ErrorKind.PERMANENT and sleeps == []


# -- reads ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["NOT_FOUND", "ENTITY_IS_DELETED", "MALFORMED_ID"])
def test_get_task_of_a_missing_or_deleted_record_is_none(transport, gateway, code):
    transport.on("GET", r"/sobjects/Task/", answer(404, [{"message": "gone", "errorCode": code}]))

    assert gateway.get_task(ID1) is None


def test_get_task_selects_the_query_fields(transport, gateway):
    transport.on("GET", r"/sobjects/Task/", answer(200, task_json(ID1, ActivityDate="2024-03-09")))

    task = gateway.get_task(ID1)

    assert task is not None and task.activity_date == date(2024, 3, 9)
    fields = transport.calls("GET", r"/sobjects/Task/")[0].query["fields"][0].split(",")
    assert {"Id", "Subject", "Status", "ActivityDate", "Tasksync_Id__c", "SystemModstamp"} <= set(fields)


def test_a_malformed_id_is_unknown_without_a_call(transport, gateway):
    assert gateway.get_task("not an id") is None
    assert gateway.get_tasks(["not an id"]) == []
    assert transport.calls("GET", r"/services/data/") == []


def test_get_tasks_cuts_long_id_lists_to_fit_the_url(transport, make_gateway):
    transport.on("POST", TOKEN_PATH, token_answer())
    transport.on("GET", r"/query/$", answer(200, query_page([])))
    ids = [f"00T{n:015d}" for n in range(300)]

    make_gateway(max_query_url_chars=4_000).get_tasks([*ids, ids[0]])

    calls = transport.calls("GET", r"/query/$")
    assert len(calls) > 1
    asked = [i for c in calls for i in ids if f"'{i}'" in soql_of(c)]
    assert sorted(asked) == sorted(ids)  # each id once, duplicates dropped
    assert all(len(c.url.split("?", 1)[1]) <= 4_000 for c in calls)


def test_queries_follow_next_records_url(transport, make_gateway):
    transport.on("POST", TOKEN_PATH, token_answer())
    transport.on("GET", r"/query/$", answer(200, query_page([task_json(ID1)], f"{API}/query/01g-2000")))
    transport.on("GET", r"/query/01g-2000$", answer(200, query_page([task_json(ID2)], f"{API}/query/01g-4000")))
    transport.on("GET", r"/query/01g-4000$", answer(200, query_page([task_json(ID3)])))

    tasks = make_gateway(query_batch_size=200).get_tasks([ID1, ID2, ID3])

    assert [t.id for t in tasks] == [ID1, ID2, ID3]
    assert all(c.headers["Sforce-Query-Options"] == "batchSize=200" for c in transport.calls("GET", r"/query/"))


ELIGIBLE = "IsRecurrence = false AND (TaskSubtype = null OR TaskSubtype IN ('Task'))"


def test_owned_tasks_use_rest_below_the_bulk_threshold(transport, gateway):
    transport.on(
        "GET",
        r"/query/$",
        answer(200, {"totalSize": 2, "done": True, "records": []}),
        answer(200, query_page([task_json(ID1), task_json(ID2)])),
    )

    owned = gateway.owned_tasks_modified_since(OWNER, NOW - timedelta(hours=24))

    assert owned.total == 2 and [t.id for t in owned.tasks] == [ID1, ID2]
    count, select = (soql_of(c) for c in transport.calls("GET", r"/query/$"))
    where = f"WHERE OwnerId = '{OWNER}' AND LastModifiedDate >= 2024-05-31T12:00:00Z AND {ELIGIBLE}"
    assert count == f"SELECT COUNT() FROM Task {where}"  # noqa: S608
    assert select.startswith("SELECT Id, Subject,")
    assert select.endswith(f"FROM Task {where} ORDER BY LastModifiedDate, Id")


def test_owned_tasks_stamped_since_query_system_modstamp_to_salesforces_present(transport, gateway):
    transport.on("GET", r"/query/$", answer(200, query_page([task_json(ID1)])))

    tasks = list(gateway.owned_tasks_stamped_since(OWNER, NOW - timedelta(hours=1)))

    assert [t.id for t in tasks] == [ID1]
    (select,) = (soql_of(c) for c in transport.calls("GET", r"/query/$"))
    assert select.startswith("SELECT Id, Subject,")
    where = f"WHERE OwnerId = '{OWNER}' AND SystemModstamp >= 2024-06-01T11:00:00Z AND {ELIGIBLE}"
    assert select.endswith(f"FROM Task {where}")


def test_owned_tasks_after_a_checkpoint_are_the_rows_after_it_in_their_order(transport, gateway):
    transport.on(
        "GET", r"/query/$", answer(200, {"totalSize": 0, "done": True, "records": []}), answer(200, query_page([]))
    )
    checkpoint = ImportCheckpoint(modified_at=NOW - timedelta(hours=1), sf_id=ID2)

    list(gateway.owned_tasks_modified_since(OWNER, NOW - timedelta(hours=24), after=checkpoint).tasks)

    keyset = f"(LastModifiedDate > 2024-06-01T11:00:00Z OR (LastModifiedDate = 2024-06-01T11:00:00Z AND Id > '{ID2}'))"
    count, select = (soql_of(c) for c in transport.calls("GET", r"/query/$"))
    assert count.endswith(f"AND {ELIGIBLE} AND {keyset}")
    assert select.endswith(f"AND {keyset} ORDER BY LastModifiedDate, Id")


JOB = "750000000000001"


def bulk_job(transport, *states):
    transport.on("POST", TOKEN_PATH, token_answer())
    transport.on("GET", r"/query/$", answer(200, {"totalSize": 3, "done": True, "records": []}))
    transport.on("POST", r"/jobs/query$", answer(200, {"id": JOB, "state": "UploadComplete"}))
    transport.on("GET", rf"/jobs/query/{JOB}$", *(answer(200, {"id": JOB, "state": state}) for state in states))


def test_owned_tasks_use_a_bulk_query_above_the_threshold_read_page_by_page(transport, make_gateway):
    bulk_job(transport, "InProgress", "JobComplete")
    page1 = f'"Id","Subject","IsRecurrence"\n"{ID1}","Call","false"\n"{ID2}","","false"\n'
    page2 = f'"Id","Subject","IsRecurrence"\n"{ID3}","Email","true"\n'
    transport.on(
        "GET",
        rf"/jobs/query/{JOB}/results$",
        answer(200, text=page1, headers={"Sforce-Locator": "MjAwMDA", "Sforce-NumberOfRecords": "2"}),
        answer(200, text=page2, headers={"Sforce-Locator": "null", "Sforce-NumberOfRecords": "1"}),
    )
    owned = make_gateway(bulk_threshold=2, bulk_poll_seconds=0, bulk_page_size=2).owned_tasks_modified_since(OWNER, NOW)

    # The first row comes before the second page is asked for
    first = next(owned.tasks)
    assert len(transport.calls("GET", r"/results$")) == 1
    tasks = [first, *owned.tasks]

    assert owned.total == 3
    assert [(t.id, t.subject, t.is_recurrence) for t in tasks] == [
        (ID1, "Call", False),
        (ID2, None, False),
        (ID3, "Email", True),
    ]
    job = transport.calls("POST", r"/jobs/query$")[0]
    assert job.json() == {"operation": "query", "query": job.json()["query"]}
    assert f"OwnerId = '{OWNER}'" in job.json()["query"] and job.json()["query"].endswith(
        "ORDER BY LastModifiedDate, Id"
    )
    assert job.headers["Sforce-Call-Options"] == "client=tasksync-test"
    pages = transport.calls("GET", r"/results$")
    assert [c.query for c in pages] == [{"maxRecords": ["2"]}, {"maxRecords": ["2"], "locator": ["MjAwMDA"]}]
    assert all(c.headers["Accept"] == "text/csv" for c in pages)
    assert len(transport.calls("GET", rf"/jobs/query/{JOB}$")) == 2  # polled until JobComplete


def test_a_bulk_page_that_fails_is_read_again_from_its_locator(transport, make_gateway, sleeps):
    bulk_job(transport, "JobComplete")
    page1 = f'"Id","Subject"\n"{ID1}","Call"\n'
    page2 = f'"Id","Subject"\n"{ID2}","Send"\n'
    transport.on(
        "GET",
        rf"/jobs/query/{JOB}/results$",
        answer(200, text=page1, headers={"Sforce-Locator": "MQ", "Sforce-NumberOfRecords": "1"}),
        answer(503, [{"message": "down", "errorCode": "SERVER_UNAVAILABLE"}]),
        answer(200, text=page2, headers={"Sforce-Locator": "null", "Sforce-NumberOfRecords": "1"}),
    )

    owned = make_gateway(bulk_threshold=2, bulk_poll_seconds=0, bulk_page_size=1).owned_tasks_modified_since(OWNER, NOW)

    assert [t.id for t in owned.tasks] == [ID1, ID2]  # no row lost, none twice
    assert [c.query.get("locator") for c in transport.calls("GET", r"/results$")] == [None, ["MQ"], ["MQ"]]
    assert len(transport.calls("POST", r"/jobs/query$")) == 1  # the same job


def test_a_bulk_job_that_fails_is_a_permanent_error(transport, make_gateway):
    bulk_job(transport, "InProgress", "Failed")

    with pytest.raises(SalesforceError) as raised:
        list(make_gateway(bulk_threshold=2, bulk_poll_seconds=0).owned_tasks_modified_since(OWNER, NOW).tasks)

    assert (raised.value.kind, raised.value.code) == (ErrorKind.PERMANENT, "BULK_JOB_FAILED")


def test_a_bulk_job_is_polled_less_and_less_often_then_given_up_as_transient(transport, make_gateway, sleeps):
    bulk_job(transport, "InProgress")

    with pytest.raises(SalesforceError) as raised:
        gateway = make_gateway(bulk_threshold=2, bulk_poll_seconds=2, bulk_max_wait=100)
        list(gateway.owned_tasks_modified_since(OWNER, NOW).tasks)

    assert (raised.value.kind, raised.value.code) == (ErrorKind.TRANSIENT, "BULK_JOB_SLOW")
    assert sleeps == [2, 4, 8, 16, 30, 30, 30]
    assert len(transport.calls("GET", rf"/jobs/query/{JOB}$")) == 7


def test_picklists_are_read_from_the_org(transport, gateway):
    transport.on(
        "GET",
        r"/query/$",
        answer(
            200,
            query_page(
                [
                    {"ApiName": "Open", "IsClosed": False, "IsDefault": True},
                    {"ApiName": "Done", "IsClosed": True, "IsDefault": False},
                ]
            ),
        ),
        answer(200, query_page([{"ApiName": "Urgent", "IsDefault": False, "IsHighPriority": True}])),
    )

    picklists = gateway.picklists()

    assert [(s.api_name, s.is_closed, s.is_default) for s in picklists.statuses] == [
        ("Open", False, True),
        ("Done", True, False),
    ]
    assert [(p.api_name, p.is_high_priority) for p in picklists.priorities] == [("Urgent", True)]
    assert [soql_of(c) for c in transport.calls("GET", r"/query/$")] == [
        "SELECT ApiName, IsClosed, IsDefault FROM TaskStatus",
        "SELECT ApiName, IsDefault, IsHighPriority FROM TaskPriority",
    ]


def test_updated_ids_asks_the_window_and_parses_latest_date_covered(transport, gateway):
    transport.on(
        "GET",
        r"/sobjects/Task/updated/$",
        answer(200, {"ids": [ID1, ID2], "latestDateCovered": "2024-06-01T11:59:00.000+0000"}),
    )

    window = gateway.updated_ids(NOW - timedelta(hours=1), NOW)

    assert window.ids == (ID1, ID2)
    assert window.latest_date_covered == NOW - timedelta(minutes=1)
    call = transport.calls("GET", r"/updated/$")[0]
    assert unquote(call.url.split("?", 1)[1]) == "start=2024-06-01T11:00:00+00:00&end=2024-06-01T12:00:00+00:00"


def test_updated_ids_clamps_to_thirty_days_and_skips_windows_under_a_minute(transport, gateway):
    transport.on("GET", r"/updated/$", answer(200, {"ids": [], "latestDateCovered": "2024-06-01T12:00:00.000+0000"}))

    gateway.updated_ids(NOW - timedelta(days=45), NOW + timedelta(days=1))
    short = gateway.updated_ids(NOW - timedelta(seconds=30), NOW)

    start = unquote(transport.calls("GET", r"/updated/$")[0].query["start"][0])
    assert start.startswith("2024-05-02T12:05")  # now - 30 days + margin
    assert short.ids == () and short.latest_date_covered == NOW - timedelta(seconds=30)
    assert len(transport.calls("GET", r"/updated/$")) == 1


def test_deleted_records_parse_dates_and_flag_lost_deletes(transport, gateway):
    transport.on(
        "GET",
        r"/sobjects/Task/deleted/$",
        answer(
            200,
            {
                "deletedRecords": [{"id": ID1, "deletedDate": "2024-05-30T08:00:00.000+0000"}],
                "earliestDateAvailable": "2024-04-01T00:00:00.000+0000",
                "latestDateCovered": "2024-06-01T11:59:00.000+0000",
            },
        ),
    )

    inside = gateway.deleted_records(NOW - timedelta(days=3), NOW)
    asked = NOW - timedelta(days=20)
    clamped = gateway.deleted_records(asked, NOW)

    assert [(r.sf_id, r.deleted_at.isoformat()) for r in inside.records] == [(ID1, "2024-05-30T08:00:00+00:00")]
    assert inside.earliest_date_available.isoformat() == "2024-04-01T00:00:00+00:00"
    assert clamped.earliest_date_available > asked  # the caller must reconcile fully
    clamped_start = unquote(transport.calls("GET", r"/deleted/$")[1].query["start"][0])
    assert clamped_start.startswith("2024-05-17T12:05")  # now - 15 days + margin


def test_get_deleted_refused_for_a_start_before_the_last_purge_says_the_deletes_were_lost(transport, gateway):
    # SOAP API Developer Guide, getDeleted(), Usage: a purge before the call answers INVALID_REPLICATION_DATE
    refusal = [{"message": "startDate is before the last purge", "errorCode": "INVALID_REPLICATION_DATE"}]
    transport.on("GET", r"/sobjects/Task/deleted/$", answer(400, refusal))
    asked = NOW - timedelta(days=3)

    window = gateway.deleted_records(asked, NOW)

    assert window.records == ()
    assert window.earliest_date_available > asked  # the caller audits its links
    assert window.latest_date_covered == NOW


def test_get_tasks_with_deleted_ones_reads_through_query_all(transport, gateway):
    transport.on("GET", r"/queryAll/$", answer(200, query_page([task_json(ID1, IsDeleted=True)])))

    (task,) = gateway.get_tasks([ID1], include_deleted=True)

    assert task.is_deleted
    assert transport.calls("GET", r"/query/$") == []


# -- writes --------------------------------------------------------------------------------------


def creates(n, start=0):
    return [
        TaskCreate(
            external_id=f"sia-{i}",
            owner_id=OWNER,
            values={SalesforceField.SUBJECT: f"Task {i}", SalesforceField.ACTIVITY_DATE: date(2024, 6, 3)},
        )
        for i in range(start, start + n)
    ]


def ok_items(seen, prefix="00T"):
    return [
        {"id": f"{prefix}{n:015d}", "success": True, "errors": [], "created": True}
        for n in range(len(seen.json()["records"]))
    ]


def test_creates_upsert_on_the_external_id_in_chunks_of_200(transport, gateway):
    transport.on("PATCH", r"/composite/sobjects/Task/Tasksync_Id__c$", lambda seen: answer(200, ok_items(seen))(seen))

    results = gateway.create_tasks(creates(250))

    calls = transport.calls("PATCH", r"/composite/sobjects/Task/Tasksync_Id__c$")
    assert [len(c.json()["records"]) for c in calls] == [200, 50]
    body = calls[0].json()
    assert body["allOrNone"] is False
    assert body["records"][0] == {
        "attributes": {"type": "Task"},
        "Subject": "Task 0",
        "ActivityDate": "2024-06-03",
        "OwnerId": OWNER,
        "Tasksync_Id__c": "sia-0",
    }
    assert len(results) == 250 and all(r.ok for r in results)


def test_per_record_results_come_back_in_request_order(transport, gateway):
    items = [
        {"id": ID1, "success": True, "errors": [], "created": True},
        {
            "success": False,
            "errors": [{"statusCode": "REQUIRED_FIELD_MISSING", "message": "Subject", "fields": ["Subject"]}],
        },
        {"success": False, "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW", "message": "locked", "fields": []}]},
    ]
    transport.on("PATCH", r"/Tasksync_Id__c$", answer(200, items))

    results = gateway.create_tasks(creates(3))

    assert results[0].sf_id == ID1 and results[0].ok
    assert results[1].sf_id is None and results[1].error is not None
    assert (results[1].error.kind, results[1].error.fields) == (ErrorKind.PERMANENT, ("Subject",))
    assert results[2].error is not None and results[2].error.kind is ErrorKind.TRANSIENT  # the caller retries it


def test_a_locked_record_is_sent_again_after_a_back_off_and_the_others_are_not(transport, gateway, sleeps):
    locked = {"success": False, "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW", "message": "locked", "fields": []}]}
    refused = {"success": False, "errors": [{"statusCode": "REQUIRED_FIELD_MISSING", "message": "x", "fields": []}]}
    transport.on(
        "PATCH",
        r"/Tasksync_Id__c$",
        answer(200, [{"id": ID1, "success": True, "errors": []}, locked, refused]),
        answer(200, [locked]),
        answer(200, [{"id": ID2, "success": True, "errors": []}]),
    )

    results = gateway.create_tasks(creates(3))

    assert [(r.sf_id, r.ok) for r in results[:2]] == [(ID1, True), (ID2, True)]
    assert results[2].error is not None and results[2].error.code == "REQUIRED_FIELD_MISSING"
    sent = [
        [record["Tasksync_Id__c"] for record in c.json()["records"]]
        for c in transport.calls("PATCH", r"/Tasksync_Id__c$")
    ]
    assert sent == [["sia-0", "sia-1", "sia-2"], ["sia-1"], ["sia-1"]]
    assert sleeps == [0.5, 1.0]  # the retry policy's back-off, jitter pinned to 1


def test_a_chunk_that_fails_transiently_fails_its_records_and_stops_the_rest(transport, gateway):
    transport.on("PATCH", r"/Tasksync_Id__c$", answer(503, text="unavailable"))

    results = gateway.create_tasks(creates(250))

    assert len(results) == 250
    assert all(r.error is not None and r.error.kind is ErrorKind.TRANSIENT for r in results)
    assert len(transport.calls("PATCH", r"/Tasksync_Id__c$")) == 4  # the first chunk's retries only


def test_a_chunk_that_fails_permanently_does_not_stop_the_next(transport, gateway):
    transport.on(
        "PATCH",
        r"/Tasksync_Id__c$",
        answer(400, [{"message": "bad json", "errorCode": "JSON_PARSER_ERROR"}]),
        lambda seen: answer(200, ok_items(seen))(seen),
    )

    results = gateway.create_tasks(creates(250))

    assert [r.ok for r in results] == [False] * 200 + [True] * 50


def test_updates_patch_collections_with_ids_and_null_clears_a_field(transport, gateway):
    transport.on(
        "PATCH",
        r"/composite/sobjects$",
        answer(
            200,
            [
                {"id": ID1, "success": True, "errors": []},
                {"id": ID2, "success": False, "errors": [{"statusCode": "ENTITY_IS_DELETED", "message": "deleted"}]},
            ],
        ),
    )

    results = gateway.update_tasks(
        [
            TaskUpdate(ID1, {SalesforceField.STATUS: "Completed", SalesforceField.ACTIVITY_DATE: None}),
            TaskUpdate(ID2, {SalesforceField.SUBJECT: "Renamed"}),
        ]
    )

    records = transport.calls("PATCH", r"/composite/sobjects$")[0].json()["records"]
    assert records[0] == {"attributes": {"type": "Task"}, "Status": "Completed", "ActivityDate": None, "id": ID1}
    assert results[0].ok
    assert results[1].sf_id == ID2 and results[1].error is not None
    assert results[1].error.kind is ErrorKind.ALREADY_DELETED


def test_deletes_send_ids_and_all_or_none_false(transport, gateway):
    transport.on(
        "DELETE",
        r"/composite/sobjects$",
        answer(
            200,
            [
                {"id": ID1, "success": True, "errors": []},
                {"id": ID2, "success": False, "errors": [{"statusCode": "ENTITY_IS_DELETED", "message": "deleted"}]},
            ],
        ),
    )

    results = gateway.delete_tasks([ID1, ID2])

    call = transport.calls("DELETE", r"/composite/sobjects$")[0]
    assert call.query == {"ids": [f"{ID1},{ID2}"], "allOrNone": ["false"]}
    assert results[0].ok and results[1].error is not None
    assert results[1].error.kind is ErrorKind.ALREADY_DELETED


def test_an_auth_failure_during_writes_is_raised(transport, make_gateway):
    transport.on("POST", TOKEN_PATH, answer(400, {"error": "invalid_grant", "error_description": "revoked"}))

    with pytest.raises(SalesforceError) as raised:
        make_gateway().delete_tasks([ID1])

    assert raised.value.kind is ErrorKind.AUTH


# -- fallback: the description marker -----------------------------------------------------------


def test_marker_mode_finds_an_earlier_attempt_and_creates_only_the_rest(transport, make_gateway):
    transport.on("POST", TOKEN_PATH, token_answer())
    earlier = {"Id": ID1, "Description": "Details\n[tasksync:sia-0]"}
    other = {"Id": ID2, "Description": "someone else's task"}
    transport.on("GET", r"/query/$", answer(200, query_page([earlier, other])))
    transport.on("POST", r"/composite/sobjects$", answer(200, [{"id": ID3, "success": True, "errors": []}]))
    gateway = make_gateway(external_id_mode=ExternalIdMode.DESCRIPTION_MARKER)

    results = gateway.create_tasks(creates(2))

    assert [r.sf_id for r in results] == [ID1, ID3]
    lookup = soql_of(transport.calls("GET", r"/query/$")[0])
    assert lookup == (
        f"SELECT Id, Description FROM Task WHERE OwnerId IN ('{OWNER}') AND CreatedDate >= 2024-05-31T12:00:00Z"  # noqa: S608
    )
    [created] = transport.calls("POST", r"/composite/sobjects$")[0].json()["records"]
    assert created["Description"] == "[tasksync:sia-1]"
    assert "Tasksync_Id__c" not in created


def test_marker_mode_reads_do_not_select_the_missing_field(transport, make_gateway):
    transport.on("POST", TOKEN_PATH, token_answer())
    transport.on("GET", r"/query/$", answer(200, query_page([task_json(ID1, Description="Hi\n[tasksync:sia-9]")])))

    [task] = make_gateway(external_id_mode=ExternalIdMode.DESCRIPTION_MARKER).get_tasks([ID1])

    assert "Tasksync_Id__c" not in soql_of(transport.calls("GET", r"/query/$")[0])
    assert (task.description, task.external_id) == ("Hi", "sia-9")


def test_request_bodies_are_json(transport, gateway):
    transport.on("PATCH", r"/Tasksync_Id__c$", lambda seen: answer(200, ok_items(seen))(seen))

    gateway.create_tasks(creates(1))

    call = transport.calls("PATCH", r"/Tasksync_Id__c$")[0]
    assert call.headers["Content-Type"] == "application/json"
    json.loads(call.body or b"")


def test_connect_wires_session_tokens_and_usage(transport, secrets):
    from tasksync.adapters.salesforce.auth import TokenCache
    from tasksync.adapters.salesforce.gateway import connect
    from tasksync.adapters.salesforce.settings import GatewaySettings
    from tests.unit.salesforce.conftest import SECRET_NAME

    transport.on("POST", TOKEN_PATH, token_answer("at-connect"))
    transport.on("GET", r"/query/$", answer(200, query_page([]), limit_info="api-usage=5/100"))
    gateway = connect(SECRET_NAME, GatewaySettings(client_id="from-connect"), secrets=secrets, token_cache=TokenCache())
    assert transport.seen == []  # nothing happens before the first call

    gateway.get_tasks([ID1])

    call = transport.calls("GET", r"/query/$")[0]
    assert call.headers["Sforce-Call-Options"] == "client=from-connect"
    assert call.headers["Authorization"] == "Bearer at-connect"
    assert gateway.api_usage() == ApiUsage(5, 100)
