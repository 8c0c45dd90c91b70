"""End to end, as a user would: ``make run`` started in its own process, then SPEC 5 to 9 walked over
HTTP, the SIA side through the rep's API and the Salesforce side through simple-salesforce against the
emulated org, its change events reaching the sync through the signed webhook; Ctrl-C stops it all.

The tests run in file order on one ``make run`` and build on each other, as a rep's session would."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boto3
import pytest
import requests
from simple_salesforce import Salesforce, format_soql

ROOT = Path(__file__).resolve().parents[2]
READY_SECONDS = 180
"""From ``make`` to the printed lines; a fresh install is ``make test``'s, done before."""
WAIT_SECONDS = 45
Value = TypeVar("Value")


@dataclass
class RunningStack:
    process: subprocess.Popen[str]
    lines: dict[str, str]
    api: requests.Session
    salesforce: Any
    """simple-salesforce's ``Salesforce`` (its ``.Task`` is made on access, so it types as Any)."""
    log: Path

    @property
    def url(self) -> str:
        return self.lines["TASKSYNC_API_URL"]

    @property
    def user(self) -> str:
        return self.lines["TASKSYNC_USER_ID"]

    def call(self, method: str, path: str, body: Any = None) -> requests.Response:
        return self.api.request(method, f"{self.url}/v1/users/{self.user}{path}", json=body, timeout=30)

    def tasks(self) -> list[dict[str, Any]]:
        answer = self.call("GET", "/tasks")
        assert answer.status_code == 200, answer.text
        tasks: list[dict[str, Any]] = answer.json()["tasks"]
        return tasks

    def sia_task(self, name: str) -> dict[str, Any] | None:
        return next((task for task in self.tasks() if task["name"] == name), None)

    def sf_task(self, subject: str) -> dict[str, Any] | None:
        soql = "SELECT Id, Subject, Status, Priority, ActivityDate, Description FROM Task WHERE Subject = {}"
        found = self.salesforce.query(soql.format(format_soql("{}", subject)))["records"]
        return found[0] if found else None


def eventually(probe: Callable[[], Value | None], what: str, seconds: float = WAIT_SECONDS) -> Value:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"not within {seconds} s: {what}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    port = _free_port()
    log = tmp_path_factory.mktemp("make-run") / "stderr.log"
    process = subprocess.Popen(  # noqa: S603 - our own Makefile, as a user starts it
        ["make", "--no-print-directory", "run", f"PORT={port}", "ORG_PORT=0"],  # noqa: S607 - make from PATH
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
        start_new_session=True,  # Ctrl-C reaches make and everything it started, as from a terminal
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: dict[str, str] = {}
    deadline = time.monotonic() + READY_SECONDS
    assert process.stdout is not None
    while "SALESFORCE_CALLBACK_URLS" not in lines:
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"make run ended before it was ready (exit {process.poll()})")
        if "=" in line and line.split("=", 1)[0].isupper():
            name, value = line.rstrip("\n").split("=", 1)
            lines[name] = value
        if time.monotonic() > deadline:
            raise AssertionError("make run was not ready in time")
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {lines['TASKSYNC_TOKEN']}"
    salesforce_http = requests.Session()
    salesforce_http.verify = lines["SALESFORCE_CA_BUNDLE"]
    salesforce_http.trust_env = False
    salesforce = Salesforce(
        instance_url=lines["SALESFORCE_INSTANCE_URL"],
        session_id=lines["SALESFORCE_ACCESS_TOKEN"],
        session=salesforce_http,
        version="59.0",
    )
    running = RunningStack(process, lines, api, salesforce, log)
    yield running
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_it_prints_what_a_script_needs_and_the_rep_is_connected_with_sync_off(stack: RunningStack) -> None:
    for name in ("TASKSYNC_API_URL", "TASKSYNC_USER_ID", "TASKSYNC_TOKEN", "TASKSYNC_WEBHOOK_SECRET"):
        assert stack.lines[name], name
    for name in ("SALESFORCE_INSTANCE_URL", "SALESFORCE_ORG_ID", "SALESFORCE_USER_ID", "SALESFORCE_ACCESS_TOKEN"):
        assert stack.lines[name], name
    connection = stack.call("GET", "/salesforce-connection").json()
    assert (connection["state"], connection["salesforceUser"]["id"]) == ("connected", stack.lines["SALESFORCE_USER_ID"])
    assert stack.call("GET", "/settings/sync").json()["enabled"] is False


def test_spec_8_the_api_and_the_webhook_refuse_callers_without_credentials(stack: RunningStack) -> None:
    assert requests.get(f"{stack.url}/v1/users/{stack.user}/tasks", timeout=10).status_code == 401
    webhook = f"{stack.url}/v1/webhooks/salesforce/{stack.lines['SALESFORCE_ORG_ID']}/cdc"
    unsigned = requests.post(webhook, json={"data": {}, "channel": "/data/TaskChangeEvent"}, timeout=10)
    assert unsigned.status_code == 401


def test_spec_5_2_a_task_made_before_sync_is_on_stays_local(stack: RunningStack) -> None:
    made = stack.call("POST", "/tasks", {"name": "Made before sync"})
    assert made.status_code == 201
    stack.call("PATCH", f"/tasks/{made.json()['id']}", {"details": "edited before"})


def test_spec_5_1_turning_sync_on_imports_the_day_and_the_command_center_shows_today_and_tomorrow(
    stack: RunningStack,
) -> None:
    saved = stack.call("PUT", "/settings/sync", {"enabled": True, "timeZone": "UTC"})
    assert saved.status_code == 200, saved.text

    progress = eventually(
        lambda: (p := stack.call("GET", "/settings/sync").json()["firstSync"])["state"] == "done" and p,
        "the first sync done",
    )
    assert (progress["total"], progress["imported"], progress["error"]) == (3, 3, None)
    shown = stack.call("GET", "/command-center").json()["tasks"]
    assert [task["name"] for task in shown] == ["Call Ada about the renewal", "Send the quote to Grace"]
    assert all(task["sync"]["state"] == "synced" for task in shown)


def test_spec_6_an_sia_task_made_now_reaches_salesforce_and_one_made_before_does_not(stack: RunningStack) -> None:
    made = stack.call("POST", "/tasks", {"name": "Made in SIA", "dueDate": "2030-01-02", "priority": "high"})
    record = eventually(lambda: stack.sf_task("Made in SIA"), "the SIA task in Salesforce")

    assert (record["Priority"], record["ActivityDate"], record["Status"]) == ("High", "2030-01-02", "Not Started")
    synced = eventually(
        lambda: (t := stack.sia_task("Made in SIA")) and t["sync"]["state"] == "synced" and t, "synced state"
    )
    assert synced["sync"]["salesforceId"] == record["Id"] and made.json()["id"] == synced["id"]
    assert stack.sf_task("Made before sync") is None
    assert (stack.sia_task("Made before sync") or {})["sync"]["state"] == "local"


def test_spec_6_salesforce_changes_reach_sia_through_the_webhook(stack: RunningStack) -> None:
    created = stack.salesforce.Task.create(
        {"Subject": "Made in Salesforce", "OwnerId": stack.lines["SALESFORCE_USER_ID"], "Status": "In Progress"}
    )
    task = eventually(lambda: stack.sia_task("Made in Salesforce"), "the Salesforce task in SIA")
    assert (task["status"], task["priority"]) == ("open", "normal")  # SPEC 2: unsynced values come in as defaults

    stack.salesforce.Task.update(created["id"], {"Priority": "High", "Subject": "Renamed in Salesforce"})
    eventually(lambda: (t := stack.sia_task("Made in Salesforce")) and t["priority"] == "high", "the edit in SIA")

    stack.salesforce.Task.delete(created["id"])
    eventually(lambda: stack.sia_task("Made in Salesforce") is None or None, "the delete in SIA")


def test_spec_6_a_completion_in_sia_says_completed_in_salesforce(stack: RunningStack) -> None:
    task = stack.sia_task("Made in SIA")
    assert task is not None

    stack.call("PATCH", f"/tasks/{task['id']}", {"status": "complete"})

    eventually(lambda: (r := stack.sf_task("Made in SIA")) and r["Status"] == "Completed", "Completed in Salesforce")


def test_spec_5_5_a_pause_and_a_re_enable_end_with_both_sides_in_agreement(stack: RunningStack) -> None:
    stack.call("PUT", "/settings/sync", {"enabled": False})
    kept = stack.sia_task("Call Ada about the renewal")
    assert kept is not None
    stack.call("PATCH", f"/tasks/{kept['id']}", {"details": "changed while paused"})
    grace = stack.sf_task("Send the quote to Grace")
    assert grace is not None
    stack.salesforce.Task.update(grace["Id"], {"Status": "Completed"})
    stack.call("POST", "/tasks", {"name": "Made while paused"})
    time.sleep(2)  # nothing moves while paused
    assert (stack.sf_task("Call Ada about the renewal") or {})["Description"] in (None, "")

    stack.call("PUT", "/settings/sync", {"enabled": True, "timeZone": "UTC"})

    eventually(
        lambda: (r := stack.sf_task("Call Ada about the renewal")) and r["Description"] == "changed while paused",
        "the SIA edit made while paused in Salesforce",
    )
    eventually(
        lambda: (t := stack.sia_task("Send the quote to Grace")) and t["status"] == "complete",
        "the Salesforce completion made while paused in SIA",
    )
    assert stack.sf_task("Made while paused") is None  # SPEC 5.2: made while off, it stays local


def test_a_message_no_consumer_can_take_is_redriven_to_its_dead_letter_queue_and_shown(stack: RunningStack) -> None:
    """As Lambda's SQS event source and the queue's redrive policy do: failed, it comes back, and after
    ``maxReceiveCount`` receives it moves to the dead-letter queue, which the page's status shows."""
    sqs = _sqs(stack)
    queue = sqs.get_queue_url(QueueName="tasksync-local-reminder-changes")["QueueUrl"]

    sqs.send_message(QueueUrl=queue, MessageBody="not an event")

    depths = eventually(
        lambda: (
            (d := requests.get(f"{stack.url}/local/status", timeout=10).json()["deadLetters"])
            and d["ReminderChangesDLQ"] == 1
            and d
        ),
        "the message in ReminderChangesDLQ",
    )
    assert depths["ReminderChangesDLQ"] == 1


def _sqs(stack: RunningStack) -> Any:
    return boto3.client(
        "sqs",
        endpoint_url=stack.lines["TASKSYNC_AWS_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def test_a_dead_lettered_invocation_is_replayed_into_the_stacks_own_function(stack: RunningStack) -> None:
    """The dead-letter command against the local stack: queues at its AWS endpoint, functions at its
    Lambda endpoint (the stack answers Lambda's Invoke API for the handlers it runs)."""
    aws = {
        "AWS_ENDPOINT_URL": stack.lines["TASKSYNC_AWS_ENDPOINT_URL"],
        "AWS_ENDPOINT_URL_LAMBDA": stack.lines["TASKSYNC_LAMBDA_ENDPOINT_URL"],
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    sqs = _sqs(stack)
    dlq = sqs.get_queue_url(QueueName="tasksync-local-first-sync-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps({"userId": stack.user}))  # a first sync given up on
    command = [sys.executable, "-m", "ops.dead_letters", "replay", "--stack", "tasksync-local", "--stage", "local"]

    replayed = subprocess.run(  # noqa: S603 - our own command
        [*command, "--queue", "FirstSyncDLQ"],
        cwd=ROOT,
        env={**os.environ, **aws, "PYTHONPATH": "layers/tasksync:."},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    depth = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
    assert depth["Attributes"]["ApproximateNumberOfMessages"] == "0"
    eventually(lambda: stack.call("GET", "/settings/sync").json()["firstSync"]["state"] == "done", "the first sync ran")


def test_ctrl_c_stops_everything_cleanly(stack: RunningStack) -> None:
    """As from a terminal: SIGINT to the foreground group, make and all it started. make itself dies of the
    signal (its exit says so); the stack it ran shuts down in order and says so, leaving nothing behind."""
    os.killpg(stack.process.pid, signal.SIGINT)

    stack.process.wait(timeout=30)
    stderr = stack.log.read_text()
    assert stderr.rstrip().endswith("stopped"), stderr[-2000:]
    assert "Traceback" not in stderr
    with pytest.raises(ProcessLookupError):
        os.killpg(stack.process.pid, 0)  # no process of the group is left
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{stack.url}/", timeout=2)
