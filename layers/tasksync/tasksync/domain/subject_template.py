"""The activity-detail template that renders a pushed task's Salesforce ``Subject`` (SPEC section 3).

``{{field}}`` placeholders name the dynamic fields below; an unknown name is refused when the template
is saved, a known one with no value renders empty. The result has no line breaks and at most 255
characters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from tasksync.domain.reminder_task import Priority, Status, TaskValues
from tasksync.domain.salesforce_task import SUBJECT_MAX

DEFAULT_TEMPLATE = "{{activity_subject}}"
TEMPLATE_MAX = 1_000

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]*)\s*\}\}")
_ANY_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")

_FIELD_OF = {
    # placeholder: the TaskValues field it shows
    "activity_subject": "name",
    "activity_details": "details",
    "activity_priority": "priority",
    "activity_status": "status",
    "activity_due_date": "due_date",
}


def _dynamic_fields(task: TaskValues) -> dict[str, str]:
    return {placeholder: _text(getattr(task, field)) for placeholder, field in _FIELD_OF.items()}


def _text(value: object) -> str:
    # Status and priority are StrEnums: str() is their value.
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


FIELDS = frozenset(_FIELD_OF)
"""The placeholder names a template may use."""


def shows(template: str, field: str) -> bool:
    """Whether ``template`` renders the task field ``field`` (``name``, ``due_date``, ...)."""
    return any(_FIELD_OF.get(name) == field for name in _PLACEHOLDER.findall(template))


_PROBES: dict[str, tuple[object, object]] = {
    # field: two values that render apart, wherever the field shows
    "name": ("", "x"),
    "details": ("", "x"),
    "due_date": (None, date(2000, 1, 1)),
    "status": (Status.OPEN, Status.COMPLETE),
    "priority": (Priority.NORMAL, Priority.HIGH),
}


def shows_in(template: str, task: TaskValues, field: str) -> bool:
    """Whether ``field`` can change the Subject ``template`` renders for ``task``: it shows, and not past the
    255-character cut (a long name pushes a due date after it out)."""
    if not shows(template, field):
        return False
    first, second = (task.model_copy(update={field: probe}) for probe in _PROBES[field])
    return render_subject(template, first) != render_subject(template, second)


def validate_template(template: str) -> str:
    """The template itself, or ValueError naming what is wrong with it."""
    if len(template) > TEMPLATE_MAX:
        raise ValueError(f"subject template is longer than {TEMPLATE_MAX} characters")
    # Every {{...}} must name a field: a malformed one would otherwise reach every Subject as written.
    unknown = sorted({name.strip() for name in _ANY_PLACEHOLDER.findall(template) if name.strip() not in FIELDS})
    if unknown:
        named = ", ".join(name or "{{}} (an empty placeholder)" for name in unknown)
        raise ValueError(f"subject template has unknown fields {named}; known: {', '.join(sorted(FIELDS))}")
    rest = _ANY_PLACEHOLDER.sub("", template)
    if "{{" in rest or "}}" in rest:
        raise ValueError("subject template has a {{ or }} that opens or closes no field")
    return template


def render_subject(template: str, task: TaskValues) -> str:
    fields: Mapping[str, str] = _dynamic_fields(task)
    rendered = _PLACEHOLDER.sub(lambda match: fields.get(match.group(1), ""), template)
    # A break becomes one space so that words on two lines stay two words.
    return _LINE_BREAKS.sub(" ", rendered).strip()[:SUBJECT_MAX]
