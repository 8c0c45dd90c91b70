"""A Salesforce org emulator for tests and the local stack (never deployed).

It speaks, over real HTTPS, the parts of Salesforce the sync uses: OAuth (the web-server flow's
authorize page and code exchange, the refresh token and JWT bearer grants, revocation, the identity URL
and userinfo), the REST API for Task (sObject rows, upsert by ``Tasksync_Id__c``,
describe, sObject Collections, SOQL query/queryAll/queryMore with a real grammar, getUpdated /
getDeleted, limits), Bulk API 2.0 query jobs, and Change Data Capture events for Task, posted to a
webhook with the ``X-Tasksync-Signature`` of SPEC section 8 (computed here: the emulator imports no
product code). Each behaviour cites the documentation page it follows; docs/decisions/0003 lists what is
modelled, what is left out and what had to be chosen where the docs are silent.

Start one, make an org, a user and a connected app::

    from local.salesforce_org import OrgEmulator

    with OrgEmulator.start() as emu:                   # https://127.0.0.1:<free port>
        org = emu.create_org("Acme")
        rep = org.create_user("rep@acme.test", last_name="Rep", time_zone="Europe/Paris")
        app = emu.create_connected_app("tasksync", rotate_refresh_tokens=True, jwt_public_key=pem)
        token = org.access_token(rep)                  # a session id, valid the org's session timeout
        refresh = org.refresh_token(rep, app)          # for POST {emu.token_url} grant_type=refresh_token

        session = emu.http_session()                   # verify=emu.ca_path, trust_env=False
        sf = Salesforce(instance_url=emu.instance_url, session_id=token, session=session)

Connect as a rep would, through the web-server flow (``web_server_flow``)::

        app = emu.create_connected_app("tasksync", callback_urls=["https://app.test/callback"])
        url = f"{emu.authorize_url}?response_type=code&client_id={app.client_id}&redirect_uri=...&state=s"
        # a browser shows the login-and-approve page at url; a script presses Allow as the rep:
        location = emu.approve_authorization(url, rep.username)   # https://app.test/callback?code=...&state=s
        # or POSTs the page's form itself: the authorize parameters + username=<rep> + action=allow|deny
        # then POST {emu.token_url}: grant_type=authorization_code, code, client_id, client_secret,
        # redirect_uri (+ code_verifier); revoke at {emu.revoke_url}; who it is at the answer's "id"

Drive it:

- time: ``emu.clock.set(datetime)``, ``emu.clock.advance(timedelta(days=16))``, ``emu.clock.resume()``
  (the emulator's "now" for token expiry, windows, date literals, retention);
- webhook: ``org.set_webhook(url, secret)``, ``org.wait_for_webhook()``, ``org.webhook_status()``,
  delivery faults ``org.webhook_faults(drop=1, duplicate=1, reorder=3)``, ``org.replay_to_webhook(id)``;
- events: ``org.events(after=replay_id)``, ``org.emit_gap("GAP_UPDATE", [task_id])``,
  ``org.emit_gap("GAP_OVERFLOW")``, ``org.gap_next(2)``, ``org.publish_field_conversion()`` (one UPDATE for
  ``00T*``), ``org.relay_events()`` (the retained events as Event Relay puts them on EventBridge);
- faults: ``org.inject_fault("UNABLE_TO_LOCK_ROW", 2)``, ``"REQUEST_LIMIT_EXCEEDED"``,
  ``"SERVER_UNAVAILABLE"``, ``"SLOW_RESPONSE"`` (``seconds=``), ``org.set_latency(0.2)``,
  ``org.set_daily_api_limit(100)``, ``org.revoke_tokens(rep)``, ``org.deactivate_user(rep)``,
  ``org.expire_access_tokens()``;
- the org: ``org.ui_create_task({...})`` / ``ui_update_task`` / ``ui_delete_task`` /
  ``ui_undelete_task`` (as a user in Lightning Experience: free, ``changeOrigin``
  ``com/salesforce/api/soap/59.0;client=SfdcInternalAPI/``), ``org.system_update_task(id, {...})`` (as
  the platform, outside any API: empty ``changeOrigin``), ``org.empty_recycle_bin()``,
  ``org.add_status(...)``, ``org.rename_status(old, new)``, ``org.configure(merge_identical_changes=False)``
  (identical changes of one transaction merge into one event by default, as in Salesforce);
- what the org holds: ``org.task(id)``, ``org.tasks(include_deleted=True)`` (stored records as Python
  values), ``org.bulk_jobs()`` (its Bulk API 2.0 query jobs), ``org.api_usage()``, ``org.describe()``.

Harsher still, off by default, each seeded so that a run reproduces:

- ``org.omit_collections_client(p, seed=0)``: an sObject Collections write publishes ``changeOrigin``
  without ``;client=``;
- ``org.use_pubsub_shape(p, seed=0)``: an event comes in the Pub/Sub shape (every field, unchanged ones
  null, ``nulledFields``/``diffFields`` in the header, epoch dates) instead of the CometD one;
- ``org.relay_webhook(drop=p, duplicate=p, reorder=p, window=5, seed=0)``: relay-like delivery;
- ``org.set_clock_skew(timedelta(seconds=90))``: the org stamps by a clock ahead of (or behind) the
  sync's;
- ``org.add_automation(PrefixOnSave("[Acme] "))``, ``SetWhenChanged("Status", "Completed", "Priority",
  "High")``, ``RevertApiWrite("ActivityDate")``, each with ``odds=Odds(p, seed)``: flows and triggers that
  change a save in its own transaction.

The same controls exist over HTTP under ``/__emulator`` (see ``control``). ``python -m
local.salesforce_org`` (``make org``) starts one with a ready org and prints what a client needs.
"""

from local.salesforce_org.automation import PrefixOnSave, RevertApiWrite, SetWhenChanged
from local.salesforce_org.cdc import ChangeType
from local.salesforce_org.clock import Clock
from local.salesforce_org.emulator import OrgEmulator
from local.salesforce_org.faults import FaultKind
from local.salesforce_org.oauth import ConnectedApp
from local.salesforce_org.odds import Odds
from local.salesforce_org.org import User
from local.salesforce_org.org_handle import OrgHandle

__all__ = [
    "ChangeType",
    "Clock",
    "ConnectedApp",
    "FaultKind",
    "Odds",
    "OrgEmulator",
    "OrgHandle",
    "PrefixOnSave",
    "RevertApiWrite",
    "SetWhenChanged",
    "User",
]
