"""The rep's page in headless Chromium (Debian's ``chromium`` and ``chromium-driver``, driven by Selenium;
nothing is downloaded): the rep ticks the sync checkbox and sees a Salesforce task of theirs appear in the
Command Center, completes it in the page and sees Salesforce say ``Completed``.

The stack runs in a process of its own, as ``make run`` starts it. Started in this process,
``local.stack.run.local_stack`` would leave its environment behind when it stops (``AWS_ENDPOINT_URL``
at a moto server that is gone, the functions' table names, the composition roots it built), and the rest
of ``pytest tests`` after it would talk to that dead server instead of their own ``mock_aws``.

What it leaves in ``test-artifacts/browser/``: a screenshot of the page at the end (also when it fails),
the browser's console, and the stack's output.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

from local.stack.run import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
Found = TypeVar("Found")
READY_SECONDS = 60
SYNC_SECONDS = 30
"""Longer than the stream's five-second batching window and a few polls of the page, with room to spare."""


@dataclass(frozen=True)
class Stack:
    url: str
    lines: dict[str, str]


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """``make run``'s command on free ports, until it prints its lines (it does so once it is ready)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    output = ARTIFACTS / "stack-stdout.txt"
    port = free_port()
    command = [sys.executable, "-m", "local.stack", "--port", str(port), "--org-port", "0"]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(["layers/tasksync", "."])}
    with output.open("wb") as stdout, (ARTIFACTS / "stack-stderr.txt").open("wb") as stderr:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=stdout, stderr=stderr)  # noqa: S603
        try:
            lines = _printed_lines(process, output)
            yield Stack(lines["TASKSYNC_API_URL"], lines)
        finally:
            process.send_signal(signal.SIGINT)  # as Ctrl-C stops make run
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _printed_lines(process: subprocess.Popen[bytes], output: Path) -> dict[str, str]:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make run's stack stopped (exit {process.returncode}); see {ARTIFACTS}/stack-stderr.txt")
        lines = dict(line.split("=", 1) for line in output.read_text(errors="replace").splitlines() if "=" in line)
        if "TASKSYNC_TOKEN" in lines and "SALESFORCE_CALLBACK_URLS" in lines:
            return lines
        time.sleep(0.2)
    pytest.fail(f"make run's stack was not ready within {READY_SECONDS} s; see {ARTIFACTS}/stack-stderr.txt")


@pytest.fixture
def browser(request: pytest.FixtureRequest) -> Iterator[webdriver.Chrome]:
    for program in (CHROMIUM, CHROMEDRIVER):
        if not Path(program).is_file():
            pytest.fail(f"{program} is missing: apt-get install -y chromium chromium-driver (.ci/run does)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1600"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # A driver path of our own: Selenium Manager is never asked, so nothing is downloaded.
    service = Service(executable_path=CHROMEDRIVER, log_output=str(ARTIFACTS / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        name = request.node.name
        driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
        console = "\n".join(f"{entry['level']} {entry['message']}" for entry in driver.get_log("browser"))
        (ARTIFACTS / f"{name}-console.txt").write_text(console + "\n")
        driver.quit()


def test_ticking_sync_brings_a_salesforce_task_in_and_completing_it_in_the_page_completes_it_in_salesforce(
    stack: Stack, browser: webdriver.Chrome
) -> None:
    # Given a Salesforce task of the demo rep, due today, made in Salesforce before sync is on
    today = datetime.now(UTC).date().isoformat()  # the demo rep's time zone is UTC
    subject = f"Call Hedy about the pilot {uuid.uuid4().hex[:6]}"
    made = requests.post(f"{stack.url}/org/tasks", json={"Subject": subject, "ActivityDate": today}, timeout=10)
    assert made.status_code == 201, made.text
    record = made.json()["id"]

    browser.get(f"{stack.url}/")
    sync = browser.find_element(By.ID, "sync-enabled")
    _wait(browser, lambda: sync.is_enabled(), "the settings to load")
    assert not sync.is_selected()
    _wait(browser, lambda: _today(browser).find_elements(By.TAG_NAME, "h3"), "the Command Center to load")
    assert subject not in _today(browser).text  # sync is off: nothing came from Salesforce yet

    # When the rep ticks the sync checkbox
    sync.click()

    # Then the Salesforce task appears in today's Command Center, synced
    _wait(browser, lambda: _item(browser, subject), "the Salesforce task in today's Command Center")
    _wait(browser, lambda: "Synced" in _text(_item(browser, subject)), "the imported task to show as synced")
    assert sync.is_selected()

    # When the rep completes it in the page
    _wait(browser, lambda: _click(_item(browser, subject), "input[type=checkbox]"), "the task's checkbox")

    # Then Salesforce says Completed: in the page's Salesforce panel, and in the org itself
    status = f'#org-tasks [data-sf-id="{record}"] .sf-status'
    _wait(
        browser,
        lambda: browser.find_element(By.CSS_SELECTOR, status).text == "Completed",
        "the Salesforce panel to say Completed",
        SYNC_SECONDS,
    )
    in_org = {task["Id"]: task for task in requests.get(f"{stack.url}/org/tasks", timeout=10).json()["tasks"]}
    assert in_org[record]["Status"] == "Completed"
    completed = _item(browser, subject)
    assert completed is not None
    assert completed.find_element(By.CSS_SELECTOR, "input[type=checkbox]").is_selected()


def test_the_page_gets_the_demo_reps_token_from_the_local_server_and_a_rebound_name_gets_none(stack: Stack) -> None:
    session = requests.get(f"{stack.url}/local/session", timeout=10)
    assert session.status_code == 200
    user, token = session.json()["userId"], session.json()["token"]
    assert user == stack.lines["TASKSYNC_USER_ID"]
    settings = requests.get(
        f"{stack.url}/v1/users/{user}/settings/sync", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert settings.status_code == 200

    # A page of another site whose name now points at 127.0.0.1 (DNS rebinding) sends its own name
    rebound = requests.get(f"{stack.url}/local/session", headers={"Host": "attacker.example:80"}, timeout=10)
    assert rebound.status_code == 403
    assert "token" not in rebound.text


def _today(browser: webdriver.Chrome) -> WebElement:
    return browser.find_element(By.CSS_SELECTOR, "#command-center .day:first-child")


def _item(browser: webdriver.Chrome, name: str) -> WebElement | None:
    for item in _today(browser).find_elements(By.CSS_SELECTOR, "li[data-task-id]"):
        if item.find_element(By.CSS_SELECTOR, ".name-text").text == name:
            return item
    return None


def _text(element: WebElement | None) -> str:
    return element.text if element is not None else ""


def _click(element: WebElement | None, selector: str) -> bool:
    if element is None:
        return False
    element.find_element(By.CSS_SELECTOR, selector).click()
    return True


def _wait(browser: webdriver.Chrome, condition: Callable[[], Found], what: str, seconds: float = 20) -> Found:
    """Waits until ``condition()`` is truthy and gives it back. The page rebuilds a part when what it shows
    changed, so an element found a moment ago may be gone: that is a reason to look again, not to fail."""
    waiting = WebDriverWait(browser, seconds, poll_frequency=0.2, ignored_exceptions=[StaleElementReferenceException])
    return waiting.until(lambda _: condition(), message=f"waited {seconds} s for {what}")
