"""What the syncing handlers count, from the decisions their use cases return (dashboard: template.yaml)."""

from __future__ import annotations

from collections.abc import Iterable

from aws_lambda_powertools.metrics import MetricUnit

from tasksync.engine.decisions import Decision, SkipReason
from tasksync.observability import Metric, logger, metrics
from tasksync.use_cases.scheduled_rounds import RoundResult


def count_decisions(decisions: Iterable[Decision], *, failed: int = 0, salesforce_calls: int = 0) -> None:
    synced = echoes = conflicts = 0
    for decision in decisions:
        synced += decision.reminder is not None or decision.salesforce is not None
        echoes += decision.skipped is SkipReason.ECHO
        conflicts += len(decision.conflicts)
    for name, value in (
        (Metric.SYNCED, synced),
        (Metric.ECHO_SKIPPED, echoes),
        (Metric.CONFLICTS, conflicts),
        (Metric.SYNC_ERRORS, failed),
        (Metric.SALESFORCE_CALLS, salesforce_calls),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def count_round(result: RoundResult, *, salesforce_calls: int) -> dict[str, object]:
    """Logs and counts a scheduled round; the summary is the invocation's answer."""
    for user, error in result.failed.items():
        logger.warning("scheduled run failed for a rep; the next run tries again", user_id=user, error=repr(error))
    for user, usage in result.put_off.items():
        logger.warning(
            "scheduled run put off: the org's daily API allowance is nearly spent",
            user_id=user,
            api_used=usage.used,
            api_limit=usage.limit,
        )
    left_over = sum(len(done.failed) for done in result.done.values())
    metrics.add_metric(name=Metric.SYNCED, unit=MetricUnit.Count, value=sum(d.applied for d in result.done.values()))
    metrics.add_metric(name=Metric.SYNC_ERRORS, unit=MetricUnit.Count, value=len(result.failed) + left_over)
    metrics.add_metric(name=Metric.GOVERNOR_SKIPS, unit=MetricUnit.Count, value=len(result.put_off))
    metrics.add_metric(name=Metric.SALESFORCE_CALLS, unit=MetricUnit.Count, value=salesforce_calls)
    return {
        "done": sorted(result.done),
        "failed": sorted(result.failed),
        "putOff": sorted(result.put_off),
        "recordsLeftForNextRun": left_over,
    }
