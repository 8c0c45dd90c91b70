"""template.yaml keeps the house rules, what an operator relies on when something goes wrong: each function
logs to its own group with a retention and alarms on errors and throttles; each queue redrives to a
dead-letter queue with an alarm, with a visibility time-out at least six times its consumer's; policies
name one resource, never ``*``; secrets stay out of environment variables.

cfn-lint and ``sam validate --lint`` check that the template is well formed; these tests check that it
says what the product needs.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest

from local.stack.template import ROOT, load_template, resources_of_type
from tasksync.observability import Metric

TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
FUNCTIONS = resources_of_type(TEMPLATE, "AWS::Serverless::Function")
QUEUES = resources_of_type(TEMPLATE, "AWS::SQS::Queue")
TABLES = resources_of_type(TEMPLATE, "AWS::DynamoDB::Table")
ALARMS = resources_of_type(TEMPLATE, "AWS::CloudWatch::Alarm")
GLOBALS = TEMPLATE["Globals"]["Function"]
POWERTOOLS = GLOBALS["Environment"]["Variables"]


def ref_target(value: Any) -> str | None:
    """The logical id that ``!Ref X`` or ``!GetAtt X.Attr`` names."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    return None


def timeout_of(function_id: str) -> int:
    return int(FUNCTIONS[function_id]["Properties"].get("Timeout", GLOBALS["Timeout"]))


def references(value: Any) -> Iterator[str]:
    """Every logical id or parameter that ``value`` names (Ref, GetAtt, and Sub's ``${X}`` / ``${X.Attr}``)."""
    if isinstance(value, list):
        for item in value:
            yield from references(item)
    elif isinstance(value, dict):
        target = ref_target(value)
        if target is not None:
            yield target
        elif "Fn::Sub" in value:
            sub = value["Fn::Sub"]
            text, variables = (sub, {}) if isinstance(sub, str) else sub
            yield from (name for name in re.findall(r"\$\{([^!}.]+)[^}]*\}", text) if name not in variables)
            yield from references(variables)
        else:
            for item in value.values():
                yield from references(item)


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


def alarms_on(namespace: str, metric: str) -> dict[str, dict[str, Any]]:
    """Alarm logical id -> Properties, for the alarms that watch ``metric`` itself or in a metric-math term."""
    found = {}
    for alarm_id, alarm in ALARMS.items():
        properties = alarm["Properties"]
        watched = [(properties.get("Namespace"), properties.get("MetricName"))] + [
            (query["MetricStat"]["Metric"]["Namespace"], query["MetricStat"]["Metric"]["MetricName"])
            for query in properties.get("Metrics", [])
            if "MetricStat" in query
        ]
        if (namespace, metric) in watched:
            found[alarm_id] = properties
    return found


def watched_by_alarms(namespace: str, metric: str, dimension: str) -> set[str | None]:
    """The logical ids that ``dimension`` names in the alarms on ``metric``."""
    return {
        ref_target(entry["Value"])
        for properties in alarms_on(namespace, metric).values()
        for entry in properties.get("Dimensions", [])
        if entry["Name"] == dimension
    }


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
    entry = re.fullmatch(r"app\.([a-z_]+)", properties["Handler"])
    assert entry, properties["Handler"]
    assert f"def {entry[1]}(event" in (ROOT / properties["CodeUri"] / "app.py").read_text()


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
    assert function_id in watched_by_alarms("AWS/Lambda", "Errors", "FunctionName")
    assert function_id in watched_by_alarms("AWS/Lambda", "Throttles", "FunctionName")


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
    # https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html; a batching window adds to it.
    visibility = int(QUEUES[queue_id]["Properties"]["VisibilityTimeout"])
    function_id = queue_consumers()[queue_id]
    (source,) = events_of(function_id, "SQS")
    assert visibility >= 6 * timeout_of(function_id) + int(source.get("MaximumBatchingWindowInSeconds", 0))


def test_every_sqs_consumer_reports_partial_batch_failures() -> None:
    sources = [source for function_id in FUNCTIONS for source in events_of(function_id, "SQS")]
    assert len(sources) == len(queue_consumers())
    assert all(source["FunctionResponseTypes"] == ["ReportBatchItemFailures"] for source in sources)


def test_only_the_webhooks_changes_queue_is_fifo() -> None:
    # The webhook groups by record id; what a rule sends, and what no order is needed for, is standard.
    salesforce = QUEUES["SalesforceChangesQueue"]["Properties"]
    assert salesforce["FifoQueue"] is True
    assert salesforce["QueueName"]["Fn::Sub"].endswith(".fifo")
    for queue_id in ("ReminderChangesQueue", "EventRelayChangesQueue"):
        properties = QUEUES[queue_id]["Properties"]
        assert "FifoQueue" not in properties
        assert not properties["QueueName"]["Fn::Sub"].endswith(".fifo")
    assert queue_consumers() == {
        "SalesforceChangesQueue": "SalesforceChangesFunction",
        "ReminderChangesQueue": "ReminderChangesFunction",
        "EventRelayChangesQueue": "EventRelayChangesFunction",
    }


def test_no_rule_feeds_a_fifo_queue() -> None:
    # A rule can only give a FIFO queue one fixed message group: one failing event would hold all the others.
    for rule in resources_of_type(TEMPLATE, "AWS::Events::Rule").values():
        for target in rule["Properties"]["Targets"]:
            assert "FifoQueue" not in QUEUES[ref_target(target["Arn"]) or ""]["Properties"]
            assert "SqsParameters" not in target


def test_reminder_changes_come_in_large_batches_at_a_capped_concurrency() -> None:
    (source,) = events_of("ReminderChangesFunction", "SQS")
    assert source["BatchSize"] >= 200  # one sObject Collections call's worth
    # Above 10 records Lambda requires a batching window (API_CreateEventSourceMapping).
    assert 1 <= source["MaximumBatchingWindowInSeconds"] <= 300
    assert 2 <= source["ScalingConfig"]["MaximumConcurrency"] <= 1000
    assert QUEUES["ReminderChangesQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"] == 5


def test_event_relay_is_wired_only_when_its_source_is_given() -> None:
    assert TEMPLATE["Parameters"]["EventRelayPartnerEventSource"]["Default"] == ""
    rule = RESOURCES["EventRelayRule"]
    assert rule["Properties"]["EventPattern"] == {"detail-type": ["TaskChangeEvent"]}
    (target,) = rule["Properties"]["Targets"]
    assert ref_target(target["Arn"]) == "EventRelayChangesQueue"
    assert ref_target(target["DeadLetterConfig"]["Arn"]) == "EventDeliveryDLQ"
    relay = {
        "EventRelayBus",
        "EventRelayRule",
        "EventRelayChangesQueue",
        "EventRelayChangesDLQ",
        "EventRelayChangesQueuePolicy",
        "EventRelayChangesFunction",
        "EventRelayChangesLogGroup",
    }
    assert {logical_id for logical_id in relay if RESOURCES[logical_id].get("Condition") == "HasEventRelay"} == relay
    (statement,) = RESOURCES["EventRelayChangesQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["EventRelayRule", "Arn"]}}}


def test_event_relay_changes_run_the_salesforce_changes_code_with_its_rights() -> None:
    webhook_path = FUNCTIONS["SalesforceChangesFunction"]["Properties"]
    relay_path = FUNCTIONS["EventRelayChangesFunction"]["Properties"]
    assert relay_path["CodeUri"] == webhook_path["CodeUri"]
    assert relay_path["Handler"] == "app.relay_handler"
    assert relay_path["Environment"] == webhook_path["Environment"]
    assert relay_path["Policies"] == webhook_path["Policies"]


@pytest.mark.parametrize("queue_id", sorted(dead_letter_queues()))
def test_each_dead_letter_queue_has_an_alarm(queue_id: str) -> None:
    assert queue_id in watched_by_alarms("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName")


@pytest.mark.parametrize("queue_id", sorted(queue_consumers()))
def test_each_change_queue_alarms_when_a_change_waits_too_long(queue_id: str) -> None:
    alarms = alarms_on("AWS/SQS", "ApproximateAgeOfOldestMessage")
    (age,) = [alarm for alarm in alarms.values() if ref_target(alarm["Dimensions"][0]["Value"]) == queue_id]
    assert age["Statistic"] == "Maximum"
    assert age["Threshold"] <= 15 * 60


def test_the_http_api_alarms_on_server_errors() -> None:
    # HTTP API metrics are per ApiId and Stage (SAM's stage is $default):
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html
    (alarm,) = alarms_on("AWS/ApiGateway", "5xx").values()
    assert alarm["Dimensions"] == [
        {"Name": "ApiId", "Value": {"Ref": "HttpApi"}},
        {"Name": "Stage", "Value": "$default"},
    ]
    assert "StageName" not in RESOURCES["HttpApi"]["Properties"]


@pytest.mark.parametrize("metric", [Metric.SYNC_ERRORS, Metric.GOVERNOR_SKIPS])
def test_the_sync_alarms_on_its_own_metrics(metric: Metric) -> None:
    # Powertools puts each metric in POWERTOOLS_METRICS_NAMESPACE with the dimension service.
    (alarm,) = alarms_on(POWERTOOLS["POWERTOOLS_METRICS_NAMESPACE"], metric.value).values()
    stats = [query["MetricStat"]["Metric"] for query in alarm.get("Metrics", []) if "MetricStat" in query] or [alarm]
    for stat in stats:
        assert stat["Dimensions"] == [{"Name": "service", "Value": POWERTOOLS["POWERTOOLS_SERVICE_NAME"]}]


def test_alarms_notify_the_alarm_topic_outside_local() -> None:
    assert RESOURCES["AlarmTopic"]["Condition"] == "IsDeployed"
    conditions = TEMPLATE["Conditions"]
    assert conditions["IsDeployedWithEventRelay"] == {
        "Fn::And": [{"Condition": "IsDeployed"}, {"Condition": "HasEventRelay"}]
    }
    for alarm in ALARMS.values():
        assert alarm["Condition"] in ("IsDeployed", "IsDeployedWithEventRelay")
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def dashboard_metrics() -> list[list[Any]]:
    """The dashboard's metric lines, with Event Relay's widgets in and ``${X}`` left as the name X."""
    text, variables = RESOURCES["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    condition, relay, absent = variables["EventRelayWidgets"]["Fn::If"]
    assert (condition, absent) == ("HasEventRelay", "")
    body = text.replace("${EventRelayWidgets}", relay["Fn::Sub"])
    body = re.sub(r"\$\{([A-Za-z]+)(?:\.[A-Za-z]+)?\}", r"\1", body.replace("${AWS::Region}", "us-east-1"))
    return [line for widget in json.loads(body)["widgets"] for line in widget["properties"]["metrics"]]


def test_the_dashboard_shows_the_sync_metrics_queues_functions_and_api() -> None:
    assert RESOURCES["Dashboard"]["Condition"] == "IsDeployed"
    lines = dashboard_metrics()
    shown = {(line[0], line[1], *[str(value) for value in line[2:] if not isinstance(value, dict)]) for line in lines}
    namespace, service = POWERTOOLS["POWERTOOLS_METRICS_NAMESPACE"], POWERTOOLS["POWERTOOLS_SERVICE_NAME"]
    assert {(namespace, metric.value, "service", service) for metric in Metric} <= shown
    for queue_id in queue_consumers():
        for metric in ("ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"):
            assert ("AWS/SQS", metric, "QueueName", queue_id) in shown
    for queue_id in dead_letter_queues():
        assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue_id) in shown
    for function_id in FUNCTIONS:
        for metric in ("Errors", "Duration"):
            assert ("AWS/Lambda", metric, "FunctionName", function_id) in shown
    for metric in ("5xx", "Latency"):
        assert ("AWS/ApiGateway", metric, "ApiId", "HttpApi", "Stage", "$default") in shown


# ---------------------------------------------------------------- asynchronous and streamed work


def invoked_function(function_name: Any) -> str:
    """The function a LambdaInvokePolicy names: by !Ref, or by the FunctionName the function was given."""
    target = ref_target(function_name)
    if target is not None:
        return target
    (named,) = [f for f, function in FUNCTIONS.items() if function["Properties"].get("FunctionName") == function_name]
    return named


def asynchronously_invoked() -> set[str]:
    """Functions started by a schedule or by another function's asynchronous invoke (LambdaInvokePolicy)."""
    scheduled = {function_id for function_id in FUNCTIONS if events_of(function_id, "ScheduleV2")}
    invoked = {
        invoked_function(policy["FunctionName"])
        for function_id in FUNCTIONS
        for policy in policy_templates(function_id, "LambdaInvokePolicy")
    }
    return scheduled | invoked


def test_asynchronously_invoked_functions_have_a_dead_letter_queue() -> None:
    assert asynchronously_invoked() == {
        "FirstSyncFunction",
        "DeletionSweepFunction",
        "ReconciliationFunction",
        "ReminderResyncFunction",
    }
    for function_id in asynchronously_invoked():
        properties = FUNCTIONS[function_id]["Properties"]
        dlq = properties["DeadLetterQueue"]
        assert dlq["Type"] == "SQS" and ref_target(dlq["TargetArn"]) in QUEUES
        assert 0 <= properties["EventInvokeConfig"]["MaximumRetryAttempts"] <= 2


SAFETY_NETS = ("DeletionSweepFunction", "ReconciliationFunction", "ReminderResyncFunction")


def test_the_scheduled_jobs_retry_and_dead_letter() -> None:
    expressions = {}
    for function_id in SAFETY_NETS:
        (schedule,) = events_of(function_id, "ScheduleV2")
        assert schedule["RetryPolicy"]["MaximumRetryAttempts"] >= 1
        assert ref_target(schedule["DeadLetterConfig"]["Arn"]) in QUEUES
        expression = schedule["ScheduleExpression"]
        if isinstance(expression, dict):  # a parameter: its default
            expression = TEMPLATE["Parameters"][expression["Ref"]]["Default"]
        expressions[function_id] = expression
    assert expressions == {
        "DeletionSweepFunction": "rate(15 minutes)",
        "ReconciliationFunction": "rate(1 hour)",
        "ReminderResyncFunction": "rate(15 minutes)",
    }


def test_the_polls_of_a_real_org_take_their_rate_from_parameters() -> None:
    """Where no webhook reaches the stack, a rate of a minute makes getUpdated the event path."""
    for function_id, parameter in (
        ("ReconciliationFunction", "ReconciliationSchedule"),
        ("DeletionSweepFunction", "DeletionSweepSchedule"),
    ):
        (schedule,) = events_of(function_id, "ScheduleV2")
        assert schedule["ScheduleExpression"] == {"Ref": parameter}
        pattern = re.compile(TEMPLATE["Parameters"][parameter]["AllowedPattern"])
        assert pattern.match("rate(1 minute)") and pattern.match("rate(2 hours)")
        assert not pattern.match("cron(0 * * * ? *)") and not pattern.match("rate(0 minutes)")


def test_the_scheduled_jobs_share_one_api_budget_threshold() -> None:
    parameter = TEMPLATE["Parameters"]["ApiBudgetThreshold"]
    bounds = {key: parameter[key] for key in ("Type", "Default", "MinValue", "MaxValue")}
    assert bounds == {"Type": "Number", "Default": 0.8, "MinValue": 0.1, "MaxValue": 1}
    for function_id in SAFETY_NETS:
        variables = FUNCTIONS[function_id]["Properties"]["Environment"]["Variables"]
        assert variables["API_BUDGET_THRESHOLD"] == {"Ref": "ApiBudgetThreshold"}


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


def test_the_first_sync_may_invoke_itself_without_a_circular_reference() -> None:
    properties = FUNCTIONS["FirstSyncFunction"]["Properties"]
    (policy,) = policy_templates("FirstSyncFunction", "LambdaInvokePolicy")
    assert policy["FunctionName"] == properties["FunctionName"] == {"Fn::Sub": "${AWS::StackName}-first-sync"}


def test_no_resource_depends_on_itself() -> None:
    # cfn-lint skips SAM resources in its cycle check (E3004); a function's role is part of it here.
    needs = {
        logical_id: {target for target in references(resource) if target in RESOURCES}
        | set(flatten(resource.get("DependsOn", [])))
        for logical_id, resource in RESOURCES.items()
    }

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for target in needs[start] - seen:
            seen.add(target)
            if target == goal or reaches(target, goal, seen):
                return True
        return False

    assert [logical_id for logical_id in RESOURCES if reaches(logical_id, logical_id, set())] == []


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
        ("GET", f"{user}/salesforce-connection/authorize"),
        ("GET", "/v1/oauth/salesforce/callback"),
        ("GET", f"{user}/sync/errors"),
        ("POST", "/v1/webhooks/salesforce/{orgId}/cdc"),
    }
    # User routes take the default (token) authorizer; only the signed webhook and Salesforce's OAuth
    # redirect (tied to the rep by the flow's one-time state) opt out.
    assert RESOURCES["HttpApi"]["Properties"]["Auth"]["DefaultAuthorizer"] == "UserToken"
    unauthenticated = {("POST", "/v1/webhooks/salesforce/{orgId}/cdc"), ("GET", "/v1/oauth/salesforce/callback")}
    assert {route for route, auth in routes.items() if auth is not None} == unauthenticated
    assert all(routes[route] == {"Authorizer": "NONE"} for route in unauthenticated)


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
