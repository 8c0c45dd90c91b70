"""The webhook signature of SPEC section 8, shared by the verifier (the webhook function) and by
whoever posts change events to it (the org emulator, tests).

Header: ``X-Tasksync-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Tasksync-Signature"
TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The signature header is missing, malformed, out of its time window, or does not match."""


class SignatureMismatch(SignatureError):
    """A well-formed, timely header whose digests were not made with this secret (another one may fit)."""


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The header value for ``body`` signed at ``timestamp`` (unix seconds)."""
    return f"t={timestamp},v1={_digest(body, secret, timestamp)}"


def verify(header: str | None, body: bytes, secret: str, now: int) -> None:
    """Raise SignatureError unless ``header`` signs ``body`` with ``secret`` within the tolerance."""
    if not header:
        raise SignatureError(f"missing {HEADER} header")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            raise SignatureError(f"malformed {HEADER} header")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureError(f"{HEADER} header has no valid t=") from None
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise SignatureError(f"signature timestamp is more than {TOLERANCE_SECONDS} seconds from now")
    expected = _digest(body, secret, timestamp)
    # Several v1 values let a sender sign with the old and the new secret while it rotates.
    # compare_digest takes ASCII text only (else TypeError): compared as bytes, whatever the header holds.
    expected_bytes = expected.encode()
    candidates = (candidate.encode("utf-8", "replace") for candidate in parts.get("v1", []))
    if not any(hmac.compare_digest(expected_bytes, candidate) for candidate in candidates):
        raise SignatureMismatch("signature does not match")


def _digest(body: bytes, secret: str, timestamp: int) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
