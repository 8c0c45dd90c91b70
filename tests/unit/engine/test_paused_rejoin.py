"""A record older than the first sync's window joins the rep's SIA list on its first change while sync is
on (SPEC 6), a change made while the rep's grant was revoked included: reconnecting applies what changed
during the pause as if it had happened with sync on (SPEC 5.5), an undelete or a reassignment too, which
do not move LastModifiedDate and whose events the pause skipped."""

from __future__ import annotations

from datetime import timedelta

from tasksync.domain.settings import ConnectionStatus
from tasksync.engine.changes import SalesforceChange
from tasksync.ports.salesforce_connector import Granted
from tasksync.use_cases.first_sync import run_first_sync
from tasksync.use_cases.revoked_grant import pause_sync
from tasksync.use_cases.routing import apply_org_change
from tasksync.use_cases.safety_nets import reconcile_updates
from tasksync.use_cases.salesforce_connection import Connecting
from tasksync.use_cases.settings_saving import save_sync_settings
from tests.fakes.salesforce_connector import NoPending, StoredGrants
from tests.unit.builders import ORG, OTHER_SF_USER, SF_USER, USER, SyncWorld


def _routed(world: SyncWorld) -> None:
    """The org's pending change events, routed as the handlers route them."""
    for message in world.pending():
        world.tick()
        if isinstance(message, SalesforceChange):
            apply_org_change(ORG, message, world.services)
    world.mark_delivered()


def _reconnect(world: SyncWorld) -> None:
    """The rep connects the same Salesforce user again; the first sync runs as ``start_first_sync`` runs it."""
    started: list[str] = []
    granted = Granted(ORG, SF_USER, "rep@example.com", "user-1", "https://acme.my.salesforce.com", credentials=None)
    Connecting(StoredGrants(), NoPending(), world.state, world.now, started.append).connect(USER, granted)
    assert started == [USER]
    world.tick()
    run_first_sync(USER, world.services, world.state)


def _old_record_and_a_pause(world: SyncWorld, **fields: object) -> str:
    now = world.now
    world.now = now - timedelta(days=3)
    record = world.org.create({"Subject": "Call Alice back", **fields})
    world.now = now
    world.mark_delivered()  # before sync was on, and untouched since: never imported (SPEC 5.1)
    world.tick(3600)
    pause_sync(world.settings, "invalid_grant: expired access/refresh token", world.services)
    assert world.settings.connection is not None
    assert world.settings.connection.status is ConnectionStatus.REVOKED
    world.tick(600)
    return record.id


def test_an_old_record_undeleted_while_the_grant_was_revoked_joins_on_reconnecting():
    world = SyncWorld()
    sf_id = _old_record_and_a_pause(world)

    world.org.delete(sf_id)
    world.tick(60)
    world.org.undelete(sf_id)
    _routed(world)  # the rep is paused: skipped
    assert world.tasks() == []
    world.tick(3600)

    _reconnect(world)

    assert [task.name for task in world.tasks()] == ["Call Alice back"]
    assert world.link_of(world.tasks()[0].id).sf_id == sf_id


def test_an_old_record_reassigned_to_the_rep_while_the_grant_was_revoked_joins_on_reconnecting():
    world = SyncWorld()
    sf_id = _old_record_and_a_pause(world, OwnerId=OTHER_SF_USER)

    world.org.update(sf_id, {"OwnerId": SF_USER})
    _routed(world)
    world.tick(3600)

    _reconnect(world)

    assert [task.name for task in world.tasks()] == ["Call Alice back"]


def test_an_undelete_stamped_by_a_clock_ahead_joins_on_reconnecting_and_the_next_reconciliation_forgets_the_pause():
    """Salesforce's clock ahead of AWS's: the undelete made a moment before the rep reconnected is stamped
    after the sync's present, which getUpdated cannot reach yet; the first sync's query reaches it all the
    same (SPEC 6: on the event path). The scheduled round after covers the pause and forgets it."""
    world = SyncWorld()
    world.org.skew = timedelta(seconds=90)
    sf_id = _old_record_and_a_pause(world)
    world.org.delete(sf_id)
    world.tick(60)
    world.org.undelete(sf_id)
    _routed(world)

    _reconnect(world)
    assert [task.name for task in world.tasks()] == ["Call Alice back"]
    world.tick(15 * 60)
    reconcile_updates(world.settings, world.services, world.state)

    assert [task.name for task in world.tasks()] == ["Call Alice back"]
    connection = world.settings.connection
    assert connection is not None and (connection.paused_at, connection.resumed_at) == (None, None)


def test_an_old_record_undeleted_while_sync_was_off_joins_on_turning_it_on_again():
    """SPEC 5.5: what changed while sync was off is applied as if it had happened with sync on, and with
    sync on an undelete brings an old record in (SPEC 6, 7); it does not move LastModifiedDate, so the
    24-hour import does not see it."""
    world = SyncWorld()
    now = world.now
    world.now = now - timedelta(days=3)
    record = world.org.create({"Subject": "Call Alice back"})
    world.now = now
    world.org.delete(record.id)
    _routed(world)  # not linked: nothing to delete
    world.tick(600)
    save_sync_settings(USER, {"enabled": False}, world.state, world.now, start_first_sync=lambda _user: None)
    world.tick(60)
    world.org.undelete(record.id)
    _routed(world)  # sync is off: skipped
    world.tick(3600)

    started: list[str] = []
    save_sync_settings(USER, {"enabled": True}, world.state, world.now, start_first_sync=started.append)
    assert started == [USER]
    run_first_sync(USER, world.services, world.state)

    assert [task.name for task in world.tasks()] == ["Call Alice back"]
    assert world.link_of(world.tasks()[0].id).sf_id == record.id


def test_an_old_record_untouched_during_the_pause_stays_out():
    world = SyncWorld()
    _old_record_and_a_pause(world)
    world.tick(3600)

    _reconnect(world)
    world.tick(15 * 60)
    reconcile_updates(world.settings, world.services, world.state)

    assert world.tasks() == []
    connection = world.settings.connection
    assert connection is not None and connection.status is ConnectionStatus.CONNECTED
    assert connection.paused_at is None  # read to its end: forgotten


def test_a_pause_sync_was_turned_on_anew_after_is_not_read():
    """Sync turned on anew after the pause began: the scheduled reconciliation reads nothing of the pause
    (turning sync on read what changed since sync stopped, SPEC 5.5), and forgets it."""
    world = SyncWorld()
    sf_id = _old_record_and_a_pause(world)
    world.org.delete(sf_id)
    world.org.undelete(sf_id)
    _routed(world)
    world.tick(3600)
    paused = world.settings.connection
    assert paused is not None and paused.paused_at is not None
    resumed = paused.model_copy(update={"status": ConnectionStatus.CONNECTED, "resumed_at": world.now})
    world.state.save_settings(world.settings.model_copy(update={"connection": resumed, "enabled_at": world.now}))

    world.tick(15 * 60)
    reconcile_updates(world.settings, world.services, world.state)

    assert world.tasks() == []
    connection = world.settings.connection
    assert connection is not None and connection.paused_at is None


def test_pausing_keeps_when_the_pause_began_and_reconnecting_when_it_ended():
    world = SyncWorld()
    paused_at = world.tick()
    pause_sync(world.settings, "invalid_grant", world.services)
    world.tick(60)
    pause_sync(world.settings, "invalid_grant", world.services)  # paused already: the start stays
    connection = world.settings.connection
    assert connection is not None and (connection.paused_at, connection.resumed_at) == (paused_at, None)

    world.tick(60)
    _reconnect(world)

    connection = world.settings.connection
    assert connection is not None and connection.status is ConnectionStatus.CONNECTED
    assert (connection.paused_at, connection.resumed_at) == (paused_at, world.now - timedelta(seconds=1))
