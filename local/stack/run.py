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
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
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


@contextmanager
def local_stack(port: int = 3000, org_port: int = 8443, *, say: Any = print) -> Iterator[Running]:
    stop = threading.Event()
    with ExitStack() as cleanup:
        say("starting moto (AWS), the Salesforce org emulator, the API...", file=sys.stderr)
        aws_url = _start_moto(cleanup)
        emulator = OrgEmulator.start(port=org_port)
        cleanup.callback(emulator.stop)
        os.environ["SALESFORCE_CA_BUNDLE"] = emulator.ca_path
        template = Template({"Stage": "local"}, STACK)
        functions = functions_of(template)
        clients = AwsClients(*(boto3.client(name) for name in ("dynamodb", "sqs", "events")))
        build_resources(template, clients)
        _set_environment(function_environment(template, functions))
        lambda_ = LambdaService(template, functions, clients.sqs)
        cleanup.enter_context(_local_invocations(lambda_))

        org = emulator.create_org("Tasksync Local")
        user = org.create_user(DEMO_USERNAME, first_name="Demo", last_name="Rep")
        api_url = f"http://127.0.0.1:{port}"
        callback = f"{api_url}/v1/oauth/salesforce/callback"
        app = emulator.create_connected_app("tasksync", rotate_refresh_tokens=True, callback_urls=[callback])
        secrets = boto3.client("secretsmanager")
        _connected_app_secret(secrets, app, emulator.instance_url)
        webhook = create_webhook_secret(secrets, org.id, "local", prefix="tasksync", api_url=api_url)
        _demo_rep(secrets, org, user, app, emulator.instance_url)
        _demo_tasks(org, user)

        issuer = LocalIssuer()
        panel = OrgPanel(org, user)
        api = LocalApi(
            "127.0.0.1",
            port,
            lambda_,
            issuer,
            panel.handle,
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
        org.set_webhook(webhook.url or "", webhook.secret)

        lines = [
            f"TASKSYNC_API_URL={api_url}",
            f"TASKSYNC_USER_ID={DEMO_USER}",
            f"TASKSYNC_TOKEN={issuer.mint(DEMO_USER, hours=TOKEN_HOURS)}",
            f"TASKSYNC_WEBHOOK_SECRET={webhook.secret}",
            f"TASKSYNC_AWS_ENDPOINT_URL={aws_url}",
            *salesforce_lines(emulator, org, user, app, [callback]),
        ]
        yield Running(lines, api, lambda_, stop)


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


def _connected_app_secret(secrets: Any, app: ConnectedApp, login_url: str) -> None:
    value = {"client_id": app.client_id, "client_secret": app.client_secret, "login_url": login_url}
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
    for logical_id in template.resources("AWS::SQS::Queue"):
        if logical_id.endswith("DLQ"):
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
    with local_stack(arguments.port, arguments.org_port, say=print) as running:
        print("\n".join(running.lines), flush=True)
        print(f"ready: open {running.api.url}/ (Ctrl-C stops everything)", file=sys.stderr, flush=True)
        stopping.wait()
    print("stopped", file=sys.stderr)
    return 0
