"""SPEC 5.5: turning sync on again ends with both sides agreeing on every linked task. A task whose create
landed but never answered, whose retry met sync off, and whose record a Salesforce user deleted for good
meanwhile, is still linked: turning sync on sends its create again then, not at the SIA resync's next round
(sim seed 673)."""

from __future__ import annotations

from tasksync.engine.decisions import SkipReason
from tasksync.use_cases.first_sync import run_first_sync
from tests.unit.builders import USER, SyncWorld


def test_a_create_whose_retry_met_sync_off_is_sent_again_when_sync_is_turned_on_again() -> None:
    world = SyncWorld()
    created = world.rep_creates_and_the_answer_is_lost()
    world.fault = None
    (made,) = world.records_for("task-1")
    world.tick(60)
    world.state.save_settings(world.settings.model_copy(update={"enabled": False}))
    assert world.deliver(created).skipped is SkipReason.SYNC_OFF  # the queue's retry
    world.org.delete(made.id)
    world.org.empty_recycle_bin()
    world.mark_delivered()

    world.tick(600)
    world.state.save_settings(world.settings.model_copy(update={"enabled": True, "enabled_at": world.now}))
    run_first_sync(USER, world.services, world.state)

    (again,) = world.records_for("task-1")
    assert again.id != made.id and again.subject == "Call Alice back"
    assert world.link_of().sf_id == again.id
