"""Onboard an org's CDC webhook, and rotate its signing secret (SPEC 8).

Each org signs its change events with a secret of its own, kept in AWS Secrets Manager as
``<SecretsPrefix>/<Stage>/webhooks/<orgId>`` (template.yaml). ``create`` makes it and prints what the
relay in the org needs: the webhook's URL and the secret. ``rotate`` puts a new value: Secrets Manager
moves ``AWSCURRENT`` to it and ``AWSPREVIOUS`` to the old one, and the webhook accepts both, so no event
is refused while the relay switches to the new secret. Rotate again only once the relay has switched:
a second rotation retires the value the relay may still sign with.

    PYTHONPATH=layers/tasksync:. .venv/bin/python -m ops.org_webhook create --org 00D... --stage dev \\
        --api-url https://<api id>.execute-api.<region>.amazonaws.com
    PYTHONPATH=layers/tasksync:. .venv/bin/python -m ops.org_webhook rotate --org 00D... --stage dev

AWS credentials and region come from the environment, as for any AWS CLI command.
"""

from __future__ import annotations

import argparse
import re
import secrets
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

ORG_ID = re.compile(r"^00D[0-9A-Za-z]{12}([0-9A-Za-z]{3})?$")
SECRET_BYTES = 32
"""256 bits, the size of HMAC-SHA256's output: a longer key adds nothing."""


class OnboardingError(Exception):
    pass


@dataclass(frozen=True)
class OrgWebhook:
    org_id: str
    secret_name: str
    secret: str
    url: str | None


def secret_name(org_id: str, stage: str, prefix: str = "tasksync") -> str:
    if not ORG_ID.match(org_id):
        raise OnboardingError(f"{org_id!r} is no Salesforce org id (00D followed by 12 or 15 characters)")
    return f"{prefix}/{stage}/webhooks/{org_id}"


def webhook_url(api_url: str | None, org_id: str) -> str | None:
    return None if api_url is None else f"{api_url.rstrip('/')}/v1/webhooks/salesforce/{org_id}/cdc"


def create(client: SecretsManagerClient, org_id: str, stage: str, *, prefix: str, api_url: str | None) -> OrgWebhook:
    name = secret_name(org_id, stage, prefix)
    value = secrets.token_hex(SECRET_BYTES)
    try:
        client.create_secret(
            Name=name, SecretString=value, Description=f"tasksync CDC webhook signing secret of {org_id}"
        )
    except client.exceptions.ResourceExistsException:
        raise OnboardingError(f"{name} exists already: rotate it instead") from None
    return OrgWebhook(org_id, name, value, webhook_url(api_url, org_id))


def rotate(client: SecretsManagerClient, org_id: str, stage: str, *, prefix: str, api_url: str | None) -> OrgWebhook:
    name = secret_name(org_id, stage, prefix)
    value = secrets.token_hex(SECRET_BYTES)
    try:
        client.put_secret_value(SecretId=name, SecretString=value)
    except client.exceptions.ResourceNotFoundException:
        raise OnboardingError(f"{name} does not exist: create it first") from None
    return OrgWebhook(org_id, name, value, webhook_url(api_url, org_id))


def main(argv: list[str] | None = None, client: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["create", "rotate"])
    parser.add_argument("--org", required=True, help="the org id, as the webhook URL will carry it")
    parser.add_argument("--stage", required=True, choices=["local", "dev", "prod"])
    parser.add_argument("--prefix", default="tasksync", help="the stack's SecretsPrefix (default tasksync)")
    parser.add_argument("--api-url", help="the HTTP API's base URL, to print the webhook's URL")
    arguments = parser.parse_args(argv)
    action = create if arguments.action == "create" else rotate
    try:
        made = action(
            client or boto3.client("secretsmanager"),
            arguments.org,
            arguments.stage,
            prefix=arguments.prefix,
            api_url=arguments.api_url,
        )
    except OnboardingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"TASKSYNC_WEBHOOK_SECRET_NAME={made.secret_name}")
    print(f"TASKSYNC_WEBHOOK_SECRET={made.secret}")
    if made.url:
        print(f"TASKSYNC_WEBHOOK_URL={made.url}")
    print(
        "Give the secret to the org's relay (salesforce/README.md, 'The relay'); it is shown only now.", file=sys.stderr
    )
    if arguments.action == "rotate":
        print("The previous secret stays valid until the next rotation: switch the relay now.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
