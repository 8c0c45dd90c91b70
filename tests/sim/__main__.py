"""``python -m tests.sim --seeds N`` or ``--seed S``: run seeded schedules and check the invariants.

The last line is ``sim: F failing seeds, T s; N seeds, V violations; U user actions/s, D deliveries``;
each failing seed is printed with what it broke and reproduces alone with ``make sim SEED=<seed>``.
"""

from __future__ import annotations

import argparse
import sys
import time

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
    failing = 0
    total = 0
    user_ops = deliveries = 0
    for seed in seeds:
        result = run_seed(seed, steps=args.steps, tracing=args.trace)
        user_ops += result.user_ops
        deliveries += result.deliveries
        if args.trace:
            print("\n".join(result.trace))
        if result.violations:
            failing += 1
            total += len(result.violations)
            print(f"seed {seed}: {len(result.violations)} violations (reproduce: make sim SEED={seed})")
            for violation in result.violations[:20]:
                print(f"  - {violation}")
    elapsed = time.perf_counter() - started
    print(
        f"sim: {failing} failing seeds, {elapsed:.1f}s; {len(seeds)} seeds, {total} violations;"
        f" {user_ops / elapsed:.0f} user actions/s, {deliveries} deliveries"
    )
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
