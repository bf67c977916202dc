"""``GET /stats`` and ``GET /indexes/{uid}/stats``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lumi.http.auth import access_of
from lumi.http.enqueue import engine_of
from lumi.http.params import path_index_uid
from lumi.http.responses import json
from lumi.http.routing import endpoint
from lumi.http.validation import Field, Query, one_of, q_boolean
from lumi.index.payloads import format_byte_size
from lumi.timefmt import rfc3339

STATS_QUERY = Query(
    [
        Field(
            "showInternalDatabaseSizes",
            q_boolean(),
            "invalid_stats_show_internal_database_sizes",
            default=False,
        ),
        Field("sizeFormat", one_of("raw", "human"), "invalid_stats_size_format", default="raw"),
    ]
)


def _sized(stats: dict[str, Any], human: bool) -> dict[str, Any]:
    if human:
        for key in ("rawDocumentDbSize", "avgDocumentSize"):
            stats[key] = format_byte_size(stats[key])
    return stats


@endpoint("GET", "/indexes/{index_uid}/stats", "stats.get")
async def index_stats(request: Request) -> Response:
    uid = path_index_uid(request)
    params = STATS_QUERY.parse(request.query_params.multi_items())
    return json(_sized(engine_of(request).index_stats(uid), params["sizeFormat"] == "human"))


@endpoint("GET", "/stats", "stats.get")
async def global_stats(request: Request) -> Response:
    params = STATS_QUERY.parse(request.query_params.multi_items())
    human = params["sizeFormat"] == "human"
    engine = engine_of(request)
    access = access_of(request)
    indexes = {
        meta.uid: _sized(engine.index_stats(meta.uid), human)
        for meta in engine.list_indexes()
        if access.allowed_indexes(meta.uid)
    }
    size: Any = engine.database_size()
    if human:
        size = format_byte_size(size)
    return json(
        {
            "databaseSize": size,
            "usedDatabaseSize": size,
            "lastUpdate": rfc3339(engine.last_update()),
            "indexes": indexes,
        }
    )


ENDPOINTS = [global_stats, index_stats]
