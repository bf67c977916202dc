"""``/tasks``: list, get, cancel, delete, the payload of an enqueued task, and the live stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from lumi.errors import LumiError
from lumi.http.auth import index_filter
from lumi.http.enqueue import engine_of, enqueue, new_task
from lumi.http.responses import json
from lumi.http.routing import endpoint
from lumi.http.task_params import FILTER_QUERY, LIST_QUERY, missing_filters, task_query
from lumi.tasks.models import Task

STREAM_POLL_SECONDS = 0.1


def parse_uid(raw: str, code: str, noun: str) -> int:
    if raw.isdigit() and int(raw) < 2**32:
        return int(raw)
    raise LumiError(
        code, f"{noun} uid `{raw}` is invalid. It should only contain numeric characters."
    )


def _allowed(request: Request) -> Any:
    return index_filter(request)


def _visible(request: Request, task: Task) -> bool:
    allowed = index_filter(request)
    if allowed is None:
        return True
    return task.index_uid is not None and allowed(task.index_uid)


@endpoint("GET", "/tasks", "tasks.get")
async def list_tasks(request: Request) -> Response:
    params = LIST_QUERY.parse(request.query_params.multi_items())
    page = engine_of(request).list_tasks(
        task_query(params),
        params.get("from"),
        params["limit"],
        params["reverse"],
        _allowed(request),
    )
    return json(
        {
            "results": page.results,
            "total": page.total,
            "limit": page.limit,
            "from": page.from_,
            "next": page.next,
        }
    )


@endpoint("GET", "/tasks/{uid}", "tasks.get")
async def get_task(request: Request) -> Response:
    uid = parse_uid(request.path_params["uid"], "invalid_task_uids", "Task")
    task = engine_of(request).get_task(uid)
    if task is None or not _visible(request, task):
        raise LumiError("task_not_found", f"Task `{uid}` not found.")
    return json(task.view())


async def _filter_task(request: Request, kind: str, verb: str) -> Response:
    params = FILTER_QUERY.parse(request.query_params.multi_items())
    if not params:
        raise missing_filters(verb)
    query = task_query(params)
    engine = engine_of(request)
    allowed = _allowed(request)
    counter = "canceledTasks" if kind == "taskCancelation" else "deletedTasks"
    raw_query = request.url.query
    task = new_task(
        kind,
        None,
        details={"matchedTasks": 0, counter: None, "originalFilter": f"?{raw_query}"},
    )

    def matcher(txn: Any, below: int) -> Any:
        return engine.matching_tasks(txn, query, below, allowed)

    return await enqueue(request, task, matcher=matcher, status=200, bypass_limit=True)


@endpoint("POST", "/tasks/cancel", "tasks.cancel")
async def cancel_tasks(request: Request) -> Response:
    return await _filter_task(request, "taskCancelation", "cancel")


@endpoint("DELETE", "/tasks", "tasks.delete")
async def delete_tasks(request: Request) -> Response:
    return await _filter_task(request, "taskDeletion", "delete")


@endpoint("GET", "/tasks/{uid}/documents", "tasks.get")
async def task_documents(request: Request) -> Response:
    uid = parse_uid(request.path_params["uid"], "invalid_task_uids", "Task")
    engine = engine_of(request)
    task = engine.get_task(uid)
    if task is None or not _visible(request, task):
        raise LumiError("task_not_found", f"Task `{uid}` not found.")
    payload = None
    if task.type == "documentAdditionOrUpdate" and task.status in ("enqueued", "processing"):
        payload = engine.task_payload(task)
    if payload is None:
        raise LumiError(
            "task_file_not_found",
            f"Task `{uid}` does not contain any documents. Only `documentAdditionOrUpdate` "
            "tasks with the statuses `enqueued` or `processing` contain documents",
        )
    from lumi.index.payloads import PayloadFormat, parse_documents

    documents = parse_documents(
        payload, PayloadFormat(task.params["format"]), task.params.get("csvDelimiter") or ","
    )
    body = b"".join(orjson.dumps(doc) + b"\n" for doc in documents)
    return Response(body, media_type="application/x-ndjson")


@endpoint("GET", "/tasks/stream", "tasks.get")
async def stream_tasks(request: Request) -> Response:
    params = FILTER_QUERY.parse(request.query_params.multi_items())
    query = task_query(params)
    engine = engine_of(request)

    def wanted(task: Task) -> bool:
        if not _visible(request, task):
            return False
        if query.index_uids is not None and task.index_uid not in query.index_uids:
            return False
        if query.types is not None and task.type not in query.types:
            return False
        return query.statuses is None or task.status in query.statuses

    async def lines() -> AsyncIterator[bytes]:
        async for task in watch_tasks(engine):
            if wanted(task):
                yield orjson.dumps(task.view()) + b"\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")


async def watch_tasks(engine: Any) -> AsyncIterator[Task]:
    """Every task that is registered or changes status from now on, in order of change."""
    store = engine.store
    with store.read() as txn:
        next_uid = store.next_task_uid(txn)
        active = {t.uid: (t.status, t.batch_uid) for t in _unfinished(engine, txn)}
    seen_txn = store.env.info()["last_txnid"]
    seen_batch = engine.current_batch()
    while True:
        await asyncio.sleep(STREAM_POLL_SECONDS)
        txn_id = store.env.info()["last_txnid"]
        current = engine.current_batch()
        if txn_id == seen_txn and current is seen_batch:
            continue
        seen_txn, seen_batch = txn_id, current
        with store.read() as txn:
            newest = store.next_task_uid(txn)
            uids = sorted(set(active) | set(range(next_uid, newest)))
            next_uid = newest
            changed = []
            for uid in uids:
                task = store.get_task(txn, uid)
                if task is None:
                    active.pop(uid, None)
                    continue
                task = engine._overlay(task, current)
                state = (task.status, task.batch_uid)
                if active.get(uid) != state:
                    changed.append(task)
                if task.is_finished:
                    active.pop(uid, None)
                else:
                    active[uid] = state
        for task in changed:
            yield task


def _unfinished(engine: Any, txn: Any) -> list[Task]:
    current = engine.current_batch()
    enqueued = engine.store.bitmap(txn, "by_status", b"enqueued")
    return [engine._overlay(t, current) for t in engine.store.get_tasks(txn, enqueued)]


ENDPOINTS = [list_tasks, stream_tasks, cancel_tasks, delete_tasks, get_task, task_documents]
