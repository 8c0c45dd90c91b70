"""A seeded chance, for the emulator's probabilistic switches (collections without a client id, the
Pub/Sub event shape, relay-like webhook delivery, automation rules).

Each switch draws from its own ``Odds``, so a run that makes the same calls with the same seeds sees
the same outcomes, whatever the other switches do. A probability of 0 never draws.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Odds:
    probability: float = 0.0
    seed: int = 0
    _random: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"a probability is between 0 and 1, not {self.probability}")
        self._random = random.Random(self.seed)  # noqa: S311 - reproducible test behaviour, not a secret

    def hit(self) -> bool:
        """True with the probability."""
        return self.probability > 0 and self._random.random() < self.probability

    def up_to(self, bound: int) -> int:
        """A whole number from 1 to ``bound``, from the same seeded stream."""
        return self._random.randint(1, max(bound, 1))

    def describe(self) -> dict[str, Any]:
        return {"probability": self.probability, "seed": self.seed}
