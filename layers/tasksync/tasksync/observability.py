"""The one place that makes Powertools' logger, metrics and tracer (nothing else creates them).

``logger`` and ``metrics`` are cheap and made at import. The tracer is made on first use: Powertools'
``Tracer`` imports the X-Ray SDK (about half an ``import boto3``), and the webhook, whose answer
Salesforce's relay waits for, does without it (docs/decisions/0008-webhook-intake.md). Service name, namespace
and log level come from the ``POWERTOOLS_*`` variables that template.yaml's Globals set.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

logger = Logger()
metrics = Metrics()


@cache
def tracer() -> Tracer:
    from aws_lambda_powertools import Tracer

    return Tracer()


class Metric(StrEnum):
    """The sync's metrics (namespace ``Tasksync``), on the dashboard in template.yaml."""

    SYNCED = "Synced"
    """A change applied to the other side."""
    ECHO_SKIPPED = "EchoSkipped"
    """The sync's own change, come back: dropped."""
    CONFLICTS = "Conflicts"
    """Both sides changed a field since the last sync: recorded for the rep."""
    SYNC_ERRORS = "SyncErrors"
    """A change that could not be applied this time (retried) or for good (recorded)."""
    SALESFORCE_CALLS = "SalesforceCalls"
    GOVERNOR_SKIPS = "GovernorSkips"
    """Scheduled work put off because the org's daily API allowance is nearly spent."""
    WEBHOOK_REFUSED = "WebhookRefused"
    CHANGES_ENQUEUED = "ChangesEnqueued"
