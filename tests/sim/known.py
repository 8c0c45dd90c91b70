"""Seeds that fail today on product bugs the oracle found and that are not fixed yet: each names what it
shows. ``make sim`` counts them apart and fails on any other failing seed, and on a seed listed here that
passes (fixed: take it off). The list is of seeds 0 to 999, the range ``make test`` runs; a change to the
scenario draws other schedules, and the list is made again from ``make sim``'s output."""

from __future__ import annotations

JOINS_AT_RECONCILIATION = (
    "a record undeleted within the clocks' margin of the rep's reconnecting joins only at the next"
    " reconciliation, not on the event path (SPEC 6)"
)
REFUSED_UPDATE = "a conflict SIA wins with a change Salesforce then refuses (a validation rule) is not recorded"
UNDELETED_WHILE_OFF = "an old record undeleted while sync was off never joins: the catch-up reads linked records only"

KNOWN: dict[int, str] = {
    81: REFUSED_UPDATE,
    534: JOINS_AT_RECONCILIATION,
    640: UNDELETED_WHILE_OFF,
}
