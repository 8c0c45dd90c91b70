"""What must hold once every delivery has been made: the oracle's verdict (``tests.sim.oracle``, which
knows nothing of the product's rules but SPEC's), and that the sync's own writes stay bounded."""

from __future__ import annotations

from tasksync.domain.reminder_events import Origin
from tasksync.domain.settings import ConnectionStatus
from tests.sim.oracle import Judge, Model
from tests.sim.scenario import REFUSED, Users
from tests.sim.world import REPS, World

WRITES_PER_USER_OP = 4


class Invariants:
    """One run's checks, made as often as the run asks: the oracle's model of its history is taken
    further each time, not made again from the first fact."""

    def __init__(self, world: World, users: Users) -> None:
        self.world = world
        self.users = users
        self._model: Model | None = None

    def violations(self, exempt: frozenset[str] = frozenset()) -> list[str]:
        world, users = self.world, self.users
        templates = {user: world.settings(user).subject_template for user in REPS}
        if self._model is None or self._model.templates != templates:
            self._model = Model(REPS, templates)  # the facts replayed so far were rendered with others
        found = Judge(
            self._model.take_in(world.history),
            sia=world.sia.tasks,
            salesforce=world.org.records,
            errors=world.state.errors,
            refused=REFUSED if users.validation_rule else None,
            subject_prefix=users.subject_prefix,
            exempt=exempt,
            recycled=frozenset(world.org.recycle_bin),
        ).verdict()
        # No echo loops: the sync's own writes stay within a bound of what the users did.
        sync_events = sum(1 for event in world.sia.events if event.origin is Origin.SYNC)
        sync_writes = world.org.writes_by_client + world.org.refused_writes + sync_events
        bound = WRITES_PER_USER_OP * users.user_ops + 2 * world.redeliveries + 10
        if sync_writes > bound:
            found.append(f"{sync_writes} sync writes for {users.user_ops} user actions: an echo loop?")
        # A revoked grant pauses the rep's sync and says so (SPEC 7, 9: the connection's state is "revoked").
        found += world.unsaid
        for user in sorted(world.refused_grant):
            connection = world.settings(user).connection
            if connection is None or connection.status is not ConnectionStatus.REVOKED:
                found.append(f"{user}: a call met the revoked grant, yet the connection does not say it is revoked")
        return found
