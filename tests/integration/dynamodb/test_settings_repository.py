"""Sync settings and the (org, Salesforce user) -> user lookup on the state table."""

from __future__ import annotations

import pytest

from tasksync.adapters.dynamodb.settings_repository import DynamoDBSettingsRepository
from tasksync.domain.settings import (
    ConnectionStatus,
    FirstSyncProgress,
    FirstSyncState,
    SalesforceConnection,
    SyncSettings,
)
from tasksync.ports.sync_state import ConcurrentUpdate, SalesforceUserTaken
from tests.integration.dynamodb.conftest import NOW

ORG_A = "00D5g000004XyZaEAK"  # 18 characters
ORG_B = "00D5g000007AbCdEAK"
REP_1 = "0055g00000A1b2cAAB"
REP_2 = "0055g00000Z9y8xAAB"


def connection(org_id: str = ORG_A, sf_user_id: str = REP_1) -> SalesforceConnection:
    return SalesforceConnection(
        org_id=org_id,
        sf_user_id=sf_user_id,
        instance_url="https://acme.my.salesforce.com",
        secret_name=f"tasksync/dev/salesforce/{org_id}/{sf_user_id}",
    )


def settings(user_id: str = "u1", **changes: object) -> SyncSettings:
    return SyncSettings(user_id=user_id, connection=connection()).model_copy(update=changes)


def test_a_user_without_settings_has_none(settings_repository: DynamoDBSettingsRepository) -> None:
    assert settings_repository.get_settings("u1") is None


def test_saved_settings_read_back_whole_at_the_next_revision(settings_repository: DynamoDBSettingsRepository) -> None:
    # Given settings with every kind of field filled in
    original = SyncSettings(
        user_id="u1",
        enabled=True,
        enabled_at=NOW,
        ever_enabled=True,
        time_zone="Europe/Berlin",
        subject_template="[SIA] {{activity_subject}}",
        connection=connection(),
        first_sync=FirstSyncProgress(state=FirstSyncState.RUNNING, imported=3, started_at=NOW),
    )

    # When they are saved for the first time
    saved = settings_repository.save_settings(original)

    # Then they read back equal, one revision on
    assert saved.revision == 1
    assert settings_repository.get_settings("u1") == saved == original.model_copy(update={"revision": 1})


def test_each_save_moves_the_revision_on(settings_repository: DynamoDBSettingsRepository) -> None:
    first = settings_repository.save_settings(settings())
    second = settings_repository.save_settings(first.model_copy(update={"enabled": True}))
    assert (first.revision, second.revision) == (1, 2)
    stored = settings_repository.get_settings("u1")
    assert stored is not None and stored.enabled and stored.revision == 2


def test_a_save_from_a_stale_read_is_a_concurrent_update(settings_repository: DynamoDBSettingsRepository) -> None:
    # Given two functions that read revision 1
    read = settings_repository.save_settings(settings())
    settings_repository.save_settings(read.model_copy(update={"time_zone": "Asia/Tokyo"}))

    # When the slower one saves what it decided from revision 1
    with pytest.raises(ConcurrentUpdate):
        settings_repository.save_settings(read.model_copy(update={"enabled": True}))

    # Then the faster one's save stands
    stored = settings_repository.get_settings("u1")
    assert stored is not None and stored.time_zone == "Asia/Tokyo" and not stored.enabled


def test_creating_settings_twice_is_a_concurrent_update(settings_repository: DynamoDBSettingsRepository) -> None:
    settings_repository.save_settings(settings())
    with pytest.raises(ConcurrentUpdate):
        settings_repository.save_settings(settings(enabled=True))


def test_saving_at_a_revision_never_stored_is_a_concurrent_update(
    settings_repository: DynamoDBSettingsRepository,
) -> None:
    with pytest.raises(ConcurrentUpdate):
        settings_repository.save_settings(settings(revision=4))
    assert settings_repository.get_settings("u1") is None


def test_the_connected_salesforce_user_finds_the_sia_user(settings_repository: DynamoDBSettingsRepository) -> None:
    settings_repository.save_settings(settings())

    assert settings_repository.user_for_salesforce_user(ORG_A, REP_1) == "u1"
    # CDC events and the API may spell either id in its 15- or 18-character form.
    assert settings_repository.user_for_salesforce_user(ORG_A[:15], REP_1[:15]) == "u1"
    assert settings_repository.user_for_salesforce_user(ORG_B, REP_1) is None
    assert settings_repository.user_for_salesforce_user(ORG_A, REP_2) is None


def test_a_connection_change_moves_the_lookup(settings_repository: DynamoDBSettingsRepository) -> None:
    # Given a user connected as REP_1 of org A
    saved = settings_repository.save_settings(settings())

    # When they reconnect as REP_2 of org B
    settings_repository.save_settings(saved.model_copy(update={"connection": connection(ORG_B, REP_2)}))

    # Then changes of the old Salesforce user no longer reach them, and the new one's do
    assert settings_repository.user_for_salesforce_user(ORG_A, REP_1) is None
    assert settings_repository.user_for_salesforce_user(ORG_B, REP_2) == "u1"
    assert settings_repository.users_of_org(ORG_A) == []
    assert settings_repository.users_of_org(ORG_B) == ["u1"]


def test_disconnecting_removes_the_lookup(settings_repository: DynamoDBSettingsRepository) -> None:
    saved = settings_repository.save_settings(settings())
    settings_repository.save_settings(saved.model_copy(update={"connection": None}))
    assert settings_repository.user_for_salesforce_user(ORG_A, REP_1) is None
    assert settings_repository.users_of_org(ORG_A) == []
    assert settings_repository.connected_orgs() == []


def test_a_revoked_connection_keeps_its_lookup(settings_repository: DynamoDBSettingsRepository) -> None:
    saved = settings_repository.save_settings(settings())
    revoked = connection().model_copy(update={"status": ConnectionStatus.REVOKED, "status_reason": "invalid_grant"})
    settings_repository.save_settings(saved.model_copy(update={"connection": revoked}))
    assert settings_repository.user_for_salesforce_user(ORG_A, REP_1) == "u1"


def test_users_of_an_org(settings_repository: DynamoDBSettingsRepository) -> None:
    settings_repository.save_settings(settings("u2", connection=connection(ORG_A, REP_2)))
    settings_repository.save_settings(settings("u1", connection=connection(ORG_A, REP_1)))
    settings_repository.save_settings(settings("u3", connection=connection(ORG_B, REP_1)))
    settings_repository.save_settings(settings("u4", connection=None))

    assert settings_repository.users_of_org(ORG_A) == ["u1", "u2"]
    assert settings_repository.users_of_org(ORG_B[:15]) == ["u3"]
    assert settings_repository.connected_orgs() == [ORG_A, ORG_B]


def test_a_salesforce_user_connects_to_one_sia_user_only(settings_repository: DynamoDBSettingsRepository) -> None:
    # Given u1 connected as REP_1
    settings_repository.save_settings(settings("u1"))

    # When u2 tries to connect as the same Salesforce user
    with pytest.raises(SalesforceUserTaken):
        settings_repository.save_settings(settings("u2"))

    # Then nothing of u2 is saved and REP_1 still belongs to u1
    assert settings_repository.get_settings("u2") is None
    assert settings_repository.user_for_salesforce_user(ORG_A, REP_1) == "u1"


def test_a_failed_save_changes_no_lookup(settings_repository: DynamoDBSettingsRepository) -> None:
    # Given a stale read of u1's settings
    read = settings_repository.save_settings(settings())
    settings_repository.save_settings(read.model_copy(update={"enabled": True}))

    # When a save from it would move the connection
    with pytest.raises(ConcurrentUpdate):
        settings_repository.save_settings(read.model_copy(update={"connection": connection(ORG_B, REP_2)}))

    # Then the lookup is as the stored settings say
    assert settings_repository.user_for_salesforce_user(ORG_A, REP_1) == "u1"
    assert settings_repository.user_for_salesforce_user(ORG_B, REP_2) is None


def test_the_same_salesforce_user_in_its_other_id_form_keeps_one_lookup(
    settings_repository: DynamoDBSettingsRepository,
) -> None:
    saved = settings_repository.save_settings(settings())
    settings_repository.save_settings(saved.model_copy(update={"connection": connection(ORG_A[:15], REP_1[:15])}))
    assert settings_repository.users_of_org(ORG_A) == ["u1"]
    assert settings_repository.user_for_salesforce_user(ORG_A, REP_1) == "u1"
