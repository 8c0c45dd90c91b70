"""template.yaml keeps the house rules (STYLE.md): what an operator relies on when something goes wrong.

cfn-lint and ``sam validate --lint`` check that the template is well formed; these tests check that it
says what the product needs.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.template import ROOT, load_template, resources_of_type

TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
FUNCTIONS = resources_of_type(TEMPLATE, "AWS::Serverless::Function")
QUEUES = resources_of_type(TEMPLATE, "AWS::SQS::Queue")
TABLES = resources_of_type(TEMPLATE, "AWS::DynamoDB::Table")
ALARMS = resources_of_type(TEMPLATE, "AWS::CloudWatch::Alarm")
GLOBALS = TEMPLATE["Globals"]["Function"]


def ref_target(value: Any) -> str | None:
    """The logical id that ``!Ref X`` or ``!GetAtt X.Attr`` names."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    return None


def timeout_of(function_id: str) -> int:
    return int(FUNCTIONS[function_id]["Properties"].get("Timeout", GLOBALS["Timeout"]))


def events_of(function_id: str, event_type: str) -> list[dict[str, Any]]:
    events = FUNCTIONS[function_id]["Properties"].get("Events", {})
    return [event["Properties"] for event in events.values() if event["Type"] == event_type]


def queue_consumers() -> dict[str, str]:
    """Queue logical id -> the function its SQS event source feeds."""
    return {
        ref_target(source["Queue"]) or "": function_id
        for function_id in FUNCTIONS
        for source in events_of(function_id, "SQS")
    }


def dead_letter_queues() -> set[str]:
    """Every queue that takes what something else could not deliver or process."""
    dlqs: set[str] = set()
    for queue in QUEUES.values():
        redrive = queue["Properties"].get("RedrivePolicy")
        if redrive:
            dlqs.add(ref_target(redrive["deadLetterTargetArn"]) or "")
    for function_id, function in FUNCTIONS.items():
        if "DeadLetterQueue" in function["Properties"]:
            dlqs.add(ref_target(function["Properties"]["DeadLetterQueue"]["TargetArn"]) or "")
        for stream in events_of(function_id, "DynamoDB"):
            dlqs.add(ref_target(stream["DestinationConfig"]["OnFailure"]["Destination"]) or "")
        for schedule in events_of(function_id, "ScheduleV2"):
            dlqs.add(ref_target(schedule["DeadLetterConfig"]["Arn"]) or "")
    for rule in resources_of_type(TEMPLATE, "AWS::Events::Rule").values():
        for target in rule["Properties"]["Targets"]:
            dlqs.add(ref_target(target["DeadLetterConfig"]["Arn"]) or "")
    return dlqs


def policy_statements() -> Iterator[tuple[str, dict[str, Any]]]:
    for function_id, function in FUNCTIONS.items():
        for policy in function["Properties"].get("Policies", []):
            if isinstance(policy, dict) and "Statement" in policy:
                for statement in policy["Statement"]:
                    yield function_id, statement
    for policy_id, policy in resources_of_type(TEMPLATE, "AWS::SQS::QueuePolicy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            yield policy_id, statement


def flatten(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        for item in value:
            yield from flatten(item)
    else:
        yield value


def policy_templates(function_id: str, name: str) -> list[dict[str, Any]]:
    policies = FUNCTIONS[function_id]["Properties"].get("Policies", [])
    return [policy[name] for policy in policies if isinstance(policy, dict) and name in policy]


# ---------------------------------------------------------------- stage and globals


def test_the_stage_is_a_parameter_that_shapes_the_stack() -> None:
    assert "AWS::Serverless-2016-10-31" in TEMPLATE["Transform"]
    assert TEMPLATE["Parameters"]["Stage"]["AllowedValues"] == ["local", "dev", "prod"]
    assert set(TEMPLATE["Mappings"]["StageConfig"]) == {"local", "dev", "prod"}
    assert TEMPLATE["Conditions"]["IsLocal"] == {"Fn::Equals": [{"Ref": "Stage"}, "local"]}


def test_globals_carry_runtime_tracing_powertools_and_the_layer() -> None:
    assert GLOBALS["Runtime"] == "python3.11"
    assert GLOBALS["Tracing"] == "Active"
    assert GLOBALS["Layers"] == [{"Ref": "TasksyncLayer"}]
    variables = GLOBALS["Environment"]["Variables"]
    assert {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"} <= set(variables)


def test_the_layer_builds_the_tasksync_package_with_its_pinned_requirements() -> None:
    layer = RESOURCES["TasksyncLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Properties"]["ContentUri"] == "layers/tasksync/"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.11"]
    assert layer["Metadata"]["BuildMethod"] == "python3.11"
    requirements = (ROOT / "layers" / "tasksync" / "requirements.txt").read_text().split()
    assert requirements and all("==" in line for line in requirements)
    assert (ROOT / "layers" / "tasksync" / "tasksync" / "__init__.py").exists()


# ---------------------------------------------------------------- functions


@pytest.mark.parametrize("function_id", sorted(FUNCTIONS))
def test_each_function_is_a_handler_in_its_own_folder(function_id: str) -> None:
    properties = FUNCTIONS[function_id]["Properties"]
    match = re.fullmatch(r"functions/([a-z_]+)/", properties["CodeUri"])
    assert match, properties["CodeUri"]
    assert properties["Handler"] == "app.handler"
    assert "def handler(event" in (ROOT / properties["CodeUri"] / "app.py").read_text()


@pytest.mark.parametrize("function_id", sorted(FUNCTIONS))
def test_each_function_logs_to_its_own_group_with_a_retention(function_id: str) -> None:
    group_id = ref_target(FUNCTIONS[function_id]["Properties"]["LoggingConfig"]["LogGroup"])
    assert group_id is not None
    group = RESOURCES[group_id]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert "RetentionInDays" in group["Properties"]
    groups = [ref_target(f["Properties"]["LoggingConfig"]["LogGroup"]) for f in FUNCTIONS.values()]
    assert groups.count(group_id) == 1


@pytest.mark.parametrize("function_id", sorted(FUNCTIONS))
def test_each_function_has_error_and_throttle_alarms(function_id: str) -> None:
    watched = {
        (alarm["Properties"]["MetricName"], ref_target(dimension["Value"]))
        for alarm in ALARMS.values()
        for dimension in alarm["Properties"]["Dimensions"]
        if dimension["Name"] == "FunctionName"
    }
    assert {("Errors", function_id), ("Throttles", function_id)} <= watched


@pytest.mark.parametrize("function_id", sorted(FUNCTIONS))
def test_no_secret_sits_in_an_environment_variable(function_id: str) -> None:
    variables = {
        **GLOBALS["Environment"]["Variables"],
        **FUNCTIONS[function_id]["Properties"].get("Environment", {}).get("Variables", {}),
    }
    for name in variables:
        assert not re.search(r"(SECRET|TOKEN|PASSWORD|KEY)$", name), name


@pytest.mark.parametrize("function_id", sorted(FUNCTIONS))
def test_a_function_told_of_a_table_may_use_it(function_id: str) -> None:
    variables = FUNCTIONS[function_id]["Properties"].get("Environment", {}).get("Variables", {})
    told = {ref_target(value) for name, value in variables.items() if name.endswith("_TABLE_NAME")}
    allowed = {
        ref_target(policy["TableName"])
        for kind in ("DynamoDBCrudPolicy", "DynamoDBReadPolicy")
        for policy in policy_templates(function_id, kind)
    }
    assert told <= allowed


# ---------------------------------------------------------------- queues


@pytest.mark.parametrize("queue_id", sorted(set(QUEUES) - dead_letter_queues()))
def test_each_queue_redrives_to_a_dead_letter_queue(queue_id: str) -> None:
    redrive = QUEUES[queue_id]["Properties"]["RedrivePolicy"]
    dlq_id = ref_target(redrive["deadLetterTargetArn"])
    assert dlq_id in QUEUES
    assert 1 <= int(redrive["maxReceiveCount"]) <= 10
    # A FIFO queue's dead-letter queue must be FIFO too.
    assert QUEUES[dlq_id]["Properties"].get("FifoQueue", False) == QUEUES[queue_id]["Properties"].get(
        "FifoQueue", False
    )


@pytest.mark.parametrize("queue_id", sorted(queue_consumers()))
def test_visibility_is_at_least_six_times_the_consumers_timeout(queue_id: str) -> None:
    visibility = int(QUEUES[queue_id]["Properties"]["VisibilityTimeout"])
    assert visibility >= 6 * timeout_of(queue_consumers()[queue_id])


def test_every_sqs_consumer_reports_partial_batch_failures() -> None:
    sources = [source for function_id in FUNCTIONS for source in events_of(function_id, "SQS")]
    assert len(sources) == 2
    assert all(source["FunctionResponseTypes"] == ["ReportBatchItemFailures"] for source in sources)


def test_the_change_queues_are_fifo() -> None:
    for queue_id in ("SalesforceChangesQueue", "ReminderChangesQueue"):
        properties = QUEUES[queue_id]["Properties"]
        assert properties["FifoQueue"] is True
        assert properties["QueueName"]["Fn::Sub"].endswith(".fifo")
    assert queue_consumers() == {
        "SalesforceChangesQueue": "SalesforceChangesFunction",
        "ReminderChangesQueue": "ReminderChangesFunction",
    }


def test_rules_into_fifo_queues_name_a_message_group() -> None:
    for rule in resources_of_type(TEMPLATE, "AWS::Events::Rule").values():
        for target in rule["Properties"]["Targets"]:
            queue = QUEUES[ref_target(target["Arn"]) or ""]
            if queue["Properties"].get("FifoQueue"):
                assert target["SqsParameters"]["MessageGroupId"]
                assert queue["Properties"]["ContentBasedDeduplication"] is True


def test_event_relay_is_wired_only_when_its_source_is_given() -> None:
    assert TEMPLATE["Parameters"]["EventRelayPartnerEventSource"]["Default"] == ""
    assert RESOURCES["EventRelayBus"]["Condition"] == "HasEventRelay"
    rule = RESOURCES["EventRelayRule"]
    assert rule["Condition"] == "HasEventRelay"
    assert rule["Properties"]["EventPattern"] == {"detail-type": ["TaskChangeEvent"]}
    assert ref_target(rule["Properties"]["Targets"][0]["Arn"]) == "SalesforceChangesQueue"


@pytest.mark.parametrize("queue_id", sorted(dead_letter_queues()))
def test_each_dead_letter_queue_has_an_alarm(queue_id: str) -> None:
    watched = {
        ref_target(dimension["Value"])
        for alarm in ALARMS.values()
        if alarm["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
        for dimension in alarm["Properties"]["Dimensions"]
    }
    assert queue_id in watched


def test_alarms_notify_the_alarm_topic_outside_local() -> None:
    assert RESOURCES["AlarmTopic"]["Condition"] == "IsDeployed"
    for alarm in ALARMS.values():
        assert alarm["Condition"] == "IsDeployed"
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]


# ---------------------------------------------------------------- asynchronous and streamed work


def test_asynchronously_invoked_functions_have_a_dead_letter_queue() -> None:
    for function_id in ("FirstSyncFunction", "DeletionSweepFunction", "ReconciliationFunction"):
        dlq = FUNCTIONS[function_id]["Properties"]["DeadLetterQueue"]
        assert dlq["Type"] == "SQS" and ref_target(dlq["TargetArn"]) in QUEUES


def test_the_scheduled_jobs_retry_and_dead_letter() -> None:
    expressions = {}
    for function_id in ("DeletionSweepFunction", "ReconciliationFunction"):
        (schedule,) = events_of(function_id, "ScheduleV2")
        assert schedule["RetryPolicy"]["MaximumRetryAttempts"] >= 1
        assert ref_target(schedule["DeadLetterConfig"]["Arn"]) in QUEUES
        expressions[function_id] = schedule["ScheduleExpression"]
    assert expressions == {"DeletionSweepFunction": "rate(15 minutes)", "ReconciliationFunction": "rate(1 hour)"}


def test_task_events_come_from_the_task_tables_stream() -> None:
    (stream,) = events_of("TaskEventsPublisherFunction", "DynamoDB")
    assert stream["Stream"] == {"Fn::GetAtt": ["ReminderTaskTable", "StreamArn"]}
    assert stream["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert stream["BisectBatchOnFunctionError"] is True
    assert TABLES["ReminderTaskTable"]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    (bus,) = policy_templates("TaskEventsPublisherFunction", "EventBridgePutEventsPolicy")
    assert bus == {"EventBusName": {"Ref": "AppEventBus"}}


def test_sia_task_events_made_by_users_reach_the_reminder_changes_queue() -> None:
    rule = RESOURCES["ReminderTaskEventsRule"]["Properties"]
    assert ref_target(rule["EventBusName"]) == "AppEventBus"
    assert rule["EventPattern"]["detail"] == {"origin": ["user"]}
    variables = FUNCTIONS["TaskEventsPublisherFunction"]["Properties"]["Environment"]["Variables"]
    assert rule["EventPattern"]["source"] == [variables["TASK_EVENT_SOURCE"]]
    assert rule["EventPattern"]["detail-type"] == [variables["TASK_EVENT_DETAIL_TYPE"]]


# ---------------------------------------------------------------- permissions


def test_no_policy_grants_everything() -> None:
    statements = list(policy_statements())
    assert statements
    for owner, statement in statements:
        assert "*" not in flatten(statement["Resource"]), owner
        assert "*" not in flatten(statement["Action"]), owner


def test_policy_templates_are_scoped_to_one_resource() -> None:
    for function_id, function in FUNCTIONS.items():
        for policy in function["Properties"].get("Policies", []):
            assert isinstance(policy, dict), f"{function_id}: a managed policy by name is not scoped"
            for name, parameters in policy.items():
                if name == "Statement":
                    continue
                assert parameters and all(value not in ("*", "") for value in parameters.values()), function_id


def test_secrets_are_read_by_name_prefix_only() -> None:
    for function_id in FUNCTIONS:
        for policy in policy_templates(function_id, "AWSSecretsManagerGetSecretValuePolicy"):
            arn = policy["SecretArn"]["Fn::Sub"]
            # Secrets Manager appends a random suffix to every ARN: a prefix and * matches it.
            assert re.fullmatch(
                r"arn:\$\{AWS::Partition\}:secretsmanager:.*:secret:\$\{SecretsPrefix\}/\$\{Stage\}/[a-z]+/\*", arn
            )


# ---------------------------------------------------------------- tables


@pytest.mark.parametrize("table_id", sorted(TABLES))
def test_each_table_is_on_demand_recoverable_encrypted_and_kept(table_id: str) -> None:
    table = TABLES[table_id]
    properties = table["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["TimeToLiveSpecification"]["Enabled"] is True
    for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
        assert table[policy] == {"Fn::If": ["IsLocal", "Delete", "Retain"]}


def test_the_idempotency_table_is_as_powertools_expects() -> None:
    properties = TABLES["IdempotencyTable"]["Properties"]
    assert properties["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert properties["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


# ---------------------------------------------------------------- the HTTP API and outputs


def test_the_http_api_serves_the_routes_of_the_spec() -> None:
    routes = {
        (event["Method"], event["Path"]): event.get("Auth")
        for function_id in FUNCTIONS
        for event in events_of(function_id, "HttpApi")
    }
    user = "/v1/users/{userId}"
    assert set(routes) == {
        ("GET", f"{user}/tasks"),
        ("POST", f"{user}/tasks"),
        ("GET", f"{user}/tasks/{{taskId}}"),
        ("PATCH", f"{user}/tasks/{{taskId}}"),
        ("DELETE", f"{user}/tasks/{{taskId}}"),
        ("GET", f"{user}/command-center"),
        ("GET", f"{user}/settings/sync"),
        ("PUT", f"{user}/settings/sync"),
        ("GET", f"{user}/salesforce-connection"),
        ("PUT", f"{user}/salesforce-connection"),
        ("DELETE", f"{user}/salesforce-connection"),
        ("GET", f"{user}/sync/errors"),
        ("POST", "/v1/webhooks/salesforce/{orgId}/cdc"),
    }
    # User routes take the default (token) authorizer; only the signed webhook opts out.
    assert RESOURCES["HttpApi"]["Properties"]["Auth"]["DefaultAuthorizer"] == "UserToken"
    assert {route for route, auth in routes.items() if auth is not None} == {
        ("POST", "/v1/webhooks/salesforce/{orgId}/cdc")
    }
    assert routes[("POST", "/v1/webhooks/salesforce/{orgId}/cdc")] == {"Authorizer": "NONE"}


def test_outputs_name_what_an_operator_needs() -> None:
    assert {
        "ApiUrl",
        "StateTableName",
        "IdempotencyTableName",
        "ReminderTaskTableName",
        "AppEventBusName",
        "SalesforceChangesQueueUrl",
        "ReminderChangesQueueUrl",
    } <= set(TEMPLATE["Outputs"])


# ---------------------------------------------------------------- samconfig.toml


def test_samconfig_has_a_local_dev_and_prod_environment_that_lint() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    assert config["version"] == 0.1
    for environment, stage in (("default", "local"), ("dev", "dev"), ("prod", "prod")):
        assert config[environment]["validate"]["parameters"]["lint"] is True
        deploy = config[environment]["deploy"]["parameters"]
        assert f"Stage={stage}" in deploy["parameter_overrides"].split()
        assert deploy["capabilities"] == "CAPABILITY_IAM CAPABILITY_AUTO_EXPAND"
        assert deploy["resolve_s3"] is True
    assert config["default"]["global"]["parameters"]["stack_name"] == "tasksync-local"
    assert config["prod"]["deploy"]["parameters"]["confirm_changeset"] is True
