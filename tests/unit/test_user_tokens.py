"""Local rep tokens: what the JWT authorizer would accept, and what it would refuse."""

from __future__ import annotations

import re
import time
import tomllib
from pathlib import Path

import jwt
import pytest

from local.user_tokens import LOCAL_AUDIENCE, LOCAL_ISSUER, LocalIssuer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def issuer(tmp_path: Path) -> LocalIssuer:
    return LocalIssuer(tmp_path)


def test_a_minted_token_speaks_for_its_user_for_a_day(issuer: LocalIssuer) -> None:
    claims = issuer.verify(issuer.mint("rep-1", now=time.time() - 60))

    assert (claims["sub"], claims["iss"], claims["aud"]) == ("rep-1", LOCAL_ISSUER, LOCAL_AUDIENCE)
    assert claims["exp"] - claims["iat"] == 24 * 3600


def test_an_expired_token_is_refused(issuer: LocalIssuer) -> None:
    with pytest.raises(jwt.ExpiredSignatureError):
        issuer.verify(issuer.mint("rep-1", hours=1, now=1_000_000_000))


def test_a_token_of_another_key_is_refused(issuer: LocalIssuer, tmp_path: Path) -> None:
    forged = LocalIssuer(tmp_path / "other").mint("rep-1")

    with pytest.raises(jwt.InvalidSignatureError):
        issuer.verify(forged)


def test_the_key_outlives_the_process(issuer: LocalIssuer, tmp_path: Path) -> None:
    token = issuer.mint("rep-1")

    assert LocalIssuer(tmp_path).verify(token)["sub"] == "rep-1"


def test_the_local_stage_trusts_this_issuer_on_no_local_port() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    overrides = config["default"]["deploy"]["parameters"]["parameter_overrides"]
    assert f"AuthIssuer={LOCAL_ISSUER}" in overrides and f"AuthAudience={LOCAL_AUDIENCE}" in overrides
    assert re.match(r"^https://[a-z.]+/$", LOCAL_ISSUER)  # a name, no port: neither the API's nor the org's
