"""The emulated org as its Salesforce user sees it, for the web page's Salesforce panel: the rep's Tasks,
created, edited, completed and deleted as a person would in Salesforce's own pages (so their change
events carry no client id of the sync, as a UI edit's would not)."""

from __future__ import annotations

from typing import Any

from local.salesforce_org.org import User
from local.salesforce_org.org_handle import OrgHandle

EDITABLE = ("Subject", "Status", "Priority", "ActivityDate", "Description")
SHOWN = ("Id", "Subject", "Status", "Priority", "ActivityDate", "Description", "LastModifiedDate")


class OrgPanel:
    def __init__(self, org: OrgHandle, user: User) -> None:
        self.org = org
        self.user = user

    def handle(self, method: str, path: str, body: dict[str, Any] | None) -> tuple[int, Any]:
        parts = [part for part in path.split("/") if part]
        if parts[:1] != ["tasks"] or len(parts) > 2:
            return 404, {"message": "Not Found"}
        record = parts[1] if len(parts) == 2 else None
        try:
            if method == "GET" and record is None:
                return 200, {"tasks": self._tasks()}
            if method == "POST" and record is None:
                fields = self._fields(body)
                if not fields.get("Subject"):
                    return 400, {"message": "Subject is required"}
                created = self.org.ui_create_task({**fields, "OwnerId": self.user.id}, as_user=self.user)
                return 201, {"id": created}
            if method == "PATCH" and record is not None:
                self.org.ui_update_task(record, self._fields(body), as_user=self.user)
                return 200, {"id": record}
            if method == "DELETE" and record is not None:
                self.org.ui_delete_task(record, as_user=self.user)
                return 204, None
        except ValueError as refused:
            return 400, {"message": str(refused)}
        except KeyError:
            return 404, {"message": "no such task"}
        return 405, {"message": "Method Not Allowed"}

    def _tasks(self) -> list[dict[str, Any]]:
        mine = [task for task in self.org.tasks() if task.get("OwnerId") == self.user.id]
        shown = [{name: task.get(name) for name in SHOWN} for task in mine]
        return sorted(shown, key=lambda task: str(task.get("LastModifiedDate") or ""), reverse=True)

    @staticmethod
    def _fields(body: dict[str, Any] | None) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ValueError("a JSON object is required")
        unknown = set(body) - set(EDITABLE)
        if unknown:
            raise ValueError(f"fields the panel does not edit: {', '.join(sorted(unknown))}")
        return {name: (value if value != "" else None) for name, value in body.items()}
