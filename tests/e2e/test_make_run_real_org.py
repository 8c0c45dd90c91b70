"""``make run`` pointed at a real org (no emulator): the rep connects through the org's own login page;
here, with no Salesforce to reach, up to the redirect there, and the polls set to a minute."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from urllib.parse import parse_qs, urlsplit

import requests

from tests.e2e.test_make_run import READY_SECONDS, ROOT, _free_port


def test_a_real_org_is_reached_through_its_login_page_and_polled(tmp_path: object) -> None:
    port = _free_port()
    environment = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "SALESFORCE_LOGIN_URL": "https://acme.my.salesforce.com",
        "SALESFORCE_CLIENT_ID": "3MVG9-consumer-key",
        "SALESFORCE_CLIENT_SECRET": "consumer-secret",
        "POLL_MINUTES": "1",
    }
    process = subprocess.Popen(  # noqa: S603 - our own Makefile, as a user starts it
        ["make", "--no-print-directory", "run", f"PORT={port}"],  # noqa: S607 - make from PATH
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
        env=environment,
    )
    try:
        assert process.stdout is not None
        lines: dict[str, str] = {}
        deadline = time.monotonic() + READY_SECONDS
        while "SALESFORCE_CALLBACK_URL" not in lines and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            name, _, value = line.rstrip("\n").partition("=")
            lines[name] = value
        callback = f"http://localhost:{port}/v1/oauth/salesforce/callback"
        assert lines.get("SALESFORCE_CALLBACK_URL") == callback, lines
        assert "SALESFORCE_ACCESS_TOKEN" not in lines and "TASKSYNC_WEBHOOK_SECRET" not in lines
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {lines['TASKSYNC_TOKEN']}"
        base = f"http://localhost:{port}/v1/users/{lines['TASKSYNC_USER_ID']}"

        assert api.get(f"{base}/salesforce-connection", timeout=10).json()["state"] == "none"
        started = api.get(f"{base}/salesforce-connection/authorize", headers={"Accept": "application/json"}, timeout=10)

        url = urlsplit(started.json()["authorizeUrl"])
        query = parse_qs(url.query)
        assert (url.scheme, url.netloc, url.path) == ("https", "acme.my.salesforce.com", "/services/oauth2/authorize")
        assert (query["client_id"], query["redirect_uri"]) == (["3MVG9-consumer-key"], [callback])
        assert requests.get(f"http://localhost:{port}/org/tasks", timeout=10).status_code == 404  # no emulated org
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
