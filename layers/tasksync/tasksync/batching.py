"""Cutting a sequence into the requests an AWS batch API takes: so many entries at most, and so many
bytes at most in all (SQS ``SendMessageBatch``, EventBridge ``PutEvents``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

Item = TypeVar("Item")


def batches(
    items: Iterable[Item], size_of: Callable[[Item], int], *, max_items: int, max_bytes: int
) -> Iterator[list[Item]]:
    """``items`` in order, in batches of at most ``max_items`` whose sizes add up to at most ``max_bytes``
    (an item larger than that alone goes alone: the API says so, not this)."""
    batch: list[Item] = []
    size = 0
    for item in items:
        item_size = size_of(item)
        if batch and (len(batch) == max_items or size + item_size > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item_size
    if batch:
        yield batch
