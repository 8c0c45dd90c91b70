"""Automation on Task (record-triggered flows, Apex triggers): rules that run in the transaction of the
save that triggers them, so the record and that transaction's change event, with the writer's
changeOrigin, carry their changes (Apex Developer Guide, "Triggers and Order of Execution")."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from local.salesforce_org.automation import PrefixOnSave, RevertApiWrite, SetWhenChanged
from local.salesforce_org.odds import Odds
from tests.contract.conftest import LIGHTNING_ORIGIN, fields, header

SYNC_ORIGIN = "com/salesforce/api/rest/59.0;client=tasksync"


def test_a_prefix_stamped_on_every_save(org, salesforce):
    org.add_automation(PrefixOnSave("[Acme] "))
    sf = salesforce(client_id="tasksync")
    task_id = sf.Task.create({"Subject": "Call"})["id"]
    assert sf.Task.get(task_id)["Subject"] == "[Acme] Call"
    created = org.events()[-1]
    assert (fields(created)["Subject"], header(created)["changeOrigin"]) == ("[Acme] Call", SYNC_ORIGIN)
    sf.Task.update(task_id, {"Subject": "Call back"})
    updated = org.events()[-1]
    assert header(updated)["changedFields"] == ["Subject", "LastModifiedDate"]
    assert fields(updated)["Subject"] == "[Acme] Call back"
    sf.Task.update(task_id, {"Subject": "[Acme] Call back"})  # has it: left alone
    assert header(org.events()[-1])["changedFields"] == ["LastModifiedDate"]
    org.ui_update_task(task_id, {"Subject": "From Lightning"})
    assert fields(org.events()[-1])["Subject"] == "[Acme] From Lightning"


def test_a_field_set_when_another_changes(org, salesforce):
    org.add_automation(SetWhenChanged("Status", "Completed", "Priority", "High"))
    sf = salesforce(client_id="tasksync")
    task_id = sf.Task.create({"Subject": "x", "Priority": "Low"})["id"]
    assert sf.Task.get(task_id)["Priority"] == "Low"
    sf.Task.update(task_id, {"Status": "Completed"})
    event = org.events()[-1]
    assert header(event)["changeOrigin"] == SYNC_ORIGIN
    assert {"Status", "Priority", "IsClosed"} <= set(header(event)["changedFields"])
    assert (fields(event)["Status"], fields(event)["Priority"]) == ("Completed", "High")
    sf.Task.update(task_id, {"Priority": "Low"})  # Status stays Completed: it did not become it
    assert sf.Task.get(task_id)["Priority"] == "Low"
    completed = sf.Task.create({"Subject": "born done", "Status": "Completed", "Priority": "Low"})["id"]
    assert sf.Task.get(completed)["Priority"] == "High"


def test_an_api_write_reverted_in_the_same_transaction(org, salesforce):
    org.add_automation(RevertApiWrite("ActivityDate"))
    sf = salesforce(client_id="tasksync")
    task_id = sf.Task.create({"Subject": "x", "ActivityDate": "2024-06-03"})["id"]  # no previous value
    assert sf.Task.update(task_id, {"ActivityDate": "2024-06-10", "Subject": "y"}) == 204
    record = sf.Task.get(task_id)
    assert (record["ActivityDate"], record["Subject"]) == ("2024-06-03", "y")
    event = org.events()[-1]
    assert header(event)["changedFields"] == ["Subject", "LastModifiedDate"]
    assert "ActivityDate" not in fields(event)
    org.ui_update_task(task_id, {"ActivityDate": "2024-06-10"})  # a person in Lightning may change it
    assert sf.Task.get(task_id)["ActivityDate"] == "2024-06-10"
    assert header(org.events()[-1])["changeOrigin"] == LIGHTNING_ORIGIN


def test_rules_fire_by_their_seeded_chance(emulator, org, salesforce):
    def stamped(handle, sf):
        ids = [sf.Task.create({"Subject": f"t{n}"})["id"] for n in range(16)]
        return [handle.task(i)["Subject"].startswith("[Acme] ") for i in ids]

    org.add_automation(PrefixOnSave("[Acme] ", odds=Odds(0.5, seed=9)))
    first = stamped(org, salesforce())
    other = emulator.create_org("Same seed")
    user = other.create_user(last_name="Rep")
    other.add_automation(PrefixOnSave("[Acme] ", odds=Odds(0.5, seed=9)))
    sf = salesforce(user, token=other.access_token(user))
    assert stamped(other, sf) == first
    assert True in first and False in first


def test_a_rule_value_is_checked_like_a_written_one(org, salesforce):
    org.add_automation(PrefixOnSave("[Acme] "))
    with pytest.raises(SalesforceMalformedRequest) as raised:
        salesforce().Task.create({"Subject": "s" * 250})
    assert raised.value.content[0]["errorCode"] == "STRING_TOO_LONG"
    assert org.events() == []


def test_rules_over_http(org, control, salesforce):
    path = f"/orgs/{org.id}/automation"
    added = control(
        "POST",
        path,
        json={
            "rule": "setWhenChanged",
            "field": "Status",
            "value": "Completed",
            "setField": "Priority",
            "setValue": "High",
            "probability": 1,
            "seed": 4,
        },
    )
    assert added.status_code == 201
    assert added.json() == {
        "rule": "setWhenChanged",
        "field": "Status",
        "value": "Completed",
        "setField": "Priority",
        "setValue": "High",
        "probability": 1.0,
        "seed": 4,
    }
    control("POST", path, json={"rule": "prefixOnSave", "prefix": "[Acme] "})
    control("POST", path, json={"rule": "revertApiWrite"})
    assert [r["rule"] for r in control("GET", path).json()] == ["setWhenChanged", "prefixOnSave", "revertApiWrite"]
    task_id = salesforce().Task.create({"Subject": "x", "Status": "Completed"})["id"]
    assert (org.task(task_id)["Subject"], org.task(task_id)["Priority"]) == ("[Acme] x", "High")
    for refused in (
        {"rule": "nope"},
        {"rule": "prefixOnSave"},
        {"rule": "revertApiWrite", "field": "IsClosed"},
        {"rule": "setWhenChanged", "field": "Status"},
        {"rule": "prefixOnSave", "prefix": "p", "probability": 2},
    ):
        assert control("POST", path, json=refused).status_code == 400, refused
    assert control("DELETE", path).json() == []
