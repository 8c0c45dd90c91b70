"""SPEC 3, 7: the sync's own change of an SIA task is saved in one write with the link that marks its
Salesforce write unsent. Apart, a crash between the two left the task changed by the sync and the link not
saying so: decided again, the sync's copy of Salesforce's due date looked like the rep's own change, made
after Salesforce's, and the rep's earlier change never rendered the Subject (sim seed 9921)."""

from __future__ import annotations

from datetime import date

import pytest

from tasksync.domain.sync_link import SyncLink
from tests.unit.builders import SyncWorld, settings


class Crash(Exception):
    pass


def test_a_crash_at_the_links_save_leaves_the_sync_change_unmade_and_the_subject_rendered_on_the_retry():
    # Given a pushed task whose template shows the due date
    world = SyncWorld(settings(subject_template="{{activity_subject}} due {{activity_due_date}}"))
    world.rep_creates(due_date=date(2026, 3, 27))
    world.sync()
    # And the rep moved the due date, its event still waiting, when a Salesforce user moved it elsewhere
    world.rep_updates(due_date=date(2026, 3, 28))
    world.tick(60)
    world.org.update(world.record_of().id, {"ActivityDate": date(2026, 3, 31)})
    (rep_event, sf_change) = world.pending()
    world.mark_delivered()

    # When the Salesforce change is decided with the rep's and the sync crashes at the link's save
    save_link = world.state.save_link

    def crash(link: SyncLink) -> SyncLink:
        object.__setattr__(world.state, "save_link", save_link)
        raise Crash("after the task's write")

    object.__setattr__(world.state, "save_link", crash)
    with pytest.raises(Crash):
        world.deliver(sf_change)
    # and both are delivered again
    world.deliver_in_order([sf_change, rep_event])

    # Then Salesforce's later move is the due date, and the rep's change rendered the Subject (SPEC 3)
    task = world.task()
    assert task is not None
    assert task.due_date == date(2026, 3, 31)
    assert world.record_of().subject == "Call Alice back due 2026-03-31"
