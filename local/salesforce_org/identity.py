"""The identity URL ``GET /id/<orgId>/<userId>`` and ``GET /services/oauth2/userinfo``.

Salesforce Help, "Identity URLs" (and Mobile SDK Guide, "Using Identity URLs"): the token answer's
``id`` is a RESTful resource; a GET with the access token (``Authorization: Bearer``, or the
``oauth_token`` or ``access_token`` parameter) answers the user and org: ``id``, ``asserted_user``,
``user_id``, ``organization_id``, ``username``, ``nick_name``, ``display_name``, ``email``,
``email_verified``, ``first_name``, ``last_name``, ``timezone``, ``photos``, ``addr_*``,
``mobile_phone``, ``mobile_phone_verified``, ``is_lightning_login_user``, ``status``, ``urls`` (the API
endpoints, with a literal ``{version}`` unless the ``version`` parameter names one or ``latest``),
``active``, ``user_type``, ``language``, ``locale``, ``utcOffset``, ``last_modified_date`` and
``is_app_installed``. A token of one user reads another user of the same org when it has the ``api``
or ``full`` scope and the user is ``STANDARD`` (every token and user here is): ``asserted_user`` says
whether the token is that user's.

Salesforce Help, "Query for User Information": ``/services/oauth2/userinfo`` answers the token's own
user with the OpenID Connect claims (``sub`` is the identity URL, ``preferred_username``,
``nickname``, ``name``, ``given_name``, ``family_name``, ``zoneinfo``, ``updated_at``, ...) and the same
Salesforce extras (``user_id``, ``organization_id``, ``urls``, ``active``, ...).

Failures answer a bare code as text, from our reading of the identity URL page's error list (not
re-read for this emulator): 403 ``Missing_OAuth_Token``, ``Bad_OAuth_Token`` (unknown, expired or
revoked token), ``Wrong_Org`` (a user of another org), 404 ``Bad_Id`` (no such user), 406
``Invalid_Version``. Only JSON is answered (``format=xml`` is not modelled). Neither resource counts as
an API call (the limits pages do not list them).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from local.salesforce_org.oauth import identity_url
from local.salesforce_org.org import Org, User

_VERSION = re.compile(r"^\d{2}\.\d$")


class IdentityFailure(Exception):
    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


def api_version(requested: str | None, latest: str) -> str:
    """What the ``version`` parameter puts in the URLs: ``{version}`` when absent."""
    if requested is None:
        return "{version}"
    if requested == "latest":
        return latest
    if not _VERSION.match(requested):
        raise IdentityFailure(406, "Invalid_Version")
    return requested


def _urls(base_url: str, org: Org, user: User, version: str) -> dict[str, str]:
    org15 = org.id[:15]
    data = f"{base_url}/services/data/v{version}"
    chatter = f"{data}/chatter"
    return {
        "enterprise": f"{base_url}/services/Soap/c/{version}/{org15}",
        "metadata": f"{base_url}/services/Soap/m/{version}/{org15}",
        "partner": f"{base_url}/services/Soap/u/{version}/{org15}",
        "rest": f"{data}/",
        "sobjects": f"{data}/sobjects/",
        "search": f"{data}/search/",
        "query": f"{data}/query/",
        "recent": f"{data}/recent/",
        "tooling_soap": f"{base_url}/services/Soap/T/{version}/{org15}",
        "tooling_rest": f"{data}/tooling/",
        "profile": f"{base_url}/{user.id}",
        "feeds": f"{chatter}/feeds",
        "groups": f"{chatter}/groups",
        "users": f"{chatter}/users",
        "feed_items": f"{chatter}/feed-items",
        "feed_elements": f"{chatter}/feed-elements",
        "custom_domain": base_url,
    }


def _utc_offset_ms(user: User, now: datetime) -> int:
    offset = now.astimezone(ZoneInfo(user.time_zone)).utcoffset()
    return int(offset.total_seconds() * 1000) if offset is not None else 0


def _photos(base_url: str, user: User) -> dict[str, str]:
    return {
        "picture": f"{base_url}/profilephoto/005/F",
        "thumbnail": f"{base_url}/profilephoto/005/T",
    }


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def identity_answer(base_url: str, org: Org, user: User, *, asker: User, version: str, now: datetime) -> dict[str, Any]:
    """``version``: what ``api_version`` made of the request's ``version`` parameter."""
    return {
        "id": identity_url(base_url, user),
        "asserted_user": asker.id == user.id,
        "user_id": user.id,
        "organization_id": org.id,
        "username": user.username,
        "nick_name": user.username.partition("@")[0],
        "display_name": user.name,
        "email": user.email,
        "email_verified": True,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "timezone": user.time_zone,
        "photos": _photos(base_url, user),
        "addr_street": None,
        "addr_city": None,
        "addr_state": None,
        "addr_country": None,
        "addr_zip": None,
        "mobile_phone": None,
        "mobile_phone_verified": False,
        "is_lightning_login_user": False,
        "status": {"created_date": None, "body": None},
        "urls": _urls(base_url, org, user, version),
        "active": user.is_active,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": _utc_offset_ms(user, now),
        "last_modified_date": _stamp(user.created),
        "is_app_installed": True,
    }


def userinfo_answer(base_url: str, org: Org, user: User, *, now: datetime) -> dict[str, Any]:
    photos = _photos(base_url, user)
    return {
        "sub": identity_url(base_url, user),
        "user_id": user.id,
        "organization_id": org.id,
        "preferred_username": user.username,
        "nickname": user.username.partition("@")[0],
        "name": user.name,
        "email": user.email,
        "email_verified": True,
        "given_name": user.first_name,
        "family_name": user.last_name,
        "zoneinfo": user.time_zone,
        "photos": photos,
        "profile": f"{base_url}/{user.id}",
        "picture": photos["picture"],
        "address": {},
        "is_salesforce_integration_user": False,
        "urls": _urls(base_url, org, user, "{version}"),
        "active": user.is_active,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": _utc_offset_ms(user, now),
        "updated_at": _stamp(user.created),
        "is_app_installed": True,
    }
