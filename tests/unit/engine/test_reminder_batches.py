"""A batch of SIA events: each task synced once from its latest event, a rep's writes shared, and one
task's or one rep's trouble kept to itself."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.domain.reminder_task import Priority
from tasksync.domain.salesforce_writes import TaskUpdate
from tasksync.domain.settings import ConnectionStatus, SyncSettings
from tasksync.domain.sync_error import SyncErrorKind
from tasksync.domain.sync_link import Side
from tasksync.engine.decisions import SkipReason
from tasksync.ports.salesforce import AuthRevoked, ErrorKind, SalesforceError, SalesforceGateway, WriteResult
from tasksync.use_cases.reminder_batches import apply_reminder_batch
from tests.fakes.salesforce import InMemoryGateway
from tests.unit.builders import CLIENT_ID, OTHER_SF_USER, USER, SyncWorld, connection, settings

USER_2, SF_USER_2 = "user-2", "005000000000003AAA"


class CountingGateway(InMemoryGateway):
    """Counts the gateway's calls by name; refuses the updates of ``refused`` record ids."""

    def __init__(self, world: SyncWorld, refused: Sequence[str] = ()) -> None:
        super().__init__(world.org, CLIENT_ID)
        self.calls: Counter[str] = Counter()
        self.refused = set(refused)

    def create_tasks(self, creates):
        self.calls["create_tasks"] += 1
        return super().create_tasks(creates)

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> list[WriteResult]:
        self.calls["update_tasks"] += 1
        results = super().update_tasks([u for u in updates if u.sf_id not in self.refused])
        by_id = {result.sf_id: result for result in results}
        rule = SalesforceError(ErrorKind.PERMANENT, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Due date must be a weekday")
        return [WriteResult(u.sf_id, rule) if u.sf_id in self.refused else by_id[u.sf_id] for u in updates]

    def delete_tasks(self, sf_ids):
        self.calls["delete_tasks"] += 1
        return super().delete_tasks(sf_ids)

    def find_by_external_ids(self, external_ids):
        self.calls["find_by_external_ids"] += 1
        return super().find_by_external_ids(external_ids)

    def get_tasks(self, sf_ids, *, include_deleted=False):
        self.calls["get_tasks"] += 1
        return super().get_tasks(sf_ids, include_deleted=include_deleted)


def pending_sia_events(world: SyncWorld) -> list[ReminderTaskEvent]:
    events = [message for message in world.pending() if isinstance(message, ReminderTaskEvent)]
    world.mark_delivered()
    return events


def with_gateway(world: SyncWorld, gateway: SalesforceGateway) -> None:
    object.__setattr__(world.services, "salesforce", lambda _settings: gateway)


def test_a_burst_of_creates_and_updates_of_one_rep_shares_one_call_per_kind():
    world = SyncWorld()
    gateway = CountingGateway(world)
    with_gateway(world, gateway)
    for n in range(300):
        world.rep_creates(f"Task {n}", task_id=f"task-{n}")

    outcome = apply_reminder_batch(pending_sia_events(world), world.services)

    assert not outcome.failed
    assert gateway.calls == Counter(create_tasks=1)
    assert sorted(task.subject for task in world.org.records.values()) == sorted(f"Task {n}" for n in range(300))

    for n in range(0, 300, 2):
        world.rep_updates(f"task-{n}", due_date=date(2026, 4, 1))
    for n in range(1, 300, 2):
        world.rep_deletes(f"task-{n}")
    gateway.calls.clear()

    outcome = apply_reminder_batch(pending_sia_events(world), world.services)

    assert not outcome.failed
    # The rep's 300 changes took this world five minutes: the late ones read their records first, together.
    assert gateway.calls == Counter(update_tasks=1, delete_tasks=1, get_tasks=1)
    assert len(world.org.records) == 150
    assert {task.activity_date for task in world.org.records.values()} == {date(2026, 4, 1)}


def test_each_task_is_synced_from_its_latest_event_whatever_the_order_and_the_duplicates():
    world = SyncWorld()
    world.rep_creates("Call Alice", task_id="task-1")
    world.rep_updates("task-1", name="Call Alice and Bob")
    world.rep_updates("task-1", due_date=date(2026, 4, 2))
    created, renamed, moved = pending_sia_events(world)

    outcome = apply_reminder_batch([moved, created, moved, renamed], world.services)
    world.sync()

    assert not outcome.failed
    (record,) = world.records_for("task-1")
    assert (record.subject, record.activity_date) == ("Call Alice and Bob", date(2026, 4, 2))
    assert outcome.decisions[created.event_id].skipped is SkipReason.STALE


def test_a_refused_record_is_recorded_for_its_task_and_the_others_sync():
    world = SyncWorld()
    for n in range(3):
        world.rep_creates(f"Task {n}", task_id=f"task-{n}")
    world.sync()
    refused = world.link_of("task-1").sf_id
    assert refused is not None
    with_gateway(world, CountingGateway(world, refused=[refused]))
    for n in range(3):
        world.rep_updates(f"task-{n}", due_date=date(2026, 4, 4))

    outcome = apply_reminder_batch(pending_sia_events(world), world.services)

    assert not outcome.failed  # a refusal for good is recorded, not retried
    assert world.record_of("task-0").activity_date == date(2026, 4, 4)
    assert world.record_of("task-2").activity_date == date(2026, 4, 4)
    assert world.record_of("task-1").activity_date is None
    (error,) = world.state.errors_of(USER)
    assert (error.kind, error.sia_id, error.sf_id) == (SyncErrorKind.PERMANENT, "task-1", refused)


def test_one_reps_failing_salesforce_does_not_hold_up_another_rep():
    world = SyncWorld()
    world.state.save_settings(settings(user_id=USER_2, connection=connection(sf_user_id=SF_USER_2)))
    healthy = CountingGateway(world)
    down = SalesforceError(ErrorKind.TRANSIENT, "SERVER_UNAVAILABLE", "503")

    class Down(InMemoryGateway):
        def create_tasks(self, creates):
            raise down

    def gateway_of(rep: SyncSettings) -> SalesforceGateway:
        return Down(world.org, CLIENT_ID) if rep.user_id == USER_2 else healthy

    object.__setattr__(world.services, "salesforce", gateway_of)
    world.rep_creates("Mine", task_id="task-1")
    world.rep_creates("Theirs", task_id="task-2", user=USER_2)
    mine, theirs = pending_sia_events(world)

    outcome = apply_reminder_batch([theirs, mine], world.services)

    assert outcome.failed == {theirs.event_id: down}
    assert [task.subject for task in world.org.records.values()] == ["Mine"]


def test_an_update_of_a_record_deleted_in_salesforce_deletes_the_sia_task():
    world = SyncWorld()
    world.rep_creates("Call Alice", task_id="task-1")
    world.sync()
    world.org.delete(world.record_of("task-1").id)
    world.mark_delivered()  # the delete's change event is late
    world.rep_updates("task-1", name="Call Alice today")

    outcome = apply_reminder_batch(pending_sia_events(world), world.services)

    assert not outcome.failed
    assert world.task("task-1") is None
    assert world.records_for("task-1") == []


def test_a_revoked_grant_pauses_the_reps_sync_and_says_so():
    world = SyncWorld()

    class Revoked(InMemoryGateway):
        def create_tasks(self, creates):
            raise AuthRevoked("expired access/refresh token")

    with_gateway(world, Revoked(world.org, CLIENT_ID))
    world.rep_creates("Call Alice", task_id="task-1")
    world.rep_creates("Call Bob", task_id="task-2")

    outcome = apply_reminder_batch(pending_sia_events(world), world.services)

    assert not outcome.failed
    connected = world.settings.connection
    assert connected is not None and connected.status is ConnectionStatus.REVOKED
    (error,) = world.state.errors_of(USER)
    assert error.kind is SyncErrorKind.AUTH


def test_a_create_whose_answer_was_lost_is_not_duplicated_by_the_batch():
    world = SyncWorld()
    created = world.rep_creates_and_the_answer_is_lost("Call Alice")
    world.fault = None

    outcome = apply_reminder_batch([created, created], world.services)
    world.sync()

    assert not outcome.failed
    assert [task.subject for task in world.records_for("task-1")] == ["Call Alice"]


def test_creates_whose_answers_were_lost_learn_their_fate_in_one_lookup():
    world = SyncWorld()
    for n in range(5):
        world.rep_creates(f"Task {n}", task_id=f"task-{n}")
    events = pending_sia_events(world)
    lost = SalesforceError(ErrorKind.TRANSIENT, "TIMEOUT", "read timed out")
    world.fault = lambda moment: lost if moment == "after create_tasks" else None
    assert set(apply_reminder_batch(events, world.services).failed) == {e.event_id for e in events}
    world.fault = None
    world.org.delete(world.records_for("task-3")[0].id)  # deleted in Salesforce meanwhile
    gateway = CountingGateway(world)
    with_gateway(world, gateway)

    outcome = apply_reminder_batch(events, world.services)

    assert not outcome.failed
    assert gateway.calls == Counter(find_by_external_ids=1)
    assert sorted(t.subject for t in world.org.records.values()) == ["Task 0", "Task 1", "Task 2", "Task 4"]
    assert world.task("task-3") is None  # the delete in Salesforce wins


def _the_reps_due_date_waits_out_an_outage(salesforce: dict[str, object]):
    """The rep moves the due date (v2) while Salesforce is down, so the change waits in its queue; meanwhile
    Salesforce's user makes ``salesforce``'s change, whose event is lost; the rep's next edit (v3, details)
    is in the store before v2's batch goes. The world, v2's events and v3's."""
    world = SyncWorld()
    world.rep_creates("Call Alice", task_id="task-1", due_date=date(2026, 3, 27))
    world.sync()
    world.rep_updates("task-1", due_date=date(2026, 3, 28))
    late = pending_sia_events(world)
    world.tick(120)
    world.org.update(world.record_of().id, salesforce)
    world.mark_delivered()
    world.tick(60)
    world.rep_updates("task-1", details="bring the MSA")
    later = pending_sia_events(world)
    world.tick(300)
    return world, late, later


def test_a_change_sent_late_reads_its_record_first_and_meets_a_later_salesforce_change_unheard():
    world, late, _ = _the_reps_due_date_waits_out_an_outage({"ActivityDate": date(2026, 3, 30)})

    outcome = apply_reminder_batch(late, world.services)

    # The later change, Salesforce's, stands on both sides, and the rep sees the conflict (SPEC 7).
    assert not outcome.failed
    assert world.record_of().activity_date == date(2026, 3, 30)
    assert world.task().due_date == date(2026, 3, 30)
    assert [(e.field, e.winner and e.winner.value) for e in world.state.errors_of(USER)] == [("due_date", "salesforce")]


def test_a_change_sent_at_once_is_written_without_a_read():
    world = SyncWorld()
    gateway = CountingGateway(world)
    with_gateway(world, gateway)
    world.rep_creates("Call Alice", task_id="task-1")
    world.sync()
    world.rep_updates("task-1", due_date=date(2026, 3, 28))
    gateway.calls.clear()

    apply_reminder_batch(pending_sia_events(world), world.services)

    assert gateway.calls == Counter(update_tasks=1)


def test_a_late_edit_decided_with_its_record_meets_the_reps_later_edit_in_the_store():
    # The record decides v2 with the task as it is now (v3 in the store): Salesforce's later date stands on
    # both sides, and the conflict says so (SPEC 7).
    world, late, later = _the_reps_due_date_waits_out_an_outage({"ActivityDate": date(2026, 3, 30)})

    assert not apply_reminder_batch(late, world.services).failed
    assert not apply_reminder_batch(later, world.services).failed

    assert world.record_of().activity_date == date(2026, 3, 30)
    assert world.task().due_date == date(2026, 3, 30)
    assert world.record_of().description == "bring the MSA"
    assert [(e.field, e.winner and e.winner.value) for e in world.state.errors_of(USER)] == [("due_date", "salesforce")]


def test_a_late_edit_of_a_record_reassigned_away_is_not_written_into_the_new_owners_task():
    world, late, later = _the_reps_due_date_waits_out_an_outage({"OwnerId": OTHER_SF_USER})
    sf_id = world.link_of().sf_id
    assert sf_id is not None

    apply_reminder_batch(late, world.services)
    apply_reminder_batch(later, world.services)

    assert world.org.records[sf_id].activity_date == date(2026, 3, 27)


def test_a_batch_whose_answers_were_lost_reads_its_records_in_one_lookup_when_retried():
    world = SyncWorld()
    for n in range(20):
        world.rep_creates(f"Task {n}", task_id=f"task-{n}")
    world.sync()
    for n in range(20):
        world.rep_updates(f"task-{n}", due_date=date(2026, 4, 1))
    events = pending_sia_events(world)
    lost = SalesforceError(ErrorKind.TRANSIENT, "TIMEOUT", "read timed out")
    world.fault = lambda moment: lost if moment == "after update_tasks" else None
    assert set(apply_reminder_batch(events, world.services).failed) == {event.event_id for event in events}
    world.fault = None
    gateway = CountingGateway(world)
    with_gateway(world, gateway)

    outcome = apply_reminder_batch(events, world.services)  # the queue's retry, at once

    assert not outcome.failed
    assert gateway.calls["get_tasks"] == 1
    assert {task.activity_date for task in world.org.records.values()} == {date(2026, 4, 1)}


def test_an_event_sent_on_time_with_an_older_edit_whose_event_failed_reads_the_record_first() -> None:
    # Given a Salesforce user's due date whose event is late, and the rep's due date 7 minutes later, whose
    # own event failed (Salesforce was down)
    world = SyncWorld()
    world.rep_creates(due_date=date(2026, 2, 1))
    world.sync()
    world.org.update(world.record_of().id, {"ActivityDate": "2026-01-06"})
    world.mark_delivered()
    world.tick(7 * 60)
    world.rep_updates(due_date=date(2026, 1, 5))
    world.mark_delivered()
    # When the rep's next edit, made just now, brings the task with both changes
    world.tick(8 * 60)
    world.rep_updates(priority=Priority.HIGH)
    (edited,) = pending_sia_events(world)
    world.tick(30)
    apply_reminder_batch([edited], world.services)

    # Then the record was read: both sides changed the due date, the later change wins and the rep is told
    assert world.record_of().activity_date == date(2026, 1, 5)
    assert world.conflict_winners("due_date") == [Side.SIA]
