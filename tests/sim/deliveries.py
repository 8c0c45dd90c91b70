"""The sync's queues as SQS and the relay deliver: late, twice, out of order, now and then never, and a
failed message back after a visibility time-out that grows with each receive (capped)."""

from __future__ import annotations

import heapq
import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class Side(StrEnum):
    SALESFORCE = "sf"
    SIA = "sia"
    RECONCILIATION = "reconciliation"
    """An asynchronous invocation of the reconciliation function (a whole-entity change event's)."""


SIDES = tuple(Side)
"""The queues in order, for the loop of every delivery step: iterating the enum builds a generator."""


@dataclass(frozen=True)
class DeliveryFaults:
    duplicate: float = 0.15
    max_delay_ms: int = 8_000
    dropped: dict[Side, float] = field(default_factory=lambda: {Side.SALESFORCE: 0.03, Side.SIA: 0.01})
    held_back: float = 0.08
    """An event held back behind 1 .. ``max_behind`` later ones (the relay reorders)."""
    max_behind: int = 4
    first_retry: timedelta = timedelta(seconds=2)
    last_retry: timedelta = timedelta(seconds=725)
    """The SIA queue's visibility time-out (template.yaml): no retry waits longer."""

    @classmethod
    def none(cls) -> DeliveryFaults:
        return cls(duplicate=0, max_delay_ms=0, dropped={}, held_back=0)


@dataclass
class Delivery:
    due: datetime
    seq: int
    side: Side = field(compare=False)
    body: str = field(compare=False)
    receives: int = field(default=0, compare=False)


@dataclass
class _Held:
    behind: int
    delivery: Delivery


class Queues:
    def __init__(self, rng: random.Random, faults: DeliveryFaults) -> None:
        self.rng = rng
        self.faults = faults
        self._ready: dict[Side, list[tuple[datetime, int, Delivery]]] = {side: [] for side in Side}
        """Heaps of (due, seq, delivery): tuples compare faster than the dataclass's generated order."""
        self._held: dict[Side, list[_Held]] = {side: [] for side in Side}
        self._seq = itertools.count()
        self.dropped = 0
        self.lost: list[str] = []
        """The bodies dropped for good, for the check made before the safety nets run."""

    def __bool__(self) -> bool:
        return any(self._ready.values()) or any(self._held.values())

    def lose(self, body: str) -> None:
        """A message that never arrives."""
        self.dropped += 1
        self.lost.append(body)

    def send(self, side: Side, body: str, now: datetime) -> None:
        """A message sent: lost now and then, sometimes twice, each copy late and maybe held back."""
        faults = self.faults
        if self.rng.random() < faults.dropped.get(side, 0.0):
            self.lose(body)
            return
        for _ in range(2 if self.rng.random() < faults.duplicate else 1):
            delivery = Delivery(self._late(now), next(self._seq), side, body)
            if self.rng.random() < faults.held_back:
                self._held[side].append(_Held(self.rng.randint(1, faults.max_behind), delivery))
            else:
                self._push(delivery)

    def again(self, delivery: Delivery, now: datetime) -> None:
        """A failed message back after its visibility time-out: doubled each receive, capped."""
        doublings = min(max(delivery.receives - 1, 0), 20)
        wait = min(self.faults.first_retry * 2**doublings, self.faults.last_retry)
        delivery.due = self._late(now + wait)
        delivery.seq = next(self._seq)
        self._push(delivery)

    def next_due(self, side: Side) -> datetime | None:
        ready = self._ready[side]
        if not ready and self._held[side]:
            self._release(side, everything=True)  # nothing left to be held behind: the relay lets it go
        return ready[0][0] if ready else None

    def take(self, side: Side, now: datetime, most: int = 1) -> list[Delivery]:
        """Up to ``most`` messages of ``side`` due by ``now``, each counted as a receive."""
        ready, taken = self._ready[side], list[Delivery]()
        while ready and ready[0][0] <= now and len(taken) < most:
            _, _, delivery = heapq.heappop(ready)
            delivery.receives += 1
            taken.append(delivery)
        if taken:
            for held in self._held[side]:
                held.behind -= len(taken)
            self._release(side, everything=False, at=now)
        return taken

    def _release(self, side: Side, *, everything: bool, at: datetime | None = None) -> None:
        keep = []
        for held in self._held[side]:
            if everything or held.behind <= 0:
                delivery = held.delivery
                delivery.due = max(delivery.due, at) if at else delivery.due
                self._push(delivery)
            else:
                keep.append(held)
        self._held[side] = keep

    def _push(self, delivery: Delivery) -> None:
        heapq.heappush(self._ready[delivery.side], (delivery.due, delivery.seq, delivery))

    def _late(self, now: datetime) -> datetime:
        return now + timedelta(milliseconds=self.rng.randint(0, self.faults.max_delay_ms))
