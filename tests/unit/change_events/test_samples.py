"""Every sample under events/ parses to the changes written out here by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tasksync.change_events.conversion import OrgChanges, ReconcileOrg, ReconcileReason, parse_change_events
from tasksync.domain.salesforce_task import SalesforceTask
from tasksync.engine.changes import ChangeType, SalesforceChange
from tests.unit.change_events.bodies import EVERY_FIELD_READ, ORG, sample

REP = "0058a00000Kd1QbAAJ"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def parse_sample(name: str) -> OrgChanges:
    return parse_change_events(sample(name), org_id=ORG)


def test_a_task_created_in_lightning():
    assert parse_sample("cdc_create.json") == OrgChanges(
        ORG,
        (
            SalesforceChange(
                change_type=ChangeType.CREATE,
                task=SalesforceTask(
                    id="00T8a00000Qm3TbEAJ",
                    owner_id=REP,
                    subject="Call back about renewal",
                    status="Not Started",
                    priority="Normal",
                    activity_date=date(2024, 6, 7),
                    task_subtype="Task",
                    created_date=utc(2024, 6, 3, 9, 15, 42),
                    last_modified_date=utc(2024, 6, 3, 9, 15, 42),
                ),
                carried=EVERY_FIELD_READ,
                commit_at=utc(2024, 6, 3, 9, 15, 42),
                client_id="SfdcInternalAPI/",
                event_key="0001b3c2-7e4f-9a10-5d2e-8c4b1f6a9e37/1",
                modified_at=utc(2024, 6, 3, 9, 15, 42),
            ),
        ),
    )


def test_an_update_by_tasksync_on_a_custom_channel_with_a_nulled_description():
    assert parse_sample("cdc_update.json").changes == (
        SalesforceChange(
            change_type=ChangeType.UPDATE,
            task=SalesforceTask(
                id="00T8a00000Qm3TbEAJ",
                status="Completed",
                activity_date=date(2024, 6, 5),
                last_modified_date=utc(2024, 6, 3, 10, 2, 31),
            ),
            carried=frozenset(
                {
                    "Status",
                    "ActivityDate",
                    "Description",
                    "IsClosed",
                    "LastModifiedDate",
                    "LastModifiedById",
                    "CompletedDateTime",
                }
            ),
            commit_at=utc(2024, 6, 3, 10, 2, 31),
            client_id="tasksync",
            event_key="0001b3d9-02a6-4c7e-b15f-3e8d7a2c4f60/1",
            modified_at=utc(2024, 6, 3, 10, 2, 31),
        ),
    )


def test_a_merged_delete_is_one_delete_per_record():
    def deleted(sf_id: str) -> SalesforceChange:
        return SalesforceChange(
            change_type=ChangeType.DELETE,
            task=SalesforceTask(id=sf_id),
            carried=frozenset(),
            commit_at=utc(2024, 6, 3, 11, 45),
            event_key="0001b3f0-9c1d-4e2b-a7f3-52d6e8b1c094/1",
        )

    assert parse_sample("cdc_delete_merged.json").changes == (
        deleted("00T8a00000Qm3TcEAJ"),
        deleted("00T8a00000Qm3TdEAJ"),
    )


def test_an_undelete_carries_the_whole_record():
    assert parse_sample("cdc_undelete.json").changes == (
        SalesforceChange(
            change_type=ChangeType.UNDELETE,
            task=SalesforceTask(
                id="00T8a00000Qm3TeEAJ",
                owner_id=REP,
                subject="Send proposal",
                status="In Progress",
                priority="High",
                activity_date=date(2024, 6, 10),
                description="Pricing for 40 seats, annual billing.",
                task_subtype="Task",
                external_id="01HZX3N6Q8W2J5R7T9V1B3D5F7",
                created_date=utc(2024, 5, 28, 16, 44, 10),
                last_modified_date=utc(2024, 6, 3, 12, 0, 13),
            ),
            carried=EVERY_FIELD_READ,
            commit_at=utc(2024, 6, 3, 12, 0, 13),
            event_key="0001b3f7-5e20-4b9a-8d61-a4c3f29e7b15/1",
            modified_at=utc(2024, 6, 3, 12, 0, 13),
        ),
    )


def test_a_gap_update_asks_for_the_record():
    assert parse_sample("cdc_gap_update.json").changes == (
        SalesforceChange(
            change_type=ChangeType.GAP,
            task=SalesforceTask(id="00T8a00000Qm3TfEAJ"),
            carried=frozenset(),
            commit_at=utc(2024, 6, 3, 13, 30, 55),
            event_key="0001b41a-c3e7-4f08-9b2d-6e1a5c8f3d72/1",
        ),
    )


def test_a_gap_overflow_reconciles_the_org():
    assert parse_sample("cdc_gap_overflow.json").changes == (
        ReconcileOrg(
            org_id=ORG,
            reason=ReconcileReason.OVERFLOW,
            commit_at=utc(2024, 6, 3, 14, 5, 9),
            event_key="0001b42c-71f5-4a3e-8c09-d2b7e6a41f58/1",
        ),
    )


def test_a_wildcard_record_id_reconciles_the_org():
    assert parse_sample("cdc_wildcard.json").changes == (
        ReconcileOrg(
            org_id=ORG,
            reason=ReconcileReason.FIELD_CONVERSION,
            commit_at=utc(2024, 6, 3, 14, 40, 26),
            event_key="0001b43e-2d8c-4f71-b6a0-9e3c5f1d7a26/1",
        ),
    )


def test_a_description_sent_as_a_diff_asks_for_the_record():
    assert parse_sample("cdc_update_description_diff.json").changes == (
        SalesforceChange(
            change_type=ChangeType.GAP,
            task=SalesforceTask(id="00T8a00000Qm3TgEAJ", last_modified_date=utc(2024, 6, 4, 8)),
            carried=frozenset(),
            commit_at=utc(2024, 6, 4, 8),
            client_id="SfdcInternalAPI/",
            event_key="0001b4a2-8f3e-4c15-a9d7-3b6e0c2f5a81/1",
            modified_at=utc(2024, 6, 4, 8),
        ),
    )


def test_one_transaction_an_update_and_the_create_a_flow_made_with_the_writers_origin():
    update, create = parse_sample("cdc_transaction.json").changes

    assert update == SalesforceChange(
        change_type=ChangeType.UPDATE,
        task=SalesforceTask(
            id="00T8a00000Qm3TbEAJ",
            subject="Call back about renewal (40 seats)",
            priority="High",
            last_modified_date=utc(2024, 6, 4, 8, 12, 45),
        ),
        carried=frozenset({"Subject", "Priority", "IsHighPriority", "LastModifiedDate", "LastModifiedById"}),
        commit_at=utc(2024, 6, 4, 8, 12, 45),
        client_id="tasksync",
        event_key="0001b4b7-16ad-4e92-8c3f-7d5a1e9b0c64/1",
        modified_at=utc(2024, 6, 4, 8, 12, 45),
    )
    assert create == SalesforceChange(
        change_type=ChangeType.CREATE,
        task=SalesforceTask(
            id="00T8a00000Qm3ThEAJ",
            owner_id=REP,
            subject="Follow up: Call back about renewal (40 seats)",
            status="Not Started",
            priority="Normal",
            activity_date=date(2024, 6, 11),
            task_subtype="Task",
            created_date=utc(2024, 6, 4, 8, 12, 45),
            last_modified_date=utc(2024, 6, 4, 8, 12, 45),
        ),
        carried=EVERY_FIELD_READ,
        commit_at=utc(2024, 6, 4, 8, 12, 45),
        client_id="tasksync",
        event_key="0001b4b7-16ad-4e92-8c3f-7d5a1e9b0c64/2",
        modified_at=utc(2024, 6, 4, 8, 12, 45),
    )


def test_an_event_relay_update_in_the_pub_sub_shape_carries_only_the_named_fields():
    assert parse_change_events(sample("event_relay_update.json")) == OrgChanges(
        ORG,
        (
            SalesforceChange(
                change_type=ChangeType.UPDATE,
                task=SalesforceTask(
                    id="00T8a00000Qm3TiEAJ",
                    subject="Renewal call \u2013 confirm seat count",
                    priority="High",
                    last_modified_date=utc(2024, 6, 4, 9, 1, 17),
                ),
                carried=frozenset({"Subject", "Priority", "IsHighPriority", "Description", "LastModifiedDate"}),
                commit_at=utc(2024, 6, 4, 9, 1, 17),
                client_id="SfdcInternalAPI/",
                event_key="0001b4e9-4a7c-4d03-b2e8-c91f6a3d5b70/1",
                modified_at=utc(2024, 6, 4, 9, 1, 17),
            ),
        ),
    )


def test_an_event_relay_create_with_epoch_datetimes_and_a_day_number_date():
    assert parse_change_events(sample("event_relay_create.json")).changes == (
        SalesforceChange(
            change_type=ChangeType.CREATE,
            task=SalesforceTask(
                id="00T8a00000Qm3TjEAJ",
                owner_id=REP,
                subject="Prepare onboarding deck",
                status="Not Started",
                priority="Normal",
                activity_date=date(2024, 6, 10),
                description="Slides for the kickoff.",
                task_subtype="Task",
                external_id="01HZY2K7M3P9R5T1V3X5Z7B9D1",
                created_date=utc(2024, 6, 4, 9, 3, 58),
                last_modified_date=utc(2024, 6, 4, 9, 3, 58),
            ),
            carried=EVERY_FIELD_READ,
            commit_at=utc(2024, 6, 4, 9, 3, 58),
            client_id="tasksync",
            event_key="0001b4ec-7b1f-4e6a-93c2-05d8e4a7f1b3/1",
            modified_at=utc(2024, 6, 4, 9, 3, 58),
        ),
    )


def test_an_event_relay_update_with_bitmap_field_lists_asks_for_the_record():
    assert parse_change_events(sample("event_relay_update_bitmap.json")).changes == (
        SalesforceChange(
            change_type=ChangeType.GAP,
            task=SalesforceTask(id="00T8a00000Qm3TkEAJ", status="Deferred", last_modified_date=utc(2024, 6, 4, 9, 10)),
            carried=frozenset(),
            commit_at=utc(2024, 6, 4, 9, 10),
            event_key="0001b4f3-c5e8-4a21-8f7d-b3a6e0c9d514/1",
            modified_at=utc(2024, 6, 4, 9, 10),
        ),
    )
