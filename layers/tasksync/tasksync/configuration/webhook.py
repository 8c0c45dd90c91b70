"""The CDC webhook's configuration, read without pydantic (see the package's docstring)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

_STAGE = re.compile(r"(local|dev|prod)")


@dataclass(frozen=True)
class WebhookConfig:
    """Where to enqueue, and where each org's signing secret lives."""

    stage: str
    salesforce_changes_queue_url: str
    webhook_secrets_prefix: str
    secret_max_age: int = 300
    """Seconds a signing secret is cached; a rotation's new version is accepted beside the old."""

    @classmethod
    def variables(cls) -> dict[str, bool]:
        return {
            "STAGE": True,
            "SALESFORCE_CHANGES_QUEUE_URL": True,
            "WEBHOOK_SECRETS_PREFIX": True,
            "WEBHOOK_SECRET_MAX_AGE": False,
        }

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Self:
        environ = os.environ if environ is None else environ
        missing = [name for name, required in cls.variables().items() if required and not environ.get(name)]
        if missing:
            raise ValueError(f"webhook configuration: {', '.join(missing)} must be set")
        if not _STAGE.fullmatch(environ["STAGE"]):
            raise ValueError(f"webhook configuration: STAGE must be local, dev or prod, not {environ['STAGE']!r}")
        max_age = environ.get("WEBHOOK_SECRET_MAX_AGE", "300")
        if not max_age.isdigit():
            raise ValueError(f"webhook configuration: WEBHOOK_SECRET_MAX_AGE must be whole seconds, not {max_age!r}")
        return cls(
            stage=environ["STAGE"],
            salesforce_changes_queue_url=environ["SALESFORCE_CHANGES_QUEUE_URL"],
            webhook_secrets_prefix=environ["WEBHOOK_SECRETS_PREFIX"],
            secret_max_age=int(max_age),
        )
