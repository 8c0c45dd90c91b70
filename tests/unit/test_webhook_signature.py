"""The webhook signature of SPEC section 8: what is accepted, and every way a request is refused."""

from __future__ import annotations

import pytest

from tasksync.webhook_signature import SignatureError, sign, verify

BODY = b'{"data": {"payload": {}}}'
SECRET = "whsec-org-1"
NOW = 1_780_000_000


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
