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


_BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def human_size(size: int) -> str:
    """``774.53 KiB``: binary units up to TiB with at most two decimals, as SDKs expect.

    Stats always speak binary units, unlike the payload limit in error messages whose
    unit follows the configured value.
    """
    value, last = float(size), len(_BINARY_UNITS) - 1
    step = 0
    while step < last and round(value, 2) >= 1024:
        value /= 1024
        step += 1
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} {_BINARY_UNITS[step]}"


def _sized(stats: dict[str, Any], human: bool) -> dict[str, Any]:
    """Index stats with every byte count rewritten as text when ``sizeFormat=human``."""
    if human:
        for key in ("rawDocumentDbSize", "avgDocumentSize"):
            stats[key] = human_size(stats[key])
        internal = stats.get("internalDatabaseSizes")
        if internal is not None:
            stats["internalDatabaseSizes"] = {name: human_size(n) for name, n in internal.items()}
    return stats


@endpoint("GET", "/indexes/{index_uid}/stats", "stats.get")
async def index_stats(request: Request) -> Response:
    uid = path_index_uid(request)
    params = STATS_QUERY.parse(request.query_params.multi_items())
    stats = engine_of(request).index_stats(uid, internal_sizes=params["showInternalDatabaseSizes"])
    return json(_sized(stats, params["sizeFormat"] == "human"))


@endpoint("GET", "/stats", "stats.get")
async def global_stats(request: Request) -> Response:
    params = STATS_QUERY.parse(request.query_params.multi_items())
    human = params["sizeFormat"] == "human"
    internal = params["showInternalDatabaseSizes"]
    engine = engine_of(request)
    access = access_of(request)
    indexes = {
        meta.uid: _sized(engine.index_stats(meta.uid, internal_sizes=internal), human)
        for meta in engine.list_indexes()
        if access.allowed_indexes(meta.uid)
    }
    size: Any = engine.database_size()
    if human:
        size = human_size(size)
    return json(
        {
            "databaseSize": size,
            "usedDatabaseSize": size,
            "lastUpdate": rfc3339(engine.last_update()),
            "indexes": indexes,
        }
    )


ENDPOINTS = [global_stats, index_stats]
