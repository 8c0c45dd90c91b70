"""SOQL text to a query tree, with a grammar (``soql.lark``) and lark's LALR parser.

Syntax errors answer 400 ``MALFORMED_QUERY`` (REST API Developer Guide, "Query": "If the SOQL query
string is invalid, a MALFORMED_QUERY response is returned"), with the message layout Salesforce uses
for query errors (not on a doc page; as Salesforce answers)::

    \\nSELECT Id FROMM Task\\n          ^\\nERROR at Row:1:Column:11\\nunexpected token: FROMM

String literals take the escapes of "Quoted String Escape Sequences": ``\\n \\r \\t \\b \\f \\" \\' \\\\``,
``\\uXXXX``, and ``\\_`` / ``\\%`` (a literal underscore or percent sign in LIKE patterns); any other
escape is a syntax error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.exceptions import VisitError

from local.salesforce_org import formats
from local.salesforce_org.errors import ApiError

GRAMMAR = Path(__file__).with_name("soql.lark")


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True)
class FieldRef:
    name: str
    at: Position


@dataclass(frozen=True)
class DateLiteral:
    name: str
    """Upper case, e.g. ``TODAY`` or ``LAST_N_DAYS``."""
    n: int | None = None


@dataclass(frozen=True)
class Literal:
    kind: str
    """``string``, ``number``, ``datetime``, ``date``, ``date_literal``, ``null`` or ``boolean``."""
    value: Any
    text: str
    at: Position


@dataclass(frozen=True)
class Compare:
    field: FieldRef
    op: str
    value: Literal


@dataclass(frozen=True)
class Like:
    field: FieldRef
    pattern: str
    """The pattern with escapes decoded, except that escaped wildcards stay escaped (``\\%``, ``\\_``)."""
    at: Position


@dataclass(frozen=True)
class InList:
    field: FieldRef
    values: tuple[Literal, ...]
    negated: bool


@dataclass(frozen=True)
class Not:
    operand: Condition


@dataclass(frozen=True)
class And:
    operands: tuple[Condition, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Condition, ...]


Condition = Compare | Like | InList | Not | And | Or


@dataclass(frozen=True)
class OrderItem:
    field: FieldRef
    descending: bool = False
    nulls_last: bool | None = None
    """None: the default (nulls first)."""


@dataclass(frozen=True)
class Query:
    text: str
    sobject: FieldRef
    fields: tuple[FieldRef, ...]
    count: bool
    where: Condition | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None
    offset_at: Position | None


class SoqlError(Exception):
    def __init__(self, message: str, at: Position) -> None:
        super().__init__(message)
        self.message = message
        self.at = at


def query_error(code: str, query: str, at: Position, message: str) -> ApiError:
    """An error about ``query`` at ``at``, laid out as Salesforce lays query errors out."""
    lines = query.split("\n")
    line = lines[at.line - 1] if 0 < at.line <= len(lines) else query
    caret = " " * max(at.column - 1, 0) + "^"
    return ApiError(400, code, f"\n{line}\n{caret}\nERROR at Row:{at.line}:Column:{at.column}\n{message}")


@cache
def _parser() -> Lark:
    return Lark(
        GRAMMAR.read_text(), parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=False
    )


def parse(text: str) -> Query:
    """The query tree of ``text``, or ``ApiError`` MALFORMED_QUERY."""
    try:
        tree = _parser().parse(text)
        query = _ToQuery(text).transform(tree)
    except UnexpectedInput as error:
        raise _syntax_error(text, error) from None
    except VisitError as error:
        if isinstance(error.orig_exc, SoqlError):
            raise query_error("MALFORMED_QUERY", text, error.orig_exc.at, error.orig_exc.message) from None
        raise
    assert isinstance(query, Query)
    return query


def _syntax_error(text: str, error: UnexpectedInput) -> ApiError:
    if isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END"):
        lines = text.split("\n")
        at = Position(len(lines), len(lines[-1]) + 1)
        return query_error("MALFORMED_QUERY", text, at, "unexpected token: '<EOF>'")
    if isinstance(error, UnexpectedToken):
        token = error.token
        return query_error(
            "MALFORMED_QUERY", text, Position(token.line or 1, token.column or 1), f"unexpected token: {token.value}"
        )
    if isinstance(error, UnexpectedCharacters):
        position = error.pos_in_stream
        char = text[position] if position is not None and position < len(text) else "<EOF>"
        return query_error(
            "MALFORMED_QUERY", text, Position(error.line, error.column), f"no viable alternative at character '{char}'"
        )
    return query_error("MALFORMED_QUERY", text, Position(1, 1), str(error))


def _at(token: Token) -> Position:
    return Position(token.line or 1, token.column or 1)


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def decode_string(token: Token, *, keep_wildcard_escapes: bool) -> str:
    """The value of a quoted SOQL string literal."""
    body = token.value[1:-1]
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\":
            out.append(char)
            index += 1
            continue
        escape = body[index + 1] if index + 1 < len(body) else ""
        if escape in _ESCAPES:
            out.append(_ESCAPES[escape])
            index += 2
        elif escape in ("_", "%"):
            out.append("\\" + escape if keep_wildcard_escapes else escape)
            index += 2
        elif escape == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[index + 2 : index + 6]):
            out.append(chr(int(body[index + 2 : index + 6], 16)))
            index += 6
        else:
            at = Position(token.line or 1, (token.column or 1) + 1 + index)
            raise SoqlError(f"Invalid string literal {token.value}. Illegal character sequence '\\{escape}'", at)
    return "".join(out)


class _ToQuery(Transformer[Token, Any]):
    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    # -- select ----------------------------------------------------------------------------------------

    def start(self, items: list[Any]) -> Query:
        query: Query = items[0]
        return query

    def select_stmt(self, items: list[Any]) -> Query:
        select = items[1]
        sobject = items[3]
        where = order = limit = offset = None
        for item in items[4:]:
            tag = item[0]
            if tag == "where":
                where = item[1]
            elif tag == "order":
                order = item[1]
            elif tag == "limit":
                limit = item
            elif tag == "offset":
                offset = item
        return Query(
            text=self._text,
            sobject=sobject,
            fields=() if select is None else tuple(select),
            count=select is None,
            where=where,
            order_by=tuple(order or ()),
            limit=limit[1] if limit else None,
            offset=offset[1] if offset else None,
            offset_at=offset[2] if offset else None,
        )

    def count_select(self, items: list[Any]) -> None:
        return None

    def field_select(self, items: list[FieldRef]) -> list[FieldRef]:
        return items

    def sobject(self, items: list[Token]) -> FieldRef:
        return FieldRef(str(items[0]), _at(items[0]))

    def field(self, items: list[Token]) -> FieldRef:
        return FieldRef(str(items[0]), _at(items[0]))

    # -- where -----------------------------------------------------------------------------------------

    def where_clause(self, items: list[Any]) -> tuple[str, Condition]:
        return ("where", items[1])

    def conjunction(self, items: list[Any]) -> And:
        return And(tuple(i for i in items if not isinstance(i, Token)))

    def disjunction(self, items: list[Any]) -> Or:
        return Or(tuple(i for i in items if not isinstance(i, Token)))

    def negation(self, items: list[Any]) -> Not:
        return Not(items[1])

    def compare(self, items: list[Any]) -> Compare:
        field, op, value = items
        return Compare(field, "!=" if op.value == "<>" else op.value, value)

    def like(self, items: list[Any]) -> Like:
        field, _keyword, token = items
        return Like(field, decode_string(token, keep_wildcard_escapes=True), _at(token))

    def in_list(self, items: list[Any]) -> InList:
        return InList(items[0], tuple(i for i in items[2:] if isinstance(i, Literal)), negated=False)

    def not_in_list(self, items: list[Any]) -> InList:
        return InList(items[0], tuple(i for i in items[3:] if isinstance(i, Literal)), negated=True)

    # -- values ----------------------------------------------------------------------------------------

    def string(self, items: list[Token]) -> Literal:
        token = items[0]
        return Literal("string", decode_string(token, keep_wildcard_escapes=False), token.value, _at(token))

    def number(self, items: list[Token]) -> Literal:
        token = items[0]
        value: int | float = float(token.value) if "." in token.value else int(token.value)
        return Literal("number", value, token.value, _at(token))

    def datetime(self, items: list[Token]) -> Literal:
        return _temporal("datetime", items[0], formats.parse_iso_datetime(items[0].value))

    def date(self, items: list[Token]) -> Literal:
        return _temporal("date", items[0], formats.parse_date(items[0].value))

    def date_literal(self, items: list[Token]) -> Literal:
        token = items[0]
        return Literal("date_literal", DateLiteral(token.value.upper()), token.value, _at(token))

    def date_literal_n(self, items: list[Token]) -> Literal:
        token = items[0]
        name, _, n = token.value.partition(":")
        return Literal("date_literal", DateLiteral(name.upper(), int(n)), token.value, _at(token))

    def null(self, items: list[Token]) -> Literal:
        return Literal("null", None, items[0].value, _at(items[0]))

    def true(self, items: list[Token]) -> Literal:
        return Literal("boolean", True, items[0].value, _at(items[0]))

    def false(self, items: list[Token]) -> Literal:
        return Literal("boolean", False, items[0].value, _at(items[0]))

    # -- order, limit, offset --------------------------------------------------------------------------

    def order_clause(self, items: list[Any]) -> tuple[str, list[OrderItem]]:
        return ("order", [i for i in items if isinstance(i, OrderItem)])

    def order_item(self, items: list[Any]) -> OrderItem:
        field = items[0]
        descending = False
        nulls_last: bool | None = None
        for item in items[1:]:
            if isinstance(item, tuple) and item[0] == "direction":
                descending = item[1]
            elif isinstance(item, tuple) and item[0] == "nulls":
                nulls_last = item[1]
        return OrderItem(field, descending, nulls_last)

    def direction(self, items: list[Token]) -> tuple[str, bool]:
        return ("direction", items[0].type == "DESC")

    def nulls_first(self, items: list[Token]) -> tuple[str, bool]:
        return ("nulls", False)

    def nulls_last(self, items: list[Token]) -> tuple[str, bool]:
        return ("nulls", True)

    def limit_clause(self, items: list[Token]) -> tuple[str, int, Position]:
        return ("limit", int(items[1].value), _at(items[1]))

    def offset_clause(self, items: list[Token]) -> tuple[str, int, Position]:
        return ("offset", int(items[1].value), _at(items[1]))


def _temporal(kind: str, token: Token, parsed: date | datetime | None) -> Literal:
    """A date or datetime literal, or the error Salesforce gives for one that does not parse."""
    if parsed is None:
        raise SoqlError(
            f"line {token.line}:{token.column} no viable alternative at character '{token.value}'", _at(token)
        )
    return Literal(kind, parsed, token.value, _at(token))
