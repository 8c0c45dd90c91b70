"""One seeded run: users act while deliveries go on, then everything drains and is checked; then every
message ever sent is delivered once more, which must change nothing."""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from tasksync.domain.reminder_events import Origin
from tests.sim.first_import import not_imported
from tests.sim.history import Actor, SiaWrite, Switch
from tests.sim.invariants import Invariants
from tests.sim.oracle import MARGIN
from tests.sim.scenario import TEMPLATES, Users
from tests.sim.world import REPS, NeverQuiet, World


@dataclass(frozen=True)
class SimResult:
    seed: int
    violations: list[str]
    user_ops: int
    deliveries: int
    trace: list[str]


def run_seed(seed: int, steps: int = 120, *, tracing: bool = False, trace_failing: bool = True) -> SimResult:
    """A failing seed is run again with tracing on (the run is the same): its trace comes with it, unless
    ``trace_failing`` is off (a caller that shows no trace need not pay for the second run)."""
    # A seed's world is a web of references that only the cycle collector frees, and it grows as the run
    # goes: the collector's passes would scan it again and again (a tenth of a run). Off for the run, it
    # frees the world once, after: all of it is in the youngest generation.
    collecting = gc.isenabled()
    gc.disable()
    try:
        result = _run(seed, steps, tracing)
        if result.violations and not tracing and trace_failing:
            return _run(seed, steps, True)
        return result
    finally:
        if collecting:
            gc.enable()
            gc.collect(0)


def _run(seed: int, steps: int, tracing: bool) -> SimResult:
    world = World(seed, tracing=tracing)
    for user in REPS:
        template = world.rng.choice(TEMPLATES)
        world.state.save_settings(world.settings(user).model_copy(update={"subject_template": template}))
    users = Users(world)
    users.history(world.rng.randint(0, 6))
    users.before_sync(world.rng.randint(0, 3))
    try:
        world.drain()
        world.turn_sync_on()
        found = [f"after the first sync: {v}" for v in not_imported(world.history, world.org.records, REPS)]
        for _ in range(steps):
            world.tick()
            if world.rng.random() < 0.5:
                users.act()
            while world.rng.random() < 0.7 and world.deliver_due():
                pass
            world.scheduled_runs()
        users.settle()
        world.drain()
        # The event path alone must have brought every change it carried to both sides (SPEC 6).
        invariants = Invariants(world, users)
        found += [f"after the event path: {v}" for v in invariants.violations(exempt=_not_carried(world))]
        world.run_safety_nets()
        world.drain()
        found += invariants.violations()
        if world.deliver_news():
            found += [f"after the news: {v}" for v in invariants.violations()]
        found += _replay_changes_nothing(world)
    except NeverQuiet as loop:
        found = [str(loop)[:3000]]
    return SimResult(seed, found, users.user_ops, world.deliveries, world.trace)


def _not_carried(world: World) -> frozenset[str]:
    """What only the safety nets may bring over: the records and tasks of a message lost for good (a lost
    GAP_OVERFLOW names none: the records its transaction changed), and the tasks the rep changed around a
    revoked grant (their events met the pause; the SIA resync pushes them, and reconnecting reads back only
    the linked records, SPEC 5.5)."""
    lost = " ".join(world.queues.lost)
    ids = set(re.findall(r"00T\w{12}(?:\w{3})?|\bt-\d+|\bsf-00T\w+", lost))
    ids.update(*(records for key, records in world.org.overflowed.items() if key in lost))
    ids |= world.met_pause  # an event delivered into the pause, however long before the change was made
    pauses: dict[str, list[list[datetime]]] = {}
    for fact in world.history.facts:
        if isinstance(fact, Switch) and fact.what == "revoked":
            pauses.setdefault(fact.user, []).append([fact.at - MARGIN, fact.at + timedelta(days=1)])
        elif isinstance(fact, Switch) and fact.what == "reconnected" and fact.user in pauses:
            pauses[fact.user][-1][1] = fact.at
    for fact in world.history.facts:
        paused = isinstance(fact, SiaWrite) and any(start <= fact.at <= end for start, end in pauses.get(fact.user, []))
        if paused and isinstance(fact, SiaWrite) and fact.actor is Actor.USER:
            ids.add(fact.task_id)
    return frozenset(ids)


def _sync_writes(world: World) -> tuple[int, int]:
    """How many times the sync has written to Salesforce, and to SIA."""
    return world.org.writes_by_client, sum(1 for event in world.sia.events if event.origin is Origin.SYNC)


def _replay_changes_nothing(world: World) -> list[str]:
    """Every body delivered again, long after: no write on either side (no echo, idempotent)."""
    sf_before, sia_before = _sync_writes(world)
    world.replay()
    sf_after, sia_after = _sync_writes(world)
    found = []
    if sf_after != sf_before:
        found.append(f"replaying old events wrote {sf_after - sf_before} times to Salesforce")
    if sia_after != sia_before:
        found.append(f"replaying old events wrote {sia_after - sia_before} times to SIA")
    return found
