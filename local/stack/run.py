"""``make run``: the whole system on one machine, on the same handlers Lambda runs.

moto's server stands in for AWS, its resources built from template.yaml; the Salesforce org emulator
serves an org over HTTPS and posts its change events, signed, to the webhook; the HTTP API, the web page
and the org's panel share one local port; Lambda's event sources, schedules and asynchronous invocations
run as threads (``event_sources``, ``lambda_service``). A demo rep is connected to the emulated org,
with sync still off. When everything is up it prints, one per line, what a script needs to drive both
sides, and runs until Ctrl-C.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import boto3

from local.salesforce_org.__main__ import salesforce_lines
from local.salesforce_org.emulator import OrgEmulator
from local.salesforce_org.oauth import ConnectedApp
from local.salesforce_org.org import User
from local.salesforce_org.org_handle import OrgHandle
from local.stack.aws import AwsClients, build_resources, function_environment
from local.stack.event_sources import event_sources, run_source
from local.stack.http_server import LocalApi
from local.stack.lambda_service import LambdaService
from local.stack.org_panel import OrgPanel
from local.stack.template import StackIdentity, Template, functions_of
from local.user_tokens import LocalIssuer
from ops.dead_letter_wiring import feeds_of
from ops.org_webhook import OrgWebhook
from ops.org_webhook import create as create_webhook_secret

STACK = StackIdentity("tasksync-local")
DEMO_USER = "demo-rep"
DEMO_USERNAME = "rep@tasksync.local"
TOKEN_HOURS = 36
"""The printed token's lifetime: at least a day, so a day's session never meets an expired token."""


@dataclasses.dataclass
class Running:
    lines: list[str]
    api: LocalApi
    lambda_: LambdaService
    stop: threading.Event


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclasses.dataclass(frozen=True)
class RealOrg:
    """A real Salesforce org instead of the emulator: the connected app the rep connects through (its
    callback URL ``http://localhost:<port>/v1/oauth/salesforce/callback``), and no webhook: the
    reconciliation and the deletion sweep poll every ``poll_minutes`` instead."""

    login_url: str
    client_id: str
    client_secret: str | None = None
    private_key: str | None = None
    """PEM of the connected app's certificate key, for the JWT bearer flow."""
    poll_minutes: int = 1


@contextmanager
def local_stack(
    port: int = 3000, org_port: int = 8443, *, real_org: RealOrg | None = None, say: Any = print
) -> Iterator[Running]:
    stop = threading.Event()
    with ExitStack() as cleanup:
        cleanup.callback(_restore_environment, dict(os.environ))  # a caller's process is as it was after
        say("starting moto (AWS), the Salesforce org emulator, the API...", file=sys.stderr)
        aws_url = _start_moto(cleanup)
        emulator = None if real_org is not None else OrgEmulator.start(port=org_port)
        if emulator is not None:
            cleanup.callback(emulator.stop)
            os.environ["SALESFORCE_CA_BUNDLE"] = emulator.ca_path  # read by the functions' configuration
        parameters = {"Stage": "local"}
        if real_org is not None:
            every = f"rate({real_org.poll_minutes} minute{'s' if real_org.poll_minutes > 1 else ''})"
            parameters |= {"ReconciliationSchedule": every, "DeletionSweepSchedule": every}
        template = Template(parameters, STACK)
        functions = functions_of(template)
        clients = AwsClients(*(boto3.client(name) for name in ("dynamodb", "sqs", "events")))
        build_resources(template, clients)
        _set_environment(function_environment(template, functions))
        lambda_ = LambdaService(template, functions, clients.sqs)
        cleanup.enter_context(_local_invocations(lambda_))
        secrets = boto3.client("secretsmanager")
        issuer = LocalIssuer()

        if emulator is not None:
            api_url = f"http://127.0.0.1:{port}"
            emulated = _emulated_org(emulator, api_url, secrets)
            panel: Any = emulated.panel.handle
            salesforce = emulated.lines
        elif real_org is not None:
            api_url = f"http://localhost:{port}"  # the callback the connected app names
            _real_org_app(secrets, real_org)
            panel = _no_panel
            callback = f"{api_url}/v1/oauth/salesforce/callback"
            salesforce = [f"SALESFORCE_LOGIN_URL={real_org.login_url}", f"SALESFORCE_CALLBACK_URL={callback}"]
        api = LocalApi(
            "127.0.0.1",
            port,
            lambda_,
            issuer,
            panel,
            lambda: _status(template, clients.sqs, lambda_),
            session=lambda: {"userId": DEMO_USER, "token": issuer.mint(DEMO_USER, hours=TOKEN_HOURS)},
        )
        threads = [threading.Thread(target=api.server.serve_forever, name="api", daemon=True)]
        cleanup.callback(api.server.server_close)
        cleanup.callback(api.server.shutdown)
        threads.append(threading.Thread(target=lambda_.run_async, args=(stop,), name="async", daemon=True))
        streams = boto3.client("dynamodbstreams")
        for source in event_sources(template, functions, clients, streams):
            report = _reporter(source.function.logical_id)
            threads.append(threading.Thread(target=run_source, args=(source, lambda_, stop, report), daemon=True))
        for thread in threads:
            thread.start()
        for thread in threads[1:]:
            cleanup.callback(thread.join, 5)
        cleanup.callback(stop.set)
        if real_org is None:
            emulated.org.set_webhook(emulated.webhook.url or "", emulated.webhook.secret)

        lines = [
            f"TASKSYNC_API_URL={api_url}",
            f"TASKSYNC_USER_ID={DEMO_USER}",
            f"TASKSYNC_TOKEN={issuer.mint(DEMO_USER, hours=TOKEN_HOURS)}",
            *([f"TASKSYNC_WEBHOOK_SECRET={emulated.webhook.secret}"] if real_org is None else []),
            f"TASKSYNC_AWS_ENDPOINT_URL={aws_url}",
            f"TASKSYNC_LAMBDA_ENDPOINT_URL={api_url}",
            *salesforce,
        ]
        yield Running(lines, api, lambda_, stop)


@dataclasses.dataclass(frozen=True)
class EmulatedOrg:
    org: OrgHandle
    panel: OrgPanel
    webhook: OrgWebhook
    lines: list[str]


def _emulated_org(emulator: OrgEmulator, api_url: str, secrets: Any) -> EmulatedOrg:
    """An org in the emulator with the demo rep connected (sync off) and a few of their Salesforce tasks."""
    org = emulator.create_org("Tasksync Local")
    user = org.create_user(DEMO_USERNAME, first_name="Demo", last_name="Rep")
    callback = f"{api_url}/v1/oauth/salesforce/callback"
    app = emulator.create_connected_app("tasksync", rotate_refresh_tokens=True, callback_urls=[callback])
    _connected_app_secret(
        secrets, {"client_id": app.client_id, "client_secret": app.client_secret}, emulator.instance_url
    )
    webhook = create_webhook_secret(secrets, org.id, "local", prefix="tasksync", api_url=api_url)
    _demo_rep(secrets, org, user, app, emulator.instance_url)
    _demo_tasks(org, user)
    lines = salesforce_lines(emulator, org, user, app, [callback])
    return EmulatedOrg(org, OrgPanel(org, user), webhook, lines)


def _real_org_app(secrets: Any, real_org: RealOrg) -> None:
    app = {
        "client_id": real_org.client_id,
        "client_secret": real_org.client_secret,
        "private_key": real_org.private_key,
    }
    _connected_app_secret(secrets, {name: value for name, value in app.items() if value}, real_org.login_url)


def _no_panel(method: str, path: str, body: dict[str, Any] | None) -> tuple[int, Any]:
    return 404, {"message": "a real org: use Salesforce itself"}


def _restore_environment(before: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(before)


def _set_environment(environment: dict[str, str]) -> None:
    """The functions' variables in this one process; Powertools read its own when it was imported."""
    from tasksync.observability import metrics

    os.environ.update(environment)
    metrics.namespace = environment["POWERTOOLS_METRICS_NAMESPACE"]
    metrics.service = environment["POWERTOOLS_SERVICE_NAME"]


def _start_moto(cleanup: ExitStack) -> str:
    import logging

    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per AWS call would bury the handlers' logs
    cleanup.callback(server.stop)
    url = f"http://127.0.0.1:{port}"
    os.environ.update(
        AWS_ENDPOINT_URL=url,
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",  # noqa: S106 - moto's, not a secret
        AWS_DEFAULT_REGION=STACK.region,
    )
    os.environ.pop("AWS_PROFILE", None)
    return url


@contextmanager
def _local_invocations(lambda_: LambdaService) -> Iterator[None]:
    """The syncing functions' asynchronous invocations (the first sync, a reconciliation) go to the
    local Lambda service, not to moto's, which would need Docker to run them."""
    from tasksync.composition.sync import build_sync_root, override
    from tasksync.configuration import load_config
    from tasksync.configuration.functions import SyncConfig

    root = dataclasses.replace(build_sync_root(load_config(SyncConfig)), invoke=lambda_.invoke_async)
    with override(root):
        yield


def _connected_app_secret(secrets: Any, app: dict[str, str | None], login_url: str) -> None:
    """The connected app's credentials where the API reads them (``adapters.salesforce.connector``)."""
    value = {**app, "login_url": login_url}
    secrets.create_secret(Name="tasksync/local/salesforce-app", SecretString=json.dumps(value))


def _demo_rep(secrets: Any, org: OrgHandle, user: User, app: ConnectedApp, instance_url: str) -> None:
    """The demo rep, connected as the OAuth callback would have connected them, sync off."""
    from tasksync.adapters.dynamodb.settings_repository import DynamoDBSettingsRepository
    from tasksync.domain.settings import SalesforceConnection, SyncSettings

    name = f"tasksync/local/salesforce/{org.id}/{user.id}"
    credentials = {
        "flow": "refresh_token",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "refresh_token": org.refresh_token(user, app),
        "login_url": instance_url,
        "instance_url": instance_url,
    }
    secrets.create_secret(Name=name, SecretString=json.dumps(credentials))
    connection = SalesforceConnection(
        org_id=org.id,
        sf_user_id=user.id,
        instance_url=instance_url,
        secret_name=name,
        username=user.username,
        display_name=f"{user.first_name} {user.last_name}".strip(),
    )
    repository = DynamoDBSettingsRepository(os.environ["STATE_TABLE_NAME"])
    repository.save_settings(SyncSettings(user_id=DEMO_USER, connection=connection))


def _demo_tasks(org: OrgHandle, user: User) -> None:
    """A few Salesforce tasks of the rep, changed today: turning sync on imports them (SPEC 5.1)."""
    today = datetime.now(UTC).date()
    for subject, due in [
        ("Call Ada about the renewal", today),
        ("Send the quote to Grace", today + timedelta(days=1)),
        ("Plan the quarterly review", today + timedelta(days=7)),
    ]:
        org.ui_create_task({"Subject": subject, "OwnerId": user.id, "ActivityDate": due.isoformat()}, as_user=user)


def _status(template: Template, sqs: Any, lambda_: LambdaService) -> dict[str, Any]:
    """What the page shows of failed work: each dead-letter queue's depth."""
    depths = {}
    for logical_id in sorted(feeds_of(template.document)):  # the queues the template sends failures to
        if logical_id in template.refs:  # built here (Event Relay's is not, without a partner source)
            attributes = sqs.get_queue_attributes(
                QueueUrl=template.refs[logical_id], AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]
            depths[logical_id] = int(attributes["ApproximateNumberOfMessages"])
    return {"deadLetters": depths, "asyncPending": lambda_.pending_async()}


def _reporter(function: str) -> Any:
    from tasksync.observability import logger

    def report(error: Exception) -> None:
        logger.error("an event source stumbled", function=function, error=str(error))

    return report


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="make run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--org-port", type=int, default=int(os.environ.get("ORG_PORT", "8443")))
    arguments = parser.parse_args(argv)
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    real_org = real_org_from(os.environ)
    with local_stack(arguments.port, arguments.org_port, real_org=real_org, say=print) as running:
        print("\n".join(running.lines), flush=True)
        where = f"http://localhost:{arguments.port}/" if real_org else f"{running.api.url}/"
        print(f"ready: open {where} (Ctrl-C stops everything)", file=sys.stderr, flush=True)
        stopping.wait()
    print("stopped", file=sys.stderr)
    return 0


def real_org_from(environ: Mapping[str, str]) -> RealOrg | None:
    """``SALESFORCE_LOGIN_URL`` and ``SALESFORCE_CLIENT_ID`` (with ``SALESFORCE_CLIENT_SECRET``, or
    ``SALESFORCE_PRIVATE_KEY_FILE`` for the JWT bearer flow, and ``POLL_MINUTES``) point the stack at a
    real org; without them it runs the emulator."""
    login_url, client_id = environ.get("SALESFORCE_LOGIN_URL"), environ.get("SALESFORCE_CLIENT_ID")
    if not login_url or not client_id:
        return None
    key_file = environ.get("SALESFORCE_PRIVATE_KEY_FILE")
    return RealOrg(
        login_url=login_url.rstrip("/"),
        client_id=client_id,
        client_secret=environ.get("SALESFORCE_CLIENT_SECRET") or None,
        private_key=Path(key_file).read_text() if key_file else None,
        poll_minutes=int(environ.get("POLL_MINUTES", "1")),
    )
