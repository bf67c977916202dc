"""``/indexes``: list, create, get, update (primary key, rename), delete, swap, stats."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lumi.errors import LumiError
from lumi.http.auth import access_of
from lumi.http.body import read_body
from lumi.http.enqueue import engine_of, enqueue
from lumi.http.params import body_index_uid, path_index_uid
from lumi.http.responses import json
from lumi.http.routing import endpoint
from lumi.http.validation import (
    Body,
    Field,
    Query,
    array,
    boolean,
    nullable,
    obj,
    parse_json_body,
    parse_value,
    q_integer,
    require_json_content_type,
    string,
)
from lumi.http.views import index_view, offset_page
from lumi.tasks import builders

PAGE_QUERY = Query(
    [
        Field("offset", q_integer(), "invalid_index_offset", default=0),
        Field("limit", q_integer(), "invalid_index_limit", default=20),
    ]
)
CREATE_BODY = Body(
    [
        Field(
            "uid",
            body_index_uid,
            "invalid_index_uid",
            required=True,
            missing_code="missing_index_uid",
        ),
        Field("primaryKey", nullable(string()), "invalid_index_primary_key"),
    ]
)
UPDATE_BODY = Body(
    [
        Field("primaryKey", nullable(string()), "invalid_index_primary_key"),
        Field("uid", body_index_uid, "invalid_index_uid"),
    ]
)
SWAP_BODY = array(
    obj(
        Body(
            [
                Field(
                    "indexes",
                    array(body_index_uid),
                    "invalid_swap_indexes",
                    required=True,
                    missing_code="missing_swap_indexes",
                ),
                Field("rename", boolean(), "invalid_swap_rename", default=False),
            ]
        )
    )
)


def _check_index_allowed(request: Request, uid: str) -> None:
    """An index named in a body (not the path) must be one the key covers."""
    if not access_of(request).allowed_indexes(uid):
        raise LumiError("invalid_api_key", "The provided API key is invalid.")


async def json_body(request: Request) -> Any:
    require_json_content_type(request.headers.get("content-type"))
    return parse_json_body(await read_body(request))


@endpoint("GET", "/indexes", "indexes.get")
async def list_indexes(request: Request) -> Response:
    params = PAGE_QUERY.parse(request.query_params.multi_items())
    access = access_of(request)
    metas = [m for m in engine_of(request).list_indexes() if access.allowed_indexes(m.uid)]
    offset, limit = params["offset"], params["limit"]
    page = [index_view(m) for m in metas[offset : offset + limit]]
    return json(offset_page(page, offset, limit, len(metas)))


@endpoint("POST", "/indexes", "indexes.create")
async def create_index(request: Request) -> Response:
    body = CREATE_BODY.parse(await json_body(request))
    _check_index_allowed(request, body["uid"])
    primary_key = body.get("primaryKey")
    return await enqueue(request, builders.index_creation(body["uid"], primary_key))


@endpoint("GET", "/indexes/{index_uid}", "indexes.get")
async def get_index(request: Request) -> Response:
    uid = path_index_uid(request)
    return json(index_view(engine_of(request).index_meta(uid)))


@endpoint("PATCH", "/indexes/{index_uid}", "indexes.update")
async def update_index(request: Request) -> Response:
    uid = path_index_uid(request)
    raw = await json_body(request)
    if isinstance(raw, dict):
        for field, code in (("createdAt", "created_at"), ("updatedAt", "updated_at")):
            if field in raw:
                raise LumiError(
                    f"immutable_index_{code}",
                    f"Immutable field `{field}`: expected one of `primaryKey`, `uid`",
                )
    body = UPDATE_BODY.parse(raw)
    new_uid = body.get("uid")
    if new_uid is not None and new_uid != uid:
        _check_index_allowed(request, new_uid)
    return await enqueue(request, builders.index_update(uid, body.get("primaryKey"), new_uid))


@endpoint("DELETE", "/indexes/{index_uid}", "indexes.delete")
async def delete_index(request: Request) -> Response:
    uid = path_index_uid(request)
    return await enqueue(request, builders.index_deletion(uid))


@endpoint("POST", "/swap-indexes", "indexes.swap")
async def swap_indexes(request: Request) -> Response:
    swaps = _parse_swaps(await json_body(request))
    for swap in swaps:
        for uid in swap["indexes"]:
            _check_index_allowed(request, uid)
    return await enqueue(request, builders.index_swap(swaps))


def _parse_swaps(raw: Any) -> list[dict[str, Any]]:
    swaps = parse_value(SWAP_BODY, raw, "bad_request")
    seen: dict[str, int] = {}
    for swap in swaps:
        indexes = swap["indexes"]
        if len(indexes) != 2:
            listed = ", ".join(f'"{uid}"' for uid in indexes)
            raise LumiError(
                "invalid_swap_indexes",
                f"Two indexes must be given for each swap. The list `[{listed}]` contains "
                f"{len(indexes)} indexes.",
            )
        for uid in indexes:
            seen[uid] = seen.get(uid, 0) + 1
    duplicated = [uid for uid, n in seen.items() if n > 1]
    if duplicated:
        names = ", ".join(f"`{uid}`" for uid in duplicated)
        verb = "was" if len(duplicated) == 1 else "were"
        raise LumiError(
            "invalid_swap_duplicate_index_found",
            "Indexes must be declared only once during a swap. "
            f"{names} {verb} specified several times.",
        )
    return [{"indexes": s["indexes"], "rename": s["rename"]} for s in swaps]


ENDPOINTS = [list_indexes, create_index, get_index, update_index, delete_index, swap_indexes]
