"""Which queues of a stack are dead-letter queues, what feeds each, and the physical names involved.

The wiring is read from a SAM template (the deployed stack's own, or template.yaml): every place a
resource names a queue as where its failures go.

- ``AWS::SQS::Queue`` ``RedrivePolicy.deadLetterTargetArn``: the queue's redrive.
- ``AWS::Serverless::Function`` ``DeadLetterQueue`` (``Type: SQS``): its asynchronous invocations' DLQ.
- ``AWS::Serverless::Function`` ``EventInvokeConfig.DestinationConfig.OnFailure`` (``Type: SQS``): its
  asynchronous invocations' on-failure destination.
- A function's ``DynamoDB`` or ``Kinesis`` event ``DestinationConfig.OnFailure``: the event source
  mapping's on-failure destination.
- A function's ``ScheduleV2`` event ``DeadLetterConfig``: the schedule's DLQ.
- ``AWS::Events::Rule`` ``Targets[].DeadLetterConfig``: the rule target's DLQ.

Physical names come from the stack: a deployed stack's resources (CloudFormation
``ListStackResources``: a queue's physical id is its URL, a function's its name), or, for the local
stack, the rule ``local.stack`` builds by: a queue is named by its ``QueueName`` and a function by its
``FunctionName``, with the template's ``${AWS::StackName}`` the given stack name; a function without one
is ``<stack>-<logical id>``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import yaml  # type: ignore[import-untyped, unused-ignore]  # types-PyYAML is not in the dev group

from local.stack.template import CloudFormationLoader, StackIdentity, Template, functions_of, load_template
from ops.dead_letter_records import FeedKind

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class WiringError(Exception):
    """The stack or its template does not say what is needed."""


@dataclass(frozen=True)
class Feed:
    """One way into a dead-letter queue: ``source`` (a queue, function or rule logical id) sends there."""

    kind: FeedKind
    source: str
    event: str | None = None
    """The function's event (SAM ``Events`` key) for a stream or schedule feed."""
    target: str | None = None
    """A rule's target, the logical id its ``Arn`` names."""
    schedule_input: str | None = None
    """The input a schedule sends its target."""

    def describe(self) -> str:
        match self.kind:
            case FeedKind.QUEUE_REDRIVE:
                return f"the redrive of {self.source}"
            case FeedKind.STREAM_FAILURE:
                return f"the on-failure destination of {self.source}'s {self.event} stream"
            case FeedKind.ASYNC_DLQ:
                return f"{self.source}'s asynchronous invocations"
            case FeedKind.ASYNC_DESTINATION:
                return f"{self.source}'s asynchronous on-failure destination"
            case FeedKind.RULE_DLQ:
                return f"{self.source}'s target {self.target}"
            case FeedKind.SCHEDULE_DLQ:
                return f"{self.source}'s {self.event} schedule"


def feeds_of(document: Mapping[str, Any]) -> dict[str, list[Feed]]:
    """Dead-letter queue logical id -> what sends there, for every resource of ``document``."""
    feeds: dict[str, list[Feed]] = defaultdict(list)

    def add(destination: Any, feed: Feed) -> None:
        queue = logical_id_in(destination)
        if queue is None:
            raise WiringError(f"{feed.describe()} names {destination!r}, which is no resource of the stack")
        feeds[queue].append(feed)

    for logical_id, resource in document["Resources"].items():
        properties = resource.get("Properties", {})
        match resource["Type"]:
            case "AWS::SQS::Queue":
                if "RedrivePolicy" in properties:
                    add(properties["RedrivePolicy"]["deadLetterTargetArn"], Feed(FeedKind.QUEUE_REDRIVE, logical_id))
            case "AWS::Serverless::Function":
                dead_letters = properties.get("DeadLetterQueue")
                if dead_letters and dead_letters.get("Type") == "SQS":
                    add(dead_letters["TargetArn"], Feed(FeedKind.ASYNC_DLQ, logical_id))
                on_failure = properties.get("EventInvokeConfig", {}).get("DestinationConfig", {}).get("OnFailure")
                if on_failure and on_failure.get("Type") == "SQS":
                    add(on_failure["Destination"], Feed(FeedKind.ASYNC_DESTINATION, logical_id))
                for name, event in properties.get("Events", {}).items():
                    event_properties = event.get("Properties", {})
                    if event["Type"] in ("DynamoDB", "Kinesis"):
                        stream_failure = event_properties.get("DestinationConfig", {}).get("OnFailure")
                        if stream_failure and stream_failure.get("Type", "SQS") == "SQS":
                            add(stream_failure["Destination"], Feed(FeedKind.STREAM_FAILURE, logical_id, event=name))
                    elif event["Type"] == "ScheduleV2" and "DeadLetterConfig" in event_properties:
                        add(
                            event_properties["DeadLetterConfig"]["Arn"],
                            Feed(
                                FeedKind.SCHEDULE_DLQ,
                                logical_id,
                                event=name,
                                schedule_input=event_properties.get("Input"),
                            ),
                        )
            case "AWS::Events::Rule":
                for target in properties.get("Targets", []):
                    if "DeadLetterConfig" in target:
                        add(
                            target["DeadLetterConfig"]["Arn"],
                            Feed(FeedKind.RULE_DLQ, logical_id, target=logical_id_in(target["Arn"])),
                        )
    return dict(feeds)


def logical_id_in(value: Any) -> str | None:
    """The resource a ``!GetAtt X.Arn`` or ``!Ref X`` names; None for anything else."""
    if isinstance(value, Mapping) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Fn::GetAtt" and isinstance(argument, list) and argument:
            return str(argument[0])
        if function == "Ref" and isinstance(argument, str):
            return argument
    return None


def load_template_text(text: str | Mapping[str, Any]) -> dict[str, Any]:
    """A template body as CloudFormation hands it back (YAML or JSON text, or parsed JSON)."""
    if isinstance(text, Mapping):
        return dict(text)
    loaded: dict[str, Any] = yaml.load(text, Loader=CloudFormationLoader)  # noqa: S506 - a SafeLoader
    return loaded


# -- physical names ---------------------------------------------------------------------------------


class StackNames(Protocol):
    """A stack's physical resources, by logical id."""

    def present(self, logical_id: str) -> bool: ...

    def queue_url(self, logical_id: str) -> str: ...

    def function_name(self, logical_id: str) -> str: ...


class DeployedStack:
    """A CloudFormation stack: its resources' physical ids, and the template it was deployed with."""

    def __init__(self, cloudformation: Any, stack_name: str) -> None:
        self._cloudformation = cloudformation
        self.stack_name = stack_name
        self._physical: dict[str, str] | None = None

    @property
    def physical_ids(self) -> dict[str, str]:
        if self._physical is None:
            physical: dict[str, str] = {}
            pages = self._cloudformation.get_paginator("list_stack_resources").paginate(StackName=self.stack_name)
            for page in pages:
                for resource in page["StackResourceSummaries"]:
                    if "PhysicalResourceId" in resource and not resource.get("ResourceStatus", "").startswith(
                        "DELETE_"
                    ):
                        physical[resource["LogicalResourceId"]] = resource["PhysicalResourceId"]
            self._physical = physical
        return self._physical

    def template(self) -> dict[str, Any]:
        """The template as deployed (``GetTemplate``, ``Original``: SAM's, before its transform)."""
        answer = self._cloudformation.get_template(StackName=self.stack_name, TemplateStage="Original")
        return load_template_text(answer["TemplateBody"])

    def present(self, logical_id: str) -> bool:
        return logical_id in self.physical_ids

    def queue_url(self, logical_id: str) -> str:
        return self._physical_id(logical_id)

    def function_name(self, logical_id: str) -> str:
        return self._physical_id(logical_id)

    def _physical_id(self, logical_id: str) -> str:
        if logical_id not in self.physical_ids:
            raise WiringError(f"stack {self.stack_name} has no resource {logical_id}")
        return self.physical_ids[logical_id]


class LocalStack:
    """The local stack's names, made from the template as ``local.stack`` makes them."""

    def __init__(self, template: Template, sqs: SQSClient) -> None:
        self._template = template
        self._sqs = sqs
        self._present = {
            logical_id
            for resource_type in ("AWS::SQS::Queue", "AWS::Serverless::Function", "AWS::Events::Rule")
            for logical_id in template.resources(resource_type)
        }
        self._functions = {logical_id: function.name for logical_id, function in functions_of(template).items()}

    @classmethod
    def from_template(
        cls, path: Path | None, stack_name: str, parameters: Mapping[str, str], sqs: SQSClient
    ) -> LocalStack:
        template = Template(dict(parameters), StackIdentity(stack_name))
        if path is not None:
            template.document = load_template(path)
        return cls(template, sqs)

    @property
    def document(self) -> dict[str, Any]:
        document: dict[str, Any] = self._template.document
        return document

    def present(self, logical_id: str) -> bool:
        return logical_id in self._present

    def queue_name(self, logical_id: str) -> str:
        properties = self._template.document["Resources"][logical_id]["Properties"]
        return str(self._template.resolve(properties["QueueName"]))

    def queue_url(self, logical_id: str) -> str:
        name = self.queue_name(logical_id)
        try:
            return self._sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except self._sqs.exceptions.QueueDoesNotExist:
            raise WiringError(f"no queue {name} ({logical_id}): is the local stack running?") from None

    def function_name(self, logical_id: str) -> str:
        if logical_id not in self._functions:
            raise WiringError(f"the template has no function {logical_id}")
        return self._functions[logical_id]


# -- the dead-letter queues of a stack -------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    logical_id: str
    url: str
    arn: str
    fifo: bool


@dataclass(frozen=True)
class DeadLetterQueue:
    queue: Queue
    feeds: tuple[Feed, ...]

    @property
    def logical_id(self) -> str:
        return self.queue.logical_id

    @property
    def kinds(self) -> set[FeedKind]:
        return {feed.kind for feed in self.feeds}


@dataclass
class Wiring:
    """A stack's dead-letter queues and the resources their feeds name (queues by logical id, functions
    by logical id -> name)."""

    dead_letter_queues: dict[str, DeadLetterQueue] = field(default_factory=dict)
    queues: dict[str, Queue] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)
    absent: list[str] = field(default_factory=list)
    """Dead-letter queues the template wires that the stack does not have (a condition left them out)."""


def wiring_of(document: Mapping[str, Any], names: StackNames, sqs: SQSClient) -> Wiring:
    """Every dead-letter queue ``document`` wires that the stack has, with the queues and functions its
    feeds name."""
    found = Wiring()
    resources = document["Resources"]

    def queue(logical_id: str) -> Queue:
        if logical_id not in found.queues:
            url = names.queue_url(logical_id)
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "FifoQueue"])["Attributes"]
            found.queues[logical_id] = Queue(
                logical_id, url, attributes["QueueArn"], attributes.get("FifoQueue", "false") == "true"
            )
        return found.queues[logical_id]

    wired = feeds_of(document)
    for dead_letter_id in (logical_id for logical_id in resources if logical_id in wired):
        if not names.present(dead_letter_id):
            found.absent.append(dead_letter_id)
            continue
        present = [feed for feed in wired[dead_letter_id] if names.present(feed.source)]
        for feed in present:
            if feed.kind is FeedKind.QUEUE_REDRIVE:
                queue(feed.source)
            elif feed.kind is FeedKind.RULE_DLQ:
                target = feed.target
                if target and resources.get(target, {}).get("Type") == "AWS::SQS::Queue" and names.present(target):
                    queue(target)
            else:
                found.functions[feed.source] = names.function_name(feed.source)
        found.dead_letter_queues[dead_letter_id] = DeadLetterQueue(queue(dead_letter_id), tuple(present))
    return found
