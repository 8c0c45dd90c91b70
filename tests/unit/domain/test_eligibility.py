"""SPEC section 4: which Salesforce Tasks are the user's reminder tasks."""

from __future__ import annotations

import pytest

from tasksync.domain.eligibility import Ineligible, ineligibility, same_salesforce_id
from tests.unit.builders import OTHER_SF_USER, SF_USER, SF_USER_15, sf_task


def test_a_task_owned_by_the_connected_user_is_a_reminder():
    assert ineligibility(sf_task(OwnerId=SF_USER), SF_USER) is None


def test_a_task_owned_by_another_user_is_not():
    assert ineligibility(sf_task(OwnerId=OTHER_SF_USER), SF_USER) is Ineligible.OTHER_OWNER


def test_a_task_owned_by_a_queue_or_nobody_is_not():
    assert ineligibility(sf_task(OwnerId="00G000000000001AAA"), SF_USER) is Ineligible.OTHER_OWNER
    assert ineligibility(sf_task(OwnerId=None), SF_USER) is Ineligible.OTHER_OWNER


@pytest.mark.parametrize(
    ("owner", "connected"),
    [(SF_USER_15, SF_USER), (SF_USER, SF_USER_15), (SF_USER[:15] + "aaa", SF_USER)],
    ids=["15-char owner, 18-char user", "18-char owner, 15-char user", "suffix in other case"],
)
def test_the_15_and_18_character_forms_of_the_user_id_are_the_same_owner(owner, connected):
    assert ineligibility(sf_task(OwnerId=owner), connected) is None
    assert same_salesforce_id(owner, connected)


def test_15_character_ids_that_differ_only_in_case_are_different_users():
    # 005A... and 005a... are two users: the 15-character id is case-sensitive.
    assert ineligibility(sf_task(OwnerId="005a00000000001AAA"), "005A00000000001AAA") is Ineligible.OTHER_OWNER


@pytest.mark.parametrize("subtype", ["Task", "", None])
def test_a_task_of_subtype_task_or_no_subtype_is_a_reminder(subtype):
    assert ineligibility(sf_task(TaskSubtype=subtype), SF_USER) is None


@pytest.mark.parametrize("subtype", ["Email", "Call", "ListEmail", "Cadence", "LinkedIn"])
def test_logged_emails_and_calls_are_never_reminders(subtype):
    assert ineligibility(sf_task(TaskSubtype=subtype), SF_USER) is Ineligible.NOT_A_REMINDER


def test_a_recurring_series_master_is_not_a_reminder():
    assert ineligibility(sf_task(IsRecurrence=True), SF_USER) is Ineligible.RECURRING_SERIES


def test_an_occurrence_of_a_series_is_a_reminder():
    assert ineligibility(sf_task(IsRecurrence=False), SF_USER) is None
