"""``GET sobjects/<Object>/describe`` and the describe-global list.

REST API Developer Guide, "sObject Describe": the answer is the DescribeSObjectResult of the SOAP API
Developer Guide ("describeSObjectResult": ``name``, ``label``, ``labelPlural``, ``keyPrefix``,
``createable``, ``updateable``, ``deletable``, ``queryable``, ``replicateable``, ``undeletable``,
``custom``, ``fields``, ``urls``, ...; each field a "Field" with ``name``, ``label``, ``type``,
``length``, ``nillable``, ``createable``, ``updateable``, ``defaultedOnCreate``, ``externalId``,
``unique``, ``caseSensitive``, ``filterable``, ``sortable``, ``picklistValues`` [{``active``,
``defaultValue``, ``label``, ``value``, ``validFor``}], ``referenceTo``, ``relationshipName``,
``restrictedPicklist``...). Only the keys listed here are modelled; Status and Priority list the org's
current values.
"""

from __future__ import annotations

from typing import Any

from local.salesforce_org.org import Org, PicklistEntry
from local.salesforce_org.schema import TASK, TASK_SUBTYPES, FieldDef, FieldType, ObjectDef

_SOAP_TYPES = {
    FieldType.ID: "tns:ID",
    FieldType.REFERENCE: "tns:ID",
    FieldType.DATE: "xsd:date",
    FieldType.DATETIME: "xsd:dateTime",
    FieldType.BOOLEAN: "xsd:boolean",
    FieldType.INT: "xsd:int",
}


def _picklist(entries: list[PicklistEntry]) -> list[dict[str, Any]]:
    ordered = sorted(entries, key=lambda e: e.sort_order)
    return [
        {"active": True, "defaultValue": e.is_default, "label": e.label, "validFor": None, "value": e.api_name}
        for e in ordered
    ]


def field_describe(org: Org, obj: ObjectDef, definition: FieldDef) -> dict[str, Any]:
    picklist: list[dict[str, Any]] = []
    if obj is TASK and definition.name == "Status":
        picklist = _picklist(org.statuses)
    elif obj is TASK and definition.name == "Priority":
        picklist = _picklist(org.priorities)
    elif obj is TASK and definition.name == "TaskSubtype":
        picklist = [
            {"active": True, "defaultValue": False, "label": v, "validFor": None, "value": v} for v in TASK_SUBTYPES
        ]
    return {
        "name": definition.name,
        "label": definition.label,
        "type": definition.type.value,
        "soapType": _SOAP_TYPES.get(definition.type, "xsd:string"),
        "length": definition.length if definition.type.is_text or definition.type.is_id else 0,
        "nillable": definition.nillable,
        "createable": definition.createable,
        "updateable": definition.updateable,
        "defaultedOnCreate": definition.defaulted_on_create,
        "externalId": definition.external_id,
        "unique": definition.unique,
        "caseSensitive": definition.case_sensitive,
        "idLookup": definition.name == "Id" or definition.external_id,
        "custom": definition.custom,
        "calculated": False,
        "filterable": definition.filterable,
        "sortable": definition.sortable,
        "groupable": definition.filterable and definition.type is not FieldType.DATETIME,
        "picklistValues": picklist,
        "restrictedPicklist": definition.type is FieldType.PICKLIST,
        "referenceTo": list(definition.reference_to),
        "relationshipName": definition.relationship_name,
        "nameField": False,
    }


def _urls(obj: ObjectDef, api_version: str) -> dict[str, str]:
    base = f"/services/data/v{api_version}/sobjects/{obj.name}"
    return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}


def sobject_summary(obj: ObjectDef, api_version: str) -> dict[str, Any]:
    writable = obj.writable
    return {
        "name": obj.name,
        "label": obj.label,
        "labelPlural": obj.label_plural,
        "keyPrefix": obj.key_prefix,
        "custom": False,
        "createable": writable,
        "updateable": writable,
        "deletable": writable,
        "undeletable": writable,
        "queryable": True,
        "retrieveable": True,
        "replicateable": writable,
        "searchable": writable,
        "triggerable": writable,
        "urls": _urls(obj, api_version),
    }


def describe(org: Org, obj: ObjectDef, api_version: str) -> dict[str, Any]:
    return {
        **sobject_summary(obj, api_version),
        "fields": [field_describe(org, obj, f) for f in obj.fields],
        "childRelationships": [],
        "recordTypeInfos": [],
    }
