"""template.yaml's dead-letter queues and what feeds each, as the dead-letter command reads them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from local.stack.template import load_template
from ops.dead_letter_records import FeedKind
from ops.dead_letter_wiring import Feed, feeds_of, load_template_text, logical_id_in


def test_every_dead_letter_queue_of_the_template_is_found_with_what_feeds_it():
    assert feeds_of(load_template()) == {
        "SalesforceChangesDLQ": [Feed(FeedKind.QUEUE_REDRIVE, "SalesforceChangesQueue")],
        "ReminderChangesDLQ": [Feed(FeedKind.QUEUE_REDRIVE, "ReminderChangesQueue")],
        "EventRelayChangesDLQ": [Feed(FeedKind.QUEUE_REDRIVE, "EventRelayChangesQueue")],
        "EventDeliveryDLQ": [
            Feed(FeedKind.RULE_DLQ, "EventRelayRule", target="EventRelayChangesQueue"),
            Feed(FeedKind.RULE_DLQ, "ReminderTaskEventsRule", target="ReminderChangesQueue"),
        ],
        "TaskEventsPublisherDLQ": [
            Feed(FeedKind.STREAM_FAILURE, "TaskEventsPublisherFunction", event="ReminderTaskStream")
        ],
        "FirstSyncDLQ": [Feed(FeedKind.ASYNC_DLQ, "FirstSyncFunction")],
        "DeletionSweepDLQ": [
            Feed(FeedKind.ASYNC_DLQ, "DeletionSweepFunction"),
            Feed(FeedKind.SCHEDULE_DLQ, "DeletionSweepFunction", event="Every15Minutes", schedule_input="{}"),
        ],
        "ReconciliationDLQ": [
            Feed(FeedKind.ASYNC_DLQ, "ReconciliationFunction"),
            Feed(FeedKind.SCHEDULE_DLQ, "ReconciliationFunction", event="Hourly", schedule_input="{}"),
        ],
        "ReminderResyncDLQ": [
            Feed(FeedKind.ASYNC_DLQ, "ReminderResyncFunction"),
            Feed(FeedKind.SCHEDULE_DLQ, "ReminderResyncFunction", event="Every15Minutes", schedule_input="{}"),
        ],
    }


DEAD_LETTER_KEYS = {"deadLetterTargetArn", "DeadLetterQueue", "DeadLetterConfig", "OnFailure"}


def named_as_dead_letter_targets(value: Any) -> Iterator[str]:
    """Every resource the template names under a dead-letter or on-failure key, however deep."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in DEAD_LETTER_KEYS:
                yield from (found for found in _resources_named(inner))
            else:
                yield from named_as_dead_letter_targets(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from named_as_dead_letter_targets(inner)


def _resources_named(value: Any) -> Iterator[str]:
    named = logical_id_in(value)
    if named is not None:
        yield named
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _resources_named(inner)


def test_no_way_into_a_dead_letter_queue_that_the_template_has_is_missed():
    """A new kind of failure destination in template.yaml fails here until the command knows it."""
    document = load_template()

    assert set(named_as_dead_letter_targets(document["Resources"])) == set(feeds_of(document))


def test_a_template_body_as_cloudformation_hands_it_back_reads_as_the_file_does():
    text = "Resources:\n  Dlq:\n    Type: AWS::SQS::Queue\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n"
    text += "      RedrivePolicy:\n        deadLetterTargetArn: !GetAtt Dlq.Arn\n        maxReceiveCount: 5\n"

    assert feeds_of(load_template_text(text)) == {"Dlq": [Feed(FeedKind.QUEUE_REDRIVE, "Q")]}
    assert feeds_of(load_template_text({"Resources": {}})) == {}
