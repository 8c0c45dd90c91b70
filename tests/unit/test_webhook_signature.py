"""The webhook signature of SPEC section 8: what is accepted, and every way a request is refused."""

from __future__ import annotations

import pytest

from tasksync.webhook_signature import SignatureError, sign, verify
from tests.support.signature_vector import VECTOR

BODY = b'{"data": {"payload": {}}}'
SECRET = "whsec-org-1"
NOW = 1_780_000_000


# -- against the fixed vector computed with openssl (tests/support/signature_vector.py) ---------------


def test_the_vector_signs_the_17_bytes_it_names_at_its_own_time():
    assert VECTOR.body == b'{"hello":"world"}' and len(VECTOR.body) == 17
    assert VECTOR.header.startswith(f"t={VECTOR.timestamp},v1=")


def test_sign_gives_the_independently_computed_header():
    assert sign(VECTOR.body, VECTOR.secret, VECTOR.timestamp) == VECTOR.header


@pytest.mark.parametrize("skew", [0, 1, 299, 300, -1, -300])
def test_the_verifier_accepts_the_vector_up_to_300_seconds_either_side(skew):
    verify(VECTOR.header, VECTOR.body, VECTOR.secret, VECTOR.timestamp + skew)


@pytest.mark.parametrize("digit", [0, 31, 63], ids=["first", "middle", "last"])
def test_the_verifier_refuses_the_vector_with_one_hex_digit_changed(digit):
    at = VECTOR.header.index("v1=") + len("v1=") + digit
    changed = VECTOR.header[:at] + ("1" if VECTOR.header[at] == "0" else "0") + VECTOR.header[at + 1 :]
    assert len(changed) == len(VECTOR.header) and changed != VECTOR.header

    with pytest.raises(SignatureError, match="does not match"):
        verify(changed, VECTOR.body, VECTOR.secret, VECTOR.timestamp)


# -- the product's signer and verifier together -------------------------------------------------------


def test_a_body_signed_with_the_orgs_secret_is_accepted():
    verify(sign(BODY, SECRET, NOW), BODY, SECRET, NOW)


def test_a_second_v1_lets_a_sender_sign_with_the_old_and_new_secret_while_it_rotates():
    header = f"{sign(BODY, 'old-secret', NOW)},v1={sign(BODY, SECRET, NOW).split('v1=')[1]}"
    verify(header, BODY, SECRET, NOW)


@pytest.mark.parametrize("skew", [-300, 300])
def test_a_signature_up_to_300_seconds_off_is_accepted(skew):
    verify(sign(BODY, SECRET, NOW + skew), BODY, SECRET, NOW)


@pytest.mark.parametrize(
    ("header", "body", "secret", "now", "reason"),
    [
        (None, BODY, SECRET, NOW, "missing"),
        ("", BODY, SECRET, NOW, "missing"),
        ("garbage", BODY, SECRET, NOW, "malformed"),
        ("t=soon,v1=abc", BODY, SECRET, NOW, "no valid t="),
        (sign(BODY, SECRET, NOW - 301), BODY, SECRET, NOW, "more than 300 seconds"),
        (sign(BODY, SECRET, NOW + 301), BODY, SECRET, NOW, "more than 300 seconds"),
        (sign(BODY, "another-orgs-secret", NOW), BODY, SECRET, NOW, "does not match"),
        (sign(BODY, SECRET, NOW), BODY + b" ", SECRET, NOW, "does not match"),
        (f"t={NOW}", BODY, SECRET, NOW, "does not match"),
    ],
    ids=["absent", "empty", "malformed", "bad time", "too old", "too new", "wrong secret", "body changed", "no v1"],
)
def test_a_request_that_is_not_signed_right_is_refused_with_a_reason(header, body, secret, now, reason):
    with pytest.raises(SignatureError, match=reason):
        verify(header, body, secret, now)
