"""SPEC 9, the rep's tasks through the API's handler on moto: shapes, ids made by the server, each
change an SIA task event saying the user made it, each task's sync status, and the Command Center."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from local.salesforce_org import PrefixOnSave
from tasksync.domain.reminder_events import Origin
from tasksync.queued_events import reminder_event_of
from tests.support.api_client import ApiClient
from tests.support.handler_stack import HandlerStack, dynamodb_requests
from tests.support.handler_stack import connected_app as connected_app
from tests.support.handler_stack import org_emulator as org_emulator
from tests.support.handler_stack import stack as stack
from tests.support.handler_stack import webhook_receiver as webhook_receiver

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def test_a_task_is_created_with_an_id_the_server_makes_and_read_back(stack: HandlerStack) -> None:
    rep = stack.connect()
    api = ApiClient(stack, rep.user_id)

    made = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "Call Ada", "dueDate": "2024-06-05"})

    assert made.status == 201
    task = made.body
    assert ULID.match(task["id"])
    assert {key: task[key] for key in ("name", "status", "priority", "dueDate", "details")} == {
        "name": "Call Ada",
        "status": "open",
        "priority": "normal",
        "dueDate": "2024-06-05",
        "details": "",
    }
    assert task["createdAt"] == task["updatedAt"]
    assert task["sync"] == {"state": "local", "salesforceId": None, "lastSyncedAt": None, "error": None}
    assert api.get(f"/v1/users/{rep.user_id}/tasks/{task['id']}").body == task
    assert api.get(f"/v1/users/{rep.user_id}/tasks").body == {"tasks": [task]}


def test_a_client_cannot_choose_the_id(stack: HandlerStack) -> None:
    rep = stack.connect()
    api = ApiClient(stack, rep.user_id)

    answer = api.post(f"/v1/users/{rep.user_id}/tasks", {"id": "sf-00T000000000001AAA", "name": "Posing"})

    assert answer.status == 400
    assert answer.body["error"]["code"] == "INVALID_BODY"
    assert "id" in answer.body["error"]["message"]
    assert stack.sia_tasks(rep) == []


def test_patch_changes_only_the_fields_sent_and_null_clears_the_due_date(stack: HandlerStack) -> None:
    rep = stack.connect()
    api = ApiClient(stack, rep.user_id)
    task = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "Call Ada", "dueDate": "2024-06-05"}).body
    path = f"/v1/users/{rep.user_id}/tasks/{task['id']}"

    changed = api.patch(path, {"priority": "high", "dueDate": None})

    assert changed.status == 200
    assert (changed.body["name"], changed.body["priority"], changed.body["dueDate"]) == ("Call Ada", "high", None)
    assert api.patch(path, {"name": None}).status == 400
    assert api.patch(path, {"status": "done"}).status == 400
    assert api.patch(path, {}).body == changed.body


def test_delete_answers_204_and_the_task_is_gone(stack: HandlerStack) -> None:
    rep = stack.connect()
    api = ApiClient(stack, rep.user_id)
    task = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "Call Ada"}).body
    path = f"/v1/users/{rep.user_id}/tasks/{task['id']}"

    deleted = api.delete(path)

    assert (deleted.status, deleted.body) == (204, None)
    assert api.get(path).status == 404
    assert api.delete(path).status == 404
    assert api.patch(path, {"name": "Back?"}).body["error"]["code"] == "TASK_NOT_FOUND"


def test_every_change_through_the_api_is_a_task_event_made_by_the_user(stack: HandlerStack) -> None:
    rep = stack.connect()
    api = ApiClient(stack, rep.user_id)
    task = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "Call Ada"}).body
    path = f"/v1/users/{rep.user_id}/tasks/{task['id']}"
    api.patch(path, {"status": "complete"})
    api.delete(path)

    stack.drain_stream("ReminderTaskTable")  # the table's stream, through the publisher, onto the bus
    published = [reminder_event_of(message["Body"]) for message in stack.receive("ReminderChangesQueue", 10)]

    assert [(event.kind.value, event.origin, event.task.version) for event in published] == [
        ("created", Origin.USER, 1),
        ("completed", Origin.USER, 2),
        ("deleted", Origin.USER, 3),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "x" * 256},
        {"name": "Call Ada", "dueDate": "2024-02-30"},
        {"name": "Call Ada", "status": "In Progress"},
        {"name": "Call Ada", "details": "x" * 32_001},
        {"name": "Call Ada", "due_date": "2024-06-05"},
        [],
    ],
)
def test_a_body_the_task_cannot_hold_is_refused_and_nothing_is_made(stack: HandlerStack, body: object) -> None:
    rep = stack.connect()
    api = ApiClient(stack, rep.user_id)

    answer = api.post(f"/v1/users/{rep.user_id}/tasks", body)

    assert answer.status == 400
    assert set(answer.body["error"]) == {"code", "message"}
    assert stack.sia_tasks(rep) == []


@pytest.mark.parametrize("raw", ["", "{", "null", '"a string"'])
def test_no_body_or_bad_json_is_refused(stack: HandlerStack, raw: str) -> None:
    rep = stack.connect()
    api = ApiClient(stack, rep.user_id)

    answer = api.request("POST", f"/v1/users/{rep.user_id}/tasks", raw=raw)

    assert answer.status == 400
    assert answer.body["error"]["code"] in {"INVALID_BODY", "INVALID_JSON"}


def test_the_sync_status_follows_a_task_from_pending_to_synced(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    api = ApiClient(stack, rep.user_id)
    task = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "Call Ada"}).body
    assert task["sync"]["state"] == "pending"

    stack.settle()

    synced = api.get(f"/v1/users/{rep.user_id}/tasks/{task['id']}").body["sync"]
    sf_id = stack.sf_id_of(rep, task["id"])
    assert (synced["state"], synced["salesforceId"], synced["error"]) == ("synced", sf_id, None)
    assert synced["lastSyncedAt"] is not None
    edited = api.patch(f"/v1/users/{rep.user_id}/tasks/{task['id']}", {"details": "Bring notes"}).body
    assert edited["sync"]["state"] == "pending"
    stack.settle()
    assert api.get(f"/v1/users/{rep.user_id}/tasks").body["tasks"][0]["sync"]["state"] == "synced"


def test_a_task_salesforce_refused_shows_the_error_and_that_it_will_not_be_retried(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    stack.org.add_automation(PrefixOnSave("[Acme Corporation] "))  # a Subject of 255 becomes too long
    api = ApiClient(stack, rep.user_id)
    task = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "x" * 250}).body

    stack.settle()

    sync = api.get(f"/v1/users/{rep.user_id}/tasks/{task['id']}").body["sync"]
    assert sync["state"] == "error"
    assert sync["error"]["code"] == "STRING_TOO_LONG"
    assert sync["error"]["willRetry"] is False
    listed = api.get(f"/v1/users/{rep.user_id}/tasks").body["tasks"][0]["sync"]
    assert listed == sync


def test_a_listing_reads_the_sync_state_in_a_fixed_number_of_requests(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    api = ApiClient(stack, rep.user_id)
    for n in range(30):
        api.post(f"/v1/users/{rep.user_id}/tasks", {"name": f"Task {n}"})
    stack.settle()

    with dynamodb_requests(stack) as requests:
        listed = api.get(f"/v1/users/{rep.user_id}/tasks").body["tasks"]

    assert len(listed) == 30 and {task["sync"]["state"] for task in listed} == {"synced"}
    assert sum(requests.values()) <= 4, requests  # the tasks, the links, the latest errors, the settings


def test_the_command_center_shows_today_and_tomorrow_in_the_reps_time_zone_open_first(stack: HandlerStack) -> None:
    rep = stack.connect(time_zone="Pacific/Kiritimati")  # UTC+14: its today is often UTC's tomorrow
    api = ApiClient(stack, rep.user_id)
    today = stack.now().astimezone(ZoneInfo("Pacific/Kiritimati")).date()
    made = {}
    for name, due, status in [
        ("done today", today, "complete"),
        ("open tomorrow", today + timedelta(days=1), "open"),
        ("open today", today, "open"),
        ("yesterday", today - timedelta(days=1), "open"),
        ("in two days", today + timedelta(days=2), "open"),
    ]:
        body = {"name": name, "dueDate": due.isoformat(), "status": status}
        made[name] = api.post(f"/v1/users/{rep.user_id}/tasks", body).body
    api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "no due date"})

    shown = api.get(f"/v1/users/{rep.user_id}/command-center").body

    assert shown["today"] == today.isoformat()
    assert [task["name"] for task in shown["tasks"]] == ["open today", "open tomorrow", "done today"]


def test_a_change_salesforce_could_not_take_for_now_shows_it_will_be_retried_then_synced(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    stack.org.inject_fault("UNABLE_TO_LOCK_ROW", 4, path_contains="composite")  # the gateway's four tries
    api = ApiClient(stack, rep.user_id)
    task = api.post(f"/v1/users/{rep.user_id}/tasks", {"name": "Call Ada"}).body
    path = f"/v1/users/{rep.user_id}/tasks/{task['id']}"
    stack.drain_stream("ReminderTaskTable")
    stack.drain_queue_one_by_one("ReminderChangesQueue")  # one try, which meets the locked row

    waiting = api.get(path).body["sync"]
    assert (waiting["state"], waiting["error"]["code"], waiting["error"]["willRetry"]) == (
        "error",
        "UNABLE_TO_LOCK_ROW",
        True,
    )
    stack.settle()  # the queue's retry
    assert api.get(path).body["sync"]["state"] == "synced"
    assert len(stack.sync_errors(rep)) == 1  # every retry of the one change writes its one record
