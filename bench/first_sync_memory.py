"""Peak memory of a first sync through the real gateway's Bulk API 2.0 path, 10,000 against 100,000
tasks: ``PYTHONPATH=layers/tasksync:. python bench/first_sync_memory.py [--sizes 10000 100000]``.

- Salesforce is the org emulator (local/salesforce_org) over HTTPS, in a process of its own, so that its
  records and Bulk jobs are not counted: one org, a rep per size, each rep's tasks changed in the last
  hours with a Description of a couple of hundred characters.
- Each size runs in a fresh interpreter (nothing cached from the other): ``run_first_sync`` as the
  handler calls it (no time limit), with the real gateway (``connect``: simple-salesforce, the Bulk
  path above 2,000 rows, pages of ``bulk_page_size``) and the engine and use cases as they are. Only
  the SIA store and the sync state are sinks that keep nothing, because in Lambda they are DynamoDB:
  what a first sync writes leaves the process.
- Measured: tracemalloc's peak of the Python heap while the sync runs (the figure the target is set on),
  the process's peak resident set (``ru_maxrss``, everything: interpreter, libraries, OpenSSL), the
  Salesforce API calls the gateway counted (REST responses; the org's picklists included, as in a cold
  container; token requests are not calls), and the time taken.

The target (docs/decisions/0010-first-sync-at-any-size.md): the peak for 100,000 tasks at most 1.5 times
the peak for 10,000, and a first sync of 10,000 tasks in at most 10 Salesforce calls.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import resource
import sys
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "layers" / "tasksync"):
    sys.path.insert(0, str(path))

TARGET_RATIO = 1.5
TARGET_CALLS = 10
DESCRIPTION = "Follow up on the renewal: pricing for the second year, the new seats, and who signs. " * 2


@dataclass(frozen=True)
class Org:
    instance_url: str
    ca_path: str
    org_id: str
    reps: dict[int, tuple[str, str]]
    """Size -> (Salesforce user id, access token)."""


@dataclass(frozen=True)
class Measured:
    size: int
    state: str
    total: int | None
    imported: int
    peak_bytes: int
    max_rss_kib: int
    calls: int
    seconds: float


def serve_org(sizes: list[int], answer: Connection, stop: Event) -> None:
    """The emulator's process: an org with a rep per size, each with that many tasks, until ``stop``."""
    from local.salesforce_org import OrgEmulator

    with OrgEmulator.start() as emulator:
        org = emulator.create_org("First sync bench")
        org.set_daily_api_limit(10**9)
        reps = {}
        for size in sizes:
            user = org.create_user(last_name=f"Rep{size}", first_name="Bench")
            for n in range(size):
                org.ui_create_task(
                    {"Subject": f"Follow up {n}", "OwnerId": user.id, "Description": DESCRIPTION}, as_user=user
                )
            reps[size] = (user.id, org.access_token(user))
        answer.send(Org(emulator.instance_url, emulator.ca_path, org.id, reps))
        stop.wait()


def first_sync(org: Org, size: int, answer: Connection) -> None:
    """One measured first sync, in a fresh interpreter."""
    from tasksync.adapters.salesforce.auth import AccessToken, TokenCache
    from tasksync.adapters.salesforce.credentials import SecretStore
    from tasksync.adapters.salesforce.gateway import connect
    from tasksync.adapters.salesforce.settings import GatewaySettings
    from tasksync.domain.field_map import FieldMap
    from tasksync.domain.reminder_events import Origin, ReminderEventKind
    from tasksync.domain.reminder_task import ReminderTask
    from tasksync.domain.settings import SalesforceConnection, SyncSettings
    from tasksync.domain.sync_link import SyncLink
    from tasksync.use_cases.first_sync import run_first_sync
    from tasksync.use_cases.services import SyncServices
    from tests.fakes.linked_task_writes import InMemoryLinkedTaskWrites
    from tests.fakes.reminder_store import InMemoryReminderStore
    from tests.fakes.sync_state import InMemorySyncState

    class SinkStore(InMemoryReminderStore):
        """The SIA store as DynamoDB is to a Lambda: what is written leaves the process."""

        def _store(self, task: ReminderTask) -> None:
            pass

        def _publish(self, kind: ReminderEventKind, task: ReminderTask, origin: Origin, now: datetime) -> None:
            pass  # the table's stream publishes, not the process

    class SinkState(InMemorySyncState):
        """Settings and cursors kept (one rep's), links written away."""

        def save_link(self, link: SyncLink) -> SyncLink:
            return link.model_copy(update={"revision": link.revision + 1})

    sf_user, token = org.reps[size]
    secret = f"bench/salesforce/{sf_user}"
    tokens = TokenCache()
    tokens.put(secret, AccessToken(token, org.instance_url))
    gateway = connect(
        secret,
        GatewaySettings(client_id="tasksync_bench", ca_bundle=org.ca_path, bulk_poll_seconds=0.2),
        secrets=SecretStore(),
        token_cache=tokens,
    )
    field_maps: list[FieldMap] = []

    def field_map(settings: SyncSettings) -> FieldMap:
        if not field_maps:  # a cold container: the org's picklists, two calls
            field_maps.append(FieldMap.from_picklists(gateway.picklists()))
        return field_maps[0]

    state, store = SinkState(), SinkStore()
    services = SyncServices(
        settings=state,
        links=state,
        errors=state,
        reminders=store,
        linked=InMemoryLinkedTaskWrites(store, state),
        salesforce=lambda settings: gateway,
        field_maps=field_map,
        client_id="tasksync_bench",
        clock=lambda: datetime.now(UTC),
    )
    connection = SalesforceConnection(
        org_id=org.org_id, sf_user_id=sf_user, instance_url=org.instance_url, secret_name=secret
    )
    state.save_settings(
        SyncSettings(user_id="bench-rep", enabled=True, enabled_at=datetime.now(UTC), connection=connection)
    )

    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    progress = run_first_sync("bench-rep", services, state)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    answer.send(
        Measured(size, progress.state.value, progress.total, progress.imported, peak, max_rss, gateway.calls, seconds)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args(argv)
    spawn = multiprocessing.get_context("spawn")
    received, sent = spawn.Pipe(duplex=False)
    stop = spawn.Event()
    emulator = spawn.Process(target=serve_org, args=(args.sizes, sent, stop), daemon=True)
    emulator.start()
    try:
        org: Org = received.recv()
        results: list[Measured] = []
        for size in args.sizes:
            measuring = spawn.Process(target=first_sync, args=(org, size, sent))
            measuring.start()
            while not received.poll(1):
                if not measuring.is_alive():
                    raise SystemExit(f"the first sync of {size:,} tasks died (exit code {measuring.exitcode})")
            results.append(received.recv())
            measuring.join()
    finally:
        stop.set()
        emulator.join(timeout=30)
    heading = ("tasks", "state", "total", "imported", "peak heap", "max RSS", "calls", "time")
    print(" ".join(f"{name:>{width}}" for name, width in zip(heading, (8, 6, 8, 8, 10, 9, 5, 7), strict=True)))
    for r in results:
        print(
            f"{r.size:>8,} {r.state:>6} {r.total or 0:>8,} {r.imported:>8,} {r.peak_bytes / 2**20:>7.1f} MiB"
            f" {r.max_rss_kib / 1024:>5.0f} MiB {r.calls:>5} {r.seconds:>6.1f}s"
        )
    smallest, largest = results[0], results[-1]
    ratio = largest.peak_bytes / smallest.peak_bytes
    print(f"peak heap, {largest.size:,} against {smallest.size:,} tasks: {ratio:.2f} (target at most {TARGET_RATIO})")
    print(f"Salesforce calls for {smallest.size:,} tasks: {smallest.calls} (target at most {TARGET_CALLS})")
    met = ratio <= TARGET_RATIO and smallest.calls <= TARGET_CALLS and all(r.imported == r.size for r in results)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
