"""The webhook's root: the orgs' signing secrets (Powertools' cache over one Secrets Manager client),
the Salesforce changes queue (one SQS client) and the clock, built once per container.

Light on purpose: nothing of the engine, the use cases, simple-salesforce or the Salesforce gateway is
imported, so that the webhook starts cold in about two imports of boto3
(docs/decisions/0008-webhook-intake.md; tests/integration/handlers/test_salesforce_webhook.py holds it
to the imports).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import boto3

from tasksync.adapters.sqs_changes_queue import SqsChangesQueue
from tasksync.adapters.webhook_secrets import WebhookSecrets
from tasksync.composition import RootSeam
from tasksync.configuration import load_config
from tasksync.configuration.webhook import WebhookConfig
from tasksync.webhook_intake import ChangesQueue, SigningSecrets


def _unix_now() -> int:
    return int(time.time())


@dataclass(frozen=True)
class IntakeRoot:
    secrets: SigningSecrets
    queue: ChangesQueue
    clock: Callable[[], int] = field(default=_unix_now)
    """Unix seconds, what a signature's ``t=`` is checked against."""


def build_intake_root(config: WebhookConfig) -> IntakeRoot:
    return IntakeRoot(
        secrets=WebhookSecrets(
            config.webhook_secrets_prefix, boto3.client("secretsmanager"), max_age=config.secret_max_age
        ),
        queue=SqsChangesQueue(config.salesforce_changes_queue_url, boto3.client("sqs")),
    )


_root: IntakeRoot | None = None
_seam: RootSeam[IntakeRoot] = RootSeam()
override = _seam.override
"""Tests: the webhook uses the given root instead of the container's."""


def intake_root() -> IntakeRoot:
    """The container's root, built on first use from ``WebhookConfig``."""
    global _root
    if _seam.root is not None:
        return _seam.root
    if _root is None:
        _root = build_intake_root(load_config(WebhookConfig))
    return _root
