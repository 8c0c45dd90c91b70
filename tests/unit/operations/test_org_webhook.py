"""Onboarding an org's webhook secret and rotating it, in moto's Secrets Manager, read back the way the
webhook reads it (its current and previous versions)."""

from __future__ import annotations

import re

import pytest

from ops.org_webhook import main
from tasksync.adapters.webhook_secrets import WebhookSecrets
from tests.support.secrets_manager import secretsmanager as secretsmanager

ORG = "00D8a000rkFLeBSEA1"
PREFIX = "tasksync/dev/webhooks/"  # template.yaml's WEBHOOK_SECRETS_PREFIX for the dev stage


def printed(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    return dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines())


def test_create_makes_the_secret_the_webhook_reads_and_prints_what_the_relay_needs(
    secretsmanager: object, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = main(["create", "--org", ORG, "--stage", "dev", "--api-url", "https://api.example.com/"], secretsmanager)

    lines = printed(capsys)
    assert answer == 0
    assert lines["TASKSYNC_WEBHOOK_SECRET_NAME"] == PREFIX + ORG
    assert lines["TASKSYNC_WEBHOOK_URL"] == f"https://api.example.com/v1/webhooks/salesforce/{ORG}/cdc"
    assert re.fullmatch(r"[0-9a-f]{64}", lines["TASKSYNC_WEBHOOK_SECRET"])
    assert WebhookSecrets(PREFIX, secretsmanager, max_age=0).current(ORG) == lines["TASKSYNC_WEBHOOK_SECRET"]  # type: ignore[arg-type]


def test_rotation_keeps_the_previous_secret_valid_while_the_relay_switches(
    secretsmanager: object, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["create", "--org", ORG, "--stage", "dev"], secretsmanager)
    first = printed(capsys)["TASKSYNC_WEBHOOK_SECRET"]

    assert main(["rotate", "--org", ORG, "--stage", "dev"], secretsmanager) == 0

    second = printed(capsys)["TASKSYNC_WEBHOOK_SECRET"]
    secrets = WebhookSecrets(PREFIX, secretsmanager, max_age=0)  # type: ignore[arg-type]
    assert second != first
    assert (secrets.current(ORG), secrets.previous(ORG)) == (second, first)


def test_creating_twice_or_rotating_what_is_not_there_is_refused(
    secretsmanager: object, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rotate", "--org", ORG, "--stage", "dev"], secretsmanager) == 1
    assert "create it first" in capsys.readouterr().err
    main(["create", "--org", ORG, "--stage", "dev"], secretsmanager)
    first = printed(capsys)["TASKSYNC_WEBHOOK_SECRET"]

    assert main(["create", "--org", ORG, "--stage", "dev"], secretsmanager) == 1

    assert "rotate it instead" in capsys.readouterr().err
    assert WebhookSecrets(PREFIX, secretsmanager, max_age=0).current(ORG) == first  # type: ignore[arg-type]


def test_an_org_id_that_is_none_is_refused_before_anything_is_made(
    secretsmanager: object, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["create", "--org", "../webhooks/other", "--stage", "dev"], secretsmanager) == 1
    assert "no Salesforce org id" in capsys.readouterr().err
    assert secretsmanager.list_secrets()["SecretList"] == []  # type: ignore[attr-defined]
