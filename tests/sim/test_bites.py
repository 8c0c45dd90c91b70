"""Tested to bite (issue 11): every rule of the product, broken in the product (``tests.sim.breaks``),
makes some seed of the simulation fail. A break the simulation misses is a rule it does not check yet.

``python -m tests.sim.bites`` runs the same catalog and says, for a miss, whether the broken code ran."""

from __future__ import annotations

import pytest

from tests.sim.bites import bite
from tests.sim.breaks import BREAKS

pytestmark = pytest.mark.sim

SEEDS = 150
"""Seeds tried per break; a caught break stops at its first failing seed."""


@pytest.mark.parametrize("name", list(BREAKS))
def test_a_broken_rule_is_caught(name: str) -> None:
    result = bite(name, SEEDS)
    assert result.caught, f"{BREAKS[name].__doc__}\n{result.line()}"


def test_every_break_names_its_rule() -> None:
    unnamed = [name for name, function in BREAKS.items() if "SPEC " not in (function.__doc__ or "")]
    assert unnamed == []
    assert len(BREAKS) >= 30
