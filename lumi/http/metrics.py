"""``GET /metrics``: instance gauges in the Prometheus text format.

Metric names are the reference's (``meilisearch_*``), so existing dashboards and alerts
keep working: database sizes, index and document counts, whether a batch is running, the
time of the last update and the number of tasks per status, type and index. Per-request
HTTP counters and timing histograms are not collected.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lumi.engine import Engine
from lumi.http.enqueue import engine_of
from lumi.http.features import require_feature
from lumi.http.routing import endpoint
from lumi.tasks.models import STATUSES, TASK_TYPES

METRICS_DISABLED = (
    "Getting metrics requires enabling the `metrics` experimental feature. "
    "See https://github.com/meilisearch/product/discussions/625"
)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _gauge(
    name: str, text: str, samples: Iterable[tuple[dict[str, str], float | int]]
) -> list[str]:
    lines = [f"# HELP {name} {text}", f"# TYPE {name} gauge"]
    for labels, value in samples:
        tags = ",".join(f'{key}="{_label(val)}"' for key, val in labels.items())
        lines.append(f"{name}{{{tags}}} {value}" if tags else f"{name} {value}")
    return lines


def _task_counts(engine: Engine) -> list[tuple[dict[str, str], int]]:
    store = engine.store
    current = engine.current_batch()
    processing = current.task_uids if current is not None else None
    samples: list[tuple[dict[str, str], int]] = []
    with store.read() as txn:
        enqueued = store.bitmap(txn, "by_status", b"enqueued")
        running = len(enqueued & processing) if processing is not None else 0
        for status in STATUSES:
            if status == "processing":
                count = running
            else:
                count = len(store.bitmap(txn, "by_status", status.encode()))
                count -= running if status == "enqueued" else 0
            samples.append(({"kind": "statuses", "value": status}, count))
        for kind in TASK_TYPES:
            count = len(store.bitmap(txn, "by_type", kind.encode()))
            samples.append(({"kind": "types", "value": kind}, count))
        for key, bitmap in store.bitmap_keys(txn, "by_index"):
            samples.append(({"kind": "indexes", "value": key.decode()}, len(bitmap)))
    return samples


def render_metrics(engine: Engine) -> str:
    indexes = engine.list_indexes()
    documents: list[tuple[dict[str, str], Any]] = []
    for meta in indexes:
        _meta, index = engine.open_index(meta.uid)
        with index.read() as txn:
            documents.append(({"index": meta.uid}, index.number_of_documents(txn)))
    size = engine.database_size()
    last = engine.last_update()
    lines = [
        *_gauge("meilisearch_db_size_bytes", "Bytes the data directory uses on disk", [({}, size)]),
        *_gauge("meilisearch_used_db_size_bytes", "Bytes of the database in use", [({}, size)]),
        *_gauge("meilisearch_index_count", "Number of indexes", [({}, len(indexes))]),
        *_gauge("meilisearch_index_docs_count", "Documents per index", documents),
        *_gauge(
            "meilisearch_is_indexing",
            "1 while a batch of tasks is being processed",
            [({}, int(engine.current_batch() is not None))],
        ),
        *_gauge(
            "meilisearch_last_update",
            "Unix time of the last finished batch",
            [({}, 0 if last is None else last // 1_000_000_000)],
        ),
        *_gauge("meilisearch_nb_tasks", "Number of tasks", _task_counts(engine)),
    ]
    return "\n".join(lines) + "\n"


@endpoint("GET", "/metrics", "metrics.get")
async def get_metrics(request: Request) -> Response:
    require_feature(request, "metrics", METRICS_DISABLED)
    text = await asyncio.to_thread(render_metrics, engine_of(request))
    return Response(text, media_type=CONTENT_TYPE)


ENDPOINTS = [get_metrics]
