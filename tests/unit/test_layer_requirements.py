"""The layer ships what the deployed code imports: layers/tasksync/requirements.txt pins a distribution for
every third-party module that ``functions/`` and the ``tasksync`` package import at run time, with the
versions the tests run on (requirements/dev.lock), and the whole of their dependencies.

Imports under ``if TYPE_CHECKING:`` (boto3 stubs) never run in Lambda and are left out.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from local.stack.template import ROOT

LAYER = ROOT / "layers" / "tasksync"


def canonical(name: str) -> str:
    """PEP 503's normalized name: ``aws_lambda_powertools`` and ``AWS-Lambda-Powertools`` are one."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """Distribution (normalized) -> pinned version, for a ``name==version`` file."""
    pinned = {}
    for line in path.read_text().splitlines():
        name, _, version = line.partition("==")
        pinned[canonical(name)] = version
    return pinned


REQUIREMENTS = pins(LAYER / "requirements.txt")
DEV_LOCK = pins(ROOT / "requirements" / "dev.lock")


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(tree: ast.AST) -> Iterator[str]:
    """The top-level module of every absolute import that runs (not under ``if TYPE_CHECKING:``)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and is_type_checking(node.test):
            yield from (name for child in node.orelse for name in runtime_imports(ast.Module([child], [])))
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.partition(".")[0]
        yield from runtime_imports(node)


def deployed_sources() -> list[Path]:
    return sorted([*(ROOT / "functions").rglob("*.py"), *(LAYER / "tasksync").rglob("*.py")])


def third_party_imports() -> dict[str, set[Path]]:
    """Third-party module -> the deployed files that import it."""
    found: dict[str, set[Path]] = {}
    for path in deployed_sources():
        for module in runtime_imports(ast.parse(path.read_text(), filename=str(path))):
            own = module == "tasksync" or (path.parent / f"{module}.py").exists()
            if module not in sys.stdlib_module_names and module != "__future__" and not own:
                found.setdefault(module, set()).add(path.relative_to(ROOT))
    return found


IMPORTS = third_party_imports()


def test_the_deployed_code_imports_third_party_modules() -> None:
    # Guards the scan itself: the handlers import Powertools, the adapters boto3.
    assert {"aws_lambda_powertools", "boto3", "pydantic"} <= set(IMPORTS)
    assert not any(module.startswith("mypy_boto3") for module in IMPORTS)


@pytest.mark.parametrize("module", sorted(IMPORTS))
def test_each_imported_module_comes_with_the_layer(module: str) -> None:
    distributions = packages_distributions().get(module)
    assert distributions, f"{module} (imported by {sorted(map(str, IMPORTS[module]))}) is installed by no distribution"
    assert {canonical(name) for name in distributions} & set(REQUIREMENTS), (
        f"{module} comes from {distributions}, none pinned in layers/tasksync/requirements.txt"
    )


def test_the_tracer_finds_the_xray_sdk_in_the_layer() -> None:
    # Powertools' Tracer imports aws_xray_sdk, which Powertools does not install by itself.
    assert "aws-xray-sdk" in REQUIREMENTS


@pytest.mark.parametrize("name", sorted(REQUIREMENTS))
def test_each_pin_is_the_version_the_tests_run_on(name: str) -> None:
    assert REQUIREMENTS[name] == DEV_LOCK.get(name)
    assert distribution(name).version == REQUIREMENTS[name]


@pytest.mark.parametrize("name", sorted(REQUIREMENTS))
def test_each_pinned_distributions_dependencies_are_pinned_too(name: str) -> None:
    try:
        requires = distribution(name).requires or []
    except PackageNotFoundError:  # reported by the test above
        pytest.skip(f"{name} is not installed")
    needed = {
        canonical(requirement.name)
        for requirement in map(Requirement, requires)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""})
    }
    assert needed <= set(REQUIREMENTS), f"{name} needs {sorted(needed - set(REQUIREMENTS))}"
