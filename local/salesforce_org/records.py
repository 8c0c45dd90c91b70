"""Writing Task records: validation as Salesforce does it, and units of work that commit at once.

A ``TaskWrites`` holds the org's lock from start to ``commit``. Each ``create``/``update``/``upsert``/
``delete``/``undelete`` validates one record against the org plus what the unit already staged, and
either stages it whole or raises ``ApiError`` having staged nothing: so a collection call with
``allOrNone`` false commits the records that passed, and one with ``allOrNone`` true commits none when
any failed. ``commit`` applies the staged records and publishes one transaction's change events.

Validation (Object Reference, "Task"; REST API Developer Guide, "Status Codes and Error Responses"):

- an unknown field: ``INVALID_FIELD`` "No such column 'X' on sobject of type Task";
- a read-only field (Id, IsClosed, IsDeleted, CreatedDate, CreatedById, LastModifiedDate,
  LastModifiedById, SystemModstamp, CompletedDateTime, RecurrenceActivityId), or TaskSubtype /
  IsRecurrence on update (create-only fields): ``INVALID_FIELD_FOR_INSERT_UPDATE``;
- Status / Priority / TaskSubtype not among the org's values: ``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST``
  (which code an unknown Status gets is not documented; restricted picklists answer this one);
- Subject over 255, Description over 32,000, Tasksync_Id__c over 64 characters: ``STRING_TOO_LONG``;
- ActivityDate not ``YYYY-MM-DD``, or a value of the wrong JSON type: ``JSON_PARSER_ERROR``;
- a malformed id in OwnerId/WhoId/WhatId: ``MALFORMED_ID``; an id of the wrong object, or an OwnerId
  that is no user of the org: ``FIELD_INTEGRITY_EXCEPTION``; an inactive owner: ``INACTIVE_OWNER_OR_USER``;
- Status, Priority or OwnerId set to null: ``REQUIRED_FIELD_MISSING``;
- a Tasksync_Id__c value another live record holds (case-sensitive: ``SIA-1`` and ``sia-1`` are two
  values, as the field's metadata says; see ``schema``): ``DUPLICATE_VALUE``;
- a due date on a recurring series master (``IsRecurrence``): ``FIELD_INTEGRITY_EXCEPTION``.

Defaults on create: Status and Priority from the org's ``IsDefault`` values, OwnerId the calling user,
TaskSubtype ``Task``, IsRecurrence false. IsClosed follows Status (TaskStatus.IsClosed);
CompletedDateTime is set when a task becomes closed and cleared when it reopens. Empty strings are
stored as null, as Salesforce does for text fields.

The org's automation rules (``automation``) run on each create and update, after the written values are
checked and before the record's own checks and derived fields, as before-save flows and triggers do
(Apex Developer Guide, "Triggers and Order of Execution"); their changes commit, and publish, with the
write.

Not documented, chosen here: an update that changes nothing still moves LastModifiedDate and
SystemModstamp and publishes an UPDATE (as a save without changes does in Salesforce); deleting moves
SystemModstamp only; undeleting moves SystemModstamp and fails with ``DUPLICATE_VALUE`` when a live
record took the record's Tasksync_Id__c meanwhile; upsert never matches a record in the recycle bin.
Messages other than those quoted in the docs are modelled on what Salesforce is seen to answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from local.salesforce_org import formats, ids
from local.salesforce_org.cdc import ChangeEvent, ChangeType, RecordChange
from local.salesforce_org.errors import ApiError, entity_is_deleted, json_parser_error, malformed_id, not_found
from local.salesforce_org.org import Org
from local.salesforce_org.schema import EXTERNAL_ID_FIELD, TASK, TASK_SUBTYPES, FieldDef, FieldType

LIGHTNING_API_VERSION = "59.0"


def _definition(name: str) -> FieldDef:
    definition = TASK.field(name)
    assert definition is not None
    return definition


def _label(name: str) -> str:
    return _definition(name).label


_EXTERNAL = _definition(EXTERNAL_ID_FIELD)


@dataclass(frozen=True)
class Actor:
    """Who makes a change, the ``changeOrigin`` its events carry, and whether it came through the API
    (rules that guard a field against integrations look at that)."""

    user_id: str
    origin: str = ""
    """"" for changes made neither through an API nor in Lightning: setup changes, system jobs."""
    via_api: bool = False


def api_origin(api_version: str, client_id: str | None) -> str:
    """CDC Developer Guide, "ChangeEventHeader Fields": ``com/salesforce/api/<API_Name>/<API_Version>``
    plus ``;client=<Client_ID>`` when the call set one in ``Sforce-Call-Options``."""
    origin = f"com/salesforce/api/rest/{api_version}"
    return f"{origin};client={client_id}" if client_id else origin


def lightning_origin() -> str:
    """A Lightning Experience edit's ``changeOrigin``: Apex ``EventBus.ChangeEventHeader``,
    changeOrigin: "Only populated for changes done by API apps or from Lightning Experience; empty
    otherwise". Its value follows the documented examples (Object Reference,
    "StandardObjectNameChangeEvent"; CDC Developer Guide, "Data Differences in Event Fields"):
    ``com/salesforce/api/soap/51.0;client=SfdcInternalAPI/``; that Lightning is what sends it is our
    reading, not a doc's statement."""
    return f"com/salesforce/api/soap/{LIGHTNING_API_VERSION};client=SfdcInternalAPI/"


class TaskWrites:
    def __init__(self, org: Org, actor: Actor) -> None:
        self.org = org
        self.actor = actor
        self.now = formats.to_second(org.now())
        self._staged: dict[str, RecordChange] = {}
        self._staged_external: dict[str, str] = {}
        """Tasksync_Id__c -> id of the staged records that hold it (may be stale: see find_external)."""
        self._committed = False

    def __enter__(self) -> TaskWrites:
        self.org.lock.acquire()
        self.org.expire_recycle_bin()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.org.lock.release()

    # -- reading through the staged changes ------------------------------------------------------------

    def current(self, record_id: str) -> Mapping[str, Any] | None:
        staged = self._staged.get(record_id)
        if staged is not None:
            return staged.after
        return self.org.tasks.get(record_id)

    def live(self, record_id: str) -> Mapping[str, Any]:
        """The record ``record_id`` (a normalized Task id) that is not deleted, or the error to answer."""
        record = self.current(record_id)
        if record is None:
            raise not_found()
        if record["IsDeleted"]:
            raise entity_is_deleted()
        return record

    def find_external(self, value: str) -> Mapping[str, Any] | None:
        """The live record whose Tasksync_Id__c is ``value`` (case-sensitive), through the org's index
        and this unit's staged records; an index entry the staged changes made stale is checked away."""
        for record_id in (self._staged_external.get(value), self.org.external_ids.get(value)):
            record = self.current(record_id) if record_id is not None else None
            if record is not None and not record["IsDeleted"] and record.get(EXTERNAL_ID_FIELD) == value:
                return record
        return None

    # -- staging ---------------------------------------------------------------------------------------

    def create(self, values: Mapping[str, Any]) -> str:
        fields = self._coerce(values, creating=True)
        record: dict[str, Any] = {
            "Id": ids.new_id(ids.TASK),
            "Subject": None,
            "Status": self.org.default_status().api_name,
            "Priority": self.org.default_priority().api_name,
            "ActivityDate": None,
            "Description": None,
            "OwnerId": self.actor.user_id,
            "WhoId": None,
            "WhatId": None,
            "TaskSubtype": "Task",
            "IsRecurrence": False,
            "RecurrenceActivityId": None,
            "IsClosed": False,
            "IsDeleted": False,
            "CreatedDate": self.now,
            "CreatedById": self.actor.user_id,
            "LastModifiedDate": self.now,
            "LastModifiedById": self.actor.user_id,
            "SystemModstamp": self.now,
            "CompletedDateTime": None,
            EXTERNAL_ID_FIELD: None,
        }
        record.update(fields)
        self._automate(record, None, fields)
        self._check_record(record, None)
        self._derive(record, None)
        self._stage(RecordChange(ChangeType.CREATE, record["Id"], None, record))
        return str(record["Id"])

    def update(self, record_id: str, values: Mapping[str, Any]) -> None:
        before = self.live(record_id)
        fields = self._coerce(values, creating=False)
        after = dict(before)
        after.update(fields)
        after["LastModifiedDate"] = self.now
        after["LastModifiedById"] = self.actor.user_id
        after["SystemModstamp"] = self.now
        self._automate(after, before, fields)
        self._check_record(after, record_id)
        self._derive(after, before)
        self._stage(RecordChange(ChangeType.UPDATE, record_id, before, after))

    def upsert(self, external_value: str, values: Mapping[str, Any]) -> tuple[str, bool]:
        """Update the live record whose Tasksync_Id__c is ``external_value``, or create one with it;
        returns (id, created)."""
        if len(external_value) > _EXTERNAL.length:
            raise _too_long(_EXTERNAL, external_value)
        body = {k: v for k, v in values.items() if k.lower() != EXTERNAL_ID_FIELD.lower()}
        in_body = [v for k, v in values.items() if k.lower() == EXTERNAL_ID_FIELD.lower()]
        if in_body and in_body[0] != external_value:
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"{EXTERNAL_ID_FIELD}: the value in the record does not match the external ID {external_value}",
                [EXTERNAL_ID_FIELD],
            )
        match = self.find_external(external_value)
        if match is not None:
            self.update(str(match["Id"]), body)
            return str(match["Id"]), False
        return self.create({**body, EXTERNAL_ID_FIELD: external_value}), True

    def delete(self, record_id: str) -> None:
        before = self.live(record_id)
        after = dict(before)
        after["IsDeleted"] = True
        after["SystemModstamp"] = self.now
        self._stage(RecordChange(ChangeType.DELETE, record_id, before, after))

    def undelete(self, record_id: str) -> None:
        before = self.current(record_id)
        if before is None:
            raise not_found()
        if not before["IsDeleted"]:
            raise ApiError(400, "UNDELETE_FAILED", "Entity is not in the recycle bin", [])
        held = before.get(EXTERNAL_ID_FIELD)
        if held is not None:
            other = self.find_external(held)
            if other is not None:
                raise _duplicate(str(other["Id"]))
        after = dict(before)
        after["IsDeleted"] = False
        after["SystemModstamp"] = self.now
        self._stage(RecordChange(ChangeType.UNDELETE, record_id, before, after))

    def stage_system_change(self, record_id: str, after: Mapping[str, Any]) -> None:
        """A change the platform makes (a renamed picklist value rewriting records): no validation; a
        record in the recycle bin changes silently."""
        before = self.current(record_id)
        if before is None:
            raise not_found()
        if before["IsDeleted"]:
            self.org.store_task(after)
            return
        self._stage(RecordChange(ChangeType.UPDATE, record_id, before, dict(after)))

    def _stage(self, change: RecordChange) -> None:
        earlier = self._staged.get(change.record_id)
        if earlier is not None:
            # Several changes to one record in one unit: one change from the first state to the last.
            kind = earlier.kind if earlier.kind is ChangeType.CREATE else change.kind
            change = RecordChange(kind, change.record_id, earlier.before, change.after)
        self._staged[change.record_id] = change
        held = change.after.get(EXTERNAL_ID_FIELD) if change.after is not None else None
        if held is not None:
            self._staged_external[held] = change.record_id

    # -- commit ----------------------------------------------------------------------------------------

    def commit(self) -> list[ChangeEvent]:
        if self._committed:
            raise RuntimeError("this unit of work was committed already")
        self._committed = True
        changes = list(self._staged.values())
        for change in changes:
            assert change.after is not None
            self.org.store_task(change.after)
            if change.kind is ChangeType.DELETE:
                self.org.delete_log[change.record_id] = self.now
            elif change.kind is ChangeType.UNDELETE:
                self.org.delete_log.pop(change.record_id, None)
        return self.org.publish(changes, origin=self.actor.origin, user_id=self.actor.user_id)

    def discard(self) -> None:
        self._staged.clear()
        self._staged_external.clear()
        self._committed = True

    # -- validation ------------------------------------------------------------------------------------

    def _coerce(self, values: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        not_writable: list[str] = []
        for raw_name, raw in values.items():
            if raw_name == "attributes":
                continue
            definition = TASK.field(raw_name)
            if definition is None:
                raise ApiError(400, "INVALID_FIELD", f"No such column '{raw_name}' on sobject of type Task")
            if not (definition.createable if creating else definition.updateable):
                not_writable.append(definition.name)
                continue
            out[definition.name] = coerce_value(definition, raw)
        if not_writable:
            raise ApiError(
                400,
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(not_writable)}. Please check the security settings "
                "of this field and verify that it is read/write for your profile or permission set.",
                not_writable,
            )
        return out

    def _automate(self, record: dict[str, Any], before: Mapping[str, Any] | None, written: Mapping[str, Any]) -> None:
        for rule in self.org.automation:
            rule.apply(record, before, written, self.actor)

    def _check_record(self, record: Mapping[str, Any], record_id: str | None) -> None:
        missing = [name for name in ("Status", "Priority", "OwnerId") if record.get(name) is None]
        if missing:
            raise ApiError(
                400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing
            )
        if self.org.status(record["Status"]) is None:
            raise _bad_picklist("Status", record["Status"])
        if self.org.priority(record["Priority"]) is None:
            raise _bad_picklist("Priority", record["Priority"])
        if record.get("TaskSubtype") is not None and record["TaskSubtype"] not in TASK_SUBTYPES:
            raise _bad_picklist("TaskSubtype", record["TaskSubtype"])
        owner = record["OwnerId"]
        if not ids.has_prefix(owner, ids.USER) or owner not in self.org.users:
            raise _integrity("Assigned To ID", owner, "OwnerId")
        if not self.org.users[owner].is_active:
            raise ApiError(
                400, "INACTIVE_OWNER_OR_USER", f"operation performed with inactive user [{owner}] as owner of task", []
            )
        who = record.get("WhoId")
        if who is not None and not (ids.has_prefix(who, ids.CONTACT) or ids.has_prefix(who, ids.LEAD)):
            raise _integrity("Name ID", who, "WhoId")
        what = record.get("WhatId")
        if what is not None and what[:3] in (ids.USER, ids.TASK, ids.ORG, ids.CONTACT, ids.LEAD):
            raise _integrity("Related To ID", what, "WhatId")
        if record.get("IsRecurrence") and record.get("ActivityDate") is not None:
            raise ApiError(
                400,
                "FIELD_INTEGRITY_EXCEPTION",
                "Due Date Only: a recurring task series takes its dates from the recurrence, not ActivityDate",
                ["ActivityDate"],
            )
        external = record.get(EXTERNAL_ID_FIELD)
        if external is not None:
            other = self.find_external(external)
            if other is not None and other["Id"] != record_id and other["Id"] != record.get("Id"):
                raise _duplicate(str(other["Id"]))

    def _derive(self, record: dict[str, Any], before: Mapping[str, Any] | None) -> None:
        status = self.org.status(record["Status"])
        closed = bool(status and status.is_closed)
        record["IsClosed"] = closed
        was_closed = bool(before and before["IsClosed"])
        if closed and not was_closed:
            record["CompletedDateTime"] = self.now
        elif not closed:
            record["CompletedDateTime"] = None


def coerce_value(definition: FieldDef, raw: Any) -> Any:
    """A JSON value as the stored Python value of ``definition``'s type, or the error to answer."""
    name, kind = definition.name, definition.type
    if raw is None:
        return None
    if kind.is_text:
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise json_parser_error(f"Cannot deserialize instance of string from {_json_kind(raw)} value for {name}")
        text = str(raw)
        if definition.length and len(text) > definition.length:
            raise _too_long(definition, text)
        return text or None
    if kind is FieldType.DATE:
        parsed = formats.parse_date(raw) if isinstance(raw, str) else None
        if parsed is None:
            raise json_parser_error(
                f"Cannot deserialize instance of date from {_json_kind(raw)} value {raw} or value is out of range "
                f"for field {name}: use YYYY-MM-DD"
            )
        return parsed
    if kind is FieldType.BOOLEAN:
        if not isinstance(raw, bool):
            raise json_parser_error(f"Cannot deserialize instance of boolean from {_json_kind(raw)} value for {name}")
        return raw
    if kind.is_id:
        if not isinstance(raw, str):
            raise json_parser_error(f"Cannot deserialize instance of id from {_json_kind(raw)} value for {name}")
        if raw == "":
            return None
        normalized = ids.normalize(raw)
        if normalized is None:
            label = definition.label.removesuffix(" ID")
            error = malformed_id(label, raw)
            error.fields = [name]
            raise error
        return normalized
    raise json_parser_error(f"Cannot deserialize value for {name}")


def _json_kind(raw: Any) -> str:
    if isinstance(raw, dict):
        return "START_OBJECT"
    if isinstance(raw, list):
        return "START_ARRAY"
    if isinstance(raw, bool):
        return "VALUE_TRUE" if raw else "VALUE_FALSE"
    if isinstance(raw, int | float):
        return "VALUE_NUMBER_INT" if isinstance(raw, int) else "VALUE_NUMBER_FLOAT"
    return "VALUE_STRING"


def _too_long(definition: FieldDef, text: str) -> ApiError:
    shown = text if len(text) <= 40 else text[:37] + "..."
    return ApiError(
        400,
        "STRING_TOO_LONG",
        f"{definition.label}: data value too large: {shown} (max length={definition.length})",
        [definition.name],
    )


def _bad_picklist(name: str, value: Any) -> ApiError:
    return ApiError(
        400,
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        f"{_label(name)}: bad value for restricted picklist field: {value}",
        [name],
    )


def _integrity(label: str, value: str, name: str) -> ApiError:
    return ApiError(400, "FIELD_INTEGRITY_EXCEPTION", f"{label}: id value of incorrect type: {value}", [name])


def _duplicate(other_id: str) -> ApiError:
    return ApiError(
        400,
        "DUPLICATE_VALUE",
        f"duplicate value found: {EXTERNAL_ID_FIELD} duplicates value on record with id: {other_id}",
        [],
    )


def task_id(value: str) -> str:
    """A Task id from a URL, normalized to 18 characters, or the error Salesforce answers."""
    normalized = ids.normalize(value)
    if normalized is None or not ids.has_prefix(normalized, ids.TASK):
        raise malformed_id("Task", value)
    return normalized
