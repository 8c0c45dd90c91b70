"""``python -m local.salesforce_org``: an emulator with one ready org, serving until SIGINT/SIGTERM.

Prints, one per line and in this order, ``SALESFORCE_INSTANCE_URL``, ``SALESFORCE_CA_BUNDLE``,
``SALESFORCE_ORG_ID``, ``SALESFORCE_USER_ID``, ``SALESFORCE_ACCESS_TOKEN``, then
``SALESFORCE_USERNAME``, ``SALESFORCE_CLIENT_ID``, ``SALESFORCE_CLIENT_SECRET``,
``SALESFORCE_REFRESH_TOKEN``, ``SALESFORCE_TOKEN_URL``, then ``SALESFORCE_LOGIN_URL``,
``SALESFORCE_AUTHORIZE_URL``, ``SALESFORCE_REVOKE_URL`` and ``SALESFORCE_CALLBACK_URLS`` (space-separated:
the connected app's Callback URLs, where the web-server flow may send a code).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import timedelta
from pathlib import Path
from types import FrameType

from local.salesforce_org.emulator import OrgEmulator
from local.salesforce_org.oauth import ConnectedApp
from local.salesforce_org.org import User
from local.salesforce_org.org_handle import OrgHandle

DEFAULT_CALLBACK_URL = "http://127.0.0.1:3000/v1/oauth/salesforce/callback"
"""The product's callback route (issue 9) on ``sam local start-api``'s default address."""


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.salesforce_org", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443, help="0 picks a free port (default 8443)")
    parser.add_argument("--ca-file", type=Path, help="where to write the CA certificate (default: a temp dir)")
    parser.add_argument("--username", default="rep@tasksync.emulator")
    parser.add_argument("--rotate-refresh-tokens", action="store_true")
    parser.add_argument("--session-hours", type=float, default=2.0, help="access token lifetime")
    parser.add_argument("--webhook-url", help="post the org's change events here")
    parser.add_argument("--webhook-secret", help="secret for X-Tasksync-Signature (with --webhook-url)")
    parser.add_argument(
        "--callback-url",
        action="append",
        dest="callback_urls",
        help=f"a Callback URL of the connected app (repeatable; default {DEFAULT_CALLBACK_URL})",
    )
    return parser.parse_args(argv)


def salesforce_lines(
    emu: OrgEmulator, org: OrgHandle, user: User, app: ConnectedApp, callback_urls: list[str]
) -> list[str]:
    """What a client of the org needs, one ``NAME=value`` a line (``make org``, ``make run``)."""
    return [
        f"SALESFORCE_INSTANCE_URL={emu.instance_url}",
        f"SALESFORCE_CA_BUNDLE={emu.ca_path}",
        f"SALESFORCE_ORG_ID={org.id}",
        f"SALESFORCE_USER_ID={user.id}",
        f"SALESFORCE_ACCESS_TOKEN={org.access_token(user, app)}",
        f"SALESFORCE_USERNAME={user.username}",
        f"SALESFORCE_CLIENT_ID={app.client_id}",
        f"SALESFORCE_CLIENT_SECRET={app.client_secret}",
        f"SALESFORCE_REFRESH_TOKEN={org.refresh_token(user, app)}",
        f"SALESFORCE_TOKEN_URL={emu.token_url}",
        f"SALESFORCE_LOGIN_URL={emu.instance_url}",
        f"SALESFORCE_AUTHORIZE_URL={emu.authorize_url}",
        f"SALESFORCE_REVOKE_URL={emu.revoke_url}",
        f"SALESFORCE_CALLBACK_URLS={' '.join(callback_urls)}",
    ]


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    with OrgEmulator.start(host=args.host, port=args.port, ca_file=args.ca_file) as emu:
        org = emu.create_org("Tasksync Local")
        org.configure(session_timeout=timedelta(hours=args.session_hours))
        user = org.create_user(args.username, first_name="Local", last_name="Rep")
        callback_urls = args.callback_urls or [DEFAULT_CALLBACK_URL]
        app = emu.create_connected_app(
            "tasksync", rotate_refresh_tokens=args.rotate_refresh_tokens, callback_urls=callback_urls
        )
        if args.webhook_url:
            if not args.webhook_secret:
                print("--webhook-secret is required with --webhook-url", file=sys.stderr)
                return 2
            org.set_webhook(args.webhook_url, args.webhook_secret)
        lines = salesforce_lines(emu, org, user, app, callback_urls)
        print("\n".join(lines), flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
