"""SPEC 5.5 and 6: turning sync on again reads what Salesforce changed since it was turned off, once: a
later save with sync on does not read from that turn-off again; and a rep turned off before turn-offs
were kept reads from when sync was last turned on (no later than it stopped)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from tasksync.domain.salesforce_task import SalesforceTask
from tasksync.use_cases.first_sync import run_first_sync
from tasksync.use_cases.settings_saving import save_sync_settings
from tests.fakes.salesforce import InMemoryGateway
from tests.unit.builders import USER, SyncWorld
from tests.unit.engine.test_paused_rejoin import _routed


def _save(world: SyncWorld, **changes: object) -> None:
    save_sync_settings(USER, dict(changes), world.state, world.now, start_first_sync=lambda _user: None)


def test_a_later_save_with_sync_on_does_not_read_from_the_old_turn_off(monkeypatch: pytest.MonkeyPatch) -> None:
    world = SyncWorld()
    _save(world, enabled=False)
    world.tick(60)
    _save(world, enabled=True)
    run_first_sync(USER, world.services, world.state)
    world.tick(30 * 24 * 3600)  # a month of sync on
    reads: list[datetime] = []
    real = InMemoryGateway.owned_tasks_stamped_since

    def read(self: InMemoryGateway, owner: str, since: datetime) -> Iterator[SalesforceTask]:
        reads.append(since)
        return real(self, owner, since)

    monkeypatch.setattr(InMemoryGateway, "owned_tasks_stamped_since", read)

    _save(world, enabled=True, time_zone="Europe/Paris")
    run_first_sync(USER, world.services, world.state)

    assert reads == []


def test_a_rep_turned_off_before_turn_offs_were_kept_gets_an_undelete_joined() -> None:
    world = SyncWorld()
    now = world.now
    world.now = now - timedelta(days=3)
    record = world.org.create({"Subject": "Call Alice back"})
    world.now = now
    world.org.delete(record.id)
    _routed(world)
    world.tick(600)
    _save(world, enabled=False)
    world.state.save_settings(world.settings.model_copy(update={"disabled_at": None}))  # as saved before
    world.tick(60)
    world.org.undelete(record.id)
    _routed(world)
    world.tick(3600)

    _save(world, enabled=True)
    run_first_sync(USER, world.services, world.state)

    assert [task.name for task in world.tasks()] == ["Call Alice back"]
