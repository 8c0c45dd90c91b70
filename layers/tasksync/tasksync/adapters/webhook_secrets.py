"""The orgs' webhook signing secrets (SPEC 8): one AWS Secrets Manager secret per org, named
``<WEBHOOK_SECRETS_PREFIX><orgId>`` (the org id as the webhook URL has it), holding the secret as a
plain string. Rotating it puts a new value: that version takes the ``AWSCURRENT`` label and the one
before keeps ``AWSPREVIOUS`` (Secrets Manager API Reference, "GetSecretValue": "To retrieve the previous
version of a secret, use VersionStage and specify AWSPREVIOUS").

Reads go through Powertools parameters (``SecretsProvider``, cached ``max_age`` seconds). Its cache is
keyed on the name alone, not on ``VersionStage``, so each label has a provider, and a cache, of its own;
both share one boto3 client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient


class WebhookSecrets:
    def __init__(self, prefix: str, client: SecretsManagerClient, *, max_age: int) -> None:
        self._prefix = prefix
        self._max_age = max_age
        self._current = SecretsProvider(boto3_client=client)
        self._previous = SecretsProvider(boto3_client=client)

    def current(self, org_id: str, *, fresh: bool = False) -> str | None:
        return self._read(self._current, org_id, force_fetch=fresh)

    def previous(self, org_id: str) -> str | None:
        return self._read(self._previous, org_id, VersionStage="AWSPREVIOUS")

    def _read(self, provider: SecretsProvider, org_id: str, *, force_fetch: bool = False, **sdk: Any) -> str | None:
        name = self._prefix + org_id
        try:
            value = provider.get(name, max_age=self._max_age, force_fetch=force_fetch, **sdk)
        except GetParameterError as error:
            # Powertools raises its own error inside its except clause: the SDK's is the context.
            cause = error.__context__
            if isinstance(cause, ClientError) and cause.response["Error"]["Code"] == "ResourceNotFoundException":
                return None  # no such secret, or no version with that label
            raise
        if not isinstance(value, str):
            raise TypeError(f"secret {name} holds no string")
        return value
