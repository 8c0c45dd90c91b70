"""The rep's tasks, their Command Center and their sync errors (SPEC 9)."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from tasksync.composition.sync import sync_root
from tasksync.configuration.functions import ApiConfig
from tasksync.domain.reminder_task import TaskValues
from tasksync.http_api.access import body_as, require_owner
from tasksync.http_api.shapes import NewTask, SyncErrorEntry, TaskBody, TaskChanges, TaskRef
from tasksync.use_cases.rep_tasks import RepTasks

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves its __init__ untyped

ERRORS_SHOWN = 100


def _tasks(user_id: str) -> RepTasks:
    require_owner(router.current_event, user_id)
    services = sync_root(ApiConfig).services
    return RepTasks(services.reminders, services.links, services.errors, services.settings, services.clock())


def _json(status: HTTPStatus, body: Any) -> Response[str]:
    return Response(status_code=status.value, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


@router.get("/v1/users/<user_id>/tasks")
def list_tasks(user_id: str) -> dict[str, Any]:
    return {"tasks": [TaskBody.of(entry).json_body() for entry in _tasks(user_id).all(user_id)]}


@router.post("/v1/users/<user_id>/tasks")
def create_task(user_id: str) -> Response[str]:
    tasks = _tasks(user_id)
    new = body_as(router.current_event, NewTask)
    created = tasks.create(user_id, TaskValues(**new.model_dump()))
    return _json(HTTPStatus.CREATED, TaskBody.of(created).json_body())


@router.get("/v1/users/<user_id>/tasks/<task_id>")
def get_task(user_id: str, task_id: str) -> dict[str, Any]:
    return TaskBody.of(_tasks(user_id).get(user_id, task_id)).json_body()


@router.patch("/v1/users/<user_id>/tasks/<task_id>")
def update_task(user_id: str, task_id: str) -> dict[str, Any]:
    tasks = _tasks(user_id)
    changes = body_as(router.current_event, TaskChanges).changes()
    return TaskBody.of(tasks.update(user_id, task_id, changes)).json_body()


@router.delete("/v1/users/<user_id>/tasks/<task_id>")
def delete_task(user_id: str, task_id: str) -> Response[str]:
    _tasks(user_id).delete(user_id, task_id)
    return Response(status_code=HTTPStatus.NO_CONTENT.value, body="")


@router.get("/v1/users/<user_id>/command-center")
def command_center(user_id: str) -> dict[str, Any]:
    today, entries = _tasks(user_id).command_center(user_id)
    return {"today": today.isoformat(), "tasks": [TaskBody.of(entry).json_body() for entry in entries]}


@router.get("/v1/users/<user_id>/sync/errors")
def sync_errors(user_id: str) -> dict[str, Any]:
    """Newest first, each with the task it concerns while that task is there."""
    tasks = _tasks(user_id)
    errors = tasks.errors.errors_of(user_id, limit=ERRORS_SHOWN)
    names = {task.id: task.name for task in tasks.reminders.list(user_id)} if errors else {}
    entries = [
        SyncErrorEntry.of(error, TaskRef(id=error.sia_id, name=names[error.sia_id]) if error.sia_id in names else None)
        for error in errors
    ]
    return {"errors": [entry.json_body() for entry in entries]}
