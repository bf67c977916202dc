"""``POST /indexes/{uid}/compact`` and ``POST /tasks/compact``.

Index compaction is a task like any other write (a missing index fails the task, not the
request). Compacting the task queue while the server runs is not offered: every process of
the server keeps the task store open, so its file cannot be swapped underneath them. The
route answers with the reference's failure summary instead (``--import-snapshot`` of a
snapshot gives a compacted task store too).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from lumi.http.enqueue import enqueue
from lumi.http.features import require_feature
from lumi.http.params import path_index_uid
from lumi.http.responses import json
from lumi.http.routing import endpoint
from lumi.tasks import builders

TASK_COMPACTION_DISABLED = (
    "Compacting the task queue requires enabling the `task queue compaction route` "
    "experimental feature. See https://github.com/orgs/meilisearch/discussions/853"
)
_UNSUPPORTED = (
    "Compacting the task queue of a running server is not supported by Lumi. Create a "
    "snapshot and start a server from it with `--import-snapshot` to get a compacted task "
    "queue."
)


@endpoint("POST", "/indexes/{index_uid}/compact", "indexes.compact")
async def compact_index(request: Request) -> Response:
    return await enqueue(request, builders.index_compaction(path_index_uid(request)))


@endpoint("POST", "/tasks/compact", "tasks.compact")
async def compact_tasks(request: Request) -> Response:
    require_feature(request, "taskQueueCompactionRoute", TASK_COMPACTION_DISABLED)
    return json({"status": "failed", "errorMessage": _UNSUPPORTED}, 500)


ENDPOINTS = [compact_index, compact_tasks]
