"""Rep tokens for the local stack: what the SIA app's identity provider issues in a real stage.

A token is an RS256 JWT with ``iss`` ``LOCAL_ISSUER``, ``aud`` ``LOCAL_AUDIENCE``, ``sub`` the SIA user
id, ``iat`` and ``exp``; the HTTP API's JWT authorizer checks the same claims in AWS (template.yaml,
``AuthIssuer`` and ``AuthAudience``, set per stage in samconfig.toml). The issuer is a name, not an
address: no local port serves it, so it can never be mistaken for the API (3000) or the org emulator
(8443). The signing key is made on first use and kept in ``.local/user-tokens/`` (ignored by git), so
tokens minted before a restart stay valid.

Mint one (a day's lifetime unless ``--hours`` says otherwise)::

    PYTHONPATH=layers/tasksync:. .venv/bin/python -m local.user_tokens --user <SIA user id> [--hours 24]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

LOCAL_ISSUER = "https://issuer.tasksync.local/"
LOCAL_AUDIENCE = "tasksync-local"
DEFAULT_LIFETIME_HOURS = 24
KEY_DIR = Path(__file__).resolve().parents[1] / ".local" / "user-tokens"


class LocalIssuer:
    def __init__(self, key_dir: Path = KEY_DIR) -> None:
        self.key_path = key_dir / "signing-key.pem"

    def _private_key(self) -> rsa.RSAPrivateKey:
        if not self.key_path.exists():
            self.key_path.parent.mkdir(parents=True, exist_ok=True)
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            self.key_path.write_bytes(pem)
            self.key_path.chmod(0o600)
        loaded = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError(f"{self.key_path} holds no RSA key")
        return loaded

    def mint(self, user_id: str, *, hours: float = DEFAULT_LIFETIME_HOURS, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        claims = {
            "iss": LOCAL_ISSUER,
            "aud": LOCAL_AUDIENCE,
            "sub": user_id,
            "iat": issued,
            "exp": issued + int(hours * 3600),
        }
        return jwt.encode(claims, self._private_key(), algorithm="RS256")

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, as API Gateway's JWT authorizer would accept them; ``jwt.InvalidTokenError``
        (expired, another issuer or audience, a bad signature) otherwise."""
        claims: dict[str, Any] = jwt.decode(
            token,
            self._private_key().public_key(),
            algorithms=["RS256"],
            audience=LOCAL_AUDIENCE,
            issuer=LOCAL_ISSUER,
            options={"require": ["exp", "iat", "sub"]},
        )
        return claims


def main() -> None:
    parser = argparse.ArgumentParser(description="Mint a local rep token for the tasksync API.")
    parser.add_argument("--user", required=True, help="the SIA user id the token speaks for")
    parser.add_argument("--hours", type=float, default=DEFAULT_LIFETIME_HOURS, help="lifetime (default 24)")
    arguments = parser.parse_args()
    print(LocalIssuer().mint(arguments.user, hours=arguments.hours))


if __name__ == "__main__":
    main()
