"""A webhook validates a body without paying for the engine or simple-salesforce (about 0.4 s)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ["tasksync.engine", "tasksync.use_cases", "tasksync.adapters", "simple_salesforce"]


def loaded_after_importing(module: str) -> set[str]:
    code = f"import json, sys\n__import__({module!r})\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)  # noqa: S603
    return set(json.loads(done.stdout))


def test_the_validation_module_imports_neither_the_engine_nor_the_adapters():
    loaded = loaded_after_importing("tasksync.change_events.messages")

    assert "tasksync.change_events.messages" in loaded
    assert loaded.isdisjoint(HEAVY)


def test_the_conversion_module_does_import_the_engine():  # so the check above can fail
    assert "tasksync.engine" in loaded_after_importing("tasksync.change_events.conversion")


def test_the_validation_module_imports_no_pydantic():
    # pydantic costs about a third of an ``import boto3`` (bench/webhook_cold_import.py): the webhook reads
    # change events without it.
    assert "pydantic" not in loaded_after_importing("tasksync.change_events.messages")
    assert "pydantic" in loaded_after_importing("tasksync.change_events.conversion")
