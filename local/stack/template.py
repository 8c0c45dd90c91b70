"""template.yaml as plain data.

CloudFormation's short-form tags (``!Ref``, ``!Sub``, ``!GetAtt``, ``!If`` ...) load as their long forms
(``{"Ref": ...}``, ``{"Fn::Sub": ...}``, ``{"Fn::GetAtt": [resource, attribute]}``), so a reader walks
one shape whatever the template's author wrote.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped, unused-ignore]  # types-PyYAML is not in the dev group

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


class CloudFormationLoader(yaml.SafeLoader):  # type: ignore[misc, unused-ignore]
    """A safe YAML loader that knows CloudFormation's intrinsic function tags."""


def _intrinsic(loader: CloudFormationLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type, unused-ignore]
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)  # !GetAtt Resource.Attribute
    return {f"Fn::{suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """The template as dicts and lists (a fresh copy: callers may change it)."""
    return copy.deepcopy(_load(path))


@cache
def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as template:
        loaded: dict[str, Any] = yaml.load(template, Loader=CloudFormationLoader)  # noqa: S506 - a SafeLoader
    return loaded


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """Logical id -> resource, for every resource of ``resource_type``."""
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


# -- template.yaml, resolved against what a stack built -----------------------------------------------


@dataclass(frozen=True)
class StackIdentity:
    """Where a stack lives: its name, region and account (the pseudo parameters)."""

    name: str
    region: str = "us-east-1"
    account: str = "123456789012"


class Template:
    """template.yaml with its parameters (defaults, or the given ones), conditions, and the physical
    name, ARN and URL of each resource the stack builds (filled in as it builds them)."""

    def __init__(self, parameters: Mapping[str, str], stack: StackIdentity) -> None:
        self.document = _load(TEMPLATE)
        self.stack = stack
        self.parameters = {
            name: str(spec.get("Default", ""))
            for name, spec in self.document["Parameters"].items()
            if "Default" in spec
        } | dict(parameters)
        self.pseudo = {
            "AWS::StackName": stack.name,
            "AWS::Region": stack.region,
            "AWS::AccountId": stack.account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        self.refs: dict[str, str] = {}
        self.attributes: dict[tuple[str, str], str] = {}

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """Logical id -> resource, of the resources whose condition holds."""
        return {
            logical_id: resource
            for logical_id, resource in resources_of_type(self.document, resource_type).items()
            if "Condition" not in resource or self.condition(resource["Condition"])
        }

    def condition(self, name: str) -> bool:
        return bool(self._evaluate(self.document["Conditions"][name]))

    def _evaluate(self, expression: Any) -> Any:
        if isinstance(expression, dict) and len(expression) == 1:
            ((function, argument),) = expression.items()
            if function == "Condition":
                return self.condition(argument)
            if function == "Fn::Equals":
                left, right = (self.resolve(part) for part in argument)
                return left == right
            if function == "Fn::Not":
                return not self._evaluate(argument[0])
            if function == "Fn::And":
                return all(self._evaluate(part) for part in argument)
            if function == "Fn::Or":
                return any(self._evaluate(part) for part in argument)
        return self.resolve(expression)

    def ref(self, name: str) -> str:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self.refs[name]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((function, argument),) = value.items()
            if function == "Ref":
                return self.ref(argument)
            if function == "Fn::GetAtt":
                resource, attribute = argument
                return self.attributes[(resource, attribute)]
            if function == "Fn::Sub":
                return self._sub(argument)
            if function == "Fn::FindInMap":
                mapping, key, name = (self.resolve(part) for part in argument)
                return self.document["Mappings"][mapping][key][name]
            if function == "Fn::If":
                condition, then, otherwise = argument
                return self.resolve(then if self.condition(condition) else otherwise)
        return {key: self.resolve(inner) for key, inner in value.items()}

    def _sub(self, argument: str | list[Any]) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])

        def substitute(match: re.Match[str]) -> str:
            name = match[1]
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and name not in self.pseudo:
                resource, attribute = name.split(".", 1)
                return self.attributes[(resource, attribute)]
            return self.ref(name)

        return re.sub(r"\$\{([^!}]+)\}", substitute, text)


@dataclass(frozen=True)
class Function:
    logical_id: str
    name: str
    code_uri: str
    handler: str
    timeout: int
    environment: dict[str, str]
    events: dict[str, dict[str, Any]]


def functions_of(template: Template) -> dict[str, Function]:
    globals_ = template.document["Globals"]["Function"]
    found: dict[str, Function] = {}
    for logical_id, resource in template.resources("AWS::Serverless::Function").items():
        properties = resource["Properties"]
        name = template.resolve(properties.get("FunctionName", f"{template.stack.name}-{logical_id}"))
        template.refs[logical_id] = name
        stack = template.stack
        template.attributes[(logical_id, "Arn")] = f"arn:aws:lambda:{stack.region}:{stack.account}:function:{name}"
        found[logical_id] = Function(
            logical_id=logical_id,
            name=name,
            code_uri=properties["CodeUri"],
            handler=properties["Handler"],
            timeout=int(properties.get("Timeout", globals_.get("Timeout", 3))),
            environment={},
            events=properties.get("Events", {}),
        )
    return found
