"""The scheduled jobs' round (SPEC 6 and 7): every syncing rep of every connected org, one after the
other, each with the rep's own grant and cursor. One rep's failure is reported and the round goes on;
a revoked grant pauses that rep. A budget governor puts off the rest of an org's round once the org has
spent ``threshold`` of its daily API allowance (the ``Sforce-Limit-Info`` of the last answer), and says
whom it put off: their cursors stay, so the next run catches up (docs/decisions/0011-budget-governor.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from tasksync.domain.settings import SyncSettings
from tasksync.ports.salesforce import ApiUsage, ErrorKind, SalesforceError
from tasksync.ports.sync_state import CursorRepository
from tasksync.use_cases.revoked_grant import pause_on_revoked_grant
from tasksync.use_cases.safety_nets import (
    UPDATED_CURSOR,
    SweepResult,
    audit_deletes,
    read_stamped_past,
    reconcile_updates,
)
from tasksync.use_cases.services import SyncServices

DEFAULT_THRESHOLD = 0.8
"""Scheduled work waits once 80% of the org's daily allowance is spent: the event path, which the reps
see at once, keeps the last fifth."""


@dataclass
class BudgetGovernor:
    """The latest API usage seen per org, within one run (a new container starts knowing none: the first
    rep's calls tell it)."""

    threshold: float = DEFAULT_THRESHOLD
    usage: dict[str, ApiUsage] = field(default_factory=dict)

    def spent(self, org_id: str) -> ApiUsage | None:
        """The org's usage when it is at or above the threshold, else None."""
        usage = self.usage.get(org_id)
        return usage if usage is not None and usage.used >= self.threshold * usage.limit else None

    def observe(self, org_id: str, usage: ApiUsage | None) -> None:
        if usage is not None:
            self.usage[org_id] = usage


@dataclass
class RoundResult:
    done: dict[str, SweepResult] = field(default_factory=dict)
    failed: dict[str, Exception] = field(default_factory=dict)
    put_off: dict[str, ApiUsage] = field(default_factory=dict)
    """Reps whose work waits for the next run, with the org's usage that stopped it."""


Job = Callable[[SyncSettings], SweepResult]


def syncing_reps(services: SyncServices, org_id: str | None = None) -> Iterator[SyncSettings]:
    """Every syncing rep of ``org_id``, or of every connected org."""
    for org in [org_id] if org_id else services.settings.connected_orgs():
        for user in services.settings.users_of_org(org):
            settings = services.syncing(user)
            if settings is not None:
                yield settings


def run_round(job: Job, services: SyncServices, governor: BudgetGovernor, *, org_id: str | None = None) -> RoundResult:
    result = RoundResult()
    for settings in syncing_reps(services, org_id):
        assert settings.connection is not None  # a syncing rep is connected
        org, user = settings.connection.org_id, settings.user_id
        spent = governor.spent(org)
        if spent is not None:
            result.put_off[user] = spent
            continue
        gateway = services.salesforce(settings)
        before = gateway.api_usage()
        try:
            result.done[user] = job(settings)
        except SalesforceError as error:
            if error.kind is ErrorKind.AUTH:
                pause_on_revoked_grant(error, settings, services)
            result.failed[user] = error
        except Exception as error:  # reported; the other reps' runs go on
            result.failed[user] = error
        finally:
            after = gateway.api_usage()
            # Only a reading this run made: a container's gateway keeps its last one, however old, and an
            # answer's reading is a new object (an old one would hold the org's work up for good).
            if after is not before:
                governor.observe(org, after)
    return result


class NotCoveredYet(Exception):
    """getUpdated has not covered the moment every Task changed: Salesforce ignores the seconds of its
    window ("sObject Get Updated"), so the changes of the current minute come with the next one."""


def reconcile_org(
    org_id: str,
    services: SyncServices,
    cursors: CursorRepository,
    governor: BudgetGovernor,
    changed_at: datetime | None = None,
) -> RoundResult:
    """The whole entity changed (``GAP_OVERFLOW``, a wildcard record id) at ``changed_at``: each syncing
    rep of the org reconciles its changes (getUpdated, and a query of its possible reminders stamped past
    getUpdated's window, which reaches a clock ahead) and audits its links for deletes. Raises ``NotCoveredYet``
    when a rep's reconciliation does not reach ``changed_at`` yet, so that its invoker tries again a
    minute or so later (Lambda's retry of an asynchronous invocation)."""

    def both(settings: SyncSettings) -> SweepResult:
        updated = reconcile_updates(settings, services, cursors, since=changed_at)
        covered = cursors.get_cursor(settings.user_id, UPDATED_CURSOR)
        if changed_at is not None and covered is not None:
            updated += read_stamped_past(settings, services, covered)
        return updated + audit_deletes(settings, services)

    result = run_round(both, services, governor, org_id=org_id)
    if changed_at is not None:
        behind = [
            user
            for user in result.done
            if (cursor := cursors.get_cursor(user, UPDATED_CURSOR)) is None or cursor <= changed_at
        ]
        if behind:
            raise NotCoveredYet(f"getUpdated has not covered {changed_at.isoformat()} for {', '.join(behind)}")
    return result
