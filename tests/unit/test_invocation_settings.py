"""A handler's invocation reads each rep's settings once, and sees its own saves."""

from __future__ import annotations

from tasksync.composition.sync import SyncRoot
from tests.unit.builders import USER, SyncWorld


def test_settings_are_read_once_per_invocation_and_a_save_is_what_is_read_after():
    world = SyncWorld()
    reads: list[str] = []
    inner_get = world.state.get_settings

    def counted(user_id: str):
        reads.append(user_id)
        return inner_get(user_id)

    world.state.get_settings = counted
    root = SyncRoot(services=world.services, cursors=world.state, invoke=lambda name, payload: None)
    invocation = root.for_invocation()

    first = invocation.services.settings.get_settings(USER)
    invocation.services.settings.get_settings(USER)
    assert first is not None and reads == [USER]

    saved = invocation.services.settings.save_settings(first.model_copy(update={"enabled": False}))
    assert invocation.services.settings.get_settings(USER) == saved
    assert reads == [USER]

    next_invocation = root.for_invocation()
    assert next_invocation.services.settings.get_settings(USER) == saved
    assert reads == [USER, USER]
