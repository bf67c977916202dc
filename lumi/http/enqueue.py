"""Registering a task from a handler and answering with its summary once it is durable."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from lumi.engine import Engine
from lumi.http.responses import json
from lumi.tasks.models import Task
from lumi.tasks.registrar import Matcher


def engine_of(request: Request) -> Engine:
    return request.app.state.engine


async def enqueue(
    request: Request,
    task: Task,
    payload: bytes | None = None,
    matcher: Matcher | None = None,
    *,
    status: int = 202,
    bypass_limit: bool = False,
) -> Response:
    engine = engine_of(request)
    if payload is not None and len(payload) > 1024 * 1024:
        # Writing and syncing a large payload file must not stall the event loop.
        future = await asyncio.to_thread(
            engine.enqueue, task, payload, matcher, bypass_limit=bypass_limit
        )
    else:
        future = engine.enqueue(task, payload, matcher, bypass_limit=bypass_limit)
    registered = await asyncio.wrap_future(future)
    return json(registered.summary(), status)


def new_task(kind: str, index_uid: str | None, **fields: object) -> Task:
    """A task to register; uid and enqueue time are given by the store."""
    return Task(uid=0, type=kind, index_uid=index_uid, enqueued_at=0, **fields)  # type: ignore[arg-type]
