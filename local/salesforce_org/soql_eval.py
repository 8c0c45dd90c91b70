"""SOQL evaluation: a parsed query (``soql``) checked against the schema, then the org's rows filtered,
ordered, offset, limited and projected as it asks. The REST resources that page the answer are
``query_paging``; Bulk API 2.0 jobs (``bulk``) use the same evaluation.

SOQL semantics (SOQL and SOSL Reference): "Comparison Operators" ("Comparisons on strings are
case-sensitive for unique case-sensitive fields", such as Tasksync_Id__c, and case-insensitive for all
others, ``LIKE`` included; ``LIKE`` with ``%`` and ``_``; ``IN`` / ``NOT IN``); "ORDER BY" (ascending
by default, nulls first by default, sorting is case insensitive, long text areas cannot be sorted);
"OFFSET" (at most 2,000); "COUNT()" (the answer's ``totalSize`` is the count and ``records`` is empty);
"Date Formats and Date Literals in WHERE" (a date value filters date fields only, a dateTime value
dateTime fields only).

Errors: an unknown object is ``INVALID_TYPE`` ("sObject type 'X' is not supported..."); an unknown
field ``INVALID_FIELD`` ("No such column 'X' on entity 'Task'..."); a value of the wrong type for a field
``INVALID_FIELD`` ("value of filter criterion for field 'X' must be of type ..."); an id that is not
one ``INVALID_QUERY_FILTER_OPERATOR`` ("invalid ID field: X"). Their messages follow what Salesforce
answers (not on a doc page).

Relationship paths (``Owner.Name``), aggregate functions other than ``COUNT()``, GROUP BY, semi-joins and
``FIELDS()`` are not modelled: they answer INVALID_FIELD or MALFORMED_QUERY.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from local.salesforce_org import date_literals, formats, ids, soql
from local.salesforce_org.errors import ApiError
from local.salesforce_org.org import Org, User
from local.salesforce_org.schema import (
    TASK,
    TASK_PRIORITY,
    TASK_STATUS,
    USER,
    FieldDef,
    FieldType,
    ObjectDef,
    object_def,
)
from local.salesforce_org.soql import Compare, Condition, InList, Like, Literal, Not, Query, query_error

MAX_OFFSET = 2000

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]


@dataclass(frozen=True)
class CompiledQuery:
    query: Query
    sobject: ObjectDef
    fields: tuple[FieldDef, ...]
    predicate: Predicate
    include_deleted: bool

    @property
    def count(self) -> bool:
        return self.query.count


def compile_query(text: str, *, user: User, now: datetime, include_deleted: bool) -> CompiledQuery:
    """Parse and check ``text`` for ``user``, or raise the ApiError Salesforce answers."""
    query = soql.parse(text)
    sobject = object_def(query.sobject.name)
    if sobject is None:
        raise query_error(
            "INVALID_TYPE",
            text,
            query.sobject.at,
            f"sObject type '{query.sobject.name}' is not supported. If you are attempting to use a custom "
            "object, be sure to append the '__c' after the entity name. Please reference your WSDL or the "
            "describe call for the appropriate names.",
        )
    fields: list[FieldDef] = []
    for ref in query.fields:
        definition = _field(sobject, ref, text)
        if definition in fields:
            raise query_error("MALFORMED_QUERY", text, ref.at, f"duplicate field selected: {definition.name}")
        fields.append(definition)
    for item in query.order_by:
        definition = _field(sobject, item.field, text)
        if not definition.sortable:
            raise query_error(
                "INVALID_FIELD", text, item.field.at, f"field '{definition.name}' can not be sorted in a query call"
            )
    if query.offset is not None and query.offset > MAX_OFFSET:
        assert query.offset_at is not None
        raise query_error(
            "NUMBER_OUTSIDE_VALID_RANGE", text, query.offset_at, f"Maximum SOQL offset allowed is {MAX_OFFSET}"
        )
    compiler = _Compiler(sobject, text, now, user.time_zone)
    predicate = compiler.condition(query.where) if query.where is not None else _always
    return CompiledQuery(query, sobject, tuple(fields), predicate, include_deleted)


def _always(row: Row) -> bool:
    return True


def _field(sobject: ObjectDef, ref: soql.FieldRef, text: str) -> FieldDef:
    definition = sobject.field(ref.name)
    if definition is None:
        raise query_error(
            "INVALID_FIELD",
            text,
            ref.at,
            f"No such column '{ref.name}' on entity '{sobject.name}'. If you are attempting to use a custom "
            "field, be sure to append the '__c' after the custom field name. Please reference your WSDL or "
            "the describe call for the appropriate names.",
        )
    return definition


# -- WHERE ------------------------------------------------------------------------------------------------


def _sort_key(definition: FieldDef, value: Any) -> Any:
    if isinstance(value, str) and not definition.type.is_id:
        return value.casefold()
    return value


def _compare_key(definition: FieldDef, value: Any) -> Any:
    return value if definition.case_sensitive else _sort_key(definition, value)


class _Compiler:
    def __init__(self, sobject: ObjectDef, text: str, now: datetime, zone: str) -> None:
        self.sobject = sobject
        self.text = text
        self.now = now
        self.zone = zone

    def condition(self, node: Condition) -> Predicate:
        if isinstance(node, soql.And):
            parts = [self.condition(n) for n in node.operands]
            return lambda row: all(p(row) for p in parts)
        if isinstance(node, soql.Or):
            parts = [self.condition(n) for n in node.operands]
            return lambda row: any(p(row) for p in parts)
        if isinstance(node, Not):
            inner = self.condition(node.operand)
            return lambda row: not inner(row)
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, Like):
            return self.like(node)
        return self.in_list(node)

    def filterable(self, ref: soql.FieldRef) -> FieldDef:
        definition = _field(self.sobject, ref, self.text)
        if not definition.filterable:
            raise query_error(
                "INVALID_FIELD", self.text, ref.at, f"field '{definition.name}' can not be filtered in a query call"
            )
        return definition

    def value(self, definition: FieldDef, literal: Literal) -> Any:
        """The literal as a value comparable with ``definition``'s stored values."""
        if literal.kind == "null":
            return None
        kind = definition.type
        if kind.is_id:
            if literal.kind != "string":
                raise self.type_error(definition, literal, "id", quoted=True)
            normalized = ids.normalize(literal.value)
            if normalized is None:
                raise query_error(
                    "INVALID_QUERY_FILTER_OPERATOR", self.text, literal.at, f"invalid ID field: {literal.value}"
                )
            return normalized
        if kind.is_text:
            if literal.kind != "string":
                raise self.type_error(definition, literal, "string", quoted=True)
            return literal.value
        if kind is FieldType.BOOLEAN:
            if literal.kind != "boolean":
                raise self.type_error(definition, literal, "boolean", quoted=False)
            return literal.value
        if kind is FieldType.INT:
            if literal.kind != "number":
                raise self.type_error(definition, literal, "double", quoted=False)
            return literal.value
        wanted = "date" if kind is FieldType.DATE else "datetime"
        if literal.kind not in (wanted, "date_literal"):
            raise self.type_error(definition, literal, "date" if wanted == "date" else "dateTime", quoted=False)
        return literal.value

    def type_error(self, definition: FieldDef, literal: Literal, kind: str, *, quoted: bool) -> ApiError:
        quoting = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
        return query_error(
            "INVALID_FIELD",
            self.text,
            literal.at,
            f"value of filter criterion for field '{definition.name}' must be of type {kind} and {quoting}",
        )

    def compare(self, node: Compare) -> Predicate:
        definition = self.filterable(node.field)
        target = self.value(definition, node.value)
        name, op = definition.name, node.op
        if isinstance(target, soql.DateLiteral):
            return self.date_range(definition, target, op)
        if op in ("=", "!="):
            wanted = _compare_key(definition, target)
            if op == "=":
                return lambda row: _compare_key(definition, row.get(name)) == wanted
            return lambda row: _compare_key(definition, row.get(name)) != wanted
        if target is None:
            return lambda row: False
        key = _compare_key(definition, target)
        test: Callable[[Any, Any], bool] = {
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b,
        }[op]

        def ordered(row: Row) -> bool:
            value = row.get(name)
            return value is not None and test(_compare_key(definition, value), key)

        return ordered

    def date_range(self, definition: FieldDef, literal: soql.DateLiteral, op: str) -> Predicate:
        start: date | datetime
        end: date | datetime
        if definition.type is FieldType.DATE:
            start, end = date_literals.day_range(literal, date_literals.local_today(self.now, self.zone))
        else:
            start, end = date_literals.datetime_range(literal, self.now, self.zone)
        name = definition.name

        def inside(row: Row) -> bool:
            value = row.get(name)
            if value is None:
                return op == "!="
            return bool(
                {
                    "=": start <= value < end,
                    "!=": not (start <= value < end),
                    "<": value < start,
                    "<=": value < end,
                    ">": value >= end,
                    ">=": value >= start,
                }[op]
            )

        return inside

    def like(self, node: Like) -> Predicate:
        definition = self.filterable(node.field)
        if not definition.type.is_text:
            raise query_error(
                "INVALID_FIELD", self.text, node.field.at, f"invalid operator on field '{definition.name}': LIKE"
            )
        flags = re.DOTALL if definition.case_sensitive else re.IGNORECASE | re.DOTALL
        pattern = re.compile(like_regex(node.pattern), flags)
        name = definition.name
        return lambda row: isinstance(row.get(name), str) and pattern.fullmatch(row[name]) is not None

    def in_list(self, node: InList) -> Predicate:
        definition = self.filterable(node.field)
        values = []
        for literal in node.values:
            value = self.value(definition, literal)
            if isinstance(value, soql.DateLiteral):
                raise query_error(
                    "MALFORMED_QUERY", self.text, literal.at, "date literals are not allowed in an IN list here"
                )
            values.append(_compare_key(definition, value))
        wanted = set(values)
        name = definition.name
        if node.negated:
            return lambda row: _compare_key(definition, row.get(name)) not in wanted
        return lambda row: _compare_key(definition, row.get(name)) in wanted


def like_regex(pattern: str) -> str:
    out = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern) and pattern[index + 1] in "%_":
            out.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        index += 1
    return "".join(out)


# -- running ---------------------------------------------------------------------------------------------


def source_rows(org: Org, sobject: ObjectDef, *, include_deleted: bool) -> list[Row]:
    """The rows of ``sobject`` in the org (call with the org's lock held)."""
    if sobject is TASK:
        return [r for r in org.tasks.values() if include_deleted or not r["IsDeleted"]]
    if sobject is TASK_STATUS:
        return [s.status_row() for s in org.statuses]
    if sobject is TASK_PRIORITY:
        return [p.priority_row() for p in org.priorities]
    if sobject is USER:
        return [u.row() for u in org.users.values()]
    return []


def run(org: Org, compiled: CompiledQuery) -> list[Row]:
    """The rows the query selects, ordered, offset and limited."""
    with org.lock:
        org.expire_recycle_bin()
        rows = [
            r
            for r in source_rows(org, compiled.sobject, include_deleted=compiled.include_deleted)
            if compiled.predicate(r)
        ]
    for item in reversed(compiled.query.order_by):
        definition = compiled.sobject.field(item.field.name)
        assert definition is not None
        rows = _sorted(rows, definition, descending=item.descending, nulls_last=bool(item.nulls_last))
    offset = compiled.query.offset or 0
    rows = rows[offset:]
    if compiled.query.limit is not None:
        rows = rows[: compiled.query.limit]
    return rows


def _sorted(rows: Sequence[Row], definition: FieldDef, *, descending: bool, nulls_last: bool) -> list[Row]:
    name = definition.name
    present = sorted(
        (r for r in rows if r.get(name) is not None), key=lambda r: _sort_key(definition, r[name]), reverse=descending
    )
    missing = [r for r in rows if r.get(name) is None]
    return present + missing if nulls_last else missing + present


def json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return formats.rest_datetime(value)
    if isinstance(value, date):
        return formats.rest_date(value)
    return value


def record_json(sobject: ObjectDef, fields: Iterable[FieldDef], row: Row, api_version: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "attributes": {
            "type": sobject.name,
            "url": f"/services/data/v{api_version}/sobjects/{sobject.name}/{row['Id']}",
        }
    }
    for definition in fields:
        record[definition.name] = json_value(row.get(definition.name))
    return record
