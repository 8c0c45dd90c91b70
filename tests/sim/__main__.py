"""``python -m tests.sim --seeds N`` or ``--seed S``: run seeded schedules and check the invariants.

The last line is ``sim: F failing seeds, T s; N seeds, V violations; K known failing; U user actions/s,
D deliveries``; each failing seed is printed with what it broke and reproduces alone with
``make sim SEED=<seed>``. A seed of ``tests.sim.known`` (an open product bug) that fails is counted in K,
not F; one that passes is a failure too: its bug is fixed, and the list must say so.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time

from tests.sim.known import KNOWN
from tests.sim.run import run_seed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.sim")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--seeds", type=int, help="run seeds 0 .. N-1")
    group.add_argument("--seed", type=int, help="run one seed, and say what it broke")
    parser.add_argument("--steps", type=int, default=120, help="user actions per seed")
    parser.add_argument("--trace", action="store_true", help="print every delivery and its decision")
    args = parser.parse_args(argv)
    seeds = [args.seed] if args.seed is not None else list(range(args.seeds))
    started = time.perf_counter()
    failing = known = 0
    total = 0
    user_ops = deliveries = 0
    gc.freeze()  # what is imported lives as long as the process: the cycle collector need not scan it
    for seed in seeds:
        # The trace is printed only with --trace: a failing seed need not be run again to make one.
        result = run_seed(seed, steps=args.steps, tracing=args.trace, trace_failing=False)
        user_ops += result.user_ops
        deliveries += result.deliveries
        if args.trace:
            print("\n".join(result.trace))
        if result.violations and seed in KNOWN:
            known += 1
            print(f"seed {seed}: known to fail, {KNOWN[seed]}: {result.violations[0][:200]}")
        elif result.violations:
            failing += 1
            total += len(result.violations)
            print(f"seed {seed}: {len(result.violations)} violations (reproduce: make sim SEED={seed})")
            for violation in result.violations[:20]:
                print(f"  - {violation}")
        elif seed in KNOWN:
            failing += 1
            print(f"seed {seed}: listed in tests/sim/known.py ({KNOWN[seed]}), yet it passes: take it off")
    elapsed = time.perf_counter() - started
    print(
        f"sim: {failing} failing seeds, {elapsed:.1f}s; {len(seeds)} seeds, {total} violations; {known} known"
        f" failing; {user_ops / elapsed:.0f} user actions/s, {deliveries} deliveries"
    )
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
