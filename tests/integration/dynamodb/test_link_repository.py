"""Sync links on the state table: found by either id, saved atomically on their revision."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tasksync.adapters.dynamodb.link_repository import DynamoDBLinkRepository
from tasksync.domain.reminder_task import Priority, Status, TaskField, TaskValues
from tasksync.domain.salesforce_task import SalesforceField
from tasksync.domain.sync_link import LinkState, SalesforceValues, Side, SyncLink
from tasksync.ports.sync_state import ConcurrentUpdate
from tests.integration.dynamodb.conftest import NOW

SF_TASK = "00T5g00000AbCdEEAZ"  # 18 characters
OTHER_SF_TASK = "00T5g00000XyZwVEAZ"


def link(sia_id: str = "t1", sf_id: str | None = None, user_id: str = "u1") -> SyncLink:
    return SyncLink(
        user_id=user_id,
        sia_id=sia_id,
        sf_id=sf_id,
        agreed=TaskValues(name="Call Ada", status=Status.OPEN, priority=Priority.HIGH, due_date=date(2024, 6, 4)),
        agreed_at=dict.fromkeys(TaskField, NOW),
        rendered_subject="Call Ada",
        salesforce=SalesforceValues(
            subject="Call Ada", status="In Progress", priority="High", activity_date=date(2024, 6, 4)
        ),
        salesforce_seen_at={SalesforceField.SUBJECT: NOW, SalesforceField.STATUS: NOW - timedelta(minutes=5)},
        sia_version=2,
        last_sf_commit=NOW,
    )


def test_an_unknown_link_is_none(link_repository: DynamoDBLinkRepository) -> None:
    assert link_repository.link_by_sia_id("u1", "t1") is None
    assert link_repository.link_by_sf_id("u1", SF_TASK) is None


def test_a_saved_link_reads_back_whole_by_both_ids(link_repository: DynamoDBLinkRepository) -> None:
    saved = link_repository.save_link(link(sf_id=SF_TASK))

    assert saved == link(sf_id=SF_TASK).model_copy(update={"revision": 1})
    assert link_repository.link_by_sia_id("u1", "t1") == saved
    assert link_repository.link_by_sf_id("u1", SF_TASK) == saved
    # CDC events carry 18-character ids, other APIs may give 15.
    assert link_repository.link_by_sf_id("u1", SF_TASK[:15]) == saved


def test_a_pending_link_is_found_by_sia_id_only_until_salesforce_answers(
    link_repository: DynamoDBLinkRepository,
) -> None:
    # Given the link saved before the Salesforce create, without an sf id
    pending = link_repository.save_link(link())
    assert link_repository.link_by_sia_id("u1", "t1") == pending

    # When the create answers and the link is saved with the new id
    answered = link_repository.save_link(pending.model_copy(update={"sf_id": SF_TASK}))

    # Then the link is found by that id too
    assert answered.revision == 2
    assert link_repository.link_by_sf_id("u1", SF_TASK) == answered


def test_a_save_from_a_stale_read_is_a_concurrent_update(link_repository: DynamoDBLinkRepository) -> None:
    # Given two functions that read the link at revision 1
    read = link_repository.save_link(link(sf_id=SF_TASK))
    link_repository.save_link(read.model_copy(update={"sia_version": 3}))

    # When the slower one saves
    with pytest.raises(ConcurrentUpdate):
        link_repository.save_link(read.model_copy(update={"state": LinkState.DELETED, "deleted_by": Side.SIA}))

    # Then the faster one's save stands, under both ids
    stored = link_repository.link_by_sf_id("u1", SF_TASK)
    assert stored is not None and stored.sia_version == 3 and stored.state is LinkState.ACTIVE


def test_creating_a_link_twice_is_a_concurrent_update(link_repository: DynamoDBLinkRepository) -> None:
    link_repository.save_link(link())
    with pytest.raises(ConcurrentUpdate):
        link_repository.save_link(link(sf_id=SF_TASK))
    # Neither half of the failed transaction was written.
    assert link_repository.link_by_sf_id("u1", SF_TASK) is None


def test_a_salesforce_task_links_to_one_sia_task_only(link_repository: DynamoDBLinkRepository) -> None:
    # Given t1 linked to the Salesforce task
    first = link_repository.save_link(link("t1", SF_TASK))

    # When a racing import links another SIA task to the same Salesforce task
    with pytest.raises(ConcurrentUpdate):
        link_repository.save_link(link("t2", SF_TASK))

    # Then the Salesforce task still leads to t1, and t2 has no link
    assert link_repository.link_by_sf_id("u1", SF_TASK) == first
    assert link_repository.link_by_sia_id("u1", "t2") is None


def test_the_salesforce_id_finds_the_link_as_last_saved_in_one_read(
    link_repository: DynamoDBLinkRepository,
) -> None:
    saved = link_repository.save_link(link(sf_id=SF_TASK))
    again = link_repository.save_link(saved.updated(state=LinkState.LEFT))
    reads: list[str] = []
    link_repository.client.meta.events.register("before-call.dynamodb.*", lambda model, **_: reads.append(model.name))

    assert link_repository.link_by_sf_id("u1", SF_TASK) == again
    assert reads == ["GetItem"]


def test_two_users_may_link_one_salesforce_task(link_repository: DynamoDBLinkRepository) -> None:
    # Given the record was rep u1's, and was reassigned to rep u2, who is connected too
    left = link_repository.save_link(link("t1", SF_TASK, user_id="u1").model_copy(update={"state": LinkState.LEFT}))

    # When u2 imports it
    joined = link_repository.save_link(link("sf-t", SF_TASK, user_id="u2"))

    # Then each user finds their own link by the record's id
    assert link_repository.link_by_sf_id("u1", SF_TASK) == left
    assert link_repository.link_by_sf_id("u2", SF_TASK) == joined


def test_links_of_users_are_apart(link_repository: DynamoDBLinkRepository) -> None:
    link_repository.save_link(link("t1", user_id="u1"))
    link_repository.save_link(link("t1", user_id="u2"))
    first = link_repository.link_by_sia_id("u1", "t1")
    second = link_repository.link_by_sia_id("u2", "t1")
    assert first is not None and second is not None and first.user_id == "u1" and second.user_id == "u2"


def test_a_users_links_are_listed_page_by_page_and_nobody_elses(link_repository: DynamoDBLinkRepository) -> None:
    for number in range(30):
        link_repository.save_link(link(sia_id=f"t{number:02d}"))
    link_repository.save_link(link(sia_id="other", user_id="u2"))

    listed = list(link_repository.links_of("u1"))

    assert sorted(saved.sia_id for saved in listed) == [f"t{number:02d}" for number in range(30)]


def test_every_reps_link_to_a_record_is_found_in_one_consistent_lookup(
    link_repository: DynamoDBLinkRepository,
) -> None:
    # A record reassigned between two connected reps: each holds a link to it
    first = link_repository.save_link(link(sia_id="t1", sf_id=SF_TASK, user_id="u1"))
    second = link_repository.save_link(link(sia_id="sf-t1", sf_id=SF_TASK, user_id="u2"))
    link_repository.save_link(link(sia_id="t2", sf_id=OTHER_SF_TASK, user_id="u3"))
    second = link_repository.save_link(second.updated(state=LinkState.LEFT))
    reads: list[dict[str, object]] = []
    link_repository.client.meta.events.register(
        "provide-client-params.dynamodb.Query", lambda params, **_: reads.append(params)
    )

    assert link_repository.links_to(SF_TASK) == [first, second]
    assert link_repository.links_to(SF_TASK[:15]) == [first, second]
    assert link_repository.links_to("00T5g00000NoNeEEAZ") == []
    assert len(reads) == 3 and all(read["ConsistentRead"] for read in reads)
