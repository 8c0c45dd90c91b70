"""The fixed webhook-signature vector of ``events/webhook_signature_vector.json``, as typed values.

The vector was computed once with openssl, not with the product's signer, so a signer or verifier
checked against it cannot merely agree with itself. The JSON file is the one source: tests in any
language (the webhook's, the org emulator's, later the Apex relay's) read that file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

PATH = Path(__file__).resolve().parents[2] / "events" / "webhook_signature_vector.json"


@dataclass(frozen=True)
class SignatureVector:
    body: bytes
    secret: str
    timestamp: int
    header: str
    """The whole ``X-Tasksync-Signature`` value, ``t=<timestamp>,v1=<hex>``."""


def load(path: Path = PATH) -> SignatureVector:
    document = json.loads(path.read_text(encoding="utf-8"))
    return SignatureVector(
        body=document["body"].encode("utf-8"),
        secret=document["secret"],
        timestamp=int(document["timestamp"]),
        header=document["header"],
    )


VECTOR = load()
