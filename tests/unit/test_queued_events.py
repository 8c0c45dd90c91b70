"""The publisher's PutEvents requests: ten entries at most, under 256 KB together, in order."""

from __future__ import annotations

from tasksync.queued_events import PUT_EVENTS_MAX_BYTES, entry_size, put_events_requests


def entry(detail_bytes: int) -> dict[str, object]:
    return {"Source": "tasksync.reminder-tasks", "DetailType": "ReminderTaskEvent", "Detail": "x" * detail_bytes}


def test_small_entries_go_ten_to_a_request_in_order():
    entries = [(n, entry(100)) for n in range(25)]

    requests = list(put_events_requests(entries))

    assert [len(request) for request in requests] == [10, 10, 5]
    assert [key for request in requests for key, _ in request] == list(range(25))


def test_large_entries_are_cut_below_256_kb():
    entries = [(n, entry(60_000)) for n in range(10)]

    requests = list(put_events_requests(entries))

    assert [len(request) for request in requests] == [4, 4, 2]
    assert all(sum(entry_size(e) for _, e in request) < PUT_EVENTS_MAX_BYTES for request in requests)


def test_an_entrys_size_counts_utf8_bytes_and_the_time():
    assert entry_size({"Source": "s", "DetailType": "d", "Detail": "é"}) == 4
    assert entry_size({"Source": "s", "DetailType": "d", "Detail": "{}", "Time": 0}) == 18
