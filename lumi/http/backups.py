"""``POST /dumps`` and ``POST /snapshots``: register the task; the scheduler writes the file.

Neither route reads a body (clients often send none, or an empty JSON object).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from lumi.http.enqueue import enqueue
from lumi.http.routing import endpoint
from lumi.tasks import builders


@endpoint("POST", "/dumps", "dumps.create")
async def create_dump(request: Request) -> Response:
    return await enqueue(request, builders.dump_creation())


@endpoint("POST", "/snapshots", "snapshots.create")
async def create_snapshot(request: Request) -> Response:
    return await enqueue(request, builders.snapshot_creation())


ENDPOINTS = [create_dump, create_snapshot]
