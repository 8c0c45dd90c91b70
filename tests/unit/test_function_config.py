"""Every function's environment in template.yaml is what its configuration model reads.

Each function's ``Environment.Variables``, merged over the Globals', is resolved to sample strings (a
parameter's Ref takes its default, the stage is ``local``, a resource's Ref or GetAtt a plausible name)
and validated against the function's model from ``tasksync/configuration``: every required field
set, every value of the right shape, and no variable that the model does not read.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from local.stack.template import load_template, resources_of_type
from tasksync.configuration import ConfigModel
from tasksync.configuration.functions import (
    ApiConfig,
    FirstSyncConfig,
    PublisherConfig,
    ReminderChangesConfig,
    SafetyNetConfig,
    SalesforceChangesConfig,
)
from tasksync.configuration.webhook import WebhookConfig

TEMPLATE = load_template()
FUNCTIONS = resources_of_type(TEMPLATE, "AWS::Serverless::Function")
GLOBAL_VARIABLES: dict[str, Any] = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]

MODELS: dict[str, type[ConfigModel]] = {
    "SalesforceWebhookFunction": WebhookConfig,
    "SalesforceChangesFunction": SalesforceChangesConfig,
    "EventRelayChangesFunction": SalesforceChangesConfig,
    "ReminderChangesFunction": ReminderChangesConfig,
    "TaskEventsPublisherFunction": PublisherConfig,
    "ApiFunction": ApiConfig,
    "FirstSyncFunction": FirstSyncConfig,
    "DeletionSweepFunction": SafetyNetConfig,
    "ReconciliationFunction": SafetyNetConfig,
    "ReminderResyncFunction": SafetyNetConfig,
}

PSEUDO = {
    "AWS::StackName": "tasksync-local",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/tasksync-local-{}"


class UnresolvedIntrinsic(ValueError):
    pass


def resolve_ref(name: str) -> str:
    if name in PSEUDO:
        return PSEUDO[name]
    parameter = TEMPLATE["Parameters"].get(name)
    if parameter is not None:
        return str(parameter.get("Default", f"sample-{name.lower()}"))
    resource_type = TEMPLATE["Resources"][name]["Type"]
    if resource_type == "AWS::SQS::Queue":
        return QUEUE_URL.format(name)
    return f"tasksync-local-{name}"


def resolve(value: Any) -> str:
    """A variable's value as the function would see it, with plausible sample values for intrinsics."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref":
            return resolve_ref(argument)
        if function == "Fn::GetAtt":
            resource, attribute = argument
            return f"tasksync-local-{resource}-{attribute}"
        if function == "Fn::FindInMap":
            mapping, key, name = (resolve(part) for part in argument)
            return str(TEMPLATE["Mappings"][mapping][key][name])
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument

            def substitute(match: re.Match[str]) -> str:
                name = match[1]
                if name in variables:
                    return resolve(variables[name])
                if "." in name and name not in PSEUDO:
                    return resolve({"Fn::GetAtt": name.split(".", 1)})
                return resolve_ref(name)

            return re.sub(r"\$\{([^!}]+)\}", substitute, text)
    raise UnresolvedIntrinsic(f"no sample value for {value!r}")


def variables_of(function_id: str) -> dict[str, Any]:
    own = FUNCTIONS[function_id]["Properties"].get("Environment", {}).get("Variables", {})
    return {**GLOBAL_VARIABLES, **own}


def environment_of(function_id: str) -> dict[str, str]:
    return {name: resolve(value) for name, value in variables_of(function_id).items()}


def read_names(model: type[ConfigModel]) -> set[str]:
    return set(model.variables())


def test_every_function_has_a_configuration_model() -> None:
    assert set(MODELS) == set(FUNCTIONS)


@pytest.mark.parametrize("function_id", sorted(MODELS))
def test_the_environment_validates_against_the_functions_model(function_id: str) -> None:
    MODELS[function_id].from_environment(environment_of(function_id))


@pytest.mark.parametrize("function_id", sorted(MODELS))
def test_no_variable_is_set_that_the_model_does_not_read(function_id: str) -> None:
    powertools = {name for name in GLOBAL_VARIABLES if name.startswith("POWERTOOLS_")}
    stray = set(variables_of(function_id)) - read_names(MODELS[function_id]) - powertools
    assert stray == set()


@pytest.mark.parametrize("function_id", sorted(MODELS))
def test_each_required_variable_is_needed(function_id: str) -> None:
    # The check above can fail: without any one required variable the environment is refused.
    model = MODELS[function_id]
    required = {name for name, needed in model.variables().items() if needed}
    environment = environment_of(function_id)
    assert required <= set(environment)
    for name in sorted(required):
        with pytest.raises(ValueError, match=name):
            model.from_environment({key: value for key, value in environment.items() if key != name})


def test_a_sample_value_of_the_wrong_shape_is_refused() -> None:
    environment = {**environment_of("DeletionSweepFunction"), "API_BUDGET_THRESHOLD": "1.5"}
    with pytest.raises(ValueError, match="API_BUDGET_THRESHOLD"):
        SafetyNetConfig.from_environment(environment)
    assert environment_of("DeletionSweepFunction")["API_BUDGET_THRESHOLD"] == "0.8"
    assert environment_of("SalesforceWebhookFunction")["STAGE"] == "local"


def test_an_intrinsic_without_a_sample_is_not_guessed() -> None:
    with pytest.raises(UnresolvedIntrinsic):
        resolve({"Fn::If": ["IsLocal", "a", "b"]})


@pytest.mark.parametrize(
    ("name", "value"), [("STAGE", "staging"), ("WEBHOOK_SECRET_MAX_AGE", "-1"), ("WEBHOOK_SECRET_MAX_AGE", "5m")]
)
def test_the_webhooks_model_refuses_a_value_of_the_wrong_shape(name: str, value: str) -> None:
    # The webhook's model is no pydantic model (its cold start): its own checks must bite too.
    environment = {**environment_of("SalesforceWebhookFunction"), name: value}
    with pytest.raises(ValueError, match=name):
        WebhookConfig.from_environment(environment)
    assert WebhookConfig.from_environment(environment_of("SalesforceWebhookFunction")).secret_max_age == 300
