"""Automation an org's admin puts on Task (record-triggered flows, Apex triggers, workflow field
updates). It runs in the transaction of the save that triggers it, so the record's final values, and
that transaction's change event with the writer's ``changeOrigin``, carry its changes (Apex Developer
Guide, "Triggers and Order of Execution": before-save flows and before triggers run once the request's
values are loaded and checked, and "most system validation steps" run again after them).

Three shapes, each firing with its own seeded probability (``Odds``), in the order they were added:

- ``PrefixOnSave``: on every save (create or update, through the API or Lightning), a text field that
  lacks ``prefix`` gets it, e.g. Subject ``[Acme] Call``: the sync's own write comes back changed;
- ``SetWhenChanged``: a save that makes ``field`` equal ``value`` sets ``set_field`` to ``set_value``,
  e.g. Priority ``High`` when Status becomes ``Completed``;
- ``RevertApiWrite``: an update by an API client that changes ``field`` gets the previous value back in
  the same transaction, e.g. ActivityDate: the write answers success, the field keeps its value, and
  the change event does not list it.

A value a rule writes is checked like a written one (a prefix that makes Subject longer than 255
characters fails the save with STRING_TOO_LONG). Changes the platform makes (picklist renames) run no
rules. Over HTTP a rule is ``{"rule": "prefixOnSave" | "setWhenChanged" | "revertApiWrite", ...its
fields in camelCase, "probability", "seed"}``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from local.salesforce_org.errors import ApiError
from local.salesforce_org.odds import Odds
from local.salesforce_org.records import Actor, coerce_value
from local.salesforce_org.schema import TASK, FieldDef


class AutomationRule(Protocol):
    def apply(
        self, record: dict[str, Any], before: Mapping[str, Any] | None, written: Mapping[str, Any], actor: Actor
    ) -> None:
        """Change ``record`` (the values being saved) in place; ``before`` is None on create and
        ``written`` holds the values the writer sent."""

    def describe(self) -> dict[str, Any]: ...


def _writable(name: str) -> FieldDef:
    definition = TASK.field(name)
    if definition is None or not (definition.createable or definition.updateable):
        raise ValueError(f"{name} is not a writable Task field")
    return definition


def _configured(definition: FieldDef, raw: Any) -> Any:
    try:
        return coerce_value(definition, raw)
    except ApiError as error:
        raise ValueError(error.message) from None


def _certain() -> Odds:
    return Odds(1.0)


@dataclass
class PrefixOnSave:
    prefix: str
    field: str = "Subject"
    odds: Odds = dataclasses.field(default_factory=_certain)

    def __post_init__(self) -> None:
        self._definition = _writable(self.field)
        if not self.prefix or not self._definition.type.is_text:
            raise ValueError("a prefix on a text field is required")

    def apply(
        self, record: dict[str, Any], before: Mapping[str, Any] | None, written: Mapping[str, Any], actor: Actor
    ) -> None:
        value = record.get(self._definition.name) or ""
        if not value.startswith(self.prefix) and self.odds.hit():
            record[self._definition.name] = coerce_value(self._definition, self.prefix + value)

    def describe(self) -> dict[str, Any]:
        return {"rule": "prefixOnSave", "field": self._definition.name, "prefix": self.prefix, **self.odds.describe()}


@dataclass
class SetWhenChanged:
    field: str
    value: Any
    set_field: str
    set_value: Any
    odds: Odds = dataclasses.field(default_factory=_certain)

    def __post_init__(self) -> None:
        self._when = _writable(self.field)
        self._set = _writable(self.set_field)
        self._when_value = _configured(self._when, self.value)
        self._set_to = _configured(self._set, self.set_value)

    def apply(
        self, record: dict[str, Any], before: Mapping[str, Any] | None, written: Mapping[str, Any], actor: Actor
    ) -> None:
        name = self._when.name
        becomes = record.get(name) == self._when_value and (before is None or before.get(name) != self._when_value)
        if becomes and self.odds.hit():
            record[self._set.name] = self._set_to

    def describe(self) -> dict[str, Any]:
        return {
            "rule": "setWhenChanged",
            "field": self._when.name,
            "value": self.value,
            "setField": self._set.name,
            "setValue": self.set_value,
            **self.odds.describe(),
        }


@dataclass
class RevertApiWrite:
    field: str = "ActivityDate"
    odds: Odds = dataclasses.field(default_factory=_certain)

    def __post_init__(self) -> None:
        self._definition = _writable(self.field)

    def apply(
        self, record: dict[str, Any], before: Mapping[str, Any] | None, written: Mapping[str, Any], actor: Actor
    ) -> None:
        name = self._definition.name
        if before is None or not actor.via_api or name not in written:
            return
        if written[name] != before.get(name) and self.odds.hit():
            record[name] = before.get(name)

    def describe(self) -> dict[str, Any]:
        return {"rule": "revertApiWrite", "field": self._definition.name, **self.odds.describe()}


def rule_from_json(body: Mapping[str, Any]) -> AutomationRule:
    """A rule from its control-API description (see the module docstring)."""
    odds = Odds(float(body.get("probability", 1.0)), int(body.get("seed", 0)))
    kind = body.get("rule")
    if kind == "prefixOnSave":
        return PrefixOnSave(str(body.get("prefix") or ""), str(body.get("field", "Subject")), odds)
    if kind == "setWhenChanged":
        if not {"field", "value", "setField", "setValue"} <= set(body):
            raise ValueError("setWhenChanged takes field, value, setField and setValue")
        return SetWhenChanged(str(body["field"]), body["value"], str(body["setField"]), body["setValue"], odds)
    if kind == "revertApiWrite":
        return RevertApiWrite(str(body.get("field", "ActivityDate")), odds)
    raise ValueError("rule: prefixOnSave, setWhenChanged or revertApiWrite")
