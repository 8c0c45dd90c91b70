"""A link as the state table stores it (JSON) reads back whole, and one saved before a field existed reads
back with that field's default meaning."""

from __future__ import annotations

from tasksync.adapters.dynamodb.item_codec import dump_model, load_model
from tasksync.domain.sync_link import SyncLink
from tests.unit.builders import linked


def test_a_link_saved_now_reads_back_whole() -> None:
    _, link = linked()
    assert load_model(SyncLink, dump_model(link)) == link


def test_a_link_saved_before_the_later_fields_existed_reads_back_as_before() -> None:
    _, link = linked()
    stored = dump_model(link)
    del stored["synced_seen_at"]
    for write in stored["writes"]:
        for name in ("over_seen_at", "over_by_sync", "over_unconfirmed", "answered_at"):
            del write[name]

    loaded = load_model(SyncLink, stored)

    assert loaded.synced_seen == link.salesforce_seen_at
    assert [(w.field, w.value, w.over, w.over_by_sync) for w in loaded.writes] == [
        (w.field, w.value, w.over, False) for w in link.writes
    ]
