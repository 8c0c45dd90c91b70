"""SPEC section 3: the activity-detail template that renders a pushed task's Salesforce Subject."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from tasksync.domain.reminder_task import Priority, Status, TaskValues
from tasksync.domain.subject_template import DEFAULT_TEMPLATE, render_subject, shows, validate_template
from tests.unit.builders import settings


def values(name: str = "Call Alice back", **fields) -> TaskValues:
    return TaskValues(name=name, **fields)


def test_the_default_template_is_the_task_name():
    assert DEFAULT_TEMPLATE == "{{activity_subject}}"
    assert settings().subject_template == DEFAULT_TEMPLATE
    assert render_subject(DEFAULT_TEMPLATE, values("Call Alice back")) == "Call Alice back"


def test_a_template_renders_the_other_dynamic_fields():
    template = "{{activity_subject}} ({{activity_priority}}, {{activity_status}}, due {{activity_due_date}})"
    task = values("Renew contract", priority=Priority.HIGH, status=Status.COMPLETE, due_date=date(2026, 3, 29))

    assert render_subject(template, task) == "Renew contract (high, complete, due 2026-03-29)"


def test_a_template_may_render_the_details():
    assert render_subject("{{activity_details}}", values(details="Bring the NDA")) == "Bring the NDA"


def test_placeholders_may_have_spaces_inside_the_braces():
    assert render_subject("SIA: {{ activity_subject }}", values("Call Alice back")) == "SIA: Call Alice back"


def test_rendering_removes_line_breaks_from_the_name():
    assert (
        render_subject(DEFAULT_TEMPLATE, values("Call Alice\nabout the\r\nrenewal")) == "Call Alice about the renewal"
    )


def test_rendering_removes_line_breaks_from_the_details_and_the_template():
    subject = render_subject("{{activity_subject}}\n{{activity_details}}", values("Call", details="line one\rline two"))

    assert subject == "Call line one line two"


def test_a_field_without_value_renders_empty():
    assert render_subject("Due {{activity_due_date}}: {{activity_subject}}", values("Call")) == "Due : Call"


def test_a_placeholder_the_renderer_does_not_know_renders_empty():
    assert render_subject("{{activity_subject}}{{account_name}}", values("Call")) == "Call"


def test_the_subject_is_cut_to_255_characters():
    subject = render_subject("[Follow-up] {{activity_subject}}", values("x" * 255))

    assert len(subject) == 255
    assert subject.startswith("[Follow-up] xxx")


def test_a_short_subject_is_not_padded_or_cut():
    assert render_subject(DEFAULT_TEMPLATE, values("y" * 255)) == "y" * 255


def test_a_template_shows_the_fields_its_placeholders_name():
    template = "{{ activity_subject }} due {{activity_due_date}}"
    assert shows(template, "name")
    assert shows(template, "due_date")
    assert not shows(template, "status")


def test_a_template_with_known_fields_is_accepted():
    template = "{{activity_subject}} / {{activity_due_date}}"
    assert validate_template(template) == template


def test_a_template_with_an_unknown_field_is_refused_naming_the_field_and_the_known_ones():
    with pytest.raises(ValueError, match="unknown fields account_name") as refused:
        validate_template("{{account_name}}: {{activity_subject}}")

    assert "activity_subject" in str(refused.value).split("known:")[1]


def test_saving_settings_with_an_unknown_placeholder_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError, match=r"subject template has unknown fields opportunity_stage"):
        settings(subject_template="{{activity_subject}} {{opportunity_stage}}")


@pytest.mark.parametrize("placeholder", ["{{account.name}}", "{{activity subject}}", "{{activity-subject}}"])
def test_saving_settings_with_a_placeholder_that_names_no_field_is_refused(placeholder):
    # Such a placeholder would otherwise reach Salesforce as literal braces in every Subject
    with pytest.raises(ValidationError, match="unknown"):
        settings(subject_template=f"{placeholder} - {{{{activity_subject}}}}")


def test_saving_settings_with_a_template_of_known_fields_keeps_it():
    assert settings(subject_template="SIA - {{activity_subject}}").subject_template == "SIA - {{activity_subject}}"


def test_an_overlong_template_is_refused():
    with pytest.raises(ValueError, match="longer than"):
        validate_template("{{activity_subject}}" + "x" * 1_000)


@pytest.mark.parametrize(
    ("template", "renames_follow"),
    [
        ("{{activity_subject}}", True),
        ("Follow up: {{ activity_subject }}", True),
        ("{{activity_details}}", False),
        ("Reminder from SIA", False),
        ("activity_subject", False),
    ],
)
def test_whether_a_rename_changes_the_subject_depends_on_the_template_using_activity_subject(template, renames_follow):
    renamed = render_subject(template, values("New name")) != render_subject(template, values("Old name"))
    assert renamed is renames_follow


@pytest.mark.parametrize("template", ["{{activity_subject", "Call }} back", "{{activity_subject}} {{"])
def test_a_template_with_a_brace_pair_that_opens_or_closes_no_field_is_refused(template):
    with pytest.raises(ValueError, match="opens or closes no field"):
        validate_template(template)


def test_single_braces_are_text():
    assert validate_template("{Acme} {{activity_subject}}") == "{Acme} {{activity_subject}}"
