"""The simulation itself under test: it converges on the product as it is, and it notices a broken rule.

`make test` also runs `make sim SEEDS=300`; these few seeds keep pytest honest about the harness."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

import tasksync.engine.from_salesforce as from_salesforce
import tasksync.engine.merge as merge_module
import tasksync.engine.observe as observe_module
from tasksync.domain.reminder_task import TaskField
from tasksync.domain.sync_link import SyncLink
from tasksync.engine.changes import ChangeType, SalesforceChange
from tasksync.engine.decisions import Decision, SkipReason
from tasksync.engine.merge import FieldChange
from tests.fakes.sync_state import InMemorySyncState
from tests.sim.run import run_seed

pytestmark = pytest.mark.sim

SEEDS = range(25)


def test_seeded_schedules_converge_with_no_violation() -> None:
    failing = {seed: result.violations for seed in SEEDS if (result := run_seed(seed)).violations}
    assert failing == {}


def test_a_seed_reproduces_itself() -> None:
    first, again = run_seed(7), run_seed(7)
    assert (first.user_ops, first.deliveries, first.trace) == (again.user_ops, again.deliveries, again.trace)


def _subject_renames_the_task(monkeypatch: pytest.MonkeyPatch) -> None:
    """Broken subject rule: a Salesforce Subject edit renames the SIA task."""
    observe, merge = observe_module.observe, merge_module.merge

    def observe_subject(change, link, echo, ctx):
        observed = observe(change, link, echo, ctx)
        if "Subject" in change.carried and not echo and change.task.subject:
            renamed = FieldChange(change.task.subject.strip(), change.commit_at)
            return dataclasses.replace(observed, changes={**observed.changes, TaskField.NAME: renamed})
        return observed

    def merge_subject(link, from_sia, from_salesforce, ctx):
        merged = merge(link, from_sia, from_salesforce, ctx)
        renamed = from_salesforce.get(TaskField.NAME)
        if renamed is None:
            return merged
        return dataclasses.replace(merged, agreed=merged.agreed.model_copy(update={"name": renamed.value}))

    monkeypatch.setattr("tasksync.engine.from_salesforce.observe", observe_subject)
    monkeypatch.setattr("tasksync.engine.settle.merge", merge_subject)


def _deletes_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """Broken delete rule: a Salesforce DELETE is dropped."""
    original: Callable[..., Decision] = from_salesforce.decide_salesforce_change

    def decide(change: SalesforceChange, link, reminder, ctx, **known):
        if change.change_type is ChangeType.DELETE:
            return Decision.skip(SkipReason.NOT_LINKED)
        return original(change, link, reminder, ctx, **known)

    monkeypatch.setattr("tasksync.use_cases.salesforce_changes.decide_salesforce_change", decide)


def _staleness_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """Broken ordering rule: an event older than what was applied is applied anyway."""
    monkeypatch.setattr(from_salesforce, "_older", lambda change, link: False)


def _links_shared_between_reps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Broken link scope: a rep's change is decided with whichever rep's link the record has."""

    def any_reps_link(state: InMemorySyncState, user_id: str, sf_id: str) -> SyncLink | None:
        keys = [key for (_, linked), key in state.sf_index.items() if linked == sf_id[:15]]
        return state.links.get(keys[0]) if keys else None

    monkeypatch.setattr(InMemorySyncState, "link_by_sf_id", any_reps_link)


@pytest.mark.parametrize(
    "break_rule", [_subject_renames_the_task, _deletes_ignored, _staleness_ignored, _links_shared_between_reps]
)
def test_a_broken_rule_is_caught(monkeypatch: pytest.MonkeyPatch, break_rule: Callable[..., None]) -> None:
    break_rule(monkeypatch)
    assert any(run_seed(seed).violations for seed in range(60))
