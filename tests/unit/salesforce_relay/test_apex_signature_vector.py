"""The Apex relay's signature test checks the same fixed vector as the Python verifier.

TasksyncWebhookSignatureTest can only run in a Salesforce org, so its literals are held here to
events/webhook_signature_vector.json (tests/support/signature_vector.py), the one source of the vector:
change either and this fails until they agree again.
"""

from __future__ import annotations

from tasksync.webhook_signature import verify
from tests.support.signature_vector import VECTOR
from tests.unit.salesforce_relay.apex_source import class_source, integer_constant, string_constant

APEX_TEST = class_source("TasksyncWebhookSignatureTest")


def test_the_apex_test_signs_the_vectors_body_with_its_secret_at_its_time():
    assert string_constant(APEX_TEST, "VECTOR_BODY").encode("utf-8") == VECTOR.body
    assert string_constant(APEX_TEST, "VECTOR_SECRET") == VECTOR.secret
    assert integer_constant(APEX_TEST, "VECTOR_TIMESTAMP") == VECTOR.timestamp


def test_the_apex_test_expects_the_vectors_header():
    assert string_constant(APEX_TEST, "VECTOR_HEADER") == VECTOR.header


def test_what_the_apex_test_expects_the_webhook_accepts():
    header = string_constant(APEX_TEST, "VECTOR_HEADER")
    verify(header, string_constant(APEX_TEST, "VECTOR_BODY").encode("utf-8"), VECTOR.secret, VECTOR.timestamp)


def test_the_apex_test_asserts_the_signer_against_those_literals():
    # The literals alone prove nothing if the test method does not use them.
    assert "TasksyncWebhookSignature.header(VECTOR_BODY, VECTOR_SECRET, VECTOR_TIMESTAMP)" in APEX_TEST
    assert "Assert.areEqual(VECTOR_HEADER," in APEX_TEST
