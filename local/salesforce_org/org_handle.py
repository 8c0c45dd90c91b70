"""The Python API of one org: users and tokens, settings, limits and faults, the harsher switches,
change events and the webhook, picklists and the recycle bin, and acting in the org as a user in
Lightning Experience or as the platform. ``OrgEmulator.create_org`` hands them out; the control API
(``control``) drives the same methods over HTTP.

See the package docstring for a tour.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from local.salesforce_org import formats, ids
from local.salesforce_org.automation import AutomationRule
from local.salesforce_org.cdc import ChangeType
from local.salesforce_org.event_relay import DEFAULT_ACCOUNT, DEFAULT_REGION, relay_envelope
from local.salesforce_org.faults import FaultKind, FaultRule
from local.salesforce_org.oauth import ConnectedApp
from local.salesforce_org.odds import Odds
from local.salesforce_org.org import Org, PicklistEntry, User
from local.salesforce_org.records import Actor, TaskWrites, lightning_origin, task_id
from local.salesforce_org.state import EmulatorState
from local.salesforce_org.webhook import WebhookConfig


class OrgHandle:
    """One org, as tests and the local stack drive it."""

    def __init__(self, state: EmulatorState, org: Org) -> None:
        self._state = state
        self.org = org

    @property
    def id(self) -> str:
        return self.org.id

    # -- users and tokens ------------------------------------------------------------------------------

    def create_user(
        self,
        username: str | None = None,
        *,
        last_name: str = "User",
        first_name: str | None = None,
        email: str | None = None,
        time_zone: str = "UTC",
    ) -> User:
        name = username or f"user{ids.new_id(ids.USER)[-8:].lower()}@{self.org.id[-6:].lower()}.emulator"
        return self._state.create_user(
            self.org, name, last_name=last_name, first_name=first_name, email=email, time_zone=time_zone
        )

    def user(self, user_id: str) -> User:
        user = self.org.users.get(ids.normalize(user_id) or "")
        if user is None:
            raise KeyError(f"no user {user_id} in org {self.org.id}")
        return user

    @property
    def users(self) -> list[User]:
        return list(self.org.users.values())

    def update_user(self, user: User | str, *, is_active: bool | None = None, time_zone: str | None = None) -> User:
        target = self.user(user if isinstance(user, str) else user.id)
        with self.org.lock:
            if is_active is not None:
                target.is_active = is_active
            if time_zone is not None:
                target.time_zone = time_zone
        return target

    def deactivate_user(self, user: User | str) -> User:
        """The user can no longer call the API (401) nor get tokens (``invalid_grant``)."""
        return self.update_user(user, is_active=False)

    def access_token(self, user: User | str, app: ConnectedApp | None = None) -> str:
        """A fresh access token for ``user`` (through ``app`` when given), valid for the org's session timeout."""
        target = self.user(user if isinstance(user, str) else user.id)
        return self._state.tokens.issue_access_token(self.org, target, app, self._state.now()).value

    def refresh_token(self, user: User | str, app: ConnectedApp) -> str:
        """A refresh token for ``user`` and ``app``, as the web-server flow would have given."""
        target = self.user(user if isinstance(user, str) else user.id)
        return self._state.tokens.issue_refresh_token(app, target, self._state.now()).value

    def revoke_tokens(self, user: User | str) -> int:
        """Revoke every refresh and access token of ``user``; returns how many were live."""
        target = self.user(user if isinstance(user, str) else user.id)
        return self._state.tokens.revoke_user(target.id)

    def expire_access_tokens(self, user: User | str | None = None) -> None:
        """Expire the live access tokens (of ``user``, or of everyone) now; refresh tokens stay valid."""
        user_id = None if user is None else self.user(user if isinstance(user, str) else user.id).id
        self._state.tokens.expire_access_tokens(user_id)

    # -- settings, limits, faults ----------------------------------------------------------------------

    def configure(
        self,
        *,
        session_timeout: timedelta | None = None,
        merge_identical_changes: bool | None = None,
        bulk_polls_before_complete: int | None = None,
        query_locator_idle: timedelta | None = None,
    ) -> dict[str, Any]:
        settings = self.org.settings
        if session_timeout is not None:
            settings.session_timeout = session_timeout
        if merge_identical_changes is not None:
            settings.merge_identical_changes = merge_identical_changes
        if bulk_polls_before_complete is not None:
            settings.bulk_polls_before_complete = bulk_polls_before_complete
        if query_locator_idle is not None:
            settings.query_locator_idle = query_locator_idle
        return settings.describe()

    def set_daily_api_limit(self, limit: int) -> None:
        self.org.usage.limit = limit

    def reset_api_usage(self) -> None:
        self.org.usage.reset()

    def api_usage(self) -> tuple[int, int]:
        """(calls in the last 24 hours, the daily limit)."""
        return self.org.usage.used(self._state.now()), self.org.usage.limit

    def inject_fault(
        self,
        kind: FaultKind | str,
        count: int = 1,
        *,
        methods: list[str] | None = None,
        path_contains: str | None = None,
        seconds: float = 0.0,
    ) -> FaultRule:
        return self.org.faults.add(kind, count, methods=methods, path_contains=path_contains, seconds=seconds)

    def set_latency(self, seconds: float) -> None:
        self.org.faults.latency_seconds = seconds

    def clear_faults(self) -> None:
        self.org.faults.clear()

    # -- how harsh the org is (all off by default) -----------------------------------------------------

    def set_clock_skew(self, offset: timedelta) -> None:
        """Run the org's clock ``offset`` ahead of (or, negative, behind) the emulator's: everything the
        org stamps (CreatedDate, LastModifiedDate, SystemModstamp, commitTimestamp, replication windows,
        recycle-bin ageing, event retention) moves; tokens, the API window and webhook signing keep the
        shared clock, which stays the sync's."""
        with self.org.lock:
            self.org.clock_skew = offset

    def omit_collections_client(self, probability: float, *, seed: int = 0) -> None:
        """With ``probability`` per call, an sObject Collections write (create, update, upsert, delete)
        publishes ``changeOrigin`` without its ``;client=`` part."""
        with self.org.lock:
            self.org.collections_without_client = Odds(probability, seed)

    def use_pubsub_shape(self, probability: float, *, seed: int = 0) -> None:
        """With ``probability`` per event, publish it in the Pub/Sub shape (every field, unchanged ones
        null, ``nulledFields``/``diffFields`` in the header, epoch dates) instead of the CometD one."""
        with self.org.lock:
            self.org.pubsub_shape = Odds(probability, seed)

    def add_automation(self, rule: AutomationRule) -> AutomationRule:
        """Run ``rule`` (``automation.PrefixOnSave``, ``SetWhenChanged``, ``RevertApiWrite``) in every
        save's transaction from now on, after the rules added before it."""
        with self.org.lock:
            self.org.automation.append(rule)
        return rule

    def clear_automation(self) -> None:
        with self.org.lock:
            self.org.automation.clear()

    # -- change events and the webhook -----------------------------------------------------------------

    def set_webhook(self, url: str, secret: str, **options: Any) -> WebhookConfig:
        """Post every change event from now on to ``url``, signed with ``secret``. Options:
        ``max_attempts``, ``base_delay``, ``max_delay``, ``timeout``, ``sign_with_emulator_clock``."""
        config = WebhookConfig(url=url, secret=secret, **options)
        self.org.webhook.configure(config)
        return config

    def clear_webhook(self) -> None:
        self.org.webhook.configure(None)

    def webhook_status(self) -> dict[str, Any]:
        return self.org.webhook.status()

    def wait_for_webhook(self, timeout: float = 10.0) -> bool:
        """Block until no event is queued or being posted; False on time-out."""
        return self.org.webhook.wait_idle(timeout)

    def webhook_faults(self, *, drop: int = 0, duplicate: int = 0, reorder: int = 0) -> None:
        self.org.webhook.inject(drop=drop, duplicate=duplicate, reorder=reorder)

    def relay_webhook(
        self, *, drop: float = 0.0, duplicate: float = 0.0, reorder: float = 0.0, window: int = 5, seed: int = 0
    ) -> None:
        """Relay-like delivery: each event, with these probabilities, is dropped for good, posted twice,
        or posted after 1 to ``window`` later events (``webhook``). All zero turns it off."""
        self.org.webhook.relay(drop=drop, duplicate=duplicate, reorder=reorder, window=window, seed=seed)

    def release_held_events(self) -> None:
        self.org.webhook.release_held()

    def clear_webhook_faults(self) -> None:
        self.org.webhook.clear_faults()

    def replay_to_webhook(self, after_replay_id: int | None = None) -> int:
        """Post the retained events after ``after_replay_id`` again (a subscriber replaying from a
        replay id); returns how many were queued."""
        events = self.org.events.after(after_replay_id, self.org.now())
        for event in events:
            self.org.webhook.submit(event)
        return len(events)

    def events(self, after: int | None = None) -> list[dict[str, Any]]:
        """The retained CometD messages after replay id ``after`` (all retained ones for None)."""
        return [e.message for e in self.org.events.after(after, self.org.now())]

    def relay_events(
        self, after: int | None = None, *, account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION
    ) -> list[dict[str, Any]]:
        """The retained events after replay id ``after`` as Event Relay would put them on an EventBridge
        partner event bus (``event_relay``): Pub/Sub-shaped payloads in the EventBridge envelope."""
        return [
            relay_envelope(e, org_id=self.org.id, channel_id=self.org.relay_channel_id, account=account, region=region)
            for e in self.org.events.after(after, self.org.now())
        ]

    def publish_field_conversion(self) -> dict[str, Any]:
        """Publish what converting a custom Task field to an incompatible type publishes: one UPDATE
        whose ``recordIds`` is ``["00T*"]``, with no record fields."""
        return self.org.publish_field_conversion().message

    def emit_gap(self, change_type: ChangeType | str, record_ids: Iterable[str] = ()) -> dict[str, Any]:
        kind = ChangeType(change_type)
        if not kind.value.startswith("GAP_"):
            raise ValueError(f"{kind.value} is not a gap event type")
        return self.org.publish_gap(kind, list(record_ids)).message

    def gap_next(self, count: int) -> None:
        """Publish the next ``count`` record changes as their GAP_ events (header only)."""
        with self.org.lock:
            self.org.gap_next += count

    # -- recycle bin and picklists ---------------------------------------------------------------------

    def empty_recycle_bin(self) -> list[str]:
        return self.org.empty_recycle_bin()

    def add_status(
        self, api_name: str, *, label: str | None = None, is_closed: bool = False, is_default: bool = False
    ) -> PicklistEntry:
        return self._add_value(self.org.statuses, api_name, label, is_default, is_closed=is_closed)

    def add_priority(
        self, api_name: str, *, label: str | None = None, is_high_priority: bool = False, is_default: bool = False
    ) -> PicklistEntry:
        return self._add_value(self.org.priorities, api_name, label, is_default, is_high_priority=is_high_priority)

    def _add_value(
        self, entries: list[PicklistEntry], api_name: str, label: str | None, is_default: bool, **flags: bool
    ) -> PicklistEntry:
        with self.org.lock:
            if any(e.api_name == api_name for e in entries):
                raise ValueError(f"the value {api_name} exists already")
            prefix = ids.TASK_STATUS if entries is self.org.statuses else ids.TASK_PRIORITY
            entry = PicklistEntry(
                ids.new_id(prefix),
                api_name,
                label or api_name,
                max((e.sort_order for e in entries), default=0) + 1,
                created=formats.to_second(self.org.now()),
                created_by=self.org.admin_user_id(),
                **flags,
            )
            entries.append(entry)
            if is_default:
                self._set_default(entries, api_name)
            return entry

    def set_default_status(self, api_name: str) -> None:
        self._set_default(self.org.statuses, api_name)

    def set_default_priority(self, api_name: str) -> None:
        self._set_default(self.org.priorities, api_name)

    def _set_default(self, entries: list[PicklistEntry], api_name: str) -> None:
        with self.org.lock:
            if not any(e.api_name == api_name for e in entries):
                raise KeyError(api_name)
            for entry in entries:
                entry.is_default = entry.api_name == api_name

    def rename_status(self, old: str, new: str, *, label: str | None = None) -> int:
        """Rename a Status value; the records holding it change too (and publish UPDATE events)."""
        return self._rename(self.org.statuses, "Status", old, new, label)

    def rename_priority(self, old: str, new: str, *, label: str | None = None) -> int:
        return self._rename(self.org.priorities, "Priority", old, new, label)

    def _rename(self, entries: list[PicklistEntry], field: str, old: str, new: str, label: str | None) -> int:
        actor = Actor(self.org.admin_user_id(), "")
        with TaskWrites(self.org, actor) as writes:
            entry = next((e for e in entries if e.api_name == old), None)
            if entry is None:
                raise KeyError(old)
            if any(e.api_name == new for e in entries):
                raise ValueError(f"the value {new} exists already")
            entry.api_name = new
            entry.label = label or new
            affected = [r for r in self.org.tasks.values() if r.get(field) == old]
            for record in affected:
                after = dict(record)
                after[field] = new
                after["SystemModstamp"] = writes.now
                writes.stage_system_change(record["Id"], after)
            writes.commit()
        return len(affected)

    # -- acting as a user in Lightning Experience, or as the platform ----------------------------------

    def _user_id(self, as_user: User | str | None) -> str:
        if as_user is None:
            user_id = self.org.admin_user_id()
            if not user_id:
                raise ValueError("the org has no user to act as")
            return user_id
        return self.user(as_user if isinstance(as_user, str) else as_user.id).id

    def _ui_actor(self, as_user: User | str | None) -> Actor:
        return Actor(self._user_id(as_user), lightning_origin())

    def ui_create_task(self, fields: Mapping[str, Any], *, as_user: User | str | None = None) -> str:
        """Create a Task as a user in Lightning Experience: not an API call (free); ``changeOrigin``
        ``com/salesforce/api/soap/59.0;client=SfdcInternalAPI/``, as Lightning edits have one."""
        with TaskWrites(self.org, self._ui_actor(as_user)) as writes:
            record_id = writes.create(fields)
            writes.commit()
        return record_id

    def ui_update_task(self, record_id: str, fields: Mapping[str, Any], *, as_user: User | str | None = None) -> None:
        with TaskWrites(self.org, self._ui_actor(as_user)) as writes:
            writes.update(task_id(record_id), fields)
            writes.commit()

    def ui_delete_task(self, record_id: str, *, as_user: User | str | None = None) -> None:
        with TaskWrites(self.org, self._ui_actor(as_user)) as writes:
            writes.delete(task_id(record_id))
            writes.commit()

    def ui_undelete_task(self, record_id: str, *, as_user: User | str | None = None) -> None:
        """Restore a Task from the recycle bin (publishes UNDELETE)."""
        with TaskWrites(self.org, self._ui_actor(as_user)) as writes:
            writes.undelete(task_id(record_id))
            writes.commit()

    def system_update_task(
        self, record_id: str, fields: Mapping[str, Any], *, as_user: User | str | None = None
    ) -> None:
        """Update a Task as the platform does outside any API and Lightning (a system job, a data fix):
        validated like a write, runs the org's automation, free, ``changeOrigin`` empty."""
        with TaskWrites(self.org, Actor(self._user_id(as_user))) as writes:
            writes.update(task_id(record_id), fields)
            writes.commit()

    def task(self, record_id: str) -> dict[str, Any]:
        """The stored Task (recycle bin included) as Python values; KeyError when there is none."""
        with self.org.lock:
            record = self.org.tasks.get(task_id(record_id))
            if record is None:
                raise KeyError(record_id)
            return dict(record)

    def tasks(self, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        with self.org.lock:
            return [dict(r) for r in self.org.tasks.values() if include_deleted or not r["IsDeleted"]]

    def bulk_jobs(self) -> list[dict[str, Any]]:
        """The org's Bulk API 2.0 query jobs (deleted ones gone), each as its job info."""
        with self.org.lock:
            return [job.info() for job in self._state.bulk_jobs.of_org(self.org.id)]

    def describe(self) -> dict[str, Any]:
        used, limit = self.api_usage()
        return {
            "id": self.org.id,
            "name": self.org.name,
            "users": [u.describe() for u in self.org.users.values()],
            "settings": self.org.settings.describe(),
            "clockSkewSeconds": self.org.clock_skew.total_seconds(),
            "collectionsWithoutClient": self.org.collections_without_client.describe(),
            "pubsubShape": self.org.pubsub_shape.describe(),
            "automation": [rule.describe() for rule in self.org.automation],
            "relayChannelId": self.org.relay_channel_id,
            "apiUsage": {"used": used, "max": limit},
            "lastReplayId": self.org.events.last_replay_id,
        }
