"""SOQL literals, URL-sized id lists, the description marker, and write values."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

import pytest

from tasksync.adapters.salesforce.description_marker import split_marker, with_marker
from tasksync.adapters.salesforce.records import field_values_json, rows_from_csv, task_from_record
from tasksync.adapters.salesforce.soql import chunk_for_url, in_list, is_record_id, quote
from tasksync.domain.salesforce_task import SalesforceField

DESCRIPTION_MAX = 32_000  # Object Reference, Task: Description


def test_quote_escapes_what_could_end_the_literal():
    assert quote("O'Brien \\ x\n") == "'O\\'Brien \\\\ x\\n'"


def test_in_list():
    assert in_list(["a", "b'"]) == "('a','b\\'')"


@pytest.mark.parametrize(
    ("value", "ok"),
    [("00T000000000001", True), ("00T000000000001AAA", True), ("00T00000000000", False), ("00T' OR Id != '", False)],
)
def test_is_record_id(value, ok):
    assert is_record_id(value) is ok


def test_chunks_fit_the_url_budget_and_keep_every_id_in_order():
    ids = [f"00T{n:015d}" for n in range(500)]
    before, after = "SELECT Id FROM Task WHERE Id IN ", ""

    chunks = list(chunk_for_url(before, ids, after, 2_000))

    assert [i for chunk in chunks for i in chunk] == ids
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(urlencode({"q": before + in_list(chunk) + after})) <= 2_000


def test_date_values_are_plain_dates_and_none_is_null():
    values = {SalesforceField.ACTIVITY_DATE: date(2024, 3, 9), SalesforceField.DESCRIPTION: None}

    assert field_values_json(values) == {"ActivityDate": "2024-03-09", "Description": None}


def test_a_datetime_is_refused_for_a_date_field():
    with pytest.raises(TypeError):
        field_values_json({SalesforceField.ACTIVITY_DATE: datetime(2024, 3, 9)})


def test_marker_round_trip():
    text = with_marker("Call back\nabout pricing", "01HXYZ")

    assert text == "Call back\nabout pricing\n[tasksync:01HXYZ]"
    assert split_marker(text) == ("Call back\nabout pricing", "01HXYZ")
    assert split_marker(with_marker(None, "01HXYZ")) == (None, "01HXYZ")
    assert split_marker("no marker [tasksync:x] in the middle") == ("no marker [tasksync:x] in the middle", None)


def test_marker_survives_a_full_length_description():
    text = with_marker("x" * DESCRIPTION_MAX, "01HXYZ")

    assert len(text) <= DESCRIPTION_MAX
    assert split_marker(text)[1] == "01HXYZ"


def test_marker_mode_reads_hide_the_marker_and_fill_the_external_id():
    record = {"Id": "00T000000000001AAA", "Description": "Details\n[tasksync:sia-1]", "IsRecurrence": False}

    task = task_from_record(record, description_marker=True)

    assert (task.description, task.external_id) == ("Details", "sia-1")


def test_bulk_csv_rows_turn_empty_cells_into_nulls_and_keep_multiline_values():
    text = (
        'Id,Subject,Description,IsRecurrence\n00T000000000001AAA,Call,"two\nlines",false\n00T000000000002AAA,,,true\n'
    )

    rows = list(rows_from_csv(text))

    assert rows[0]["Description"] == "two\nlines"
    assert rows[1]["Subject"] is None
    tasks = [task_from_record(r) for r in rows]
    assert [t.is_recurrence for t in tasks] == [False, True]
