"""Seeds that fail today on product bugs the oracle found and that are not fixed yet: each names what it
shows. ``make sim`` counts them apart and fails on any other failing seed, and on a seed listed here that
passes (fixed: take it off). The list is of seeds 0 to 999, the range ``make test`` runs; a change to the
scenario, or to how many calls the product makes (each call draws the world's faults), draws other
schedules, and the list is made again from ``make sim``'s output."""

from __future__ import annotations

CROSSED_CONFLICT = (
    "crossed edits (both sides change one field minutes apart while Salesforce is down): the later"
    " change does not win, or its conflict is not recorded (SPEC 7)"
)
REPLAY_WRITES = "an old message delivered again after both sides agree still writes (SPEC 7: idempotent)"

KNOWN: dict[int, str] = {
    38: CROSSED_CONFLICT,
    49: CROSSED_CONFLICT,
    106: CROSSED_CONFLICT,
    131: CROSSED_CONFLICT,
    293: CROSSED_CONFLICT,
    388: REPLAY_WRITES,
    550: CROSSED_CONFLICT,
    572: CROSSED_CONFLICT,
    692: REPLAY_WRITES,
    716: CROSSED_CONFLICT,
    723: CROSSED_CONFLICT,
    843: CROSSED_CONFLICT,
    862: CROSSED_CONFLICT,
}
