"""moto's account for a test: test credentials set, so that no client looks for real ones, and the
environment's profile and endpoint taken away, so that none reaches AWS (or only ``endpoint``, a moto
server)."""

from __future__ import annotations

import pytest

REGION = "us-east-1"


def use_moto_account(monkeypatch: pytest.MonkeyPatch, region: str = REGION, *, endpoint: str | None = None) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    if endpoint is None:
        monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    else:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
