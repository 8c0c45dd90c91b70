"""An org's change reaches the reps it concerns: the record's owner, and any rep holding a link to it
(a reassignment takes a task from one rep to another), found with one lookup, not one per rep."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

import tasksync.use_cases.routing as routing
from tasksync.domain.salesforce_task import SalesforceTask
from tasksync.domain.settings import ConnectionStatus, SyncSettings
from tasksync.domain.sync_link import SyncLink
from tasksync.engine.changes import ChangeType, SalesforceChange
from tasksync.ports.salesforce import AuthRevoked, SalesforceGateway
from tasksync.use_cases.routing import apply_org_change, reps_for
from tests.unit.builders import ORG, SF_USER, T0, USER, SyncWorld, connection, settings

USER_2, SF_USER_2 = "user-2", "005000000000003AAA"
USER_3, SF_USER_3 = "user-3", "005000000000004AAA"


def three_reps() -> SyncWorld:
    world = SyncWorld()
    for user, sf_user in ((USER_2, SF_USER_2), (USER_3, SF_USER_3)):
        world.state.save_settings(settings(user_id=user, connection=connection(sf_user_id=sf_user)))
    return world


def deliver_to_org(world: SyncWorld) -> None:
    """Every pending Salesforce change, routed as the handlers route it; SIA events to their reps."""
    for _ in range(50):
        pending = world.pending()
        world.mark_delivered()
        if not pending:
            return
        for message in pending:
            world.tick()
            if isinstance(message, SalesforceChange):
                apply_org_change(ORG, message, world.services)
            else:
                world.deliver(message)
    raise AssertionError("never quiet")


def test_a_task_created_in_salesforce_reaches_its_owners_rep_only():
    world = three_reps()

    world.org.create({"Subject": "For the second rep", "OwnerId": SF_USER_2})
    deliver_to_org(world)

    assert [task.name for task in world.sia.list(USER_2)] == ["For the second rep"]
    assert world.sia.list(USER) == [] and world.sia.list(USER_3) == []


def test_a_reassignment_leaves_one_reps_list_and_joins_the_others():
    world = three_reps()
    record = world.org.create({"Subject": "Call Alice back", "OwnerId": SF_USER})
    deliver_to_org(world)
    assert [task.name for task in world.sia.list(USER)] == ["Call Alice back"]

    world.org.update(record.id, {"OwnerId": SF_USER_2})
    deliver_to_org(world)

    assert world.sia.list(USER) == []
    assert [task.name for task in world.sia.list(USER_2)] == ["Call Alice back"]
    assert world.sia.list(USER_3) == []


def test_the_reps_of_a_change_are_found_in_one_lookup_whatever_the_number_of_reps():
    world = three_reps()
    record = world.org.create({"Subject": "Call Alice back", "OwnerId": SF_USER})
    deliver_to_org(world)
    world.org.update(record.id, {"Description": "bring the NDA"})
    (update,) = world.pending()
    lookups = []
    linked = world.state.links_to

    def counted(sf_id: str) -> list[SyncLink]:
        lookups.append(sf_id)
        links: list[SyncLink] = linked(sf_id)
        return links

    world.state.links_to = counted

    assert list(reps_for(ORG, update, world.services)) == [USER]
    assert lookups == [record.id]


def test_an_update_of_a_record_nobody_links_is_read_once_to_find_its_owner():
    # Given a task of the second rep, untouched for days (the first sync did not import it)
    world = three_reps()
    world.now = T0 - timedelta(days=3)
    record = world.org.create({"Subject": "Old call", "OwnerId": SF_USER_2})
    world.mark_delivered()
    world.now = T0 + timedelta(hours=1)
    calls = world.org.api_calls

    # When it changes in Salesforce (the UPDATE does not say its owner)
    world.org.update(record.id, {"Status": "Completed"})
    deliver_to_org(world)

    # Then it joins the second rep's list, for one read
    assert [task.name for task in world.sia.list(USER_2)] == ["Old call"]
    assert world.org.api_calls - calls == 1


def test_a_paused_rep_is_skipped_and_the_others_are_served():
    world = three_reps()
    record = world.org.create({"Subject": "Call Alice back", "OwnerId": SF_USER})
    deliver_to_org(world)
    paused = connection(sf_user_id=SF_USER_2, status=ConnectionStatus.REVOKED)
    world.state.save_settings(world.settings_of(USER_2).model_copy(update={"connection": paused}))

    world.org.update(record.id, {"OwnerId": SF_USER_2})
    deliver_to_org(world)

    assert world.sia.list(USER) == []  # it left the first rep's list
    assert world.sia.list(USER_2) == []  # the paused rep catches up when back (SPEC 5.5)


def test_the_events_of_one_transaction_are_applied_by_their_sequence_number(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given one transaction's two events of a record, delivered out of order (merged or relayed)
    world = three_reps()
    record = world.org.create({"Subject": "Call Alice back", "OwnerId": SF_USER})
    deliver_to_org(world)
    first = SalesforceChange(
        ChangeType.UPDATE,
        SalesforceTask.model_validate({"Id": record.id, "Priority": "High"}),
        frozenset({"Priority", "LastModifiedDate"}),
        world.now,
        event_key="tx-1/1",
    )
    second = SalesforceChange(
        ChangeType.UPDATE,
        SalesforceTask.model_validate({"Id": record.id, "Priority": "Normal"}),
        frozenset({"Priority", "LastModifiedDate"}),
        world.now,
        event_key="tx-1/2",
    )

    applied: list[SalesforceChange] = []

    def applying(org_id: str, change: SalesforceChange, services: object) -> dict[str, object]:
        applied.append(change)
        return {}

    monkeypatch.setattr(routing, "apply_org_change", applying)

    routing.apply_org_changes(ORG, [second, first], world.services)

    assert applied == [first, second]


def test_the_owner_of_an_unlinked_record_is_never_read_with_a_paused_reps_grant():
    # Given the first rep's grant revoked, and an old task of the second rep the first sync did not import
    world = three_reps()
    paused = connection(status=ConnectionStatus.REVOKED)
    world.state.save_settings(world.settings_of(USER).model_copy(update={"connection": paused}))
    world.now = T0 - timedelta(days=3)
    record = world.org.create({"Subject": "Old call", "OwnerId": SF_USER_2})
    world.mark_delivered()
    world.now = T0 + timedelta(hours=1)
    grants: list[str] = []
    gateway_of = world.services.salesforce

    def recorded(user_settings: SyncSettings) -> SalesforceGateway:
        grants.append(user_settings.user_id)
        gateway: SalesforceGateway = gateway_of(user_settings)
        return gateway

    world.services = dataclasses.replace(world.services, salesforce=recorded)

    # When it changes in Salesforce
    world.org.update(record.id, {"Status": "Completed"})
    deliver_to_org(world)

    # Then it joins the second rep's list, and the paused rep's grant was never used
    assert [task.name for task in world.sia.list(USER_2)] == ["Old call"]
    assert USER not in grants


def test_a_reassignment_whose_event_came_as_a_gap_joins_the_new_owners_list_at_once():
    """A gap event says only which record changed: read once, the record names its owner now, whose
    task it joins (SPEC 4, 6), as well as leaving the old owner's."""
    world = three_reps()
    record = world.org.create({"Subject": "Call Alice back", "OwnerId": SF_USER})
    deliver_to_org(world)
    world.org.update(record.id, {"OwnerId": SF_USER_2})
    world.mark_delivered()  # its event could not be built: a gap event came instead
    gap = SalesforceChange(ChangeType.GAP, SalesforceTask(id=record.id), frozenset(), world.org.now())

    apply_org_change(ORG, gap, world.services)

    assert world.sia.list(USER) == []
    assert [task.name for task in world.sia.list(USER_2)] == ["Call Alice back"]


def test_a_read_for_routing_that_meets_a_revoked_grant_pauses_that_reps_sync_and_says_so():
    # SPEC 7: a revoked grant pauses the user's sync and says so, whichever call meets it: here the read of a
    # record no rep links yet, whose change does not say its owner (an UPDATE of an old record).
    world = SyncWorld()
    record = world.org.create({"Subject": "Call Alice back", "OwnerId": SF_USER})
    world.mark_delivered()
    world.org.update(record.id, {"Priority": "High"})
    (change,) = world.pending()
    assert isinstance(change, SalesforceChange)
    world.fault = lambda moment: (
        AuthRevoked("expired access/refresh token") if moment.startswith("before get") else None
    )

    apply_org_change(ORG, change, world.services)

    connection = world.settings.connection
    assert connection is not None and connection.status is ConnectionStatus.REVOKED
    assert not world.settings.syncing
