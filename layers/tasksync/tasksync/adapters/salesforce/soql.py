"""Building SOQL safely: quoted literals, and ``Id IN (...)`` lists cut to fit in a GET URL."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import quote_plus, urlencode

# SOQL and SOSL Reference, "Quoted String Escape Sequences".
_ESCAPES = {"\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_RECORD_ID = re.compile(r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?")


def quote(value: str) -> str:
    return "'" + "".join(_ESCAPES.get(char, char) for char in value) + "'"


def is_record_id(value: str) -> bool:
    return _RECORD_ID.fullmatch(value) is not None


def in_list(values: Iterable[str]) -> str:
    return "(" + ",".join(quote(value) for value in values) + ")"


def chunk_for_url(before: str, values: Sequence[str], after: str, max_chars: int) -> Iterator[list[str]]:
    """Cut ``values`` so that ``before + in_list(chunk) + after``, URL-encoded as ``q=``, stays within
    ``max_chars`` (REST queries are GETs: Salesforce limits URI plus headers to 16,384 bytes)."""
    base = len(urlencode({"q": before + "()" + after}))
    comma = len(quote_plus(","))
    chunk: list[str] = []
    size = base
    for value in values:
        cost = len(quote_plus(quote(value))) + (comma if chunk else 0)
        if chunk and size + cost > max_chars:
            yield chunk
            chunk, size = [], base
            cost = len(quote_plus(quote(value)))
        chunk.append(value)
        size += cost
    if chunk:
        yield chunk
