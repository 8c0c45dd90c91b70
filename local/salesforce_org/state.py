"""Everything one emulator process holds: the clock, the orgs and their users, connected apps and tokens,
and the REST API's open query locators and Bulk API 2.0 query jobs.

Usernames are unique across orgs, as in Salesforce (the JWT bearer flow finds the org by username).
"""

from __future__ import annotations

import threading
from datetime import datetime

from local.salesforce_org import formats, ids
from local.salesforce_org.bulk_jobs import BulkJobs
from local.salesforce_org.clock import Clock
from local.salesforce_org.oauth import STANDARD_AUDIENCES, TokenRegistry
from local.salesforce_org.org import Org, User
from local.salesforce_org.query_paging import QueryCursors


class EmulatorState:
    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self.lock = threading.RLock()
        self.orgs: dict[str, Org] = {}
        self.users: dict[str, User] = {}
        self.usernames: dict[str, User] = {}
        self.tokens = TokenRegistry()
        self.query_cursors = QueryCursors()
        self.bulk_jobs = BulkJobs()
        self.base_url = ""
        """``https://127.0.0.1:<port>``: instance URL and login URL alike; set when the server starts."""

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def jwt_audiences(self) -> tuple[str, ...]:
        return (*STANDARD_AUDIENCES, self.base_url)

    def create_org(self, name: str = "Emulated Org") -> Org:
        org = Org(ids.new_id(ids.ORG), name, self.clock)
        with self.lock:
            self.orgs[org.id] = org
        return org

    def org(self, org_id: str) -> Org | None:
        normalized = ids.normalize(org_id)
        return self.orgs.get(normalized) if normalized else None

    def create_user(
        self,
        org: Org,
        username: str,
        *,
        last_name: str,
        first_name: str | None = None,
        email: str | None = None,
        time_zone: str = "UTC",
    ) -> User:
        with self.lock:
            if username.lower() in self.usernames:
                raise ValueError(f"username {username} is taken (usernames are unique across orgs)")
            user = User(
                id=ids.new_id(ids.USER),
                org_id=org.id,
                username=username,
                last_name=last_name,
                first_name=first_name,
                email=email or username,
                time_zone=time_zone,
                created=formats.to_second(org.now()),
            )
            self.users[user.id] = user
            self.usernames[username.lower()] = user
        with org.lock:
            org.users[user.id] = user
        return user

    def stop(self) -> None:
        for org in list(self.orgs.values()):
            org.stop()
