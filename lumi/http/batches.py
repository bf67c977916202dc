"""``/batches``: list, get, and the live stream of batch progress."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from lumi.errors import LumiError
from lumi.http.auth import index_filter
from lumi.http.enqueue import engine_of
from lumi.http.responses import json
from lumi.http.routing import endpoint
from lumi.http.task_params import list_page
from lumi.http.tasks import STREAM_POLL_SECONDS, parse_uid


def _allowed(request: Request) -> Any:
    return index_filter(request)


def _visible(request: Request, view: dict[str, Any]) -> bool:
    allowed = index_filter(request)
    if allowed is None:
        return True
    indexes = view["stats"].get("indexUids", {})
    return bool(indexes) and all(allowed(uid) for uid in indexes)


@endpoint("GET", "/batches", "tasks.get")
async def list_batches(request: Request) -> Response:
    return json(list_page(request, engine_of(request).list_batches))


@endpoint("GET", "/batches/{uid}", "tasks.get")
async def get_batch(request: Request) -> Response:
    uid = parse_uid(request.path_params["uid"], "invalid_batch_uids", "Batch")
    batch = engine_of(request).get_batch(uid)
    if batch is None or not _visible(request, batch.view()):
        raise LumiError("batch_not_found", f"Batch `{uid}` not found.")
    return json(batch.view())


@endpoint("GET", "/batches/stream", "tasks.get")
async def stream_batches(request: Request) -> Response:
    watcher = BatchWatcher(engine_of(request))

    async def lines() -> AsyncIterator[bytes]:
        yield b""  # an empty first chunk makes the server send the headers right away
        async for view in watcher.changes():
            if _visible(request, view):
                yield orjson.dumps(view) + b"\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")


class BatchWatcher:
    """The running batch each time its progress changes, and each batch when it finishes.

    Like the task stream, the starting point is taken before the response starts.
    """

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        with engine.store.read() as txn:
            self.next_uid = engine.store.next_batch_uid(txn)

    async def changes(self) -> AsyncIterator[dict[str, Any]]:
        engine, store = self.engine, self.engine.store
        last_sent: dict[str, Any] | None = None
        while True:
            await asyncio.sleep(STREAM_POLL_SECONDS)
            with store.read() as txn:
                newest = store.next_batch_uid(txn)
                finished = [store.get_batch(txn, uid) for uid in range(self.next_uid, newest)]
            self.next_uid = max(self.next_uid, newest)
            for batch in finished:
                if batch is not None:
                    yield batch.view()
            current = engine.current_batch()
            if current is not None and current.uid >= self.next_uid:
                view = engine.get_batch(current.uid)
                if view is not None:
                    rendered = view.view()
                    if rendered != last_sent:
                        last_sent = rendered
                        yield rendered


ENDPOINTS = [list_batches, stream_batches, get_batch]
