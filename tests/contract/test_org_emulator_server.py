"""The emulator as a server: HTTPS with its own CA, API version paths, several orgs on one server,
error shapes for unknown routes, and ``python -m local.salesforce_org``."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from simple_salesforce.api import DEFAULT_API_VERSION, Salesforce

REPO = Path(__file__).resolve().parents[2]


def test_speaks_https_that_only_its_own_ca_vouches_for(emulator, https):
    plain = requests.Session()
    plain.trust_env = False
    with pytest.raises(requests.exceptions.SSLError):
        plain.get(f"{emulator.instance_url}/services/data", timeout=5)
    assert emulator.instance_url.startswith("https://127.0.0.1:")
    answer = https.get(f"{emulator.instance_url}/services/data", timeout=5)
    assert answer.status_code == 200
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in answer.json()


def test_simple_salesforce_default_version_is_served(emulator, org, rep):
    # simple-salesforce 1.12.10 api.py: DEFAULT_API_VERSION = '59.0'.
    assert DEFAULT_API_VERSION == "59.0"
    session = emulator.http_session()
    sf = Salesforce(instance_url=emulator.instance_url, session_id=org.access_token(rep), session=session)
    assert sf.base_url.endswith("/services/data/v59.0/")
    assert sf.limits()["DailyApiRequests"]["Max"] > 0


@pytest.mark.parametrize("version", ["45.0", "52.0", "59.0", "62.0"])
def test_any_api_version_path_is_accepted(salesforce, version):
    sf = salesforce(version=version)
    created = sf.Task.create({"Subject": f"v{version}"})
    assert sf.Task.get(created["id"])["attributes"]["url"] == f"/services/data/v{version}/sobjects/Task/{created['id']}"


def test_unknown_resources_answer_salesforce_not_found(emulator, org, rep, https):
    # REST API Developer Guide, "Status Codes and Error Responses": resource doesn't exist.
    documented = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
    headers = {"Authorization": f"Bearer {org.access_token(rep)}"}
    for path in ("/services/data/v59.0/nothing-here", "/services/data/vX/limits", "/services/data/v59.0/sobjects/Foo"):
        answer = https.get(emulator.instance_url + path, headers=headers, timeout=5)
        assert answer.status_code == 404, path
        assert answer.json() == documented


def test_a_method_the_resource_lacks_answers_405(emulator, org, rep, https, salesforce):
    record = salesforce().Task.create({"Subject": "x"})
    answer = https.put(
        f"{emulator.instance_url}/services/data/v59.0/sobjects/Task/{record['id']}",
        headers={"Authorization": f"Bearer {org.access_token(rep)}"},
        json={},
        timeout=5,
    )
    assert answer.status_code == 405
    assert answer.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"


def test_one_server_hosts_many_orgs_chosen_by_the_token(emulator, salesforce):
    other = emulator.create_org("Other")
    other_user = other.create_user(last_name="Other")
    mine = salesforce()
    theirs = salesforce(token=other.access_token(other_user))
    mine.Task.create({"Subject": "in my org"})
    theirs.Task.create({"Subject": "in their org"})
    assert [r["Subject"] for r in mine.query("SELECT Subject FROM Task")["records"]] == ["in my org"]
    assert [r["Subject"] for r in theirs.query("SELECT Subject FROM Task")["records"]] == ["in their org"]


def _read_lines(process: subprocess.Popen[str], count: int, timeout: float = 20.0) -> list[str]:
    """The first ``count`` lines the process prints, or fewer if it has printed no more by ``timeout``."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    out: list[str] = []
    deadline = time.monotonic() + timeout
    while len(out) < count:
        try:
            out.append(lines.get(timeout=max(deadline - time.monotonic(), 0.01)))
        except queue.Empty:
            break
    return out


def test_python_dash_m_starts_a_ready_org_and_serves_until_sigterm():
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'layers' / 'tasksync'}{os.pathsep}{REPO}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "local.salesforce_org", "--port", "0"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = _read_lines(process, 10)
        names = [line.partition("=")[0] for line in lines]
        assert names[:5] == [
            "SALESFORCE_INSTANCE_URL",
            "SALESFORCE_CA_BUNDLE",
            "SALESFORCE_ORG_ID",
            "SALESFORCE_USER_ID",
            "SALESFORCE_ACCESS_TOKEN",
        ]
        values = dict(line.split("=", 1) for line in lines)
        assert values["SALESFORCE_ORG_ID"].startswith("00D") and len(values["SALESFORCE_ORG_ID"]) == 18
        assert values["SALESFORCE_USER_ID"].startswith("005")
        session = requests.Session()
        session.verify = values["SALESFORCE_CA_BUNDLE"]
        session.trust_env = False
        sf = Salesforce(
            instance_url=values["SALESFORCE_INSTANCE_URL"],
            session_id=values["SALESFORCE_ACCESS_TOKEN"],
            session=session,
        )
        created = sf.Task.create({"Subject": "from a third-party client"})
        assert sf.Task.get(created["id"])["OwnerId"] == values["SALESFORCE_USER_ID"]
        refreshed = session.post(
            values["SALESFORCE_TOKEN_URL"],
            data={
                "grant_type": "refresh_token",
                "refresh_token": values["SALESFORCE_REFRESH_TOKEN"],
                "client_id": values["SALESFORCE_CLIENT_ID"],
                "client_secret": values["SALESFORCE_CLIENT_SECRET"],
            },
            timeout=5,
        )
        assert refreshed.status_code == 200
        curl = shutil.which("curl")
        if curl:
            out = subprocess.run(  # noqa: S603 - curl from PATH, fixed arguments
                [
                    curl,
                    "-s",
                    "--cacert",
                    values["SALESFORCE_CA_BUNDLE"],
                    "-H",
                    f"Authorization: Bearer {values['SALESFORCE_ACCESS_TOKEN']}",
                    f"{values['SALESFORCE_INSTANCE_URL']}/services/data/v59.0/sobjects/Task/{created['id']}",
                ],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            )
            assert '"Subject": "from a third-party client"' in out.stdout
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_concurrent_clients_are_served_consistently(org, salesforce):
    def worker(n: int) -> list[str]:
        sf = salesforce()
        return [sf.Task.create({"Subject": f"{n}-{i}", "Tasksync_Id__c": f"c-{n}-{i}"})["id"] for i in range(10)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        made = [task_id for batch in pool.map(worker, range(8)) for task_id in batch]
    assert len(set(made)) == 80
    assert len(org.tasks()) == 80
    replay_ids = [m["data"]["event"]["replayId"] for m in org.events()]
    assert replay_ids == sorted(replay_ids) and len(set(replay_ids)) == 80
    assert org.api_usage()[0] == 80
