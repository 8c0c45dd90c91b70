"""The metadata under salesforce/ deploys as a whole: every file is well-formed XML in the Metadata API
namespace, each manifest lists exactly the components of its package directory, and the names the
components give each other (trigger, credentials, principal, channel) match.

These catch what a deploy would refuse (or worse, accept and leave unwired) before anyone has an org.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.unit.salesforce_relay.apex_source import ROOT

SALESFORCE = ROOT / "salesforce"
NS = "http://soap.sforce.com/2006/04/metadata"
FOLDER_TYPES = {
    "classes": "ApexClass",
    "triggers": "ApexTrigger",
    "permissionsets": "PermissionSet",
    "platformEventChannels": "PlatformEventChannel",
    "platformEventChannelMembers": "PlatformEventChannelMember",
    "namedCredentials": "NamedCredential",
    "externalCredentials": "ExternalCredential",
    "platformEventSubscriberConfigs": "PlatformEventSubscriberConfig",
    "eventRelays": "EventRelayConfig",
}
PACKAGES = {"force-app": "package.xml", "event-relay": "event-relay.xml"}


def parse(path: Path) -> ET.Element:
    return ET.parse(path).getroot()  # noqa: S314 - the repository's own files


def components(package: Path) -> set[tuple[str, str]]:
    """(type, member) of every metadata file under ``package``, from its source-format path."""
    found = set()
    for meta in package.rglob("*-meta.xml"):
        name = meta.name.split(".")[0]
        folder = meta.parent.name
        if folder == "fields":
            found.add(("CustomField", f"{meta.parent.parent.name}.{name}"))
        elif folder == meta.name.split(".")[0] and meta.parent.parent.name == "objects":
            found.add(("CustomObject", name))
        else:
            found.add((FOLDER_TYPES[folder], name))
    return found


def manifest(name: str) -> set[tuple[str, str]]:
    root = parse(SALESFORCE / "manifest" / name)
    return {
        (types.findtext(f"{{{NS}}}name", ""), member.text or "")
        for types in root.findall(f"{{{NS}}}types")
        for member in types.findall(f"{{{NS}}}members")
    }


def field(path: str, tag: str) -> str:
    value = parse(SALESFORCE / path).findtext(f".//{{{NS}}}{tag}")
    assert value is not None, f"{path} has no {tag}"
    return value


@pytest.mark.parametrize("meta", sorted(SALESFORCE.glob("*/main/default/**/*-meta.xml")), ids=lambda p: p.name)
def test_every_metadata_file_is_metadata_api_xml(meta: Path):
    assert parse(meta).tag.startswith(f"{{{NS}}}")


@pytest.mark.parametrize(("package", "manifest_name"), PACKAGES.items())
def test_each_manifest_lists_exactly_its_package(package: str, manifest_name: str):
    assert manifest(manifest_name) == components(SALESFORCE / package)


def test_the_subscriber_config_configures_the_relay_trigger():
    consumer = field(
        "force-app/main/default/platformEventSubscriberConfigs/"
        "TasksyncTaskChangeRelayConfig.platformEventSubscriberConfig-meta.xml",
        "platformEventConsumer",
    )
    assert (SALESFORCE / f"force-app/main/default/triggers/{consumer}.trigger").exists()


def test_the_relay_user_holds_the_named_credentials_principal():
    default = "force-app/main/default/"
    credential = field(f"{default}namedCredentials/Tasksync_Webhook.namedCredential-meta.xml", "externalCredential")
    principal = field(f"{default}externalCredentials/{credential}.externalCredential-meta.xml", "parameterName")
    granted = field(f"{default}permissionsets/Tasksync_Relay.permissionset-meta.xml", "externalCredentialPrincipal")
    assert granted == f"{credential}-{principal}"


def test_the_event_relay_relays_its_channel_to_its_named_credential():
    default = "event-relay/main/default/"
    relay = f"{default}eventRelays/Tasksync_Task_Relay.eventRelay-meta.xml"
    channel = field(relay, "eventChannel")
    assert (SALESFORCE / f"{default}platformEventChannels/{channel}.platformEventChannel-meta.xml").exists()
    member = (
        f"{default}platformEventChannelMembers/Tasksync_Tasks_chn_TaskChangeEvent.platformEventChannelMember-meta.xml"
    )
    assert field(member, "eventChannel") == channel
    assert field(member, "selectedEntity") == "TaskChangeEvent"
    named = field(relay, "destinationResourceName").removeprefix("callout:")
    assert field(f"{default}namedCredentials/{named}.namedCredential-meta.xml", "endpoint").startswith("arn:aws:")
    assert field(relay, "state") == "STOP"  # created stopped: started only once the stack is deployed
    assert field(relay, "relayOption") == '{"ReplayRecovery":"EARLIEST"}'
