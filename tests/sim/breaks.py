"""The catalog of rule-breaks (issue 11, "Tested to bite"): each breaks one rule of SPEC sections 2 to 7
in the product, in-process, and the simulation must notice (some seed gives a violation).

A break is a function of a ``pytest.MonkeyPatch`` that patches the product's real functions where the
code that runs in the simulation looks them up (``replace`` patches every binding of a function, so a
``from x import y`` is covered), never the harness's faults or the oracle. Its docstring names the rule.
Each one calls ``hit()`` where its broken code actually changes what the product does: a break that is
missed with no hit is one the simulation never exercises (``python -m tests.sim.bites`` says which).

The oracle (``tests.sim.invariants`` and whatever judges alongside it) is never patched: a product
function it shares is replaced in the product's modules only.
"""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import tasksync.domain.subject_template as subject_template
from tasksync.domain.eligibility import REMINDER_SUBTYPES, Ineligible, ineligibility, same_salesforce_id
from tasksync.domain.field_map import SF_FIELD, UNSYNCED, FieldMap
from tasksync.domain.reminder_task import Priority, ReminderTask, Status, TaskField, TaskValues
from tasksync.domain.salesforce_task import QUERY_FIELDS, SUBJECT_MAX, SalesforceField, SalesforceTask
from tasksync.domain.settings import ConnectionStatus, SyncSettings
from tasksync.domain.sync_error import SyncErrorKind
from tasksync.domain.sync_link import Side, SyncLink
from tasksync.engine.changes import ChangeType, SalesforceChange
from tasksync.engine.context import SyncContext
from tasksync.engine.decisions import (
    CreateReminder,
    Decision,
    SkipReason,
    UpdateSalesforceTask,
)
from tasksync.engine.merge import FieldChange, Merged
from tasksync.ports.salesforce import ErrorKind, SalesforceError, WriteResult
from tasksync.use_cases.safety_nets import SweepResult
from tests.fakes.sync_state import InMemorySyncState
from tests.sim import run as _run  # noqa: F401  (everything the simulation runs, imported before a break looks)

Break = Callable[[pytest.MonkeyPatch], None]

BREAKS: dict[str, Break] = {}
"""By name, in the order they are defined."""

ORACLE_MODULES = ("invariants", "oracle", "history", "scenario", "breaks", "bites", "test_bites")
"""Modules of ``tests.sim`` (by last name part) that judge, act as users or break: never patched."""


@dataclasses.dataclass
class Hits:
    """How many times the broken code changed what the product did, since the last ``reset``."""

    count: int = 0

    def reset(self) -> None:
        self.count = 0


HITS = Hits()


def hit() -> None:
    HITS.count += 1


def rule_break(function: Break) -> Break:
    if not function.__doc__:
        raise ValueError(f"break {function.__name__} has no docstring naming its rule")
    BREAKS[function.__name__] = function
    return function


def _patched_in(module_name: str) -> bool:
    if module_name.startswith("tasksync.") or module_name == "tasksync":
        return True
    return module_name.startswith("tests.sim.") and module_name.rsplit(".", 1)[-1] not in ORACLE_MODULES


def replace(monkeypatch: pytest.MonkeyPatch, home: str, name: str, replacement: object, *, at_home: bool = True) -> Any:
    """Replace ``home.name`` wherever the product (and the harness that drives it) binds that object;
    returns the original. ``at_home=False`` leaves the defining module's own global alone: for a constant
    that a function shared with the oracle reads there."""
    original = getattr(importlib.import_module(home), name)
    for module_name, module in list(sys.modules.items()):
        if module is None or not _patched_in(module_name):
            continue
        if module_name == home and not at_home:
            continue
        if vars(module).get(name) is original:
            monkeypatch.setattr(module, name, replacement)
    return original


def _wrap_method(monkeypatch: pytest.MonkeyPatch, owner: type, name: str, make: Callable[[Any], Any]) -> None:
    monkeypatch.setattr(owner, name, make(getattr(owner, name)))


def _render(template: str, task: TaskValues, *, breaks: bool = False, cut: bool = True, missing: str = "") -> str:
    """The subject renderer with one of its steps broken (the rest as ``render_subject`` does it)."""
    fields = dict(subject_template._dynamic_fields(task))
    if missing and task.due_date is None:
        fields["activity_due_date"] = missing
    rendered = subject_template._PLACEHOLDER.sub(lambda match: fields.get(match.group(1), ""), template)
    if not breaks:
        rendered = subject_template._LINE_BREAKS.sub(" ", rendered)
    rendered = rendered.strip()
    return rendered[:SUBJECT_MAX] if cut else rendered


def _replace_renderer(monkeypatch: pytest.MonkeyPatch, render: Callable[[str, TaskValues], str]) -> None:
    original = subject_template.render_subject

    def broken(template: str, task: TaskValues) -> str:
        rendered = render(template, task)
        if rendered != original(template, task):
            hit()
        return rendered

    replace(monkeypatch, "tasksync.domain.subject_template", "render_subject", broken)


# -- SPEC 2: the field map -------------------------------------------------------------------------


@rule_break
def in_progress_overwritten(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 2: a write to SF sends only what SIA changed; here an SIA write sends every field, so an SF
    `In Progress` becomes `Not Started` when SIA only moves the due date (merge.salesforce_writes)."""

    def write_every_field(original: Any) -> Any:
        def writes(link: SyncLink, merged: Merged, held: Any, ctx: SyncContext) -> Any:
            written = original(link, merged, held, ctx)
            if not any(side is Side.SIA for side in merged.winners.values()):
                return written
            for field in (TaskField.STATUS, TaskField.PRIORITY, TaskField.DUE_DATE, TaskField.DETAILS):
                sf_field = SF_FIELD[field]
                wanted = ctx.field_map.to_salesforce(field, merged.agreed, ctx.settings.subject_template)
                if sf_field not in written and wanted != held.get(sf_field):
                    written[sf_field] = wanted
                    hit()
            return written

        return writes

    original = importlib.import_module("tasksync.engine.merge").salesforce_writes
    replace(monkeypatch, "tasksync.engine.merge", "salesforce_writes", write_every_field(original))


@rule_break
def low_is_normal_in_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 2: SF `Low` is not synced to SIA; here the engine takes an SF change to `Low` as SIA
    `normal` (observe._Watch.salesforce_changed)."""
    import tasksync.engine.observe as observe

    def make(original: Any) -> Any:
        def salesforce_changed(
            self: Any, sf_field: SalesforceField, value: Any, at: datetime, *, replaced_write: bool
        ) -> None:
            original(self, sf_field, value, at, replaced_write=replaced_write)
            low = sf_field is SalesforceField.PRIORITY and value == "Low"
            if low and self.link.agreed.priority is not Priority.NORMAL:
                self.changes[TaskField.PRIORITY] = FieldChange(Priority.NORMAL, at)
                hit()

        return salesforce_changed

    _wrap_method(monkeypatch, observe._Watch, "salesforce_changed", make)


@rule_break
def low_is_normal_in_field_map(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 2: SF `Low` is not synced to SIA; here the field map reads every priority but `High` as
    `normal` (field_map.FieldMap.to_sia)."""

    def make(original: Any) -> Any:
        def to_sia(self: FieldMap, field: TaskField, value: Any) -> Any:
            mapped = original(self, field, value)
            if field is TaskField.PRIORITY and mapped is UNSYNCED:
                hit()
                return Priority.NORMAL
            return mapped

        return to_sia

    _wrap_method(monkeypatch, FieldMap, "to_sia", make)


def _imported_as(monkeypatch: pytest.MonkeyPatch, field: TaskField, value: object) -> None:
    """An unsynced value of ``field`` imported as ``value`` instead of the import's default."""

    def make(original: Any) -> Any:
        def imported_values(self: FieldMap, task: SalesforceTask) -> TaskValues:
            values: TaskValues = original(self, task)
            if self.to_sia(field, getattr(task, field.value)) is UNSYNCED:
                hit()
                return values.model_copy(update={field.value: value})
            return values

        return imported_values

    _wrap_method(monkeypatch, FieldMap, "imported_values", make)


@rule_break
def unsynced_status_imported_complete(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 2: a task created in SF with an unsynced status is imported as `open`; here as `complete`
    (field_map.FieldMap.imported_values)."""
    _imported_as(monkeypatch, TaskField.STATUS, Status.COMPLETE)


@rule_break
def unsynced_priority_imported_high(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 2: a task created in SF with an unsynced priority is imported as `normal`; here as `high`
    (field_map.FieldMap.imported_values)."""
    _imported_as(monkeypatch, TaskField.PRIORITY, Priority.HIGH)


@rule_break
def due_date_shifted(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 2: the due date is a date, never shifted by time zones; here it reaches SF a day early, as a
    local midnight read in UTC would put it (field_map.FieldMap.to_salesforce)."""

    def make(original: Any) -> Any:
        def to_salesforce(self: FieldMap, field: TaskField, values: TaskValues, template: str) -> Any:
            value = original(self, field, values, template)
            if field is TaskField.DUE_DATE and value is not None:
                hit()
                return value - timedelta(days=1)
            return value

        return to_salesforce

    _wrap_method(monkeypatch, FieldMap, "to_salesforce", make)


@rule_break
def details_truncated(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 2: details go to `Description` whole (it holds 32,000); here they are cut to 32 characters
    (field_map.FieldMap.to_salesforce)."""

    def make(original: Any) -> Any:
        def to_salesforce(self: FieldMap, field: TaskField, values: TaskValues, template: str) -> Any:
            value = original(self, field, values, template)
            if field is TaskField.DETAILS and isinstance(value, str) and len(value) > 32:
                hit()
                return value[:32]
            return value

        return to_salesforce

    _wrap_method(monkeypatch, FieldMap, "to_salesforce", make)


@rule_break
def details_written_with_the_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 2: each SIA field goes to its own SF field; here a change of the details is written to
    `Description` with the task's name (merge.salesforce_writes)."""
    original = importlib.import_module("tasksync.engine.merge").salesforce_writes

    def writes(link: SyncLink, merged: Merged, held: Any, ctx: SyncContext) -> Any:
        written = original(link, merged, held, ctx)
        if SalesforceField.DESCRIPTION in written and written[SalesforceField.DESCRIPTION] != merged.agreed.name:
            written[SalesforceField.DESCRIPTION] = merged.agreed.name
            hit()
        return written

    replace(monkeypatch, "tasksync.engine.merge", "salesforce_writes", writes)


# -- SPEC 3: the Subject ---------------------------------------------------------------------------


@rule_break
def subject_renames_the_task(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 3: SF Subject edits never flow back to the SIA name; here an SF Subject edit renames the
    SIA task (observe.observe, merge.merge)."""
    observe_module = importlib.import_module("tasksync.engine.observe")
    merge_module = importlib.import_module("tasksync.engine.merge")
    observe, merge = observe_module.observe, merge_module.merge

    def observe_subject(change: SalesforceChange, link: SyncLink, echo: bool, ctx: SyncContext) -> Any:
        observed = observe(change, link, echo, ctx)
        if "Subject" in change.carried and not echo and change.task.subject:
            renamed = FieldChange(change.task.subject.strip(), change.commit_at)
            return dataclasses.replace(observed, changes={**observed.changes, TaskField.NAME: renamed})
        return observed

    def merge_subject(link: SyncLink, from_sia: Any, from_salesforce: Any, ctx: SyncContext) -> Merged:
        merged: Merged = merge(link, from_sia, from_salesforce, ctx)
        renamed = from_salesforce.get(TaskField.NAME)
        if renamed is None or renamed.value == merged.agreed.name:
            return merged
        hit()
        return dataclasses.replace(merged, agreed=merged.agreed.model_copy(update={"name": renamed.value}))

    replace(monkeypatch, "tasksync.engine.observe", "observe", observe_subject)
    replace(monkeypatch, "tasksync.engine.merge", "merge", merge_subject)


@rule_break
def line_breaks_kept_in_subject(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 3: rendering removes line breaks; here the rendered Subject keeps them
    (subject_template.render_subject)."""
    _replace_renderer(monkeypatch, lambda template, task: _render(template, task, breaks=True))


@rule_break
def subject_not_cut_to_255(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 3: the rendered Subject is cut to 255 characters; here it is not
    (subject_template.render_subject)."""
    _replace_renderer(monkeypatch, lambda template, task: _render(template, task, cut=False))


@rule_break
def missing_template_field_rendered_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 3: a missing template field renders as empty; here a task without a due date renders
    `{{activity_due_date}}` as `None` (subject_template.render_subject)."""
    _replace_renderer(monkeypatch, lambda template, task: _render(template, task, missing="None"))


@rule_break
def sia_rename_not_sent_to_subject(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 3: renaming a task in SIA updates the SF Subject; here the rename never renders a new
    Subject (merge.sia_rendered_subject)."""
    original = importlib.import_module("tasksync.engine.merge").sia_rendered_subject

    def rendered(link: SyncLink, merged: Merged, ctx: SyncContext) -> str | None:
        if original(link, merged, ctx) is not None:
            hit()
        return None

    replace(monkeypatch, "tasksync.engine.merge", "sia_rendered_subject", rendered)


# -- SPEC 4: which Salesforce tasks are reminders --------------------------------------------------


def _replace_eligibility(monkeypatch: pytest.MonkeyPatch, *, subtype: bool = True, recurrence: bool = True) -> None:
    def broken(task: SalesforceTask, sf_user_id: str) -> Ineligible | None:
        reason = ineligibility(task, sf_user_id)
        if (reason is Ineligible.NOT_A_REMINDER and not subtype) or (
            reason is Ineligible.RECURRING_SERIES and not recurrence
        ):
            hit()
            return None
        return reason

    replace(monkeypatch, "tasksync.domain.eligibility", "ineligibility", broken)


@rule_break
def logged_emails_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 4: logged emails and calls (TaskSubtype `Email`, `Call`, ...) are never imported; here the
    subtype is not checked (eligibility.ineligibility, from_salesforce.REMINDER_SUBTYPES)."""
    _replace_eligibility(monkeypatch, subtype=False)
    every_subtype = REMINDER_SUBTYPES | {"Email", "Call", "ListEmail", "Cadence", "LinkedIn"}
    replace(monkeypatch, "tasksync.domain.eligibility", "REMINDER_SUBTYPES", every_subtype, at_home=False)


@rule_break
def recurring_masters_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 4: recurring-series masters are not reminders; here they are (eligibility.ineligibility, and
    from_salesforce._never_a_reminder, which knows one from its change event alone)."""
    _replace_eligibility(monkeypatch, recurrence=False)

    def never(change: SalesforceChange) -> bool:
        if "IsRecurrence" in change.carried and change.task.is_recurrence:
            hit()
        return "TaskSubtype" in change.carried and change.task.task_subtype not in REMINDER_SUBTYPES

    replace(monkeypatch, "tasksync.engine.from_salesforce", "_never_a_reminder", never)


@rule_break
def reassigned_away_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 4: a task whose owner changes away from the user leaves their SIA list; here it stays
    (from_salesforce._leaves_reminders)."""
    original = importlib.import_module("tasksync.engine.from_salesforce")._leaves_reminders

    def leaves(change: SalesforceChange, link: SyncLink, truth: bool, ctx: SyncContext) -> bool:
        left: bool = original(change, link, truth, ctx)
        if left and not same_salesforce_id(change.task.owner_id, ctx.sf_user_id):
            hit()
            return False
        return left

    replace(monkeypatch, "tasksync.engine.from_salesforce", "_leaves_reminders", leaves)


@rule_break
def reassigned_in_not_rejoining(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 4: a task reassigned to the user joins their list; here one that had left never comes back
    (from_salesforce._on_left)."""
    original = importlib.import_module("tasksync.engine.from_salesforce")._on_left

    def on_left(change: SalesforceChange, link: SyncLink, reminder: Any, ctx: SyncContext, gone: Any) -> Decision:
        decision: Decision = original(change, link, reminder, ctx, gone)
        if isinstance(decision.reminder, CreateReminder) or decision.skipped is SkipReason.NEEDS_RECORD:
            hit()
            return Decision.skip(SkipReason.NOT_ELIGIBLE)
        return decision

    replace(monkeypatch, "tasksync.engine.from_salesforce", "_on_left", on_left)


# -- SPEC 5: the first sync ------------------------------------------------------------------------


@rule_break
def tasks_from_before_sync_pushed(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 5.2: SIA tasks created before sync was turned on stay local; here they are pushed
    (settings.SyncSettings.pushes_tasks_made_at)."""

    def make(original: Any) -> Any:
        def pushes(self: SyncSettings, created_at: datetime) -> bool:
            if not original(self, created_at):
                hit()
            return True

        return pushes

    _wrap_method(monkeypatch, SyncSettings, "pushes_tasks_made_at", make)


def _import_window(monkeypatch: pytest.MonkeyPatch, window: timedelta) -> None:
    original = importlib.import_module("tasksync.use_cases.first_sync").window_start
    clock_margin = importlib.import_module("tasksync.domain.clocks").CLOCK_MARGIN

    def window_start(settings: SyncSettings, now: datetime) -> datetime:
        hit()
        start: datetime = original(settings, now)
        return (settings.enabled_at or now) - window - clock_margin if start else start

    replace(monkeypatch, "tasksync.use_cases.first_sync", "window_start", window_start)
    replace(monkeypatch, "tasksync.domain.settings", "FIRST_SYNC_WINDOW", window, at_home=False)


@rule_break
def import_window_widened(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 5.1: the first sync imports the SF tasks of the last 24 hours; here of the last 96 (hours
    read as days and back) (first_sync.window_start, from_salesforce.FIRST_SYNC_WINDOW)."""
    _import_window(monkeypatch, timedelta(hours=96))


@rule_break
def import_window_narrowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 5.1: the first sync imports the SF tasks of the last 24 hours; here of the last hour
    (first_sync.window_start, from_salesforce.FIRST_SYNC_WINDOW)."""
    _import_window(monkeypatch, timedelta(hours=1))


@rule_break
def import_checkpoint_rounded_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 5.1 and 5.4: every task of the window is imported, whatever legs the import takes; here a
    leg's checkpoint is rounded up to the next second, so the next leg skips the rows that share it
    (first_sync._checkpoint)."""
    original = importlib.import_module("tasksync.use_cases.first_sync")._checkpoint

    def checkpoint(modified_at: datetime | None, sf_id: str) -> Any:
        if modified_at is None:
            return original(modified_at, sf_id)
        hit()
        return original(modified_at.replace(microsecond=0) + timedelta(seconds=1), sf_id)

    replace(monkeypatch, "tasksync.use_cases.first_sync", "_checkpoint", checkpoint)


@rule_break
def import_id_not_from_the_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 5.4: the import is idempotent (a task imported twice is one task); here an imported task's
    SIA id is made afresh each time, not derived from the record's id (imported_ids.imported_task_id)."""
    fresh = itertools.count(1)
    prefix = importlib.import_module("tasksync.domain.imported_ids").IMPORTED_ID_PREFIX

    def imported_task_id(sf_id: str) -> str:
        hit()
        return f"{prefix}{sf_id}-{next(fresh)}"

    replace(monkeypatch, "tasksync.domain.imported_ids", "imported_task_id", imported_task_id)


@rule_break
def deletion_catch_up_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 5.3: on a re-enable, tasks deleted in SF within the last 15 days are deleted from SIA; here
    the catch-up runs as for a first enable (first_sync._Leg._catch_up)."""
    first_sync = importlib.import_module("tasksync.use_cases.first_sync")

    def make(original: Any) -> Any:
        def catch_up(self: Any, cursors: Any) -> Any:
            if self.settings.ever_enabled:
                hit()
                self.settings = self.settings.model_copy(update={"ever_enabled": False})
            return original(self, cursors)

        return catch_up

    _wrap_method(monkeypatch, first_sync._Leg, "_catch_up", make)


@rule_break
def read_back_on_re_enable_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 5.5: turning sync on again reads every linked record back, so what changed while it was off
    is applied; here the read-back reads nothing (safety_nets.read_back_links)."""

    def read_back_links(settings: SyncSettings, services: Any) -> SweepResult:
        hit()
        return SweepResult(applied=0, removed=0, complete=True)

    replace(monkeypatch, "tasksync.use_cases.safety_nets", "read_back_links", read_back_links)


# -- SPEC 6: continuous sync -----------------------------------------------------------------------


def _wrap_decide_salesforce(monkeypatch: pytest.MonkeyPatch, make: Callable[[Any], Any]) -> None:
    original = importlib.import_module("tasksync.engine.from_salesforce").decide_salesforce_change
    replace(monkeypatch, "tasksync.engine.from_salesforce", "decide_salesforce_change", make(original))


def _wrap_decide_reminder(monkeypatch: pytest.MonkeyPatch, make: Callable[[Any], Any]) -> None:
    original = importlib.import_module("tasksync.engine.from_reminders").decide_reminder_event
    replace(monkeypatch, "tasksync.engine.from_reminders", "decide_reminder_event", make(original))


@rule_break
def gap_event_not_re_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 6: a GAP event makes the sync re-read the record; here it is dropped as applied
    (routing._read_with_owner reads nothing for it, from_salesforce.decide_salesforce_change drops it)."""
    routing = importlib.import_module("tasksync.use_cases.routing")
    read_with_owner = routing._read_with_owner

    def unread(org_id: str, change: SalesforceChange, services: Any, first: list[str]) -> Any:
        if change.change_type is ChangeType.GAP:
            return change, None
        return read_with_owner(org_id, change, services, first)

    replace(monkeypatch, "tasksync.use_cases.routing", "_read_with_owner", unread)

    def make(original: Any) -> Any:
        def decide(change: SalesforceChange, link: Any, reminder: Any, ctx: SyncContext, **known: Any) -> Decision:
            if change.change_type is ChangeType.GAP and ctx.settings.syncing:
                hit()
                return Decision.skip(SkipReason.DUPLICATE)
            decision: Decision = original(change, link, reminder, ctx, **known)
            return decision

        return decide

    _wrap_decide_salesforce(monkeypatch, make)


def _syncing(ctx: SyncContext) -> SyncContext:
    settings = ctx.settings
    connection = settings.connection
    if connection is not None:
        connection = connection.model_copy(update={"status": ConnectionStatus.CONNECTED})
    return dataclasses.replace(ctx, settings=settings.model_copy(update={"enabled": True, "connection": connection}))


@rule_break
def sync_off_still_applies_salesforce(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 6: turning sync off stops both directions at once; here SF changes still reach SIA
    (SyncServices.syncing, as the routing asks it, and from_salesforce.decide_salesforce_change)."""
    services_module = importlib.import_module("tasksync.use_cases.services")

    def still_syncing(self: Any, user_id: str) -> Any:
        settings = self.settings.get_settings(user_id)
        return settings if settings is not None and settings.connection is not None else None

    monkeypatch.setattr(services_module.SyncServices, "syncing", still_syncing)

    def make(original: Any) -> Any:
        def decide(change: SalesforceChange, link: Any, reminder: Any, ctx: SyncContext, **known: Any) -> Decision:
            if not ctx.settings.syncing and ctx.settings.connection is not None:
                hit()
                ctx = _syncing(ctx)
            decision: Decision = original(change, link, reminder, ctx, **known)
            return decision

        return decide

    _wrap_decide_salesforce(monkeypatch, make)


@rule_break
def sync_off_still_pushes_reminders(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 6: turning sync off stops both directions at once; here SIA changes still reach SF
    (reminder_batches.apply_reminder_batch, and from_reminders.decide_reminder_event)."""
    batches = importlib.import_module("tasksync.use_cases.reminder_batches")
    apply_batch = batches.apply_reminder_batch

    def applied(events: Any, services: Any) -> Any:
        events = list(events)
        off = {}
        for event in events:
            settings = services.settings.get_settings(event.task.user_id)
            if settings is not None and not settings.enabled and settings.connection is not None:
                off[event.event_id] = settings.model_copy(update={"enabled": True})
        outcome = apply_batch([event for event in events if event.event_id not in off], services)
        for event in (event for event in events if event.event_id in off):
            hit()
            try:
                batches._apply_for_rep([event], off[event.event_id], services, outcome)
            except Exception as error:  # this event is retried, as the batch path does
                outcome.failed[event.event_id] = error
        return outcome

    replace(monkeypatch, "tasksync.use_cases.reminder_batches", "apply_reminder_batch", applied)

    def make(original: Any) -> Any:
        def decide(event: Any, link: Any, ctx: SyncContext) -> Decision:
            if not ctx.settings.syncing and ctx.settings.connection is not None:
                hit()
                ctx = _syncing(ctx)
            decision: Decision = original(event, link, ctx)
            return decision

        return decide

    _wrap_decide_reminder(monkeypatch, make)


@rule_break
def old_task_never_joins(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 6: an eligible SF task the first sync did not import joins SIA the first time it changes;
    here its age is judged by its creation, so it never joins (from_salesforce._changed_last)."""
    original = importlib.import_module("tasksync.engine.from_salesforce")._changed_last

    def changed_last(change: SalesforceChange) -> datetime:
        last: datetime = original(change)
        created = change.task.created_date
        if created is not None and created < last:
            hit()
            return created
        return last

    replace(monkeypatch, "tasksync.engine.from_salesforce", "_changed_last", changed_last)


@rule_break
def deletion_sweep_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 6: the scheduled deletion sweep applies SF's getDeleted; here its window always starts now,
    so it applies nothing (safety_nets.sweep_deletions)."""
    original = importlib.import_module("tasksync.use_cases.safety_nets").sweep_deletions

    def sweep(settings: SyncSettings, services: Any, cursors: Any, since: datetime | None = None) -> SweepResult:
        hit()
        result: SweepResult = original(settings, services, cursors, since=services.clock())
        return result

    replace(monkeypatch, "tasksync.use_cases.safety_nets", "sweep_deletions", sweep)


@rule_break
def deletion_audit_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 6: when getDeleted lost deletes, the rep's links are audited; here the audit reads nothing
    (safety_nets.audit_deletes)."""

    def audit(settings: SyncSettings, services: Any) -> SweepResult:
        hit()
        return SweepResult(applied=0, removed=0, complete=True)

    replace(monkeypatch, "tasksync.use_cases.safety_nets", "audit_deletes", audit)


@rule_break
def reconciliation_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 6: the reconciliation poll (getUpdated) catches what the event path missed; here it reads
    nothing (safety_nets.reconcile_updates)."""

    def reconcile(settings: SyncSettings, services: Any, cursors: Any, since: datetime | None = None) -> SweepResult:
        hit()
        return SweepResult(applied=0, removed=0, complete=True)

    replace(monkeypatch, "tasksync.use_cases.safety_nets", "reconcile_updates", reconcile)


@rule_break
def sia_resync_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 6: SIA changes whose events were lost are synced again by the SIA resync; here it finds
    none (reminder_resync.unsynced_events)."""

    def unsynced(settings: SyncSettings, services: Any) -> list[Any]:
        hit()
        return []

    replace(monkeypatch, "tasksync.use_cases.reminder_resync", "unsynced_events", unsynced)


@rule_break
def update_reads_fields_it_did_not_carry(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 6 and 7: an UPDATE carries its changed fields only; here every field of its body is read as
    a value, the absent ones as empty (change_events.conversion._carried)."""
    original = importlib.import_module("tasksync.change_events.conversion")._carried

    def carried(change_type: ChangeType, event: Any) -> frozenset[str]:
        fields: frozenset[str] = original(change_type, event)
        if change_type is ChangeType.UPDATE:
            hit()
            return frozenset(QUERY_FIELDS)
        return fields

    replace(monkeypatch, "tasksync.change_events.conversion", "_carried", carried)


# -- SPEC 7: correctness ---------------------------------------------------------------------------


@rule_break
def echo_filter_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (no echo): CDC events whose changeOrigin carries the sync's client id are its own; here
    the client id is ignored (from_salesforce.decide_salesforce_change)."""

    def make(original: Any) -> Any:
        def decide(change: SalesforceChange, link: Any, reminder: Any, ctx: SyncContext, **known: Any) -> Decision:
            if change.client_id is not None and change.client_id == ctx.client_id:
                hit()
                change = dataclasses.replace(change, client_id=None)
            decision: Decision = original(change, link, reminder, ctx, **known)
            return decision

        return decide

    _wrap_decide_salesforce(monkeypatch, make)


@rule_break
def unchanged_values_written_to_sia(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (no echo): a write that leaves the synced values unchanged is a no-op; here every field is
    written to the SIA task whenever SF changes (merge.reminder_writes)."""
    original = importlib.import_module("tasksync.engine.merge").reminder_writes

    def writes(merged: Merged, reminder: ReminderTask) -> dict[TaskField, object]:
        changes: dict[TaskField, object] = original(merged, reminder)
        every = {field: getattr(merged.agreed, field) for field in TaskField}
        if changes != every:
            hit()
        return every

    replace(monkeypatch, "tasksync.engine.merge", "reminder_writes", writes)


@rule_break
def lost_create_not_looked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (idempotent): a create that timed out and is retried makes no duplicate; here the retry
    does not first look up the create whose answer was lost (the find_by_external_ids of
    reminder_events.apply_reminder_event and reminder_batches._links_settled answers nothing)."""
    services_module = importlib.import_module("tasksync.use_cases.services")
    original = services_module.SyncServices.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        factory = self.salesforce
        object.__setattr__(self, "salesforce", lambda settings: _NoLookup(factory(settings)))

    monkeypatch.setattr(services_module.SyncServices, "__init__", init)


class _NoLookup:
    """A gateway whose lookup of lost creates is skipped: it finds nothing."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def find_by_external_ids(self, external_ids: Any) -> dict[str, SalesforceTask]:
        if self._inner.find_by_external_ids(external_ids):
            hit()
        return {}


@rule_break
def create_not_keyed_by_sia_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (idempotent): a create is keyed by the SIA id, so a retry finds the record it made; here
    the key is made afresh for each send (settle.create_salesforce_task)."""
    original = importlib.import_module("tasksync.engine.settle").create_salesforce_task
    sends = itertools.count(1)

    def create(sia_id: str, values: TaskValues, ctx: SyncContext) -> Any:
        made = original(sia_id, values, ctx)
        hit()
        key = f"{sia_id}.{next(sends)}"
        return dataclasses.replace(made, create=dataclasses.replace(made.create, external_id=key))

    replace(monkeypatch, "tasksync.engine.settle", "create_salesforce_task", create)


@rule_break
def staleness_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (stale-safe): an SF event older than what was applied changes nothing; here it is applied
    anyway (from_salesforce._older)."""
    original = importlib.import_module("tasksync.engine.from_salesforce")._older

    def older(change: SalesforceChange, link: SyncLink) -> bool:
        if original(change, link):
            hit()
        return False

    replace(monkeypatch, "tasksync.engine.from_salesforce", "_older", older)


@rule_break
def stale_sia_version_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (stale-safe): an SIA event older than the version applied changes nothing; here it is
    merged as news (from_reminders._on_edit)."""
    from_reminders = importlib.import_module("tasksync.engine.from_reminders")
    original = from_reminders._on_edit

    def on_edit(event: Any, link: SyncLink, ctx: SyncContext) -> Decision:
        if event.task.version < link.sia_version and link.sf_id is not None and not link.unsent:
            hit()
            return from_reminders.settle(link, event.task, from_reminders.nothing_observed(link), ctx)  # type: ignore[no-any-return]
        decision: Decision = original(event, link, ctx)
        return decision

    replace(monkeypatch, "tasksync.engine.from_reminders", "_on_edit", on_edit)


@rule_break
def links_shared_between_reps(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 4 and 7: each rep's change is decided with their own link; here with whichever rep's link
    the record has (the link store's link_by_sf_id, as its query would be without the user key)."""

    def any_reps_link(state: InMemorySyncState, user_id: str, sf_id: str) -> SyncLink | None:
        keys = [key for (_, linked), key in state.sf_index.items() if linked == sf_id[:15]]
        if keys and keys[0][0] != user_id:
            hit()
        return state.links.get(keys[0]) if keys else None

    monkeypatch.setattr(InMemorySyncState, "link_by_sf_id", any_reps_link)


def _wrap_merge(monkeypatch: pytest.MonkeyPatch, conflicting: Callable[[FieldChange, FieldChange], Any]) -> None:
    """``merge`` given, for each field both sides changed to different values, the two changes as
    ``conflicting`` rewrites them."""
    original = importlib.import_module("tasksync.engine.merge").merge

    def merge(link: SyncLink, from_sia: Any, from_salesforce: Any, ctx: SyncContext) -> Merged:
        sia, salesforce = dict(from_sia), dict(from_salesforce)
        for field in set(sia) & set(salesforce) - {TaskField.NAME}:
            if sia[field].value != salesforce[field].value:
                sia[field], salesforce[field] = conflicting(sia[field], salesforce[field])
                hit()
        merged: Merged = original(link, sia, salesforce, ctx)
        return merged

    replace(monkeypatch, "tasksync.engine.merge", "merge", merge)


@rule_break
def earlier_change_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (conflicts): where both sides changed a field, the later change wins; here the earlier
    one does (merge.merge)."""
    _wrap_merge(monkeypatch, lambda sia, sf: (FieldChange(sia.value, sf.at), FieldChange(sf.value, sia.at)))


@rule_break
def sia_always_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (conflicts): where both sides changed a field, the later change wins; here SIA's always
    does, both where the two changes meet (merge.merge) and where a Salesforce change is found replaced
    by the sync's write (observe._Watch.lost_to_sia)."""
    dawn = datetime(1970, 1, 1, tzinfo=UTC)
    _wrap_merge(monkeypatch, lambda sia, sf: (sia, FieldChange(sf.value, dawn)))

    def make(original: Any) -> Any:
        def lost_to_sia(self: Any, sf_field: Any, value: Any, at: datetime, write: Any, *, dated: bool) -> None:
            hit()
            original(self, sf_field, value, dawn, write, dated=dated)

        return lost_to_sia

    _wrap_method(monkeypatch, importlib.import_module("tasksync.engine.observe")._Watch, "lost_to_sia", make)


@rule_break
def conflicts_not_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (conflicts): conflicts are recorded where the user can see them; here none is
    (settle.settle)."""
    original = importlib.import_module("tasksync.engine.settle").settle

    def settle(*args: Any, **kwargs: Any) -> Decision:
        decision: Decision = original(*args, **kwargs)
        if decision.conflicts:
            hit()
            return dataclasses.replace(decision, conflicts=())
        return decision

    replace(monkeypatch, "tasksync.engine.settle", "settle", settle)


@rule_break
def automation_change_not_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (no echo): a value SF automation (or a user just after) put over the sync's write is
    SF's and follows the field rules to SIA; here it is taken in and never reaches SIA
    (observe._Watch.salesforce_changed)."""
    import tasksync.engine.observe as observe

    def make(original: Any) -> Any:
        def salesforce_changed(
            self: Any, sf_field: SalesforceField, value: Any, at: datetime, *, replaced_write: bool
        ) -> None:
            original(self, sf_field, value, at, replaced_write=replaced_write)
            field = importlib.import_module("tasksync.domain.field_map").SIA_FIELD[sf_field]
            if replaced_write and field in self.changes:
                del self.changes[field]
                hit()

        return salesforce_changed

    _wrap_method(monkeypatch, observe._Watch, "salesforce_changed", make)


@rule_break
def deletes_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (deletes stay deleted): a task deleted in SF is deleted in SIA; here an SF DELETE is
    dropped (from_salesforce.decide_salesforce_change)."""

    def make(original: Any) -> Any:
        def decide(change: SalesforceChange, link: Any, reminder: Any, ctx: SyncContext, **known: Any) -> Decision:
            if change.change_type is ChangeType.DELETE and ctx.settings.syncing:
                hit()
                return Decision.skip(SkipReason.NOT_LINKED)
            decision: Decision = original(change, link, reminder, ctx, **known)
            return decision

        return decide

    _wrap_decide_salesforce(monkeypatch, make)


@rule_break
def sf_delete_keeps_the_sia_task(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (deletes stay deleted): a task deleted in SF is deleted in SIA; here the link is
    tombstoned but the SIA task stays (from_salesforce._on_delete)."""
    original = importlib.import_module("tasksync.engine.from_salesforce")._on_delete

    def on_delete(change: SalesforceChange, link: SyncLink, reminder: Any, ctx: SyncContext) -> Decision:
        decision: Decision = original(change, link, reminder, ctx)
        if decision.reminder is not None:
            hit()
            return dataclasses.replace(decision, reminder=None)
        return decision

    replace(monkeypatch, "tasksync.engine.from_salesforce", "_on_delete", on_delete)


@rule_break
def sia_delete_keeps_the_sf_task(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (deletes stay deleted): a task deleted in SIA is deleted in SF; here the link is
    tombstoned but the SF task stays (from_reminders._deleted)."""
    original = importlib.import_module("tasksync.engine.from_reminders")._deleted

    def deleted(event: Any, link: SyncLink) -> Decision:
        decision: Decision = original(event, link)
        if decision.salesforce is not None:
            hit()
            return dataclasses.replace(decision, salesforce=None)
        return decision

    replace(monkeypatch, "tasksync.engine.from_reminders", "_deleted", deleted)


@rule_break
def late_update_resurrects(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (deletes stay deleted): a deleted task is never resurrected by a late update; here any SF
    change of a deleted task's record brings it back (from_salesforce._on_deleted)."""
    from_salesforce = importlib.import_module("tasksync.engine.from_salesforce")
    original = from_salesforce._on_deleted

    def on_deleted(
        change: SalesforceChange,
        link: SyncLink,
        reminder: Any,
        learnt_id: bool,
        echo: bool,
        ctx: SyncContext,
        gone: Any,
    ) -> Decision:
        decision: Decision = original(change, link, reminder, learnt_id, echo, ctx, gone)
        if change.change_type is ChangeType.DELETE or isinstance(decision.reminder, CreateReminder):
            return decision
        if decision.salesforce is not None:
            return decision
        hit()
        return from_salesforce._bring_back(change, link, reminder, ctx, gone)  # type: ignore[no-any-return]

    replace(monkeypatch, "tasksync.engine.from_salesforce", "_on_deleted", on_deleted)


@rule_break
def undelete_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7: an SF UNDELETE brings the task back; here a deleted task's record coming back is ignored
    (from_salesforce._on_deleted)."""
    original = importlib.import_module("tasksync.engine.from_salesforce")._on_deleted

    def on_deleted(
        change: SalesforceChange,
        link: SyncLink,
        reminder: Any,
        learnt_id: bool,
        echo: bool,
        ctx: SyncContext,
        gone: Any,
    ) -> Decision:
        decision: Decision = original(change, link, reminder, learnt_id, echo, ctx, gone)
        if isinstance(decision.reminder, CreateReminder) or decision.skipped is SkipReason.NEEDS_RECORD:
            hit()
            return Decision.skip(SkipReason.DELETED)
        return decision

    replace(monkeypatch, "tasksync.engine.from_salesforce", "_on_deleted", on_deleted)


def _wrap_finish(monkeypatch: pytest.MonkeyPatch, rewrite: Callable[[Any, WriteResult], WriteResult | None]) -> None:
    """``finish`` given the result as ``rewrite`` turns it (None: raise the result's error)."""
    original = importlib.import_module("tasksync.use_cases.carry_out").finish

    def finish(staged: Any, result: WriteResult, ctx: SyncContext, services: Any) -> None:
        rewritten = rewrite(staged, result)
        if rewritten is None:
            assert result.error is not None
            raise result.error
        original(staged, rewritten, ctx, services)

    replace(monkeypatch, "tasksync.use_cases.carry_out", "finish", finish)


def _as(kind: ErrorKind, error: SalesforceError) -> SalesforceError:
    return SalesforceError(kind, error.code, error.message, error.fields)


@rule_break
def transient_error_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (errors): transient SF errors are retried with back-off; here one is recorded as
    permanent and the change dropped (carry_out.finish)."""

    def rewrite(staged: Any, result: WriteResult) -> WriteResult:
        if result.error is not None and result.error.kind is ErrorKind.TRANSIENT:
            hit()
            return WriteResult(result.sf_id, _as(ErrorKind.PERMANENT, result.error))
        return result

    _wrap_finish(monkeypatch, rewrite)


@rule_break
def permanent_error_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (errors): permanent SF errors (validation rules, access) are not retried; here they are
    raised for the queue to retry (carry_out.finish)."""

    def rewrite(staged: Any, result: WriteResult) -> WriteResult | None:
        if result.error is not None and result.error.kind is ErrorKind.PERMANENT:
            hit()
            return None
        return result

    _wrap_finish(monkeypatch, rewrite)


@rule_break
def permanent_error_not_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (errors): permanent SF errors are recorded per task for the user; here they are dropped
    silently (carry_out.record_refusal)."""
    original = importlib.import_module("tasksync.use_cases.carry_out").record_refusal

    def record_refusal(error: SalesforceError, kind: SyncErrorKind, *args: Any, **kwargs: Any) -> None:
        if kind is SyncErrorKind.PERMANENT:
            hit()
            return
        original(error, kind, *args, **kwargs)

    monkeypatch.setattr("tasksync.use_cases.carry_out.record_refusal", record_refusal)


@rule_break
def entity_deleted_update_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (errors): ENTITY_IS_DELETED / NOT_FOUND on update means already deleted; here it is
    recorded as a refusal and the SIA task kept (carry_out.finish)."""

    def rewrite(staged: Any, result: WriteResult) -> WriteResult:
        error = result.error
        if (
            error is not None
            and error.kind is ErrorKind.ALREADY_DELETED
            and isinstance(staged.action, UpdateSalesforceTask)
        ):
            hit()
            return WriteResult(result.sf_id, _as(ErrorKind.PERMANENT, error))
        return result

    _wrap_finish(monkeypatch, rewrite)


@rule_break
def entity_deleted_delete_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (errors): ENTITY_IS_DELETED / NOT_FOUND on delete means already deleted; here it is
    recorded as a refusal and the tombstone never saved (carry_out.finish)."""

    def rewrite(staged: Any, result: WriteResult) -> WriteResult:
        error = result.error
        if (
            error is not None
            and error.kind is ErrorKind.ALREADY_DELETED
            and not isinstance(staged.action, UpdateSalesforceTask)
        ):
            hit()
            return WriteResult(result.sf_id, _as(ErrorKind.PERMANENT, error))
        return result

    _wrap_finish(monkeypatch, rewrite)


@rule_break
def revoked_grant_not_pausing(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 7 (errors): a revoked grant pauses that user's sync and says so; here the sync is not
    paused (revoked_grant.pause_sync)."""

    def pause_sync(settings: SyncSettings, reason: str, services: Any, since: Any = None) -> None:
        hit()

    replace(monkeypatch, "tasksync.use_cases.revoked_grant", "pause_sync", pause_sync)
