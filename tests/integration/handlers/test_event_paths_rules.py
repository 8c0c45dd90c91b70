"""SPEC 7 through the handlers: no echo and no loop (with or without the client id, with the org's
automation), one effect per change however often it is delivered, order and staleness, conflicts,
deletes that stay deleted, and each kind of Salesforce error."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from local.salesforce_org import PrefixOnSave, RevertApiWrite, SetWhenChanged
from tasksync.domain.reminder_task import Priority, Status
from tasksync.domain.settings import ConnectionStatus
from tasksync.domain.sync_error import SyncErrorKind
from tasksync.domain.sync_link import Side
from tests.support.handler_stack import GATEWAY_READ_TIMEOUT, HandlerStack, Rep, counting
from tests.support.handler_stack import connected_app as connected_app
from tests.support.handler_stack import org_emulator as org_emulator
from tests.support.handler_stack import stack as stack
from tests.support.handler_stack import webhook_receiver as webhook_receiver


def apply_sia_side(stack: HandlerStack) -> None:
    """Only the SIA direction's part of the path: the stream, the bus and ``reminder_changes``."""
    stack.drain_stream("ReminderTaskTable")
    stack.drain_queue("ReminderChangesQueue")


def apply_salesforce_side(stack: HandlerStack) -> None:
    """Only the Salesforce direction's part: the webhook's posts and ``salesforce_changes``."""
    stack.deliver_webhook_posts()
    stack.drain_queue("SalesforceChangesQueue")


def imported_task(stack: HandlerStack, rep: Rep, subject: str = "Call Ada", **fields: object) -> str:
    """A task made in Salesforce and synced to SIA; its Salesforce id."""
    sf_id = stack.org.ui_create_task({"Subject": subject, "OwnerId": rep.sf_id, **fields}, as_user=rep.sf_user)
    stack.settle()
    assert stack.sia_task_for(rep, sf_id) is not None
    return sf_id


# -- no echo, no loops ---------------------------------------------------------------------------


@pytest.mark.parametrize("client_id_on_writes", [True, False], ids=["client-id", "no-client-id"])
def test_the_syncs_own_write_comes_back_and_changes_nothing(stack: HandlerStack, client_id_on_writes: bool) -> None:
    rep = stack.syncing_rep()
    if not client_id_on_writes:
        stack.org.omit_collections_client(1.0)  # sObject Collections writes lose ";client=" in changeOrigin
    task = stack.sia_create(rep, "Call Ada", due_date=date(2024, 6, 5))
    apply_sia_side(stack)
    sf_id = stack.sf_id_of(rep, task.id)
    assert sf_id is not None
    written = stack.org.task(sf_id)["SystemModstamp"]

    with counting(stack) as calls:
        moved = stack.settle()

    print(f"the echo ({'with' if client_id_on_writes else 'without'} client id) cost {calls.org} API calls")
    assert moved.salesforce_changes == 1  # the echo came back
    [echo] = stack.org.events()[-1:]
    origin = echo["data"]["payload"]["ChangeEventHeader"]["changeOrigin"]
    client = f"client={stack.environment['SALESFORCE_CALL_CLIENT']}"
    assert (client in origin) is client_id_on_writes  # the write's Sforce-Call-Options
    assert calls.org == 0
    assert stack.sia_task(rep, task.id) == task  # not written again
    assert stack.org.task(sf_id)["SystemModstamp"] == written
    assert stack.failures == []


def test_a_subject_prefixed_by_automation_stays_salesforces(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    stack.org.add_automation(PrefixOnSave("[Acme] "))
    task = stack.sia_create(rep, "Call Ada")
    stack.settle()
    sf_id = stack.sf_id_of(rep, task.id) or ""

    stack.sia_update(rep, task.id, details="Bring the offer")
    stack.settle()

    record = stack.sf_task(sf_id)
    assert record is not None
    assert (record["Subject"], record["Description"]) == ("[Acme] Call Ada", "Bring the offer")
    sia = stack.sia_task(rep, task.id)
    assert sia is not None and sia.name == "Call Ada"  # SPEC 3: a Subject never flows back
    with counting(stack) as calls:
        assert stack.settle().total == 0  # and nothing goes round
    assert calls.org == 0


def test_a_priority_set_by_automation_follows_to_sia_and_stays(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    stack.org.add_automation(SetWhenChanged("Status", "Completed", "Priority", "High"))
    task = stack.sia_create(rep, "Send the quote")
    stack.settle()
    sf_id = stack.sf_id_of(rep, task.id) or ""

    stack.sia_update(rep, task.id, status=Status.COMPLETE)
    stack.settle()

    record = stack.sf_task(sf_id)
    assert record is not None and (record["Status"], record["Priority"]) == ("Completed", "High")
    sia = stack.sia_task(rep, task.id)
    assert sia is not None and (sia.status, sia.priority) == (Status.COMPLETE, Priority.HIGH)
    assert stack.disagreements(rep) == []


def test_a_due_date_automation_reverts_is_followed_in_sia_not_written_again(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    task = stack.sia_create(rep, "Send the quote", due_date=date(2024, 6, 5))
    stack.settle()
    sf_id = stack.sf_id_of(rep, task.id) or ""
    stack.org.add_automation(RevertApiWrite("ActivityDate"))

    stack.sia_update(rep, task.id, due_date=date(2024, 6, 20))
    stack.settle()

    record = stack.sf_task(sf_id)
    assert record is not None and record["ActivityDate"] == date(2024, 6, 5)
    sia = stack.sia_task(rep, task.id)
    assert sia is not None and sia.due_date == date(2024, 6, 5)
    assert stack.disagreements(rep) == []
    with counting(stack) as calls:
        assert stack.settle().total == 0
    assert calls.org == 0


# -- idempotent ----------------------------------------------------------------------------------


def test_a_change_event_posted_twice_to_the_webhook_is_applied_once(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    stack.org.webhook_faults(duplicate=1)
    sf_id = stack.org.ui_create_task({"Subject": "Call Ada", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    assert stack.settle().webhook_posts == 2
    stack.org.webhook_faults(duplicate=1)
    stack.org.ui_update_task(sf_id, {"Description": "Posted twice"}, as_user=rep.sf_user)

    assert stack.settle().webhook_posts == 2

    [task] = stack.sia_tasks(rep)
    assert (task.details, task.version) == ("Posted twice", 2)  # created once, updated once
    assert stack.failures == []


def test_salesforce_changes_delivered_twice_by_the_queue_are_applied_once(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    sf_id = stack.org.ui_create_task({"Subject": "Call Ada", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    stack.settle(redeliver=True)
    stack.org.ui_update_task(sf_id, {"Description": "Delivered twice"}, as_user=rep.sf_user)
    stack.settle(redeliver=True)
    stack.org.ui_delete_task(imported_task(stack, rep, "Deleted once"), as_user=rep.sf_user)

    stack.settle(redeliver=True)

    [task] = stack.sia_tasks(rep)
    assert (task.name, task.details, task.version) == ("Call Ada", "Delivered twice", 2)
    assert stack.failures == []


def test_sia_events_published_and_delivered_twice_make_one_salesforce_task(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    task = stack.sia_create(rep, "Call Ada")
    stack.sia_update(rep, task.id, details="Published twice")

    stack.settle(redeliver=True)  # the stream batch and every queue batch handed over twice

    [record] = stack.sf_tasks_of(rep)
    assert (record["Subject"], record["Description"]) == ("Call Ada", "Published twice")
    assert stack.sf_id_of(rep, task.id) == record["Id"]
    assert stack.failures == []


def test_a_create_whose_answer_was_lost_makes_no_second_salesforce_task(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    # The write commits, then its answer comes later than the gateway waits.
    stack.org.inject_fault("SLOW_RESPONSE", path_contains="composite", seconds=GATEWAY_READ_TIMEOUT + 1)
    task = stack.sia_create(rep, "Call Ada")

    stack.settle()

    [record] = stack.sf_tasks_of(rep)
    assert record["Subject"] == "Call Ada"
    assert stack.sf_id_of(rep, task.id) == record["Id"]


# -- ordered per task, stale-safe ----------------------------------------------------------------


def test_a_salesforce_change_older_than_one_applied_changes_nothing(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    sf_id = imported_task(stack, rep)
    stack.org.webhook_faults(reorder=2)  # the two events are posted in reverse order
    stack.org.ui_update_task(sf_id, {"Description": "first"}, as_user=rep.sf_user)
    stack.emulator.clock.advance(timedelta(seconds=2))
    stack.org.ui_update_task(sf_id, {"Description": "second"}, as_user=rep.sf_user)

    stack.settle()

    task = stack.sia_task_for(rep, sf_id)
    assert task is not None and task.details == "second"


def test_salesforce_changes_tied_on_the_second_are_settled_by_reading_the_record(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    sf_id = imported_task(stack, rep)
    stack.org.webhook_faults(reorder=2)
    stack.emulator.clock.freeze()  # both commits in one whole second
    stack.org.ui_update_task(sf_id, {"Description": "first"}, as_user=rep.sf_user)
    stack.org.ui_update_task(sf_id, {"Description": "second"}, as_user=rep.sf_user)
    stack.emulator.clock.resume()

    with counting(stack) as calls:
        stack.settle()

    task = stack.sia_task_for(rep, sf_id)
    assert task is not None and task.details == "second"
    assert calls.org >= 1  # read, not guessed


def test_an_sia_event_older_than_one_applied_changes_nothing(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    task = stack.sia_create(rep, "Call Ada")
    stack.settle()
    stack.sia_update(rep, task.id, details="first")
    stack.sia_update(rep, task.id, details="second")
    stack.drain_stream("ReminderTaskTable")

    assert stack.drain_queue_one_by_one("ReminderChangesQueue", reverse=True) == 2
    stack.settle()

    record = stack.sf_task(stack.sf_id_of(rep, task.id) or "")
    assert record is not None and record["Description"] == "second"


# -- conflicts -----------------------------------------------------------------------------------

SF_FIELD = {"due_date": "ActivityDate", "details": "Description"}
VALUES: dict[str, dict[Side, date | str]] = {
    "due_date": {Side.SIA: date(2024, 6, 10), Side.SALESFORCE: date(2024, 6, 20)},
    "details": {Side.SIA: "SIA's words", Side.SALESFORCE: "Salesforce's words"},
}


@pytest.mark.parametrize("later", [Side.SIA, Side.SALESFORCE])
@pytest.mark.parametrize("field", ["due_date", "details"])
def test_a_field_changed_on_both_sides_takes_the_later_change_on_both_and_is_recorded(
    stack: HandlerStack, field: str, later: Side
) -> None:
    rep = stack.syncing_rep()
    task = stack.sia_create(rep, "Call Ada")
    stack.settle()
    sf_id = stack.sf_id_of(rep, task.id) or ""

    def change(side: Side) -> None:
        value = VALUES[field][side]
        if side is Side.SIA:
            stack.sia_update(rep, task.id, **{field: value})
        else:
            shown = value.isoformat() if isinstance(value, date) else value
            stack.org.ui_update_task(sf_id, {SF_FIELD[field]: shown}, as_user=rep.sf_user)

    change(Side.SALESFORCE if later is Side.SIA else Side.SIA)
    stack.emulator.clock.advance(timedelta(minutes=3))  # beyond the clocks' 2-minute margin
    change(later)
    stack.settle()

    sia = stack.sia_task(rep, task.id)
    record = stack.sf_task(sf_id)
    assert sia is not None and record is not None
    assert getattr(sia, field) == VALUES[field][later]
    assert stack.disagreements(rep) == []
    conflicts = [e for e in stack.sync_errors(rep) if e.kind is SyncErrorKind.CONFLICT]
    assert [(e.sia_id, e.field, e.winner) for e in conflicts] == [(task.id, field, later)]


# -- deletes stay deleted ------------------------------------------------------------------------


def test_a_task_deleted_in_sia_stays_deleted_against_a_late_salesforce_update(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    sf_id = imported_task(stack, rep)
    task = stack.sia_task_for(rep, sf_id)
    assert task is not None
    stack.org.ui_update_task(sf_id, {"Description": "edited before the delete arrived"}, as_user=rep.sf_user)
    stack.sia_delete(rep, task.id)

    apply_sia_side(stack)  # the delete reaches Salesforce before the update's event reaches SIA
    stack.settle()

    assert stack.sia_tasks(rep) == []
    assert stack.sf_task(sf_id) is None


def test_a_task_deleted_in_salesforce_stays_deleted_against_a_late_sia_update(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    task = stack.sia_create(rep, "Call Ada")
    stack.settle()
    sf_id = stack.sf_id_of(rep, task.id) or ""
    stack.sia_update(rep, task.id, details="edited before the delete arrived")
    stack.org.ui_delete_task(sf_id, as_user=rep.sf_user)

    apply_salesforce_side(stack)  # the delete reaches SIA before the update's event reaches Salesforce
    stack.settle()

    assert stack.sia_tasks(rep) == []
    assert stack.sf_task(sf_id) is None
    assert stack.sf_tasks_of(rep) == []


def test_undelete_in_salesforce_brings_the_task_back(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    sf_id = imported_task(stack, rep, "Call Ada", ActivityDate="2024-06-05")
    stack.org.ui_delete_task(sf_id, as_user=rep.sf_user)
    stack.settle()
    assert stack.sia_tasks(rep) == []

    stack.org.ui_undelete_task(sf_id, as_user=rep.sf_user)
    stack.settle()

    task = stack.sia_task_for(rep, sf_id)
    assert task is not None and (task.name, task.due_date) == ("Call Ada", date(2024, 6, 5))


# -- errors --------------------------------------------------------------------------------------


def test_a_locked_record_is_sent_again_by_the_gateway_with_back_off(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    # A lock failure inside an sObject Collections answer fails that record; the gateway sends it again.
    stack.org.inject_fault("UNABLE_TO_LOCK_ROW", 1, path_contains="composite")
    task = stack.sia_create(rep, "Call Ada")

    stack.settle()

    assert stack.failures == [] and stack.reported_failures == []
    [record] = stack.sf_tasks_of(rep)
    assert stack.sf_id_of(rep, task.id) == record["Id"]


def test_a_transient_salesforce_error_past_the_gateways_retries_is_retried_by_the_queue(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    # Locked through the gateway's four tries: the record's message goes back to its queue.
    stack.org.inject_fault("UNABLE_TO_LOCK_ROW", 4, path_contains="composite")
    task = stack.sia_create(rep, "Call Ada")

    stack.settle()

    # A batch whose every record failed makes Powertools raise: Lambda puts the whole batch back.
    returned = [failure.function for failure in stack.failures] + [name for name, _ in stack.reported_failures]
    assert returned == ["ReminderChangesFunction"]
    [record] = stack.sf_tasks_of(rep)
    assert stack.sf_id_of(rep, task.id) == record["Id"]
    assert stack.dead_letters("ReminderChangesDLQ") == []


def test_a_permanent_salesforce_refusal_is_recorded_for_that_task_alone(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    stack.org.add_automation(PrefixOnSave("[Acme Corporation] "))  # a Subject of 255 becomes too long
    refused = stack.sia_create(rep, "x" * 250)
    accepted = stack.sia_create(rep, "Call Ada")

    stack.settle()

    assert [record["Subject"] for record in stack.sf_tasks_of(rep)] == ["[Acme Corporation] Call Ada"]
    assert stack.sf_id_of(rep, accepted.id) is not None
    [error] = stack.sync_errors(rep)
    assert (error.kind, error.sia_id, error.code) == (SyncErrorKind.PERMANENT, refused.id, "STRING_TOO_LONG")
    assert stack.dead_letters("ReminderChangesDLQ") == []  # not retried: nothing would change


def test_an_sia_edit_of_a_task_salesforce_already_deleted_deletes_it_in_sia(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    sf_id = imported_task(stack, rep)
    task = stack.sia_task_for(rep, sf_id)
    assert task is not None
    stack.org.webhook_faults(drop=1)
    stack.org.ui_delete_task(sf_id, as_user=rep.sf_user)
    stack.settle()  # the delete's event was lost

    stack.sia_update(rep, task.id, details="too late")
    stack.settle()

    assert stack.sia_tasks(rep) == []
    assert stack.sf_task(sf_id) is None and stack.sf_tasks_of(rep) == []
    assert stack.sync_errors(rep) == []


def test_an_expired_access_token_is_refreshed(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    stored = stack.secretsmanager.get_secret_value(SecretId=rep.secret_name)["SecretString"]
    stack.org.expire_access_tokens(rep.sf_user)

    task = stack.sia_create(rep, "Call Ada")
    stack.settle()

    assert stack.sf_id_of(rep, task.id) is not None
    rotated = stack.secretsmanager.get_secret_value(SecretId=rep.secret_name)["SecretString"]
    assert json.loads(rotated)["refresh_token"] != json.loads(stored)["refresh_token"]
    assert stack.sync_errors(rep) == []


def test_a_revoked_grant_pauses_the_reps_sync_and_says_so(stack: HandlerStack) -> None:
    rep = stack.syncing_rep()
    stack.org.revoke_tokens(rep.sf_user)

    task = stack.sia_create(rep, "Call Ada")
    stack.settle()
    sf_id = stack.org.ui_create_task({"Subject": "Made after", "OwnerId": rep.sf_id}, as_user=rep.sf_user)
    stack.settle()

    connection = stack.settings(rep).connection
    assert connection is not None and connection.status is ConnectionStatus.REVOKED
    assert [error.kind for error in stack.sync_errors(rep)] == [SyncErrorKind.AUTH]
    assert stack.sf_id_of(rep, task.id) is None and stack.sf_tasks_of(rep)[0]["Id"] == sf_id
    assert stack.sia_task_for(rep, sf_id) is None
    assert stack.dead_letters("ReminderChangesDLQ") == []
