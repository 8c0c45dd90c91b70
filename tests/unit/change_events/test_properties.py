"""Properties over generated bodies: an UPDATE reads the same in the CometD and the Pub/Sub shape; no
input makes the parser fail in any way but a refusal; a client id survives its changeOrigin."""

from __future__ import annotations

import contextlib
import json

from hypothesis import given
from hypothesis import strategies as st

from tasksync.change_events.conversion import parse_change_events
from tasksync.change_events.errors import ChangeEventRejected
from tasksync.engine.changes import ChangeType
from tests.unit.change_events.bodies import ORG, TASK, cometd, header, payload, relay

TEXT_FIELDS = ["Subject", "Status", "Priority", "Description", "OwnerId", "TaskSubtype", "Tasksync_Id__c"]
ATTRIBUTES = {
    "Subject": "subject",
    "Status": "status",
    "Priority": "priority",
    "Description": "description",
    "OwnerId": "owner_id",
    "TaskSubtype": "task_subtype",
    "Tasksync_Id__c": "external_id",
}
MODIFIED_MS = 1_717_406_142_000

edits = st.dictionaries(
    st.sampled_from(TEXT_FIELDS), st.none() | st.text(max_size=40), min_size=1
)  # a new value for each changed field; None is set to null


@given(edits)
def test_an_update_reads_the_same_in_the_cometd_and_the_pub_sub_shape(edit):
    changed = [*edit, "LastModifiedDate"]
    nulled = [name for name, value in edit.items() if value is None]
    in_cometd = payload(  # null and unchanged fields left out
        header(changedFields=changed),
        LastModifiedDate="2024-06-03T09:15:42.000Z",
        **{name: value for name, value in edit.items() if value is not None},
    )
    in_pub_sub = payload(  # every field present, unchanged ones null
        header(changedFields=changed, nulledFields=nulled, diffFields=[]),
        **{**dict.fromkeys([*TEXT_FIELDS, "ActivityDate", "IsRecurrence", "CreatedDate"]), **edit},
        LastModifiedDate=MODIFIED_MS,
    )

    [from_cometd] = parse_change_events(cometd(in_cometd), org_id=ORG).changes
    [from_pub_sub] = parse_change_events(relay(in_pub_sub)).changes

    assert from_cometd == from_pub_sub
    assert from_cometd.change_type is ChangeType.UPDATE
    assert from_cometd.carried == {*edit, "LastModifiedDate"}
    assert {name: getattr(from_cometd.task, ATTRIBUTES[name]) for name in edit} == edit


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
header_keys = st.sampled_from([*header(), "nulledFields", "diffFields"])


@given(
    st.dictionaries(header_keys, json_values, max_size=6), st.dictionaries(st.sampled_from(TEXT_FIELDS), json_values)
)
def test_any_header_and_fields_are_read_or_refused_never_crash(overrides, fields):
    body = cometd(payload(header(**overrides), **fields))

    with contextlib.suppress(ChangeEventRejected):
        parse_change_events(json.dumps(body), org_id=ORG)


@given(json_values)
def test_any_json_is_read_or_refused_never_crash(document):
    with contextlib.suppress(ChangeEventRejected):
        parse_change_events(document, org_id=ORG)


client_ids = st.text(st.characters(blacklist_characters=";", blacklist_categories=["Cs"]), min_size=1).filter(
    lambda text: text.strip() == text
)


@given(client_ids, st.sampled_from(["", " ", "  "]))
def test_a_client_id_survives_its_change_origin(client_id, space):
    origin = f"com/salesforce/api/rest/59.0;{space}client={client_id}"

    [change] = parse_change_events(cometd(payload(header(changeOrigin=origin))), org_id=ORG).changes

    assert change.client_id == client_id
    assert change.sf_id == TASK
