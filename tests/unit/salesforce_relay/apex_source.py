"""Constants read out of the relay's Apex source (salesforce/force-app), so that Python tests can hold
them to what the Python side of tasksync expects: no Apex runs here, but its literals can be read.

Only what the tests need: ``static final`` constants whose value is a string literal (or string
literals joined with ``+``), an integer or long literal, or a ``new List<String>{...}`` of string
literals. Apex string literals are single-quoted with backslash escapes (Apex Developer Guide,
"Primitive Data Types", String: ``\\b \\t \\n \\f \\r \\" \\' \\\\`` and ``\\uXXXX``).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
APEX = ROOT / "salesforce" / "force-app" / "main" / "default"
CLASSES = APEX / "classes"

_STRING = r"'(?:[^'\\\n]|\\.)*'"
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "'": "'", "\\": "\\"}


def class_source(name: str) -> str:
    return (CLASSES / f"{name}.cls").read_text(encoding="utf-8")


def _constant(source: str, name: str, value_pattern: str) -> str:
    match = re.search(rf"\bstatic\s+final\s+[\w<>, ]+\s+{name}\s*=\s*({value_pattern})\s*;", source)
    if match is None:
        raise LookupError(f"no static final {name} of that kind in the Apex source")
    return match[1]


def unescape(literal: str) -> str:
    """The value of one Apex string literal, quotes included in ``literal``."""
    body, out, index = literal[1:-1], [], 0
    while index < len(body):
        char = body[index]
        if char != "\\":
            out.append(char)
            index += 1
            continue
        escape = body[index + 1]
        if escape == "u":
            out.append(chr(int(body[index + 2 : index + 6], 16)))
            index += 6
        elif escape in _ESCAPES:
            out.append(_ESCAPES[escape])
            index += 2
        else:
            raise ValueError(f"not an Apex escape: \\{escape}")
    return "".join(out)


def string_constant(source: str, name: str) -> str:
    joined = _constant(source, name, rf"{_STRING}(?:\s*\+\s*{_STRING})*")
    return "".join(unescape(literal) for literal in re.findall(_STRING, joined))


def integer_constant(source: str, name: str) -> int:
    return int(_constant(source, name, r"-?\d+L?").rstrip("L"))


def string_list_constant(source: str, name: str) -> list[str]:
    listed = _constant(source, name, rf"new\s+List<String>\s*\{{(?:\s*{_STRING}\s*,?)*\s*\}}")
    return [unescape(literal) for literal in re.findall(_STRING, listed)]
