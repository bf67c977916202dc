"""``/tasks``: list, get, cancel, delete, the payload of an enqueued task, and the live stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from lumi.errors import LumiError
from lumi.http.auth import index_filter
from lumi.http.enqueue import engine_of, enqueue
from lumi.http.features import require_feature
from lumi.http.responses import json
from lumi.http.routing import endpoint
from lumi.http.task_params import FILTER_QUERY, list_page, missing_filters, task_query
from lumi.tasks import builders
from lumi.tasks.models import Task

STREAM_POLL_SECONDS = 0.1
TASK_DOCUMENTS_DISABLED = (
    "Getting the documents of an enqueued task requires enabling the `get task documents "
    "route` experimental feature. See https://github.com/orgs/meilisearch/discussions/808"
)


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
    return json(list_page(request, engine_of(request).list_tasks))


@endpoint("GET", "/tasks/{uid}", "tasks.get")
async def get_task(request: Request) -> Response:
    if request.path_params["uid"] == "cancel":
        # `/tasks/cancel` exists for POST only; other methods must not read it as a uid.
        raise HTTPException(status_code=405)
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
    raw_query = request.url.query
    task = builders.task_filter_task(kind, raw_query)

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
    require_feature(request, "getTaskDocumentsRoute", TASK_DOCUMENTS_DISABLED)
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
    from lumi.index.payloads.formats import PayloadFormat
    from lumi.index.payloads.parse import parse_documents

    documents = parse_documents(
        payload, PayloadFormat(task.params["format"]), task.params.get("csvDelimiter") or ","
    )
    body = b"".join(orjson.dumps(doc) + b"\n" for doc in documents)
    return Response(body, media_type="application/x-ndjson")


@endpoint("GET", "/tasks/stream", "tasks.get")
async def stream_tasks(request: Request) -> Response:
    params = FILTER_QUERY.parse(request.query_params.multi_items())
    query = task_query(params)
    watcher = TaskWatcher(engine_of(request))

    def wanted(task: Task) -> bool:
        if not _visible(request, task):
            return False
        if query.index_uids is not None and task.index_uid not in query.index_uids:
            return False
        if query.types is not None and task.type not in query.types:
            return False
        return query.statuses is None or task.status in query.statuses

    async def lines() -> AsyncIterator[bytes]:
        yield b""  # an empty first chunk makes the server send the headers right away
        async for task in watcher.changes():
            if wanted(task):
                yield orjson.dumps(task.view()) + b"\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")


class TaskWatcher:
    """Every task that is registered or changes status after the watcher was made.

    The starting point is taken when the watcher is made, before the response starts: a
    client that enqueues as soon as the stream answered must still see its task's first line.
    """

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        store = engine.store
        with store.read() as txn:
            self.next_uid = store.next_task_uid(txn)
            self.active = {t.uid: (t.status, t.batch_uid) for t in _unfinished(engine, txn)}
        self.seen_txn = store.env.info()["last_txnid"]
        self.seen_batch = engine.current_batch()

    async def changes(self) -> AsyncIterator[Task]:
        """The changed tasks, in order of change, as they happen."""
        engine, store, active = self.engine, self.engine.store, self.active
        while True:
            await asyncio.sleep(STREAM_POLL_SECONDS)
            txn_id = store.env.info()["last_txnid"]
            current = engine.current_batch()
            if txn_id == self.seen_txn and current is self.seen_batch:
                continue
            self.seen_txn, self.seen_batch = txn_id, current
            with store.read() as txn:
                newest = store.next_task_uid(txn)
                uids = sorted(set(active) | set(range(self.next_uid, newest)))
                self.next_uid = newest
                changed = []
                for uid in uids:
                    task = store.get_task(txn, uid)
                    if task is None:
                        active.pop(uid, None)
                        continue
                    task = engine._overlay(task, current)
                    state = (task.status, task.batch_uid)
                    previous = active.get(uid)
                    if previous != state:
                        changed.extend(missed_steps(task, previous[0] if previous else None))
                        changed.append(task)
                    if task.is_finished:
                        active.pop(uid, None)
                    else:
                        active[uid] = state
            for task in changed:
                yield task


# Details that are null until the task finishes.
_PENDING_COUNTS = frozenset(
    {"indexedDocuments", "deletedDocuments", "editedDocuments", "canceledTasks", "deletedTasks"}
)


def missed_steps(task: Task, seen: str | None) -> list[Task]:
    """The states a task went through between two looks, rebuilt from its current record.

    The stream looks at the queue periodically, so a fast task may be registered and run in
    between: its ``enqueued`` and ``processing`` lines are still owed to the client.
    """
    steps = []
    if seen is None and task.status != "enqueued":
        steps.append(_pending(task, "enqueued", None, None))
        seen = "enqueued"
    if seen == "enqueued" and task.status in ("succeeded", "failed"):
        steps.append(_pending(task, "processing", task.batch_uid, task.started_at))
    return steps


def _pending(task: Task, status: str, batch_uid: int | None, started_at: int | None) -> Task:
    details = task.details
    if details is not None:
        details = {k: None if k in _PENDING_COUNTS else v for k, v in details.items()}
    return replace(
        task,
        status=status,
        batch_uid=batch_uid,
        started_at=started_at,
        finished_at=None,
        canceled_by=None,
        error=None,
        details=details,
    )


def _unfinished(engine: Any, txn: Any) -> list[Task]:
    current = engine.current_batch()
    enqueued = engine.store.bitmap(txn, "by_status", b"enqueued")
    return [engine._overlay(t, current) for t in engine.store.get_tasks(txn, enqueued)]


ENDPOINTS = [list_tasks, stream_tasks, cancel_tasks, delete_tasks, get_task, task_documents]
