"""The emulator's Task schema against the metadata the project deploys: ``Tasksync_Id__c`` must be
defined alike in both, so the emulator cannot drift from the org the sync meets."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from local.salesforce_org.schema import EXTERNAL_ID_FIELD, TASK, FieldType

FIELD_META = Path(__file__).parents[2] / "salesforce/force-app/main/default/objects/Activity/fields"
# The Metadata API namespace of every metadata file.
METADATA = "{http://soap.sforce.com/2006/04/metadata}"
# Metadata API type names of the field types the emulator models for custom fields.
METADATA_TYPES = {"Text": FieldType.STRING}


def deployed(name: str) -> dict[str, str]:
    root = ElementTree.parse(FIELD_META / f"{name}.field-meta.xml").getroot()  # noqa: S314 - the repository's own file
    return {child.tag.removeprefix(METADATA): (child.text or "").strip() for child in root}


def flag(value: str) -> bool:
    return value == "true"


def test_tasksync_id_matches_its_field_metadata(salesforce):
    meta = deployed(EXTERNAL_ID_FIELD)
    definition = TASK.field(EXTERNAL_ID_FIELD)
    assert definition is not None and meta["fullName"] == definition.name
    assert (definition.label, definition.type) == (meta["label"], METADATA_TYPES[meta["type"]])
    assert definition.length == int(meta["length"])
    assert definition.external_id is flag(meta["externalId"])
    assert definition.unique is flag(meta["unique"])
    assert definition.case_sensitive is flag(meta["caseSensitive"])
    assert definition.nillable is not flag(meta["required"])
    # And as a client reads it through describe.
    described = next(f for f in salesforce().Task.describe()["fields"] if f["name"] == EXTERNAL_ID_FIELD)
    assert (described["length"], described["unique"], described["caseSensitive"], described["externalId"]) == (
        int(meta["length"]),
        flag(meta["unique"]),
        flag(meta["caseSensitive"]),
        flag(meta["externalId"]),
    )


def test_every_deployed_task_field_is_modelled():
    for path in FIELD_META.glob("*.field-meta.xml"):
        assert TASK.field(path.name.removesuffix(".field-meta.xml")) is not None, path.name
