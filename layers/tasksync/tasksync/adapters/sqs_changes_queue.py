"""The Salesforce changes queue (SQS FIFO) as the webhook fills it.

Messages go ten to a ``SendMessageBatch`` call, and no more than the call's 1 MiB in all (Amazon SQS
API Reference, "SendMessageBatch": "The maximum allowed individual message size and the maximum total
payload size (the sum of the individual lengths of all of the batched messages) are both 1 MiB"). A
call that succeeds may still list ``Failed`` entries ("you should check for batch errors even when the
call returns an HTTP status code of 200"): those are sent once more, in their order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tasksync.batching import batches
from tasksync.webhook_intake import QueueMessage

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

BATCH_ENTRIES = 10
BATCH_BYTES = 1024 * 1024


class SqsChangesQueue:
    def __init__(self, queue_url: str, client: SQSClient) -> None:
        self._queue_url = queue_url
        self._client = client

    def send(self, messages: Sequence[QueueMessage]) -> list[str]:
        """The error code of each message SQS refused twice."""
        refused = self._send_once(messages)
        if refused:
            refused = self._send_once([message for message, _ in refused])
        return [code for _, code in refused]

    def _send_once(self, messages: Sequence[QueueMessage]) -> list[tuple[QueueMessage, str]]:
        refused = []
        for batch in batches(messages, _size, max_items=BATCH_ENTRIES, max_bytes=BATCH_BYTES):
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {
                    "Id": str(index),
                    "MessageBody": message.body,
                    "MessageGroupId": message.group_id,
                    "MessageDeduplicationId": message.deduplication_id,
                }
                for index, message in enumerate(batch)
            ]
            answer = self._client.send_message_batch(QueueUrl=self._queue_url, Entries=entries)
            refused += [(batch[int(failed["Id"])], failed["Code"]) for failed in answer.get("Failed", [])]
        return refused


def _size(message: QueueMessage) -> int:
    return len(message.body.encode())
