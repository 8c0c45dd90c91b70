"""Review of the event paths (adversarial): routing across orgs, the SIA batch path, the SIA-side resync
and the budget governor. A test that fails here names a bug; one that passes guards an attack that did
not work."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta

import pytest

from local.stack.template import load_template
from tasksync.composition.sync import SyncRoot
from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.domain.reminder_task import Status
from tasksync.domain.salesforce_task import Picklists, SalesforceTask
from tasksync.domain.salesforce_writes import TaskCreate, TaskUpdate
from tasksync.domain.settings import SyncSettings
from tasksync.domain.sync_error import SyncErrorKind
from tasksync.domain.sync_link import SyncLink
from tasksync.engine.decisions import SkipReason
from tasksync.ports.salesforce import ApiUsage, ErrorKind, SalesforceError, SalesforceGateway, WriteResult
from tasksync.ports.sync_state import ConcurrentUpdate
from tasksync.use_cases.reminder_batches import apply_reminder_batch
from tasksync.use_cases.reminder_resync import SETTLING, resync_reminders
from tasksync.use_cases.routing import apply_org_change
from tasksync.use_cases.safety_nets import SweepResult
from tasksync.use_cases.scheduled_rounds import BudgetGovernor, run_round
from tests.fakes.salesforce import InMemoryGateway
from tests.unit.builders import CLIENT_ID, ORG, SF_USER, USER, SyncWorld, connection, settings, sf_deleted, sf_updated

SANDBOX_ORG = "00D000000000009AAA"
"""A full-copy sandbox of ORG: a sandbox copy keeps the production records' ids."""
USER_2, SF_USER_2 = "user-2", "005000000000003AAA"
USER_3, SF_USER_3 = "user-3", "005000000000004AAA"


def pending_sia_events(world: SyncWorld) -> list[ReminderTaskEvent]:
    events = [message for message in world.pending() if isinstance(message, ReminderTaskEvent)]
    world.mark_delivered()
    return events


def with_gateway(world: SyncWorld, gateway: SalesforceGateway) -> None:
    object.__setattr__(world.services, "salesforce", lambda _settings: gateway)


class CountingGateway(InMemoryGateway):
    """Counts the calls by name; refuses, for good, the creates of ``refused_creates`` (SIA ids) and the
    updates of ``refused_updates`` (record ids), as a validation rule would."""

    RULE = SalesforceError(ErrorKind.PERMANENT, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Due date must be a weekday")

    def __init__(
        self, world: SyncWorld, *, refused_creates: Sequence[str] = (), refused_updates: Sequence[str] = ()
    ) -> None:
        super().__init__(world.org, CLIENT_ID)
        self.calls: Counter[str] = Counter()
        self.refused_creates = set(refused_creates)
        self.refused_updates = set(refused_updates)

    def create_tasks(self, creates: Sequence[TaskCreate]) -> list[WriteResult]:
        self.calls["create_tasks"] += 1
        made = iter(super().create_tasks([c for c in creates if c.external_id not in self.refused_creates]))
        return [WriteResult(None, self.RULE) if c.external_id in self.refused_creates else next(made) for c in creates]

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> list[WriteResult]:
        self.calls["update_tasks"] += 1
        done = iter(super().update_tasks([u for u in updates if u.sf_id not in self.refused_updates]))
        return [WriteResult(u.sf_id, self.RULE) if u.sf_id in self.refused_updates else next(done) for u in updates]

    def delete_tasks(self, sf_ids: Sequence[str]) -> list[WriteResult]:
        self.calls["delete_tasks"] += 1
        return super().delete_tasks(sf_ids)

    def find_by_external_ids(self, external_ids: Sequence[str]) -> dict[str, SalesforceTask]:
        self.calls["find_by_external_ids"] += 1
        return super().find_by_external_ids(external_ids)


# -- routing: an org's change reaches that org's reps only ------------------------------------------------


def a_rep_with_a_salesforce_task() -> tuple[SyncWorld, str]:
    """The rep of ORG with one task made in Salesforce and synced; the record's id."""
    world = SyncWorld()
    record = world.org.create({"Subject": "Renewal call", "OwnerId": SF_USER})
    for change in world.org.feed:
        apply_org_change(ORG, change, world.services)
    world.mark_delivered()
    (task,) = world.tasks()
    assert task.name == "Renewal call"
    return world, record.id


def test_a_delete_in_another_org_does_not_delete_a_reps_task_whose_record_has_the_same_id():
    # Given a rep of ORG whose task is linked to record X, and a sandbox of ORG (its records keep their ids)
    world, sf_id = a_rep_with_a_salesforce_task()

    # When the sandbox's signed webhook reports that X was deleted there
    world.tick()
    apply_org_change(SANDBOX_ORG, sf_deleted(world.org.now(), sf_id), world.services)

    # Then the rep's task, whose record lives on in ORG, is still in SIA
    assert [task.name for task in world.tasks()] == ["Renewal call"]
    assert sf_id in world.org.records


def test_an_edit_in_another_org_does_not_reach_a_reps_task_whose_record_has_the_same_id():
    world, sf_id = a_rep_with_a_salesforce_task()

    world.tick()
    apply_org_change(SANDBOX_ORG, sf_updated(world.org.now(), sf_id, Status="Completed"), world.services)

    (task,) = world.tasks()
    assert task.status is Status.OPEN


def test_a_late_delete_routed_with_links_read_before_an_undelete_was_applied_does_not_undo_it():
    """SPEC 7: no delete is lost or undone, and an UNDELETE brings the task back. Salesforce deletes and
    undeletes a record; both events come by two inputs (the webhook's queue and Event Relay's). The
    router reads the record's links, and before the rep's turn the other input applies the UNDELETE:
    the late DELETE, decided with the link read before, must not delete the task the UNDELETE kept."""
    world, sf_id = a_rep_with_a_salesforce_task()
    world.tick()
    world.org.delete(sf_id)
    world.tick(2)
    world.org.undelete(sf_id)
    delete, undelete = world.org.feed[-2:]
    world.mark_delivered()
    read_links = world.state.links_to

    def undelete_applied_meanwhile(record_id: str) -> list[SyncLink]:
        links: list[SyncLink] = read_links(record_id)
        object.__setattr__(world.state, "links_to", read_links)
        world.tick()
        apply_org_change(ORG, undelete, world.services)  # by the other input, between read and decision
        return links

    object.__setattr__(world.state, "links_to", undelete_applied_meanwhile)
    world.tick()
    apply_org_change(ORG, delete, world.services)
    world.sync()

    assert sf_id in world.org.records
    assert [task.name for task in world.tasks()] == ["Renewal call"]


# -- one invocation's settings ----------------------------------------------------------------------


def test_an_invocations_settings_after_a_refused_save_are_read_again_not_kept():
    world = SyncWorld()
    invocation = SyncRoot(services=world.services, cursors=world.state, invoke=lambda *_: None).for_invocation()
    read = invocation.services.settings.get_settings(USER)
    assert read is not None
    world.state.save_settings(read.model_copy(update={"enabled": False}))  # the rep, through the API

    with pytest.raises(ConcurrentUpdate):
        invocation.services.settings.save_settings(read.model_copy(update={"time_zone": "UTC"}))

    assert invocation.services.syncing(USER) is None  # the rep's word, not the copy read before


# -- the SIA batch path -------------------------------------------------------------------------------


def test_a_batch_of_every_kind_of_write_answers_each_task_with_its_own_result():
    """One refused update among creates, updates and deletes: the refusal is recorded on that task alone,
    and each other task gets its own write (the results of three calls put back in the batch's order)."""
    world = SyncWorld()
    for n in range(4):
        world.rep_creates(f"Task {n}", task_id=f"task-{n}")
    world.sync()
    refused = world.link_of("task-3").sf_id
    assert refused is not None
    with_gateway(world, CountingGateway(world, refused_updates=[refused]))
    world.rep_updates("task-3", due_date=date(2026, 4, 11))
    world.rep_creates("Task 4", task_id="task-4")
    world.rep_deletes("task-1")
    world.rep_updates("task-0", due_date=date(2026, 4, 6))
    world.rep_creates("Task 5", task_id="task-5")
    world.rep_updates("task-2", name="Task 2 renamed")

    outcome = apply_reminder_batch(pending_sia_events(world), world.services)

    assert not outcome.failed
    assert world.record_of("task-0").activity_date == date(2026, 4, 6)
    assert world.records_for("task-1") == []
    assert world.record_of("task-2").subject == "Task 2 renamed"
    assert world.record_of("task-3").activity_date is None
    assert (world.record_of("task-4").subject, world.record_of("task-5").subject) == ("Task 4", "Task 5")
    (error,) = world.state.errors_of(USER)
    assert (error.sia_id, error.sf_id, error.kind) == ("task-3", refused, SyncErrorKind.PERMANENT)


def test_a_gateway_answering_fewer_results_than_writes_fails_the_events_instead_of_settling_them():
    world = SyncWorld()

    class ShortAnswers(InMemoryGateway):
        def create_tasks(self, creates: Sequence[TaskCreate]) -> list[WriteResult]:
            return super().create_tasks(creates)[:-1]

    with_gateway(world, ShortAnswers(world.org, CLIENT_ID))
    world.rep_creates("Call Alice", task_id="task-1")
    world.rep_creates("Call Bob", task_id="task-2")
    events = pending_sia_events(world)

    outcome = apply_reminder_batch(events, world.services)

    assert set(outcome.failed) == {event.event_id for event in events}  # retried, never taken as done
    with_gateway(world, InMemoryGateway(world.org, CLIENT_ID))
    assert not apply_reminder_batch(events, world.services).failed
    assert sorted(r.subject for r in world.org.records.values()) == ["Call Alice", "Call Bob"]  # no duplicate


def test_a_rep_who_turned_sync_off_costs_no_salesforce_call_for_a_create_that_lost_its_answer():
    """SPEC 6: turning sync off stops both directions at once."""
    world = SyncWorld()
    created = world.rep_creates_and_the_answer_is_lost("Call Alice")
    world.fault = None
    world.state.save_settings(world.settings.model_copy(update={"enabled": False}))
    gateway = CountingGateway(world)
    with_gateway(world, gateway)

    outcome = apply_reminder_batch([created], world.services)

    assert outcome.decisions[created.event_id].skipped is SkipReason.SYNC_OFF
    assert gateway.calls == Counter()


def test_a_rep_who_disconnected_salesforce_has_their_events_skipped_not_dead_lettered():
    """A rep disconnects (no connection) while a create of theirs had lost its answer: their events are
    not for Salesforce any more, and must not fail five times into the dead-letter queue."""
    world = SyncWorld()
    created = world.rep_creates_and_the_answer_is_lost("Call Alice")
    world.fault = None
    world.state.save_settings(world.settings.model_copy(update={"enabled": False, "connection": None}))

    def gateway_of(rep: SyncSettings) -> SalesforceGateway:
        if rep.connection is None:  # as composition.sync.Connections.gateway
            raise ValueError(f"user {rep.user_id} has no Salesforce connection")
        return InMemoryGateway(world.org, CLIENT_ID)

    object.__setattr__(world.services, "salesforce", gateway_of)

    outcome = apply_reminder_batch([created], world.services)

    assert outcome.failed == {}
    assert outcome.decisions[created.event_id].skipped is SkipReason.SYNC_OFF


# -- the SIA-side resync --------------------------------------------------------------------------------


def test_a_create_refused_for_good_is_not_sent_again_by_every_resync():
    """SPEC 7: permanent errors are not retried but recorded for the user. A create a validation rule
    refused stays refused until the rep changes the task; the 15-minute resync must not resend it (two
    API calls and one more error record per task, every round, for ever)."""
    world = SyncWorld()
    gateway = CountingGateway(world, refused_creates=["task-1"])
    with_gateway(world, gateway)
    world.rep_creates("Call Alice on Saturday", task_id="task-1")
    assert not apply_reminder_batch(pending_sia_events(world), world.services).failed
    assert len(world.state.errors_of(USER)) == 1
    gateway.calls.clear()

    for _ in range(3):  # three rounds of the schedule, the task untouched
        world.tick(SETTLING.total_seconds() + 60)
        resync_reminders(world.settings, world.services)

    assert gateway.calls == Counter()
    assert len(world.state.errors_of(USER)) == 1


def test_resync_leaves_a_change_to_the_event_path_for_longer_than_one_retry_of_its_message():
    """SETTLING says it is longer than the event path takes with its retries in the queue; a message
    that failed comes back after the queue's visibility time-out, so the resync must wait at least that
    long, else both send the same change while the event path still carries it."""
    queue = load_template()["Resources"]["ReminderChangesQueue"]["Properties"]

    assert timedelta(seconds=int(queue["VisibilityTimeout"])) < SETTLING


def test_resync_does_not_bring_back_a_task_deleted_in_salesforce_whose_delete_reached_sia():
    world = SyncWorld()
    world.rep_creates("Call Alice", task_id="task-1")
    world.sync()
    world.org.delete(world.record_of("task-1").id)
    world.sync()
    assert world.task("task-1") is None
    world.tick(SETTLING.total_seconds() + 60)

    resync_reminders(world.settings, world.services)
    world.sync()

    assert world.task("task-1") is None and world.records_for("task-1") == []


# -- the budget governor ------------------------------------------------------------------------------


class ReadingGateway(InMemoryGateway):
    """As the real gateway: ``api_usage`` is the ``Sforce-Limit-Info`` of this connection's last answer,
    however long ago (the gateway outlives the invocation in a warm container)."""

    def __init__(self, world: SyncWorld, used: dict[str, int]) -> None:
        super().__init__(world.org, CLIENT_ID)
        self.used = used
        self.latest: ApiUsage | None = None

    def picklists(self) -> Picklists:
        self.latest = ApiUsage(used=self.used[ORG], limit=100_000)
        return super().picklists()

    def api_usage(self) -> ApiUsage | None:
        return self.latest


def test_the_governor_does_not_put_off_an_orgs_work_for_ever_on_a_reps_old_reading():
    """Three reps of one org, the resync's warm container. Hours ago rep 1's call showed 95% of the daily
    allowance used, and the round put off reps 2 and 3 (right then). Now the org has room again; rep 1
    has nothing to resync (no call, so its gateway's reading is the old one) and reps 2 and 3 have work:
    it must run, not wait for rep 1 to have something to do."""
    world = SyncWorld()
    for user, sf_user in ((USER_2, SF_USER_2), (USER_3, SF_USER_3)):
        world.state.save_settings(settings(user_id=user, connection=connection(sf_user_id=sf_user, secret_name=user)))
    used = {ORG: 95_000}
    gateways = {user: ReadingGateway(world, used) for user in (USER, USER_2, USER_3)}
    object.__setattr__(world.services, "salesforce", lambda rep: gateways[rep.user_id])
    ran: list[str] = []

    def job(work_for: set[str]):
        def run(rep: SyncSettings) -> SweepResult:
            ran.append(rep.user_id)
            if rep.user_id in work_for:
                world.services.salesforce(rep).picklists()
            return SweepResult(applied=0, removed=0, complete=True)

        return run

    hours_ago = run_round(job({USER}), world.services, BudgetGovernor(threshold=0.8))
    assert list(hours_ago.put_off) == [USER_2, USER_3]
    used[ORG] = 10_000  # the allowance is a rolling 24 hours: room again
    world.tick(timedelta(hours=3).total_seconds())
    ran.clear()

    now = run_round(job({USER_2, USER_3}), world.services, BudgetGovernor(threshold=0.8))

    assert ran == [USER, USER_2, USER_3]
    assert now.put_off == {}
