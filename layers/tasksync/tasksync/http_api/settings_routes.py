"""The rep's sync settings (SPEC 5 and 9)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from tasksync.composition.api import api_root
from tasksync.composition.sync import sync_root
from tasksync.configuration.functions import ApiConfig
from tasksync.domain.settings import SyncSettings
from tasksync.http_api.access import body_as, require_owner
from tasksync.http_api.errors import ApiError
from tasksync.http_api.shapes import NewSettings, SettingsBody
from tasksync.use_cases.settings_saving import NotConnected, save_sync_settings

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves its __init__ untyped


@router.get("/v1/users/<user_id>/settings/sync")
def get_settings(user_id: str) -> dict[str, Any]:
    require_owner(router.current_event, user_id)
    settings = sync_root(ApiConfig).services.settings.get_settings(user_id) or SyncSettings(user_id=user_id)
    return SettingsBody.of(settings).json_body()


@router.put("/v1/users/<user_id>/settings/sync")
def put_settings(user_id: str) -> dict[str, Any]:
    require_owner(router.current_event, user_id)
    body = body_as(router.current_event, NewSettings)
    root = api_root()
    services = root.sync.services
    try:
        saved = save_sync_settings(
            user_id, body.model_dump(exclude_none=True), services.settings, services.clock(), root.start_first_sync
        )
    except NotConnected as refused:
        raise ApiError(HTTPStatus.CONFLICT, "SALESFORCE_NOT_CONNECTED", str(refused)) from refused
    return SettingsBody.of(saved).json_body()
