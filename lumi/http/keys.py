"""``/keys``: list, create, get, update (name and description only) and delete API keys."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from lumi.auth import keys
from lumi.auth.store import KeyStore
from lumi.http.indexes import json_body
from lumi.http.responses import json, no_content
from lumi.http.routing import endpoint
from lumi.http.validation import Field, Query, q_integer
from lumi.http.views import offset_page
from lumi.timefmt import now_ns

PAGE_QUERY = Query(
    [
        Field("offset", q_integer(), "invalid_api_key_offset", default=0),
        Field("limit", q_integer(), "invalid_api_key_limit", default=20),
    ]
)


def _store(request: Request) -> KeyStore:
    return request.app.state.keys


def _master(request: Request) -> str:
    return request.app.state.config.master_key


@endpoint("GET", "/keys", "keys.get")
async def list_keys(request: Request) -> Response:
    params = PAGE_QUERY.parse(request.query_params.multi_items())
    records = _store(request).all()
    offset, limit = params["offset"], params["limit"]
    page = [keys.key_view(r, _master(request)) for r in records[offset : offset + limit]]
    return json(offset_page(page, offset, limit, len(records)))


@endpoint("POST", "/keys", "keys.create")
async def create_key(request: Request) -> Response:
    record = keys.validate_create(await json_body(request), now_ns=now_ns())
    created = await asyncio.to_thread(_store(request).create, record)
    return json(keys.key_view(created, _master(request)), 201)


@endpoint("GET", "/keys/{key}", "keys.get")
async def get_key(request: Request) -> Response:
    record = _store(request).get(request.path_params["key"])
    return json(keys.key_view(record, _master(request)))


@endpoint("PATCH", "/keys/{key}", "keys.update")
async def update_key(request: Request) -> Response:
    patch = keys.validate_update(await json_body(request))
    record = await asyncio.to_thread(
        _store(request).update, request.path_params["key"], patch, now_ns()
    )
    return json(keys.key_view(record, _master(request)))


@endpoint("DELETE", "/keys/{key}", "keys.delete")
async def delete_key(request: Request) -> Response:
    await asyncio.to_thread(_store(request).delete, request.path_params["key"])
    return no_content()


ENDPOINTS = [list_keys, create_key, get_key, update_key, delete_key]
