"""What happened in a seeded run, as the simulation saw it happen: the facts the oracle judges by.

The world writes these where things happen (the org's commits, the SIA store's changes, the rep's
settings, what reaches the sync of Salesforce: change events delivered, records read), in the order they
happen, with who did them. The oracle reads nothing else of the world but
the two systems' final records: it does not ask the product's links, mapping or renderer what ought to be.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Actor(StrEnum):
    USER = "user"
    """A person: the rep in SIA, anyone in the Salesforce UI."""
    SYNC = "sync"
    """The product, through the gateway or the SIA store."""
    AUTOMATION = "automation"
    """A Flow, trigger or workflow rule of the org, in the same transaction as the write that fired it."""


@dataclass(frozen=True)
class SfWrite:
    """One committed change of one Salesforce record. A write that fired automation is two facts at
    the same moment: the writer's fields, then the automation's."""

    at: datetime
    """The simulation's own clock (AWS's), when it was committed."""
    sf_at: datetime
    """Salesforce's commit time: skewed from ``at`` and cut to whole seconds."""
    sf_id: str
    kind: str
    """``create``, ``update``, ``delete`` or ``undelete``."""
    values: Mapping[str, object]
    """By API name, the values this write set (a create or undelete: the whole record as it stands)."""
    actor: Actor
    external_id: str | None = None
    """A create through the gateway: the SIA task id it carried (what the sync says it made it for)."""
    rep: str | None = None
    """A write through the gateway: the SIA user whose grant made it."""


@dataclass(frozen=True)
class SiaWrite:
    """One change of one SIA task."""

    at: datetime
    user: str
    task_id: str
    kind: str
    """``create``, ``update`` or ``delete``."""
    values: Mapping[str, object]
    """By SIA field name (``name``, ``status``, ...), the values this change set; a create: all."""
    actor: Actor
    from_sf_id: str | None = None
    """A create by the sync: the Salesforce record it made the task a copy of."""


@dataclass(frozen=True)
class Switch:
    """The rep's sync settings, or their Salesforce grant, changed."""

    at: datetime
    user: str
    what: str
    """``on`` (the checkbox ticked and saved), ``off``, ``revoked`` (the grant no longer works),
    ``reconnected``."""


@dataclass(frozen=True)
class Shown:
    """What the sync was shown of a Salesforce record, for a rep: a change event delivered while the rep's
    sync ran (``sf_at`` its commit time, ``fields`` the fields it carried), or the whole record read with the
    rep's grant (``sf_at`` None). A Salesforce change the sync was never shown it cannot have known of."""

    at: datetime
    user: str
    sf_id: str
    sf_at: datetime | None = None
    fields: frozenset[str] = frozenset()


Fact = SfWrite | SiaWrite | Switch | Shown


@dataclass
class History:
    facts: list[Fact] = field(default_factory=list)

    def add(self, fact: Fact) -> None:
        self.facts.append(fact)
