"""A synthetic but realistic task history, written straight into a data directory's task store.

Creating a million tasks through HTTP would take most of an hour, so ``build_history``
writes them in-process with the store's own ``register``, ``put_task`` and ``put_batch`` (the
records, bitmaps and time indexes are exactly what a server writes) in large transactions.
The history mimics a month of use: several indexes of unequal activity, auto-batched
document additions, deletions, settings and index changes, a few failures with real error
bodies, cancelations that cancel enqueued tasks, and global tasks. Every task is finished.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lmdb

from lumi.tasks.batch_summary import batch_stats, merge_details
from lumi.tasks.models import Batch, Task
from lumi.tasks.store import TaskStore

INDEXES = (
    ("products", 40),
    ("movies", 20),
    ("books", 12),
    ("users", 10),
    ("articles", 8),
    ("logs-2025", 6),
    ("reviews", 3),
    ("geo", 1),
)
_SECOND = 1_000_000_000
_DOC_ERROR = {
    "message": (
        'Document identifier `"a b"` is invalid. A document identifier can be of type integer or '
        "string, only composed of alphanumeric characters (a-z A-Z 0-9), hyphens (-) and "
        "underscores (_), and can not be more than 511 bytes."
    ),
    "code": "invalid_document_id",
    "type": "invalid_request",
    "link": "https://docs.meilisearch.com/errors#invalid_document_id",
}
_SETTINGS_ERROR = {
    "message": (
        "Index `products`: The primary key inference failed as the engine did not find any "
        "field ending with `id` in its name. Please specify the primary key manually."
    ),
    "code": "index_primary_key_no_candidate_found",
    "type": "invalid_request",
    "link": "https://docs.meilisearch.com/errors#index_primary_key_no_candidate_found",
}


@dataclass(slots=True)
class _Clock:
    """Simulated time in nanoseconds, advancing a little with every event."""

    now: int
    step: int

    def tick(self, rng: random.Random, factor: float = 1.0) -> int:
        self.now += int(rng.expovariate(1.0 / (self.step * factor))) + 1
        return self.now


def build_history(data_dir: Path, count: int, *, seed: int = 1, commit_every: int = 50_000) -> int:
    """Write ``count`` finished tasks (and their batches) into ``data_dir/tasks``; returns
    the number of batches."""
    rng = random.Random(seed)
    store = TaskStore(data_dir / "tasks")
    span = 30 * 86_400 * _SECOND
    clock = _Clock(now=time.time_ns() - span, step=max(1, span // max(count, 1) // 2))
    written = 0
    batches = 0
    try:
        while written < count:
            with store.write() as txn:
                goal = min(count, written + commit_every)
                while written < goal:
                    written += _one_batch(store, txn, rng, clock, goal - written)
                    batches += 1
    finally:
        store.close()
    return batches


def _one_batch(
    store: TaskStore, txn: lmdb.Transaction, rng: random.Random, clock: _Clock, room: int
) -> int:
    """Enqueue and finish one batch; returns how many tasks it created."""
    roll = rng.random()
    if roll < 0.004 and room >= 2:
        return _cancelation(store, txn, rng, clock, room)
    if roll < 0.006:
        return _global_task(store, txn, rng, clock)
    index = rng.choices([n for n, _ in INDEXES], weights=[w for _, w in INDEXES])[0]
    kind, size = _batch_shape(rng, room)
    tasks = [
        store.register(txn, _new_task(kind, index, rng), None, clock.tick(rng)) for _ in range(size)
    ]
    failed = rng.random() < (0.06 if kind != "indexCreation" else 0.02)
    _finish(store, txn, rng, clock, tasks, "failed" if failed else "succeeded", index)
    return size


def _batch_shape(rng: random.Random, room: int) -> tuple[str, int]:
    roll = rng.random()
    if roll < 0.78:
        return "documentAdditionOrUpdate", min(room, max(1, int(rng.paretovariate(1.3))))
    if roll < 0.88:
        return "documentDeletion", min(room, rng.randint(1, 4))
    if roll < 0.95:
        return "settingsUpdate", min(room, rng.randint(1, 3))
    if roll < 0.98:
        return "indexCreation", 1
    if roll < 0.99:
        return "indexUpdate", 1
    return "indexDeletion", 1


def _new_task(kind: str, index: str, rng: random.Random) -> Task:
    task = Task(uid=0, type=kind, index_uid=index, enqueued_at=0)
    if kind == "documentAdditionOrUpdate":
        received = rng.choice((1, 1, 2, 5, 20, 100, 1000))
        task.details = {"receivedDocuments": received, "indexedDocuments": None}
        task.params = {
            "method": "replace",
            "primaryKey": None,
            "format": "json",
            "csvDelimiter": None,
            "skipCreation": False,
            "payloadSize": received * 180,
            "allowIndexCreation": True,
        }
    elif kind == "documentDeletion":
        ids = [str(rng.randint(1, 900_000)) for _ in range(rng.randint(1, 5))]
        task.details = {"providedIds": len(ids), "deletedDocuments": None, "originalFilter": None}
        task.params = {"operation": "ids", "ids": ids}
    elif kind == "settingsUpdate":
        task.details = rng.choice(
            (
                {"filterableAttributes": ["year", "released"]},
                {"sortableAttributes": ["rank"]},
                {"searchableAttributes": ["name", "summary"]},
                {"rankingRules": ["words", "typo", "proximity", "attribute", "sort", "exactness"]},
            )
        )
    elif kind in ("indexCreation", "indexUpdate"):
        task.details = {"primaryKey": "id"}
    else:
        task.details = {"deletedDocuments": None}
    return task


def _finish(
    store: TaskStore,
    txn: lmdb.Transaction,
    rng: random.Random,
    clock: _Clock,
    tasks: list[Task],
    status: str,
    index: str | None,
    canceled_by: int | None = None,
) -> None:
    """Finish ``tasks`` as one batch; those after the first are canceled by ``canceled_by``."""
    started = clock.tick(rng, 0.2)
    finished = clock.tick(rng, 0.5)
    batch_uid = store.next_batch_uid(txn)
    for position, task in enumerate(tasks):
        old = Task.from_record(task.to_record())
        task.status = status
        if canceled_by is not None and position > 0:
            task.status = "canceled"
            task.canceled_by = canceled_by
        task.batch_uid = batch_uid
        task.started_at = started
        task.finished_at = finished
        task.details = _finished_details(task)
        if task.status == "failed":
            task.error = _SETTINGS_ERROR if task.type == "settingsUpdate" else _DOC_ERROR
        store.put_task(txn, task, old)
    strategy = (
        f"batched all enqueued tasks for index `{index}`"
        if index is not None and len(tasks) > 1
        else f"created batch containing only task with id {tasks[0].uid} of type "
        f"`{tasks[0].type}` that cannot be batched with any other task."
    )
    store.put_batch(
        txn,
        Batch(
            uid=batch_uid,
            started_at=started,
            finished_at=finished,
            task_uids=[t.uid for t in tasks],
            details=merge_details(tasks),
            stats=batch_stats(tasks),
            strategy=strategy,
        ),
    )


def _finished_details(task: Task) -> dict[str, Any] | None:
    details = dict(task.details or {})
    ok = task.status == "succeeded"
    if task.type == "documentAdditionOrUpdate":
        details["indexedDocuments"] = details["receivedDocuments"] if ok else 0
    elif task.type == "documentDeletion":
        details["deletedDocuments"] = details["providedIds"] if ok else 0
    elif task.type == "indexDeletion":
        details["deletedDocuments"] = 1200 if ok else 0
    return details


def _cancelation(
    store: TaskStore, txn: lmdb.Transaction, rng: random.Random, clock: _Clock, room: int
) -> int:
    """Some enqueued additions, then a cancelation that cancels them in its own batch."""
    index = rng.choice([n for n, _ in INDEXES])
    victims = [
        store.register(
            txn, _new_task("documentAdditionOrUpdate", index, rng), None, clock.tick(rng)
        )
        for _ in range(min(room - 1, rng.randint(1, 30)))
    ]
    uids = ",".join(str(t.uid) for t in victims)
    cancel = Task(
        uid=0,
        type="taskCancelation",
        index_uid=None,
        enqueued_at=0,
        details={
            "matchedTasks": len(victims),
            "canceledTasks": len(victims),
            "originalFilter": f"?uids={uids}",
        },
    )
    store.register(txn, cancel, None, clock.tick(rng))
    _finish(store, txn, rng, clock, [cancel, *victims], "succeeded", None, cancel.uid)
    return len(victims) + 1


def _global_task(store: TaskStore, txn: lmdb.Transaction, rng: random.Random, clock: _Clock) -> int:
    if rng.random() < 0.5:
        task = Task(
            uid=0,
            type="dumpCreation",
            index_uid=None,
            enqueued_at=0,
            details={"dumpUid": f"dump-{rng.randint(1, 10**9)}"},
        )
    else:
        task = Task(
            uid=0,
            type="taskDeletion",
            index_uid=None,
            enqueued_at=0,
            details={
                "matchedTasks": 0,
                "deletedTasks": 0,
                "originalFilter": "?statuses=failed&indexUids=geo",
            },
        )
    store.register(txn, task, None, clock.tick(rng))
    _finish(store, txn, rng, clock, [task], "succeeded", None)
    return 1
