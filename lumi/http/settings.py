"""``/indexes/{uid}/settings`` and one sub-route per setting, generated from ``SETTINGS``.

Reads answer from the index's stored settings with the defaults filled in, and a missing
index is a 404. Experimental settings (``foreignKeys``) can be written, and show in
``GET /settings``, only while their experimental feature is on; their sub-route always
reads. Writes never look at the index: they validate the body, then register a
``settingsUpdate`` task whose details show what was sent (resets as ``null``) and whose
parameters carry the validated patch the scheduler applies. A ``DELETE`` is a reset that
never creates a missing index (its task fails with ``index_not_found`` instead), while a
``PATCH``/``PUT`` creates it when the key may create indexes, as the reference does.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lumi.http.auth import access_of
from lumi.http.documents import META_QUERY
from lumi.http.enqueue import engine_of, enqueue
from lumi.http.indexes import json_body
from lumi.http.params import path_index_uid
from lumi.http.responses import json
from lumi.http.routing import Endpoint, endpoint
from lumi.index.settings import (
    SETTINGS,
    SettingSpec,
    reset_all_patch,
    settings_view,
    shown_setting,
    validate_setting,
    validate_settings_patch,
)
from lumi.tasks import builders

_ROOT = "/indexes/{index_uid}/settings"


def _features(request: Request) -> dict[str, bool]:
    return engine_of(request).experimental_features()


def _stored_settings(request: Request) -> dict[str, Any]:
    uid = path_index_uid(request)
    _meta, index = engine_of(request).open_index(uid)
    with index.read() as txn:
        return index.settings(txn)


async def _enqueue_patch(
    request: Request, uid: str, patch: dict[str, Any], *, reset: bool = False
) -> Response:
    params = META_QUERY.parse(request.query_params.multi_items())
    creates = not reset and access_of(request).allows_action("indexes.create")
    task = builders.settings_update(
        uid, patch, allow_index_creation=creates, custom_metadata=params.get("customMetadata")
    )
    return await enqueue(request, task)


@endpoint("GET", _ROOT, "settings.get")
async def get_settings(request: Request) -> Response:
    return json(settings_view(_stored_settings(request), _features(request)))


@endpoint("PATCH", _ROOT, "settings.update")
async def update_settings(request: Request) -> Response:
    patch = validate_settings_patch(await json_body(request), _features(request))
    return await _enqueue_patch(request, path_index_uid(request), patch)


@endpoint("DELETE", _ROOT, "settings.update")
async def reset_settings(request: Request) -> Response:
    uid = path_index_uid(request)
    return await _enqueue_patch(request, uid, reset_all_patch(), reset=True)


def _sub_routes(spec: SettingSpec) -> list[Endpoint]:
    """GET, the write verb and DELETE of one setting's sub-route."""
    path = f"{_ROOT}/{spec.route}"
    name = spec.name

    async def get_one(request: Request) -> Response:
        return json(shown_setting(name, _stored_settings(request)))

    async def update_one(request: Request) -> Response:
        patch = validate_setting(name, await json_body(request), _features(request))
        return await _enqueue_patch(request, path_index_uid(request), patch)

    async def reset_one(request: Request) -> Response:
        uid = path_index_uid(request)
        return await _enqueue_patch(request, uid, {name: None}, reset=True)

    for handler, verb in ((get_one, "get"), (update_one, "update"), (reset_one, "reset")):
        handler.__name__ = f"{verb}_{spec.route.replace('-', '_')}"
    return [
        endpoint("GET", path, "settings.get")(get_one),
        endpoint(spec.verb, path, "settings.update")(update_one),
        endpoint("DELETE", path, "settings.update")(reset_one),
    ]


ENDPOINTS = [
    get_settings,
    update_settings,
    reset_settings,
    *(ep for spec in SETTINGS.values() for ep in _sub_routes(spec)),
]
