"""The webhook's cold start against ``import boto3``: ``python bench/webhook_cold_import.py [--runs N]``.

Each figure is the best of N fresh interpreters (the runs interleaved, so that a busy moment of the
machine hits every variant alike), timed inside the interpreter, so its own start-up is left out, as
wall-clock time and as CPU time (``time.process_time``). Importing is CPU work on files the page cache
holds, so on a shared machine the CPU figure is the steadier one, and the target is judged on it:

- ``import boto3``: the yardstick;
- ``webhook``: importing functions/salesforce_webhook/app.py as Lambda does (module ``app``) and building
  its root, the Secrets Manager and SQS clients (no network: a client calls nothing until it is used);
- ``webhook + Tracer``: the same and Powertools' ``Tracer()``, as ``@tracer().capture_lambda_handler``
  would make it: the X-Ray SDK imported and, in Lambda (``LAMBDA_TASK_ROOT`` set), botocore patched.

Then where the webhook's time goes, stage by stage in one interpreter (each stage the best of N): what
a stage shares with an earlier one is counted there.

The target (docs/decisions/0008-webhook-intake.md): ``webhook`` at most twice ``import boto3``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HANDLER = ROOT / "functions" / "salesforce_webhook" / "app.py"
TARGET_RATIO = 2.0

_IMPORT_HANDLER = f"""
import importlib.util
spec = importlib.util.spec_from_file_location("app", {str(HANDLER)!r})
app = importlib.util.module_from_spec(spec)
spec.loader.exec_module(app)
"""
_BUILD_ROOT = "from tasksync.composition.intake import intake_root\nintake_root()\n"
_WEBHOOK = _IMPORT_HANDLER + _BUILD_ROOT

VARIANTS = {
    "import boto3": "import boto3",
    "webhook": _WEBHOOK,
    "webhook + Tracer": _WEBHOOK + "from tasksync.observability import tracer\ntracer()\n",
}

STAGES = {
    "boto3": "import boto3",
    "Powertools logger, metrics": "import tasksync.observability",
    "its configuration": "import tasksync.configuration.webhook",
    "change-event parser": "import tasksync.change_events.messages",
    "rest of the handler": _IMPORT_HANDLER,
    "its clients (the root)": _BUILD_ROOT,
}

# What Lambda (credentials included) and template.yaml set; made-up values, never used to call AWS.
ENVIRONMENT = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "ASIABENCHBENCHBENCH0",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_EC2_METADATA_DISABLED": "true",
    "LAMBDA_TASK_ROOT": str(HANDLER.parent),
    "STAGE": "dev",
    "POWERTOOLS_SERVICE_NAME": "tasksync",
    "POWERTOOLS_METRICS_NAMESPACE": "Tasksync",
    "SALESFORCE_CHANGES_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/bench-salesforce-changes.fifo",
    "WEBHOOK_SECRETS_PREFIX": "tasksync/dev/webhooks/",
}


def seconds(code: str) -> tuple[float, float]:
    """One fresh interpreter's (wall-clock, CPU) seconds for ``code``."""
    timed = (
        "import time\nwall, cpu = time.perf_counter(), time.process_time()\n"
        f"{code}\nprint(time.perf_counter() - wall, time.process_time() - cpu)\n"
    )
    wall, cpu = _run(timed).split()[-2:]
    return float(wall), float(cpu)


def _run(script: str) -> str:
    """The output of ``script`` in a fresh interpreter with Lambda's environment."""
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "POWERTOOLS_"))},
        **ENVIRONMENT,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "tasksync"), str(ROOT)]),
    }
    done = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env, cwd=ROOT
    )
    return done.stdout


def stage_seconds() -> list[float]:
    """One fresh interpreter's CPU seconds for each of ``STAGES``, run one after the other."""
    staged = "import time\ntimes = []\n" + "".join(
        f"started = time.process_time()\n{code}\ntimes.append(time.process_time() - started)\n"
        for code in STAGES.values()
    )
    return [float(value) for value in _run(staged + "print(*times)").split()[-len(STAGES) :]]


def measure(runs: int) -> tuple[dict[str, tuple[float, float]], list[float]]:
    """Variant -> its best (wall-clock, CPU) seconds, and each stage's best CPU seconds, of ``runs``."""
    best = dict.fromkeys(VARIANTS, (float("inf"), float("inf")))
    stages = [float("inf")] * len(STAGES)
    for _ in range(runs):
        for name, code in VARIANTS.items():
            wall, cpu = seconds(code)
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
        stages = [min(old, new) for old, new in zip(stages, stage_seconds(), strict=True)]
    return best, stages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh interpreters per variant (best kept)")
    runs = parser.parse_args().runs
    best, stages = measure(runs)
    wall_yardstick, cpu_yardstick = best["import boto3"]
    print(f"best of {runs} fresh interpreters, Python {sys.version.split()[0]}, load {os.getloadavg()[0]:.1f}")
    print(f"  {'':<18} {'wall ms':>8} {'x boto3':>8} {'CPU ms':>8} {'x boto3':>8}")
    for name, (wall, cpu) in best.items():
        wall_ratio, cpu_ratio = wall / wall_yardstick, cpu / cpu_yardstick
        print(f"  {name:<18} {wall * 1000:8.1f} {wall_ratio:8.2f} {cpu * 1000:8.1f} {cpu_ratio:8.2f}")
    print("the webhook's CPU time, stage by stage:")
    for name, cpu in zip(STAGES, stages, strict=True):
        print(f"  {name:<30} {cpu * 1000:7.1f} ms")
    ratio = best["webhook"][1] / cpu_yardstick
    print(f"webhook: {ratio:.2f} x import boto3 in CPU time (target at most {TARGET_RATIO:.0f} x)")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
