"""The emulator's control API over HTTP (``/__emulator``): what the local stack and non-Python tools
use to set up orgs, drive the clock and faults, configure the webhook, and act as a Salesforce user."""

from __future__ import annotations

from datetime import UTC, datetime

from simple_salesforce.api import Salesforce

from tests.contract.conftest import LIGHTNING_ORIGIN, header


def test_set_up_an_org_user_app_and_tokens(emulator, control, https):
    org = control("POST", "/orgs", json={"name": "Via HTTP"})
    assert org.status_code == 201
    org_id = org.json()["id"]
    user = control(
        "POST", f"/orgs/{org_id}/users", json={"username": "http.rep@example.test", "lastName": "Rep"}
    ).json()
    assert user["id"].startswith("005") and user["orgId"] == org_id
    app = control("POST", "/connected-apps", json={"name": "http-app", "rotateRefreshTokens": True}).json()
    assert app["clientId"].startswith("3MVG9") and app["clientSecret"]
    token = control("POST", f"/orgs/{org_id}/users/{user['id']}/access-token", json={}).json()
    sf = Salesforce(instance_url=token["instanceUrl"], session_id=token["accessToken"], session=emulator.http_session())
    assert sf.query("SELECT Username FROM User")["records"][0]["Username"] == "http.rep@example.test"
    refresh = control("POST", f"/orgs/{org_id}/users/{user['id']}/refresh-token", json={"clientId": app["clientId"]})
    grant = https.post(
        emulator.token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh.json()["refreshToken"],
            "client_id": app["clientId"],
        },
        timeout=5,
    )
    assert "refresh_token" in grant.json()  # rotation is on
    assert control("POST", f"/orgs/{org_id}/users/{user['id']}/revoke-tokens").json()["revoked"] >= 2
    deactivated = control("PATCH", f"/orgs/{org_id}/users/{user['id']}", json={"isActive": False}).json()
    assert deactivated["isActive"] is False
    described = control("GET", f"/orgs/{org_id}").json()
    assert described["name"] == "Via HTTP" and described["apiUsage"]["used"] == 1
    assert any(o["id"] == org_id for o in control("GET", "/orgs").json())
    assert control("GET", "/orgs/00D000000000000AAA").status_code == 404


def test_clock(control, clock):
    set_to = control("POST", "/clock", json={"set": "2024-05-07T10:00:00Z"}).json()
    assert set_to == {"now": "2024-05-07T10:00:00.000+0000", "frozen": True}
    assert control("POST", "/clock", json={"advanceSeconds": 90}).json()["now"] == "2024-05-07T10:01:30.000+0000"
    assert control("POST", "/clock", json={"resume": True}).json()["frozen"] is False
    assert control("POST", "/clock", json={"set": "not a date"}).status_code == 400


def test_ui_tasks_act_as_a_salesforce_user(org, rep, control):
    created = control("POST", f"/orgs/{org.id}/ui/tasks", json={"Subject": "from the UI", "asUser": rep.id})
    assert created.status_code == 201
    task = created.json()
    assert (task["Subject"], task["Status"], task["OwnerId"]) == ("from the UI", "Not Started", rep.id)
    refused = control("POST", f"/orgs/{org.id}/ui/tasks", json={"Status": "Nope"})
    assert refused.status_code == 400
    assert refused.json()[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    updated = control("PATCH", f"/orgs/{org.id}/ui/tasks/{task['Id']}", json={"Status": "Completed"}).json()
    assert updated["IsClosed"] is True
    assert control("DELETE", f"/orgs/{org.id}/ui/tasks/{task['Id']}").status_code == 204
    assert control("GET", f"/orgs/{org.id}/ui/tasks").json() == []
    assert len(control("GET", f"/orgs/{org.id}/ui/tasks", params={"includeDeleted": "true"}).json()) == 1
    restored = control("POST", f"/orgs/{org.id}/ui/tasks/{task['Id']}/undelete")
    assert restored.json()["IsDeleted"] is False
    assert [header(e)["changeOrigin"] for e in org.events()] == [LIGHTNING_ORIGIN] * 4
    assert org.api_usage()[0] == 0


def test_limits_faults_and_latency(org, control, salesforce):
    assert control("PUT", f"/orgs/{org.id}/limits", json={"dailyApiRequests": 50}).json() == {"used": 0, "max": 50}
    salesforce().query("SELECT Id FROM Task")
    assert control("GET", f"/orgs/{org.id}/limits").json() == {"used": 1, "max": 50}
    assert control("POST", f"/orgs/{org.id}/limits/reset").json()["used"] == 0
    rule = control("POST", f"/orgs/{org.id}/faults", json={"kind": "SERVER_UNAVAILABLE", "count": 2})
    assert rule.status_code == 201 and rule.json()["remaining"] == 2
    assert control("PUT", f"/orgs/{org.id}/latency", json={"seconds": 0.01}).json()["latencySeconds"] == 0.01
    cleared = control("DELETE", f"/orgs/{org.id}/faults").json()
    assert cleared == {"latencySeconds": 0.0, "rules": []}
    assert control("POST", f"/orgs/{org.id}/faults", json={"kind": "NOPE"}).status_code == 400


def test_webhook_events_and_gaps(org, control, salesforce, webhook_receiver):
    configured = control(
        "PUT", f"/orgs/{org.id}/webhook", json={"url": webhook_receiver.url, "secret": "s", "baseDelay": 0.01}
    )
    assert configured.json()["config"]["url"] == webhook_receiver.url
    control("POST", f"/orgs/{org.id}/webhook/faults", json={"duplicate": 1})
    task_id = salesforce().Task.create({"Subject": "x"})["id"]
    assert control("POST", f"/orgs/{org.id}/webhook/wait-idle", json={"timeout": 5}).json() == {"idle": True}
    assert len(webhook_receiver.posts) == 2
    gap = control("POST", f"/orgs/{org.id}/events/gap", json={"changeType": "GAP_UPDATE", "recordIds": [task_id]})
    assert gap.json()["data"]["payload"]["ChangeEventHeader"]["changeType"] == "GAP_UPDATE"
    assert control("POST", f"/orgs/{org.id}/events/gap-next", json={"count": 2}).json() == {"gapNext": 2}
    events = control("GET", f"/orgs/{org.id}/events").json()["events"]
    assert len(events) == 2
    first = events[0]["data"]["event"]["replayId"]
    assert control("GET", f"/orgs/{org.id}/events", params={"after": first}).json()["events"] == events[1:]
    assert control("POST", f"/orgs/{org.id}/webhook/replay", json={"afterReplayId": first}).json() == {"queued": 1}
    control("POST", f"/orgs/{org.id}/webhook/wait-idle", json={"timeout": 5})
    status = control("GET", f"/orgs/{org.id}/webhook").json()
    assert [d["delivered"] for d in status["deliveries"]] == [True, True, True, True]
    assert control("DELETE", f"/orgs/{org.id}/webhook").json()["config"] is None


def test_recycle_bin_picklists_and_settings(org, control, salesforce):
    sf = salesforce()
    task_id = sf.Task.create({"Subject": "x", "Status": "Deferred"})["id"]
    added = control("POST", f"/orgs/{org.id}/picklists/Status", json={"apiName": "Blocked", "isClosed": False})
    assert added.status_code == 201
    renamed = control(
        "PATCH", f"/orgs/{org.id}/picklists/Status/Deferred", json={"apiName": "Parked", "isDefault": True}
    )
    assert renamed.json() == {"apiName": "Parked", "recordsUpdated": 1}
    picklists = control("GET", f"/orgs/{org.id}/picklists").json()
    assert [v["apiName"] for v in picklists["Status"] if v["isDefault"]] == ["Parked"]
    assert "Blocked" in [v["apiName"] for v in picklists["Status"]]
    sf.Task.delete(task_id)
    assert control("POST", f"/orgs/{org.id}/recycle-bin/empty").json() == {"purged": [task_id]}
    settings = control(
        "PATCH", f"/orgs/{org.id}/settings", json={"sessionTimeoutSeconds": 600, "mergeIdenticalChanges": True}
    ).json()
    assert settings["sessionTimeoutSeconds"] == 600 and settings["mergeIdenticalChanges"] is True


def test_unknown_routes_and_bad_bodies(control, org):
    assert control("GET", "/nothing").status_code == 404
    assert control("DELETE", "/clock").status_code == 405
    assert control("POST", "/orgs", data="not json").status_code == 400
    assert control("POST", f"/orgs/{org.id}/users/005000000000000AAA/refresh-token", json={}).status_code == 400
    assert control("GET", "/health").json()["ok"] is True


def test_clock_fixture_restores_real_time(emulator):
    assert abs((emulator.clock.now() - datetime.now(UTC)).total_seconds()) < 5
