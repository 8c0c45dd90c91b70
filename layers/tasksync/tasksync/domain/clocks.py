"""Two clocks: Salesforce's (commit timestamps, ``SystemModstamp``, ``LastModifiedDate``; whole seconds)
and AWS's (SIA's change times, the sync's own decisions). They may differ by up to ``CLOCK_MARGIN``
(SPEC 7), so the engine orders Salesforce times against Salesforce times and SIA times against SIA
times, and only a conflict between the two sides compares across them."""

from __future__ import annotations

from datetime import timedelta

CLOCK_MARGIN = timedelta(minutes=2)
"""How far apart Salesforce's clock and AWS's may be. Windows that one clock sets for the other (the first
sync's 24 hours, the replication windows) are widened by it, so that skew never hides a change."""

SENT_LATE = timedelta(minutes=1)
"""An SIA edit older than this when its batch is sent, or when a Salesforce change event would write it, has
its record read first: longer than Salesforce takes to deliver a change event, so that a Salesforce change
made meanwhile has been heard, or is read, rather than written over unseen (SPEC 7)."""
