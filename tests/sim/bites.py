"""``python -m tests.sim.bites [--seeds N] [--only NAME]``: each rule-break of ``tests.sim.breaks`` in
turn, applied and undone with ``MonkeyPatch.context()``, runs seeds 0 .. N-1 until the first seed with a
violation. One line per break:

    caught  <name>  seed <s>  <first violation, cut to 100 characters>
    MISSED  <name>  in <N> seeds  (the broken code ran <k> times)

then a summary line; exit 1 if any break is missed. A miss whose broken code never ran is a rule the
simulation does not exercise yet; one whose code ran is a rule the invariants do not see.

A run that raises (the product failing outright under the break) counts as caught, its exception as
the violation. A seed that fails with no break applied is passed over: it says nothing of the break.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import pytest

from tests.sim.breaks import BREAKS, HITS
from tests.sim.run import run_seed


@dataclass(frozen=True)
class Bite:
    name: str
    seed: int | None
    """The first seed with a violation; None when none had one."""
    violation: str
    seeds_run: int
    hits: int
    seconds: float

    @property
    def caught(self) -> bool:
        return self.seed is not None

    def line(self) -> str:
        if self.caught:
            return f"caught  {self.name}  seed {self.seed}  {self.violation[:100]}"
        return f"MISSED  {self.name}  in {self.seeds_run} seeds  (the broken code ran {self.hits} times)"


class HarnessBroken(Exception):
    """The simulation fails with no break applied: no break can be judged against it."""


_UNBROKEN: dict[int, list[str]] = {}


def unbroken(seed: int) -> list[str]:
    """What seed ``seed`` finds with no break applied (a run that raises: its exception), once per process."""
    if seed not in _UNBROKEN:
        _UNBROKEN[seed] = _violations(seed)
    return _UNBROKEN[seed]


def _violations(seed: int) -> list[str]:
    try:
        return run_seed(seed, trace_failing=False).violations  # a trace is not read here: it costs memory
    except Exception as error:  # the product (or the harness) failed outright
        return [f"raised {type(error).__name__}: {error}"]


def bite(name: str, seeds: int) -> Bite:
    """Break ``name``, run seeds until one has a violation, and undo the break. A seed that fails with no
    break too says nothing of the break: it is passed over (``HarnessBroken`` when every seed tried so far
    was such a one)."""
    started = time.perf_counter()
    HITS.reset()
    seed, passed_over = 0, 0
    while seed < seeds:
        with pytest.MonkeyPatch.context() as monkeypatch:
            BREAKS[name](monkeypatch)
            found: list[str] = []
            while seed < seeds and not found:
                found = _violations(seed)
                seed += 1
        if not found:
            break
        if not unbroken(seed - 1):
            flat = " ".join(found[0].split())
            return Bite(name, seed - 1, flat, seed, HITS.count, time.perf_counter() - started)
        passed_over += 1
        if passed_over == seed:
            raise HarnessBroken(f"seed {seed - 1} fails with no break: {' '.join(unbroken(seed - 1)[0].split())[:300]}")
    return Bite(name, None, "", seeds, HITS.count, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.sim.bites")
    parser.add_argument(
        "--seeds", type=int, default=1000, help="seeds 0 .. N-1 per break (default 1000, as test_bites)"
    )
    parser.add_argument("--only", action="append", choices=sorted(BREAKS), help="this break only (repeatable)")
    args = parser.parse_args(argv)
    names = args.only or list(BREAKS)
    started = time.perf_counter()
    missed = 0
    for name in names:
        try:
            result = bite(name, args.seeds)
        except HarnessBroken as broken:
            print(f"bites: the simulation fails with no break applied, so no break can be judged: {broken}")
            return 2
        missed += not result.caught
        print(result.line(), flush=True)
    elapsed = time.perf_counter() - started
    print(
        f"bites: {len(names) - missed} of {len(names)} breaks caught, {missed} missed; "
        f"{args.seeds} seeds, {elapsed:.1f}s"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
