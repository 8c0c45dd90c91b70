"""The first (re)sync of one user, invoked asynchronously when sync is turned on.

Not built yet: the handlers issue builds it. The module exists so that template.yaml validates and
`sam build` packages a real handler entry point.
"""

from __future__ import annotations

from typing import Any, NoReturn


def handler(event: dict[str, Any], context: Any) -> NoReturn:
    raise NotImplementedError("first_sync: built in the handlers issue")
