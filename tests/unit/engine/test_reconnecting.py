"""Connecting again: after a disconnect it turns sync on anew (tasks made meanwhile stay local, SPEC 5.2);
after a revoked grant it ends a pause (tasks made since sync was turned on still go, SPEC 7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.domain.settings import ConnectionStatus
from tasksync.engine.decisions import SkipReason
from tasksync.ports.salesforce_connector import Granted
from tasksync.use_cases.reminder_batches import apply_reminder_batch
from tasksync.use_cases.salesforce_connection import Connecting
from tests.fakes.salesforce_connector import NoPending, StoredGrants
from tests.fakes.sync_state import InMemorySyncState
from tests.unit.builders import SyncWorld, settings

ON = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LATER = ON + timedelta(hours=2)


def _reconnect(state: InMemorySyncState, user: str) -> list[str]:
    started: list[str] = []
    stored = state.get_settings(user)
    assert stored is not None
    connection = stored.connection
    org, sf_user = (
        (connection.org_id, connection.sf_user_id) if connection else ("00D000000000001AAA", "005000000000001AAA")
    )
    granted = Granted(org, sf_user, "rep@example.com", "rep", "https://example.my.salesforce.com", credentials=None)
    Connecting(StoredGrants(), NoPending(), state, LATER, started.append).connect(user, granted)
    return started


def _saved(**changes: object) -> tuple[InMemorySyncState, str]:
    state = InMemorySyncState()
    rep = settings(enabled=True, enabled_at=ON)
    state.save_settings(rep.model_copy(update=changes))
    return state, rep.user_id


def test_reconnecting_a_revoked_grant_keeps_the_moment_sync_was_turned_on() -> None:
    state, user = _saved()
    current = state.get_settings(user)
    assert current is not None and current.connection is not None
    revoked = current.connection.model_copy(update={"status": ConnectionStatus.REVOKED})
    state.save_settings(current.model_copy(update={"connection": revoked}))

    started = _reconnect(state, user)

    reconnected = state.get_settings(user)
    assert reconnected is not None and reconnected.syncing
    assert reconnected.enabled_at == ON  # a task made during the pause goes to Salesforce
    assert reconnected.pushes_tasks_made_at(ON + timedelta(minutes=30))
    assert started == [user]  # the first sync catches up on what changed meanwhile (SPEC 5.5)


def test_connecting_after_a_disconnect_turns_sync_on_anew() -> None:
    state, user = _saved(connection=None)

    started = _reconnect(state, user)

    reconnected = state.get_settings(user)
    assert reconnected is not None and reconnected.syncing
    assert reconnected.enabled_at == LATER
    assert not reconnected.pushes_tasks_made_at(ON + timedelta(minutes=30))
    assert started == [user]


def test_a_task_deleted_while_paused_is_not_pushed_by_its_late_create_after_reconnecting() -> None:
    """Deleted before its create went, while the grant was revoked: the create delivered again once the
    rep reconnected must not make a Salesforce record of a deleted task (SPEC 7, deletes stay deleted)."""
    world = SyncWorld()
    revoked = world.settings.connection
    assert revoked is not None
    paused = world.settings.model_copy(
        update={"connection": revoked.model_copy(update={"status": ConnectionStatus.REVOKED})}
    )
    world.state.save_settings(paused)
    world.rep_creates()
    world.rep_deletes()
    created, deleted = world.pending()
    assert isinstance(created, ReminderTaskEvent) and isinstance(deleted, ReminderTaskEvent)
    apply_reminder_batch([deleted], world.services)  # skipped while paused, yet remembered

    world.state.save_settings(world.settings.model_copy(update={"connection": revoked}))
    outcome = apply_reminder_batch([created], world.services)  # delivered again, late

    assert world.org.records == {}
    assert outcome.decisions[created.event_id].skipped is SkipReason.DELETED
