"""simple-salesforce costs about 0.4 s to import: only the gateway module may pull it in."""

from __future__ import annotations

import os
import subprocess
import sys

CHEAP = [
    "tasksync.ports.salesforce",
    "tasksync.adapters.salesforce",
    "tasksync.adapters.salesforce.auth",
    "tasksync.adapters.salesforce.credentials",
    "tasksync.adapters.salesforce.errors",
    "tasksync.adapters.salesforce.limits",
    "tasksync.adapters.salesforce.retry",
    "tasksync.adapters.salesforce.settings",
    "tasksync.adapters.salesforce.records",
]


def imports_simple_salesforce(*modules: str) -> bool:
    code = f"import sys\nfor m in {list(modules)!r}: __import__(m)\nprint('simple_salesforce' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)  # noqa: S603
    return done.stdout.strip() == "True"


def test_only_the_gateway_imports_simple_salesforce():
    assert not imports_simple_salesforce(*CHEAP)
    assert imports_simple_salesforce("tasksync.adapters.salesforce.gateway")  # the check can fail
