"""Which fields a change carries, and their values, in both body shapes: CometD (null and unchanged
fields absent) and Pub/Sub, which Event Relay carries (every field present, unchanged ones null)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tasksync.change_events.conversion import parse_change_events
from tasksync.domain.salesforce_task import SalesforceTask
from tasksync.engine.changes import ChangeType
from tests.unit.change_events.bodies import COMMIT_AT, EVERY_FIELD_READ, ORG, TASK, cometd, header, payload, relay

MODIFIED = "2024-06-03T09:15:42.000Z"


def one_change(body, org_id=ORG):
    [change] = parse_change_events(body, org_id=org_id).changes
    return change


def test_a_field_listed_as_changed_but_absent_from_a_cometd_body_was_nulled():
    body = payload(header(changedFields=["Description", "ActivityDate", "LastModifiedDate"]), LastModifiedDate=MODIFIED)

    change = one_change(cometd(body))

    assert change.carried == {"Description", "ActivityDate", "LastModifiedDate"}
    assert change.task.description is None
    assert change.task.activity_date is None


def test_a_nulled_field_sent_as_null_reads_the_same():
    body = payload(
        header(changedFields=["Description", "LastModifiedDate"]), Description=None, LastModifiedDate=MODIFIED
    )

    change = one_change(cometd(body))

    assert change.carried == {"Description", "LastModifiedDate"}
    assert change.task.description is None


def test_unchanged_fields_present_as_null_in_a_pub_sub_body_are_not_carried():
    body = payload(
        header(changedFields=["Subject", "LastModifiedDate"], nulledFields=[], diffFields=[]),
        Subject="Call back",
        Status=None,
        Priority=None,
        Description=None,
        OwnerId=None,
        IsRecurrence=None,
        LastModifiedDate=1_717_406_142_000,
    )

    change = one_change(relay(body))

    assert change.carried == {"Subject", "LastModifiedDate"}
    assert change.task.subject == "Call back"
    assert change.task.last_modified_date == COMMIT_AT


def test_the_nulled_fields_of_a_pub_sub_body_are_carried_even_when_changed_fields_leave_them_out():
    body = payload(
        header(changedFields=["LastModifiedDate"], nulledFields=["ActivityDate"]),
        ActivityDate=None,
        Subject=None,
        LastModifiedDate=1_717_406_142_000,
    )

    assert one_change(relay(body)).carried == {"LastModifiedDate", "ActivityDate"}


def test_an_enriched_field_unchanged_in_an_update_is_held_but_not_carried():
    body = payload(header(), Status="Completed", LastModifiedDate=MODIFIED, Tasksync_Id__c="01HZX3N6Q8W2J5R7T9V1B3D5F7")

    change = one_change(cometd(body))

    assert change.carried == {"Status", "LastModifiedDate"}
    assert change.task.external_id == "01HZX3N6Q8W2J5R7T9V1B3D5F7"


def test_fields_the_sync_does_not_read_are_carried_by_name_but_not_held():
    body = payload(
        header(changedFields=["WhoId", "LastModifiedDate"]), WhoId="0038a00000Lp2XyAAB", LastModifiedDate=MODIFIED
    )

    change = one_change(cometd(body))

    assert change.carried == {"WhoId", "LastModifiedDate"}
    assert change.task == SalesforceTask(id=TASK, last_modified_date=COMMIT_AT)


@pytest.mark.parametrize("change_type", ["CREATE", "UNDELETE"])
def test_a_create_or_undelete_carries_every_field_read_those_absent_empty(change_type):
    body = payload(header(changeType=change_type, changedFields=[]), Subject="Call back", CreatedDate=MODIFIED)

    change = one_change(cometd(body))

    assert change.change_type == ChangeType(change_type)
    assert change.carried == EVERY_FIELD_READ
    assert change.task == SalesforceTask(id=TASK, subject="Call back", created_date=COMMIT_AT)
    assert change.modified_at == COMMIT_AT  # no LastModifiedDate: the CreatedDate


def test_a_delete_carries_nothing_but_keeps_an_enriched_external_id():
    body = payload(header(changeType="DELETE", changedFields=[]), Tasksync_Id__c="01HZX3N6Q8W2J5R7T9V1B3D5F7")

    change = one_change(cometd(body))

    assert change.change_type is ChangeType.DELETE
    assert change.carried == frozenset()
    assert change.task == SalesforceTask(id=TASK, external_id="01HZX3N6Q8W2J5R7T9V1B3D5F7")
    assert change.modified_at is None


@pytest.mark.parametrize("gap", ["GAP_CREATE", "GAP_UPDATE", "GAP_DELETE", "GAP_UNDELETE"])
def test_each_gap_event_asks_for_the_record(gap):
    body = {"ChangeEventHeader": header(changeType=gap, changedFields=[], changeOrigin="")}

    change = one_change(cometd(body))

    assert change.change_type is ChangeType.GAP
    assert change.carried == frozenset()
    assert change.task == SalesforceTask(id=TASK)
    assert change.client_id is None


@pytest.mark.parametrize(
    "lists",
    [
        pytest.param({"changedFields": ["0x650004E0", "4-0x10", "7-0x06"]}, id="changed fields as a bitmap"),
        pytest.param({"nulledFields": ["0x01"]}, id="nulled fields as a bitmap"),
        pytest.param({"diffFields": ["0x0400"]}, id="diff fields as a bitmap"),
        pytest.param({"changedFields": None}, id="changed fields null"),
        pytest.param({"absent": ["changedFields"]}, id="changed fields absent"),
        pytest.param({"changedFields": []}, id="changed fields empty"),
    ],
)
def test_an_update_whose_field_lists_cannot_be_read_asks_for_the_record(lists):
    change = one_change(relay(payload(header(**lists))))

    assert change.change_type is ChangeType.GAP
    assert change.carried == frozenset()


def test_a_create_with_bitmap_field_lists_is_still_the_whole_record():
    body = payload(header(changeType="CREATE", changedFields=["0x00"], nulledFields=["0x00"]), Subject="Call back")

    change = one_change(relay(body))

    assert change.change_type is ChangeType.CREATE
    assert change.task.subject == "Call back"


def test_a_description_named_in_diff_fields_of_a_pub_sub_body_asks_for_the_record_and_holds_no_diff():
    diff = "--- \n+++ 9f2c6e1b\n@@ -4,1 +4,1 @@\n-Agenda.\n+Agenda, support hours.\n"
    body = payload(
        header(changedFields=["Description", "LastModifiedDate"], diffFields=["Description"]),
        Description=diff,
        LastModifiedDate=1_717_406_142_000,
    )

    change = one_change(relay(body))

    assert change.change_type is ChangeType.GAP
    assert change.task.description is None


def test_a_diff_of_a_field_the_sync_does_not_read_leaves_the_update_as_it_is():
    body = payload(
        header(changedFields=["Notes__c", "Status", "LastModifiedDate"], diffFields=["Notes__c"]),
        Notes__c="--- \n+++ 9f2c6e1b\n",
        Status="Completed",
        LastModifiedDate=MODIFIED,
    )

    change = one_change(cometd(body))

    assert change.change_type is ChangeType.UPDATE
    assert change.task.status == "Completed"


@pytest.mark.parametrize(
    "absent_or_null",
    [
        pytest.param({"absent": ["changeOrigin", "transactionKey", "sequenceNumber", "nulledFields", "diffFields"]}),
        pytest.param(
            {
                "changeOrigin": None,
                "transactionKey": None,
                "sequenceNumber": None,
                "nulledFields": None,
                "diffFields": None,
            }
        ),
    ],
    ids=["absent", "null"],
)
def test_optional_header_fields_may_be_absent_or_null(absent_or_null):
    change = one_change(cometd(payload(header(**absent_or_null))))

    assert change.change_type is ChangeType.UPDATE
    assert change.client_id is None
    assert change.event_key is None


def test_a_gap_overflow_without_record_ids_at_all_is_read():
    body = {"ChangeEventHeader": header(changeType="GAP_OVERFLOW", absent=["recordIds"])}

    [signal] = parse_change_events(cometd(body), org_id=ORG).changes

    assert signal.commit_at == COMMIT_AT


def test_a_wildcard_among_record_ids_reconciles_instead_of_applying_the_listed_record():
    body = payload(header(recordIds=[TASK, "00T*"]))

    [signal] = parse_change_events(cometd(body), org_id=ORG).changes

    assert signal.reason == "FIELD_CONVERSION"
    assert signal.org_id == ORG


def test_values_of_the_pub_sub_shape_read_like_their_cometd_text():
    pub_sub = payload(
        header(changeType="CREATE", changedFields=[]),
        ActivityDate=19_879,
        CreatedDate=1_717_406_142_000,
        LastModifiedDate=1_717_406_142_000,
    )
    text = payload(
        header(changeType="CREATE", changedFields=[]),
        ActivityDate="2024-06-05",
        CreatedDate="2024-06-03T09:15:42.000+0000",
        LastModifiedDate="2024-06-03T09:15:42Z",
    )

    assert one_change(relay(pub_sub)) == one_change(cometd(text))
    assert one_change(cometd(text)).task.activity_date == date(2024, 6, 5)
    assert one_change(cometd(text)).task.created_date == datetime(2024, 6, 3, 9, 15, 42, tzinfo=UTC)
