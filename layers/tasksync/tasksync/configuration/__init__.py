"""One configuration model per function, read from its environment once (``load_config``).

Variable names are those template.yaml sets; ``tests/unit/test_function_config.py`` checks that every
function's ``Environment`` (Globals merged) validates against its model and sets nothing the model does
not read. Secrets never come through here: only where they live (SPEC 8).

- ``functions``: the syncing functions' models and the stream publisher's, on pydantic.
- ``webhook``: the CDC webhook's, without pydantic, which would cost its cold start about a third of an
  ``import boto3`` (docs/decisions/0008-webhook-intake.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, Self, TypeVar


class ConfigModel(Protocol):
    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Self:
        """The model of ``environ`` (the process's environment by default); a ``ValueError`` naming the
        variable that is missing or wrong."""
        ...

    @classmethod
    def variables(cls) -> dict[str, bool]:
        """The variables the model reads, each with whether it is required."""
        ...


Config = TypeVar("Config", bound=ConfigModel)
_loaded: dict[type[Any], Any] = {}


def load_config(model: type[Config]) -> Config:
    """The function's configuration, read from the environment on first use and kept for the container."""
    if model not in _loaded:
        _loaded[model] = model.from_environment()
    loaded: Config = _loaded[model]
    return loaded
