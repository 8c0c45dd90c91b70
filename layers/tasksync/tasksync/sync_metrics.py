"""What the syncing handlers count, from the decisions their use cases return (dashboard: template.yaml)."""

from __future__ import annotations

from collections.abc import Iterable

from aws_lambda_powertools.metrics import MetricUnit

from tasksync.engine.decisions import Decision, SkipReason
from tasksync.observability import Metric, metrics


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
