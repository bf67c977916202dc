"""The engine as the HTTP layer and embedded users see it: one object per process that
opens the data directory, registers tasks and answers reads.

It holds no request parsing and no JSON rendering: callers pass validated values and get
engine objects back. Writes to indexes never happen here; they are tasks for the
scheduler.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.index.index import Index
from lumi.index.registry import IndexMeta, IndexRegistry
from lumi.index.vectors import embedding_counts
from lumi.storage.env import directory_size
from lumi.tasks.models import Batch, Task
from lumi.tasks.notify import wake
from lumi.tasks.query import TaskQuery, match_batches, match_tasks, paginate
from lumi.tasks.registrar import Matcher, Registrar, Registration
from lumi.tasks.runtime import CurrentBatch, Runtime
from lumi.tasks.store import TaskStore
from lumi.tasks.update_files import INLINE_LIMIT, UpdateFiles

IndexFilter = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class Page:
    results: list[dict[str, Any]]
    total: int
    limit: int
    from_: int | None
    next: int | None


# Experimental switches of Meilisearch 1.50, all off by default.
FEATURES: tuple[str, ...] = (
    "metrics",
    "logsRoute",
    "editDocumentsByFunction",
    "containsFilter",
    "dynamicSearchRules",
    "network",
    "getTaskDocumentsRoute",
    "taskQueueCompactionRoute",
    "compositeEmbedders",
    "chatCompletions",
    "multimodal",
    "foreignKeys",
    "disableDocumentsFetchQueue",
    "legacySearch",
    "renderRoute",
)


def index_not_found(uid: str) -> LumiError:
    return LumiError("index_not_found", f"Index `{uid}` not found.")


class Engine:
    def __init__(self, data_dir: Path, *, writable: bool = False) -> None:
        """``writable`` when the scheduler runs in this process too (embedded use)."""
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.store = TaskStore(data_dir / "tasks")
        self.registry = IndexRegistry(data_dir, self.store, writable=writable)
        self.runtime = Runtime(data_dir)
        self.update_files = UpdateFiles(data_dir)
        self.registrar = Registrar(self.store, lambda: wake(data_dir))

    def close(self) -> None:
        self.registrar.close()
        self.registry.close()
        self.store.close()

    # ---- registering tasks -------------------------------------------------------------

    def enqueue(
        self,
        task: Task,
        payload: bytes | None = None,
        matcher: Matcher | None = None,
        *,
        bypass_limit: bool = False,
    ) -> Future[Task]:
        """Register ``task``; the future resolves once it is durably stored."""
        return self.registrar.submit(self._registration(task, payload, matcher, bypass_limit))

    async def enqueue_async(
        self,
        task: Task,
        payload: bytes | None = None,
        matcher: Matcher | None = None,
        *,
        bypass_limit: bool = False,
    ) -> Task:
        """``enqueue`` for an event loop: large payload files are written on a thread."""
        if payload is not None and len(payload) > INLINE_LIMIT:
            reg = await asyncio.to_thread(self._registration, task, payload, matcher, bypass_limit)
        else:
            reg = self._registration(task, payload, matcher, bypass_limit)
        return await self.registrar.submit_async(reg)

    def _registration(
        self, task: Task, payload: bytes | None, matcher: Matcher | None, bypass_limit: bool
    ) -> Registration:
        if payload is not None and len(payload) > INLINE_LIMIT:
            task.params["payloadFile"] = self.update_files.write(payload)
            payload = None
        return Registration(task, payload, matcher, bypass_limit)

    # ---- tasks and batches -------------------------------------------------------------

    def current_batch(self) -> CurrentBatch | None:
        return self.runtime.current()

    def _overlay(self, task: Task, current: CurrentBatch | None) -> Task:
        if current is not None and task.uid in current.task_uids and task.status == "enqueued":
            task.status = "processing"
            task.batch_uid = current.uid
            task.started_at = current.started_at
        return task

    def get_task(self, uid: int) -> Task | None:
        current = self.current_batch()
        with self.store.read() as txn:
            task = self.store.get_task(txn, uid)
        return None if task is None else self._overlay(task, current)

    def task_payload(self, task: Task) -> bytes | None:
        name = task.params.get("payloadFile")
        if name:
            try:
                return self.update_files.read(name)
            except FileNotFoundError:
                return None
        with self.store.read() as txn:
            return self.store.payload(txn, task.uid)

    def list_tasks(
        self,
        query: TaskQuery,
        from_uid: int | None,
        limit: int,
        reverse: bool,
        allowed: IndexFilter | None = None,
    ) -> Page:
        current = self.current_batch()
        with self.store.read() as txn:
            matched = match_tasks(self.store, txn, query, current, allowed)
            uids, next_uid = paginate(matched, from_uid, limit, reverse)
            tasks = [self._overlay(t, current) for t in self.store.get_tasks(txn, uids)]
        views = [t.view() for t in tasks]
        return Page(views, len(matched), limit, uids[0] if uids else None, next_uid)

    def matching_tasks(
        self, txn: Any, query: TaskQuery, below: int, allowed: IndexFilter | None
    ) -> BitMap:
        """Tasks a cancelation/deletion registered with uid ``below`` matches."""
        matched = match_tasks(self.store, txn, query, self.current_batch(), allowed)
        return (
            matched - BitMap(range(below, matched.max() + 1))
            if matched and matched.max() >= below
            else matched
        )

    def get_batch(self, uid: int) -> Batch | None:
        current = self.current_batch()
        if current is not None and current.uid == uid:
            return self._current_as_batch(current)
        with self.store.read() as txn:
            return self.store.get_batch(txn, uid)

    def _current_as_batch(self, current: CurrentBatch) -> Batch:
        return Batch(
            uid=current.uid,
            started_at=current.started_at,
            task_uids=list(current.task_uids),
            details=current.details,
            stats=current.stats,
            strategy=current.strategy,
            progress=current.progress,
        )

    def list_batches(
        self,
        query: TaskQuery,
        from_uid: int | None,
        limit: int,
        reverse: bool,
        allowed: IndexFilter | None = None,
    ) -> Page:
        current = self.current_batch()
        with self.store.read() as txn:
            matched = match_batches(self.store, txn, query, current, allowed)
            uids, next_uid = paginate(matched, from_uid, limit, reverse)
            batches = []
            for uid in uids:
                if current is not None and uid == current.uid:
                    batches.append(self._current_as_batch(current))
                else:
                    batch = self.store.get_batch(txn, uid)
                    if batch is not None:
                        batches.append(batch)
        views = [b.view() for b in batches]
        return Page(views, len(matched), limit, uids[0] if uids else None, next_uid)

    # ---- instance settings -------------------------------------------------------------

    def experimental_features(self) -> dict[str, bool]:
        with self.store.read() as txn:
            stored = self.store.get_record(txn, "meta_json", "experimental_features") or {}
        return {name: bool(stored.get(name, False)) for name in FEATURES}

    def set_experimental_features(self, changes: dict[str, bool]) -> dict[str, bool]:
        with self.store.write() as txn:
            stored = self.store.get_record(txn, "meta_json", "experimental_features") or {}
            stored.update(changes)
            self.store.put_record(txn, "meta_json", "experimental_features", stored)
        return {name: bool(stored.get(name, False)) for name in FEATURES}

    # ---- indexes -----------------------------------------------------------------------

    def index_meta(self, uid: str) -> IndexMeta:
        with self.store.read() as txn:
            meta = self.registry.meta(txn, uid)
        if meta is None:
            raise index_not_found(uid)
        return meta

    def open_index(self, uid: str) -> tuple[IndexMeta, Index]:
        meta = self.index_meta(uid)
        return meta, self.registry.open(meta.dir)

    def list_indexes(self) -> list[IndexMeta]:
        with self.store.read() as txn:
            return self.registry.all_meta(txn)

    def is_indexing(self, uid: str) -> bool:
        current = self.current_batch()
        return current is not None and uid in current.stats.get("indexUids", {})

    def index_stats(self, uid: str, *, internal_sizes: bool = False) -> dict[str, Any]:
        """Counts and byte sizes of one index; ``internal_sizes`` adds per sub-database bytes."""
        _meta, index = self.open_index(uid)
        with index.read() as txn:
            count = index.number_of_documents(txn)
            raw_size = index.documents_size(txn)
            distribution = index.field_distribution(txn)
            sizes = index.database_sizes(txn) if internal_sizes else None
            embeddings, embedded = embedding_counts(index, txn)
        stats: dict[str, Any] = {
            "numberOfDocuments": count,
            "rawDocumentDbSize": raw_size,
            "avgDocumentSize": raw_size // count if count else 0,
            "isIndexing": self.is_indexing(uid),
        }
        if sizes is not None:
            stats["internalDatabaseSizes"] = sizes
        stats["numberOfEmbeddings"] = embeddings
        stats["numberOfEmbeddedDocuments"] = embedded
        stats["fieldDistribution"] = distribution
        return stats

    def database_size(self) -> int:
        return directory_size(self.data_dir)

    def last_update(self) -> int | None:
        """Finish time of the newest batch, i.e. the last time any data changed."""
        with self.store.read() as txn:
            uid = self.store.next_batch_uid(txn)
            batch = self.store.get_batch(txn, uid - 1) if uid else None
        return None if batch is None else batch.finished_at
