"""Registering tasks with group commit.

A durable LMDB commit costs two fsyncs (several milliseconds), so registering each task in
its own transaction would cap a worker at a few hundred writes per second. Requests hand
their task to ``Registrar.submit`` and wait on a future; one thread drains everything that
queued up meanwhile into a single write transaction, commits it, then resolves every future
and wakes the scheduler. A 202 is therefore only sent once its task is on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.storage import codecs
from lumi.storage.env import Txn, lmdb_errors
from lumi.tasks.models import Task
from lumi.tasks.store import TaskStore
from lumi.timefmt import now_ns

# Computes, inside the registering transaction, the set of tasks a cancelation or deletion
# matches; receives the new task's uid so newer tasks are never matched.
Matcher = Callable[[Txn, int], BitMap]

_MAX_GROUP = 512


@dataclass(slots=True)
class Registration:
    task: Task
    payload: bytes | None = None
    matcher: Matcher | None = None
    # Write routes are refused when the store is nearly full; deletions stay possible.
    bypass_limit: bool = False


_FULL = (
    "Meilisearch cannot receive write operations because the limit of the task database has "
    "been reached. Please delete tasks to continue performing write operations."
)


def register_now(store: TaskStore, txn: Txn, reg: Registration) -> Task:
    """Register one task inside ``txn`` (used by the group committer and the scheduler)."""
    task = reg.task
    payload = reg.payload
    if reg.matcher is not None:
        uid = store.next_task_uid(txn)
        matched = reg.matcher(txn, uid)
        payload = codecs.bitmap_bytes(matched)
        task.details = dict(task.details or {}, matchedTasks=len(matched))
        if reg.bypass_limit and not matched and store.over_write_limit():
            raise LumiError("no_space_left_on_device", _FULL)
    elif store.over_write_limit():
        raise LumiError("no_space_left_on_device", _FULL)
    return store.register(txn, task, payload, now_ns())


# Where the outcome of a registration goes: a thread-safe future, or an asyncio future of a
# given event loop (resolved in one callback per loop and commit, to wake each loop once).
Sink = Future[Task] | tuple[asyncio.AbstractEventLoop, asyncio.Future[Task]]
Outcome = Task | BaseException


class Registrar:
    """One committer thread per process; ``submit`` is safe from any thread, ``submit_async``
    from a running event loop."""

    def __init__(self, store: TaskStore, on_commit: Callable[[], None]) -> None:
        self.store = store
        self.on_commit = on_commit
        self._queue: queue.Queue[tuple[Registration, Sink] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="lumi-registrar", daemon=True)
        self._thread.start()

    def submit(self, reg: Registration) -> Future[Task]:
        future: Future[Task] = Future()
        self._queue.put((reg, future))
        return future

    def submit_async(self, reg: Registration) -> asyncio.Future[Task]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Task] = loop.create_future()
        self._queue.put((reg, (loop, future)))
        return future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            group = [item]
            while len(group) < _MAX_GROUP:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._commit(group)
                    return
                group.append(more)
            self._commit(group)

    def _commit(self, group: list[tuple[Registration, Sink]]) -> None:
        done: list[tuple[Sink, Outcome]] = []
        try:
            with lmdb_errors(), self.store.write() as txn:
                for reg, sink in group:
                    try:
                        done.append((sink, register_now(self.store, txn, reg)))
                    except LumiError as error:
                        done.append((sink, error))
        except Exception as error:  # the commit itself failed: nothing was registered
            done = [(sink, error) for _reg, sink in group]
        else:
            self.on_commit()
        _deliver(done)


def _deliver(done: list[tuple[Sink, Outcome]]) -> None:
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Task], Outcome]]] = {}
    for sink, outcome in done:
        if isinstance(sink, Future):
            _settle(sink, outcome)
        else:
            loop, future = sink
            by_loop.setdefault(loop, []).append((future, outcome))
    for loop, items in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop was closed meanwhile
            loop.call_soon_threadsafe(_settle_all, items)


def _settle(future: Future[Task] | asyncio.Future[Task], outcome: Outcome) -> None:
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def _settle_all(items: list[tuple[asyncio.Future[Task], Outcome]]) -> None:
    for future, outcome in items:
        _settle(future, outcome)
