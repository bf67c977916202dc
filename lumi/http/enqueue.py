"""Registering a task from a handler and answering with its summary once it is durable."""

from __future__ import annotations

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
    registered = await engine_of(request).enqueue_async(
        task, payload, matcher, bypass_limit=bypass_limit
    )
    return json(registered.summary(), status)
