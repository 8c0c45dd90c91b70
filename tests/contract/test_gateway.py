"""The Salesforce gateway adapter against the org emulator, over real HTTPS with the emulator's own CA.

Connection secrets live in Secrets Manager (moto) and are read through Powertools, as in Lambda.
Fixtures from ``conftest``: ``emulator``, ``clock``, ``org``, ``rep``, ``rsa_key_pair``, ``secretsmanager``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import requests
from aws_lambda_powertools.utilities import parameters

from local.salesforce_org import ConnectedApp, OrgEmulator, OrgHandle, User
from tasksync.adapters.salesforce.auth import TokenCache
from tasksync.adapters.salesforce.credentials import SecretStore
from tasksync.adapters.salesforce.gateway import SimpleSalesforceGateway, connect
from tasksync.adapters.salesforce.retry import RetryPolicy
from tasksync.adapters.salesforce.settings import ExternalIdMode, GatewaySettings
from tasksync.domain.salesforce_task import SalesforceField
from tasksync.domain.salesforce_writes import TaskCreate, TaskUpdate
from tasksync.domain.settings import ImportCheckpoint
from tasksync.ports.salesforce import (
    ApiUsage,
    AuthRevoked,
    ErrorKind,
    SalesforceError,
)

CLIENT_ID = "tasksync-contract"
SECRET = "tasksync/salesforce/contract"


# -- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def app(emulator: OrgEmulator) -> ConnectedApp:
    return emulator.create_connected_app("tasksync-contract", rotate_refresh_tokens=True)


@pytest.fixture
def refresh_secret(emulator: OrgEmulator, org: OrgHandle, rep: User, app: ConnectedApp, secretsmanager: Any) -> str:
    """A refresh-token connection secret for ``rep``; returns the refresh token stored first."""
    token = org.refresh_token(rep, app)
    secretsmanager.create_secret(
        Name=SECRET,
        SecretString=json.dumps(
            {
                "flow": "refresh_token",
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "refresh_token": token,
                "login_url": emulator.instance_url,
            }
        ),
    )
    return token


@pytest.fixture
def sleeps() -> list[float]:
    return []


GatewayFactory = Callable[..., SimpleSalesforceGateway]


@pytest.fixture
def make_gateway(emulator: OrgEmulator, sleeps: list[float]) -> GatewayFactory:
    """``make_gateway(**GatewaySettings overrides)``: a gateway as a handler would build it, with its
    own token cache and a retry policy that records its sleeps instead of waiting."""

    def make(**overrides: Any) -> SimpleSalesforceGateway:
        settings = GatewaySettings(client_id=CLIENT_ID, ca_bundle=emulator.ca_path, **overrides)
        return connect(
            SECRET,
            settings,
            secrets=SecretStore(max_age=300),
            retry=RetryPolicy(sleep=sleeps.append),
            token_cache=TokenCache(),
            clock=emulator.clock.now,
        )

    return make


@pytest.fixture
def gateway(refresh_secret: str, make_gateway: GatewayFactory) -> SimpleSalesforceGateway:
    return make_gateway()


def stored_refresh_token(secretsmanager: Any) -> str:
    return str(json.loads(secretsmanager.get_secret_value(SecretId=SECRET)["SecretString"])["refresh_token"])


def creates(owner: str, count: int, prefix: str = "sia") -> list[TaskCreate]:
    return [
        TaskCreate(
            external_id=f"{prefix}-{n}",
            owner_id=owner,
            values={SalesforceField.SUBJECT: f"Reminder {n}", SalesforceField.ACTIVITY_DATE: date(2024, 6, 3)},
        )
        for n in range(count)
    ]


def token_grant(emulator: OrgEmulator, app: ConnectedApp, refresh_token: str) -> requests.Response:
    with emulator.http_session() as session:
        return session.post(
            emulator.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": app.client_id,
                "client_secret": app.client_secret,
            },
            timeout=10,
        )


# -- auth --------------------------------------------------------------------------------------------


def test_refresh_flow_stores_the_rotated_refresh_token(
    emulator, app, refresh_secret, gateway, make_gateway, secretsmanager
):
    gateway.picklists()

    rotated = stored_refresh_token(secretsmanager)
    assert rotated != refresh_secret
    assert token_grant(emulator, app, refresh_secret).json()["error"] == "invalid_grant"  # the old one died
    # A gateway in another process (no cached token, fresh Powertools cache) connects with what was stored.
    parameters.clear_caches()
    assert make_gateway().picklists().statuses


def test_jwt_bearer_flow(emulator, org, rep, rsa_key_pair, secretsmanager, make_gateway):
    private_pem, public_pem = rsa_key_pair
    jwt_app = emulator.create_connected_app("tasksync-jwt", jwt_public_key=public_pem)
    secret = {
        "flow": "jwt_bearer",
        "client_id": jwt_app.client_id,
        "username": rep.username,
        "private_key": private_pem,
        "login_url": emulator.instance_url,
    }
    secretsmanager.create_secret(Name=SECRET, SecretString=json.dumps(secret))

    [result] = make_gateway().create_tasks(creates(rep.id, 1))

    assert result.ok and org.task(result.sf_id)["OwnerId"] == rep.id
    assert json.loads(secretsmanager.get_secret_value(SecretId=SECRET)["SecretString"]) == secret  # untouched


def test_an_expired_session_is_refreshed_and_the_call_retried(org, rep, gateway, secretsmanager):
    gateway.picklists()
    after_first_grant = stored_refresh_token(secretsmanager)
    org.expire_access_tokens(rep)

    [result] = gateway.create_tasks(creates(rep.id, 1))

    assert result.ok
    assert stored_refresh_token(secretsmanager) != after_first_grant  # a second grant happened


def test_a_revoked_grant_raises_auth_revoked(org, rep, gateway):
    gateway.picklists()
    org.revoke_tokens(rep)  # access and refresh tokens

    with pytest.raises(AuthRevoked) as raised:
        gateway.get_tasks(["00T000000000001AAA"])

    assert raised.value.kind is ErrorKind.AUTH


def test_a_deactivated_user_is_revoked_too(org, rep, gateway):
    org.deactivate_user(rep)

    with pytest.raises(AuthRevoked):
        gateway.picklists()


# -- the client id reaches change events ---------------------------------------------------------


def test_changes_made_through_the_gateway_carry_the_client_id(org, rep, gateway):
    [created] = gateway.create_tasks(creates(rep.id, 1))
    assert created.sf_id is not None
    gateway.update_tasks([TaskUpdate(created.sf_id, {SalesforceField.STATUS: "Completed"})])
    ui_id = org.ui_create_task({"Subject": "Made in the UI", "OwnerId": rep.id})

    origins = {
        tuple(e["data"]["payload"]["ChangeEventHeader"]["recordIds"]): e["data"]["payload"]["ChangeEventHeader"][
            "changeOrigin"
        ]
        for e in org.events()
    }

    assert origins[(created.sf_id,)].endswith(f";client={CLIENT_ID}")
    assert not origins[(ui_id,)].endswith(f";client={CLIENT_ID}")  # a Lightning edit names its own client


# -- reads ---------------------------------------------------------------------------------------


def test_reads_by_id(org, rep, gateway):
    purged = org.ui_create_task({"Subject": "Purged", "OwnerId": rep.id})
    org.ui_delete_task(purged)
    org.empty_recycle_bin()  # gone for good
    live = org.ui_create_task({"Subject": "Call Ann", "OwnerId": rep.id, "ActivityDate": "2024-06-03"})
    deleted = org.ui_create_task({"Subject": "Gone", "OwnerId": rep.id})
    org.ui_delete_task(deleted)

    task = gateway.get_task(live)

    assert task is not None
    assert (task.subject, task.activity_date, task.owner_id) == ("Call Ann", date(2024, 6, 3), rep.id)
    assert gateway.get_task(deleted) is None  # in the recycle bin: ENTITY_IS_DELETED
    assert gateway.get_task(purged) is None  # NOT_FOUND
    assert gateway.get_task(live[:15] + "XXX") is None  # a wrong checksum suffix: MALFORMED_ID


def test_get_tasks_in_url_sized_chunks_skips_deleted_ones(org, rep, make_gateway, refresh_secret):
    ids = [org.ui_create_task({"Subject": f"T{n}", "OwnerId": rep.id}) for n in range(40)]
    org.ui_delete_task(ids[0])
    gateway = make_gateway(max_query_url_chars=700)  # about 16 ids per query
    used_before, _ = org.api_usage()

    tasks = gateway.get_tasks(ids)

    assert sorted(t.id for t in tasks) == sorted(ids[1:])
    assert org.api_usage()[0] - used_before >= 3  # one query per chunk


def test_owned_tasks_page_through_query_more(org, rep, make_gateway, refresh_secret, clock):
    since = clock.now() - timedelta(minutes=1)
    other = org.create_user(last_name="Other")
    for n in range(450):
        org.ui_create_task({"Subject": f"Mine {n}", "OwnerId": rep.id})
    org.ui_create_task({"Subject": "Not mine", "OwnerId": other.id})
    org.ui_create_task({"Subject": "A logged call", "OwnerId": rep.id, "TaskSubtype": "Call"})
    gateway = make_gateway(query_batch_size=200)
    used_before, _ = org.api_usage()

    owned = gateway.owned_tasks_modified_since(rep.id, since)
    tasks = list(owned.tasks)

    assert owned.total == len(tasks) == 450 and {t.owner_id for t in tasks} == {rep.id}
    assert org.api_usage()[0] - used_before == 1 + 3  # COUNT(), then three pages of at most 200


def test_owned_tasks_since_leaves_out_older_changes(org, rep, gateway, clock):
    old = org.ui_create_task({"Subject": "Old", "OwnerId": rep.id})
    clock.advance(timedelta(hours=25))
    fresh = org.ui_create_task({"Subject": "Fresh", "OwnerId": rep.id})

    tasks = list(gateway.owned_tasks_modified_since(rep.id, clock.now() - timedelta(hours=24)).tasks)

    assert [t.id for t in tasks] == [fresh]
    assert old not in {t.id for t in tasks}


def test_owned_tasks_stamped_since_include_an_old_task_undeleted_since(org, rep, gateway, clock):
    untouched = org.ui_create_task({"Subject": "Untouched", "OwnerId": rep.id})
    undeleted = org.ui_create_task({"Subject": "Undeleted", "OwnerId": rep.id})
    org.ui_delete_task(undeleted)
    clock.advance(timedelta(days=3))
    since = clock.now()
    org.ui_undelete_task(undeleted)

    tasks = list(gateway.owned_tasks_stamped_since(rep.id, since))

    assert [t.id for t in tasks] == [undeleted]
    assert untouched not in {t.id for t in tasks}


def test_owned_tasks_after_a_checkpoint_are_the_rest_in_order_none_twice(org, rep, gateway, clock):
    # Given tasks changed over three seconds, several in the same second (Salesforce's whole seconds)
    since = clock.now() - timedelta(minutes=1)
    for second in range(3):
        for n in range(4):
            org.ui_create_task({"Subject": f"{second}/{n}", "OwnerId": rep.id})
        clock.advance(timedelta(seconds=1))
    everything = list(gateway.owned_tasks_modified_since(rep.id, since).tasks)
    order = [(t.last_modified_date, t.id) for t in everything]
    assert order == sorted(order)

    # When the import resumes after the sixth row, in the middle of a second
    sixth = everything[5]
    assert sixth.last_modified_date is not None
    checkpoint = ImportCheckpoint(modified_at=sixth.last_modified_date, sf_id=sixth.id)
    rest = gateway.owned_tasks_modified_since(rep.id, since, after=checkpoint)

    # Then it reads the other six, and counts them
    assert [t.id for t in rest.tasks] == [t.id for t in everything[6:]]
    assert rest.total == 6


def test_owned_tasks_above_the_threshold_use_a_bulk_query_read_page_by_page(
    org, rep, make_gateway, refresh_secret, clock
):
    since = clock.now() - timedelta(minutes=1)
    ids = {
        org.ui_create_task({"Subject": f"Bulk {n}", "OwnerId": rep.id, "Description": "two\nlines"}) for n in range(8)
    }
    gateway = make_gateway(bulk_threshold=5, bulk_poll_seconds=0.05, bulk_page_size=3)
    used_before, _ = org.api_usage()

    owned = gateway.owned_tasks_modified_since(rep.id, since)
    tasks = list(owned.tasks)

    assert owned.total == 8 and {t.id for t in tasks} == ids and len(tasks) == 8
    assert {t.description for t in tasks} == {"two\nlines"}
    assert {t.is_recurrence for t in tasks} == {False}
    order = [(t.last_modified_date, t.id) for t in tasks]
    assert order == sorted(order)
    assert len(org.bulk_jobs()) == 1  # the emulator saw one Bulk API 2.0 query job
    # COUNT(), the job, one poll, three pages of at most 3
    assert org.api_usage()[0] - used_before == gateway.calls == 1 + 1 + 1 + 3


def test_picklists_follow_renamed_and_added_values(org, gateway):
    org.rename_status("Completed", "Done")
    org.add_status("Blocked")
    org.add_priority("Urgent", is_high_priority=True)

    picklists = gateway.picklists()

    statuses = {s.api_name: s for s in picklists.statuses}
    assert "Completed" not in statuses and statuses["Done"].is_closed
    assert "Blocked" in statuses and statuses["Not Started"].is_default
    assert {p.api_name for p in picklists.priorities if p.is_high_priority} == {"High", "Urgent"}


def test_get_updated_and_get_deleted(org, rep, gateway, clock):
    start = clock.now() - timedelta(minutes=1)
    changed = org.ui_create_task({"Subject": "Changed", "OwnerId": rep.id})
    removed = org.ui_create_task({"Subject": "Removed", "OwnerId": rep.id})
    org.ui_delete_task(removed)
    clock.advance(timedelta(minutes=2))  # both APIs cover whole minutes only

    updated = gateway.updated_ids(start, clock.now())
    deleted = gateway.deleted_records(start, clock.now())

    assert changed in updated.ids
    assert start < updated.latest_date_covered <= clock.now()
    assert [r.sf_id for r in deleted.records] == [removed]
    assert start <= deleted.records[0].deleted_at <= clock.now()
    assert deleted.earliest_date_available <= start  # nothing lost
    assert deleted.latest_date_covered <= clock.now()


def test_get_deleted_further_back_than_fifteen_days_reports_the_loss(org, rep, gateway, clock):
    asked = clock.now() - timedelta(days=20)

    window = gateway.deleted_records(asked, clock.now())

    assert window.earliest_date_available > asked


# -- writes --------------------------------------------------------------------------------------


def test_collection_writes_report_each_record_in_order(org, rep, gateway):
    deleted = org.ui_create_task({"Subject": "Deleted already", "OwnerId": rep.id})
    org.ui_delete_task(deleted)
    batch = [
        *creates(rep.id, 2),
        TaskCreate("sia-bad", rep.id, {SalesforceField.SUBJECT: "Bad", SalesforceField.STATUS: "Not A Status"}),
    ]

    created = gateway.create_tasks(batch)
    updated = gateway.update_tasks(
        [
            TaskUpdate(str(created[0].sf_id), {SalesforceField.ACTIVITY_DATE: None, SalesforceField.PRIORITY: "High"}),
            TaskUpdate(deleted, {SalesforceField.SUBJECT: "Too late"}),
        ]
    )
    removed = gateway.delete_tasks([str(created[1].sf_id), deleted])

    assert [r.ok for r in created] == [True, True, False]
    bad = created[2].error
    assert bad is not None and bad.kind is ErrorKind.PERMANENT and created[2].sf_id is None
    assert updated[0].ok and org.task(str(created[0].sf_id))["ActivityDate"] is None
    assert org.task(str(created[0].sf_id))["Priority"] == "High"
    assert updated[1].error is not None and updated[1].error.kind is ErrorKind.ALREADY_DELETED
    assert removed[0].ok and org.task(str(created[1].sf_id))["IsDeleted"]
    assert removed[1].error is not None and removed[1].error.kind is ErrorKind.ALREADY_DELETED


def test_more_than_200_records_go_in_several_calls(org, rep, gateway):
    used_before, _ = org.api_usage()

    results = gateway.create_tasks(creates(rep.id, 250))

    assert all(r.ok for r in results) and len({r.sf_id for r in results}) == 250
    assert org.api_usage()[0] - used_before == 2


def test_a_create_sent_twice_makes_one_record(org, rep, gateway):
    first = gateway.create_tasks(creates(rep.id, 1))
    again = gateway.create_tasks(creates(rep.id, 1))

    assert first[0].sf_id == again[0].sf_id
    assert [t["Id"] for t in org.tasks() if t.get("Tasksync_Id__c") == "sia-0"] == [first[0].sf_id]


def test_a_create_that_timed_out_is_retried_without_a_duplicate(org, rep, make_gateway, refresh_secret, sleeps):
    gateway = make_gateway(read_timeout=0.5)
    gateway.picklists()  # fetch the token first: the fault must hit the create
    org.inject_fault("SLOW_RESPONSE", 1, path_contains="composite/sobjects", seconds=1.5)

    [result] = gateway.create_tasks(creates(rep.id, 1))

    assert result.ok and len(sleeps) == 1  # the write committed, its answer timed out, the retry upserted
    assert [t["Id"] for t in org.tasks() if t.get("Tasksync_Id__c") == "sia-0"] == [result.sf_id]


def test_find_by_external_ids_sees_live_and_recycled_records_in_one_call(org, rep, gateway):
    first, second = gateway.create_tasks(creates(rep.id, 2))
    gateway.delete_tasks([str(second.sf_id)])
    calls = gateway.calls

    found = gateway.find_by_external_ids(["sia-0", "sia-1", "never-sent"])

    assert gateway.calls == calls + 1
    assert {key: (task.id, task.is_deleted) for key, task in found.items()} == {
        "sia-0": (first.sf_id, False),
        "sia-1": (second.sf_id, True),
    }


def test_find_by_external_id_in_marker_mode(org, rep, make_gateway, refresh_secret):
    gateway = make_gateway(external_id_mode=ExternalIdMode.DESCRIPTION_MARKER)
    [made] = gateway.create_tasks([TaskCreate("sia-m", rep.id, {SalesforceField.SUBJECT: "Marked"})])

    found = gateway.find_by_external_ids(["sia-m"])

    assert {key: task.id for key, task in found.items()} == {"sia-m": made.sf_id}


def test_the_description_marker_fallback_is_idempotent_and_invisible(org, rep, make_gateway, refresh_secret):
    gateway = make_gateway(external_id_mode=ExternalIdMode.DESCRIPTION_MARKER)
    batch = [
        TaskCreate("sia-m", rep.id, {SalesforceField.SUBJECT: "Marked", SalesforceField.DESCRIPTION: "Notes"}),
    ]

    first = gateway.create_tasks(batch)
    again = gateway.create_tasks(batch)

    assert first[0].ok and first[0].sf_id == again[0].sf_id
    assert org.task(str(first[0].sf_id))["Description"] == "Notes\n[tasksync:sia-m]"
    task = gateway.get_task(str(first[0].sf_id))
    assert task is not None and (task.description, task.external_id) == ("Notes", "sia-m")


# -- injected faults -----------------------------------------------------------------------------


def test_a_locked_row_is_sent_again_with_back_off_and_lands(org, rep, gateway, sleeps):
    gateway.picklists()
    org.inject_fault("UNABLE_TO_LOCK_ROW", 1)

    results = gateway.create_tasks(creates(rep.id, 2))

    assert all(r.ok for r in results) and len(sleeps) == 1
    assert sorted(t["Tasksync_Id__c"] for t in org.tasks()) == ["sia-0", "sia-1"]


def test_a_row_locked_past_the_retries_fails_transiently_for_the_caller_to_retry(org, rep, gateway):
    gateway.picklists()
    org.inject_fault("UNABLE_TO_LOCK_ROW", 4)

    locked = gateway.create_tasks(creates(rep.id, 2))
    retried = gateway.create_tasks(creates(rep.id, 2))

    assert all(r.error is not None and r.error.code == "UNABLE_TO_LOCK_ROW" for r in locked)
    assert all(r.error is not None and r.error.kind is ErrorKind.TRANSIENT for r in locked)
    assert all(r.ok for r in retried)


def test_server_unavailable_is_retried_with_back_off(org, rep, gateway, sleeps):
    gateway.picklists()
    org.inject_fault("SERVER_UNAVAILABLE", 2)

    tasks = gateway.get_tasks([org.ui_create_task({"Subject": "x", "OwnerId": rep.id})])

    assert len(tasks) == 1 and len(sleeps) == 2


def test_server_unavailable_for_too_long_is_a_transient_error(org, gateway, sleeps):
    gateway.picklists()
    org.inject_fault("SERVER_UNAVAILABLE", 10)

    with pytest.raises(SalesforceError) as raised:
        gateway.picklists()

    assert (raised.value.kind, raised.value.code) == (ErrorKind.TRANSIENT, "SERVER_UNAVAILABLE")
    assert len(sleeps) == 3


def test_request_limit_exceeded_is_transient(org, rep, gateway):
    gateway.picklists()
    org.inject_fault("REQUEST_LIMIT_EXCEEDED", 10)

    results = gateway.update_tasks([TaskUpdate("00T000000000001AAA", {SalesforceField.SUBJECT: "x"})])

    assert results[0].error is not None
    assert (results[0].error.kind, results[0].error.code) == (ErrorKind.TRANSIENT, "REQUEST_LIMIT_EXCEEDED")


def test_a_spent_daily_allowance_is_transient(org, gateway):
    gateway.picklists()
    org.set_daily_api_limit(org.api_usage()[0])

    with pytest.raises(SalesforceError) as raised:
        gateway.picklists()

    assert (raised.value.kind, raised.value.code) == (ErrorKind.TRANSIENT, "REQUEST_LIMIT_EXCEEDED")


# -- API usage -----------------------------------------------------------------------------------


def test_api_usage_matches_the_org(org, rep, gateway):
    org.set_daily_api_limit(5_000)
    assert gateway.api_usage() is None

    gateway.create_tasks(creates(rep.id, 3))
    first = gateway.api_usage()
    gateway.get_tasks([org.ui_create_task({"Subject": "x", "OwnerId": rep.id})])

    used, limit = org.api_usage()
    assert gateway.api_usage() == ApiUsage(used, limit)
    assert first is not None and first.used == used - 1 and first.limit == 5_000
