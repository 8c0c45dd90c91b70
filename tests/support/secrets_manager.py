"""One Secrets Manager for the tests that keep connection secrets there: moto's, in an account of its
own, with Powertools' parameter caches empty before and after, as a fresh Lambda would see them.

Shared by tests/unit/salesforce and tests/contract: each conftest imports ``secretsmanager``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from tests.support.moto_account import use_moto_account

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

REGION = "us-east-1"


@pytest.fixture
def secretsmanager(monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretsManagerClient]:
    """A Secrets Manager client in moto; nothing reaches AWS (no endpoint override, test credentials)."""
    use_moto_account(monkeypatch, REGION)
    parameters.clear_caches()
    with mock_aws():
        yield boto3.client("secretsmanager")  # made after the mock starts
    parameters.clear_caches()
