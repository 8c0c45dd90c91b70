"""Posting an org's change events to a webhook: one CometD message per POST, signed, retried, with
delivery faults on demand.

This stands in for whatever relays CDC to the sync in production (a CometD or Pub/Sub client in front
of the webhook), so its behaviour is the project's, not Salesforce's: header ``X-Tasksync-Signature:
t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the webhook secret>`` (SPEC section 8),
computed here (``signature``) so that the emulator shares no code with the sync it tests; retries with
exponential back-off on a non-2xx answer or a connection error (``max_attempts`` in all), then the
event is recorded as failed and the next one goes. Deliveries of one org go out one at a time, in
replay order, from one background thread.

Delivery faults, counted: ``drop`` (the next n events are never posted; they stay in the replay log),
``duplicate`` (the next n are posted twice), ``reorder`` (the next n are held and posted in reverse
order once n have gathered, or when ``release_held`` is called).

Relay-like delivery, by chance (``relay``; off by default). No relay promises order or exactly-once
delivery: EventBridge User Guide, "Event delivery from AWS services": "at least once" when durable, and
best effort "in some rare cases an event might not be delivered", with no ordering promised; an Apex
relay's failed callout is tried again only if its own code enqueues the job again (Apex Developer Guide,
"Transaction Finalizers"), and queued jobs run as resources allow, in no promised order (Apex Developer
Guide, "Queueable Apex"). So each event, with its own seeded probability, is dropped for good (never
posted, still in the replay log), posted twice, or held back and posted after 1 to ``window`` later events
(or when ``release_held`` is called). The three draw from seeds ``seed``, ``seed + 1`` and ``seed + 2``.
Counted faults apply first.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests

from local.salesforce_org.cdc import ChangeEvent
from local.salesforce_org.odds import Odds

SIGNATURE_HEADER = "X-Tasksync-Signature"


def signature(body: bytes, secret: str, timestamp: int) -> str:
    """The ``X-Tasksync-Signature`` value for ``body`` posted at ``timestamp`` (unix seconds):
    ``t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with secret>`` (SPEC section 8)."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret: str
    max_attempts: int = 5
    base_delay: float = 0.05
    """Seconds before the first retry; doubled for each further one, up to ``max_delay``."""
    max_delay: float = 2.0
    timeout: float = 5.0
    sign_with_emulator_clock: bool = False
    """Sign with the emulator clock's time instead of the machine's (when the receiver's clock is the
    emulator's too)."""

    def describe(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "maxAttempts": self.max_attempts,
            "baseDelay": self.base_delay,
            "maxDelay": self.max_delay,
            "timeout": self.timeout,
            "signWithEmulatorClock": self.sign_with_emulator_clock,
        }


@dataclass(frozen=True)
class DeliveryRecord:
    replay_id: int
    attempts: int
    status: int | None
    """The last HTTP status, None after connection errors only."""
    delivered: bool
    error: str | None = None


@dataclass
class DeliveryFaults:
    drop: int = 0
    duplicate: int = 0
    reorder: int = 0
    held: list[ChangeEvent] = field(default_factory=list)


@dataclass
class RelayFaults:
    drop: Odds = field(default_factory=Odds)
    duplicate: Odds = field(default_factory=Odds)
    reorder: Odds = field(default_factory=Odds)
    window: int = 5
    """A reordered event goes out after 1 to this many later events."""

    def describe(self) -> dict[str, Any]:
        return {
            "drop": self.drop.probability,
            "duplicate": self.duplicate.probability,
            "reorder": self.reorder.probability,
            "window": self.window,
            "seed": self.drop.seed,
        }


@dataclass
class _Delayed:
    events_to_wait: int
    batch: list[ChangeEvent]


class WebhookDelivery:
    def __init__(self, org_id: str, now: Callable[[], datetime]) -> None:
        self.org_id = org_id
        self._now = now
        self._config: WebhookConfig | None = None
        self._queue: deque[ChangeEvent] = deque()
        self._faults = DeliveryFaults()
        self._relay = RelayFaults()
        self._delayed: list[_Delayed] = []
        self._records: list[DeliveryRecord] = []
        self._busy = False
        self._stopped = False
        self._cond = threading.Condition()
        self._session = requests.Session()
        self._session.trust_env = False
        self._thread = threading.Thread(target=self._run, name=f"webhook-{org_id}", daemon=True)
        self._thread.start()

    # -- configuration ---------------------------------------------------------------------------------

    def configure(self, config: WebhookConfig | None) -> None:
        with self._cond:
            self._config = config
            self._cond.notify_all()

    def inject(self, *, drop: int = 0, duplicate: int = 0, reorder: int = 0) -> None:
        with self._cond:
            self._faults.drop += drop
            self._faults.duplicate += duplicate
            if reorder:
                self._faults.reorder = reorder

    def relay(
        self, *, drop: float = 0.0, duplicate: float = 0.0, reorder: float = 0.0, window: int = 5, seed: int = 0
    ) -> None:
        """Relay-like delivery from now on (all zero: off)."""
        if window < 1:
            raise ValueError("window must be at least 1")
        relay = RelayFaults(Odds(drop, seed), Odds(duplicate, seed + 1), Odds(reorder, seed + 2), window)
        with self._cond:
            self._relay = relay

    def release_held(self) -> None:
        """Post the events held back now: the counted ones in reverse order, then the delayed ones."""
        with self._cond:
            self._release_held()
            self._release_delayed()
            self._cond.notify_all()

    def clear_faults(self) -> None:
        with self._cond:
            self._faults.drop = self._faults.duplicate = self._faults.reorder = 0
            self._relay = RelayFaults()
            self._release_held()
            self._release_delayed()
            self._cond.notify_all()

    # -- events ----------------------------------------------------------------------------------------

    def submit(self, event: ChangeEvent) -> None:
        """Queue ``event`` for posting; a no-op while no webhook is configured."""
        with self._cond:
            if self._config is None or self._stopped:
                return
            faults, relay = self._faults, self._relay
            if faults.drop > 0 or relay.drop.hit():
                faults.drop = max(faults.drop - 1, 0)
                self._records.append(DeliveryRecord(event.replay_id, 0, None, False, "dropped"))
                return
            copies = 1
            if faults.duplicate > 0 or relay.duplicate.hit():
                faults.duplicate = max(faults.duplicate - 1, 0)
                copies = 2
            batch = [event] * copies
            delayed = None
            if faults.reorder > 0:
                faults.held.extend(batch)
                if len({e.replay_id for e in faults.held}) >= faults.reorder:
                    self._release_held()
            elif relay.reorder.hit():
                delayed = _Delayed(relay.reorder.up_to(relay.window), batch)
            else:
                self._queue.extend(batch)
            self._count_down()
            if delayed is not None:
                self._delayed.append(delayed)
            self._cond.notify_all()

    def _count_down(self) -> None:
        """One more event went by: queue the delayed ones whose wait is over."""
        waiting = []
        for entry in self._delayed:
            entry.events_to_wait -= 1
            if entry.events_to_wait <= 0:
                self._queue.extend(entry.batch)
            else:
                waiting.append(entry)
        self._delayed = waiting

    def _release_held(self) -> None:
        held = self._faults.held
        self._faults.held = []
        self._faults.reorder = 0
        self._queue.extend(reversed(held))

    def _release_delayed(self) -> None:
        for entry in self._delayed:
            self._queue.extend(entry.batch)
        self._delayed = []

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once nothing is queued or being posted (held and delayed events do not count), False on
        time-out."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def status(self) -> dict[str, Any]:
        with self._cond:
            return {
                "config": self._config.describe() if self._config else None,
                "queued": len(self._queue),
                "held": [e.replay_id for e in self._faults.held],
                "delayed": [e.replay_id for entry in self._delayed for e in entry.batch],
                "relay": self._relay.describe(),
                "pendingFaults": {
                    "drop": self._faults.drop,
                    "duplicate": self._faults.duplicate,
                    "reorder": self._faults.reorder,
                },
                "deliveries": [
                    {
                        "replayId": r.replay_id,
                        "attempts": r.attempts,
                        "status": r.status,
                        "delivered": r.delivered,
                        "error": r.error,
                    }
                    for r in self._records
                ],
            }

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._queue.clear()
            self._cond.notify_all()
        self._thread.join(timeout=5)
        self._session.close()

    # -- the delivery thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and not (self._queue and self._config is not None):
                    self._cond.wait()
                if self._stopped:
                    return
                event = self._queue.popleft()
                config = self._config
                self._busy = True
            assert config is not None
            try:
                record = self._post_with_retries(event, config)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
            with self._cond:
                self._records.append(record)
                self._cond.notify_all()

    def _post_with_retries(self, event: ChangeEvent, config: WebhookConfig) -> DeliveryRecord:
        body = event.body()
        status: int | None = None
        error: str | None = None
        delay = config.base_delay
        for attempt in range(1, config.max_attempts + 1):
            if self._stopped:
                return DeliveryRecord(event.replay_id, attempt - 1, status, False, "stopped")
            stamp = self._now().timestamp() if config.sign_with_emulator_clock else time.time()
            headers = {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: signature(body, config.secret, int(stamp)),
            }
            try:
                response = self._session.post(config.url, data=body, headers=headers, timeout=config.timeout)
                status, error = response.status_code, None
                response.close()
                if 200 <= status < 300:
                    return DeliveryRecord(event.replay_id, attempt, status, True)
                error = f"HTTP {status}"
            except requests.RequestException as exc:
                status, error = None, type(exc).__name__
            if attempt < config.max_attempts:
                time.sleep(delay)
                delay = min(delay * 2, config.max_delay)
        return DeliveryRecord(event.replay_id, config.max_attempts, status, False, error)
