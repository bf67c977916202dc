"""Lumi in-process: the same engine and task queue as ``lumi serve``, without a server.

``Lumi(path)`` locks the data directory (a server cannot use it at the same time), runs the
scheduler on a background thread, and offers the operations of the HTTP API as methods
taking and returning plain Python values, validated with the same rules and failing with
the same ``LumiError`` codes and messages. Writes return the summarized task; wait for it
with ``wait_for_task`` as with any Meilisearch client::

    with Lumi("./data.lumi") as lumi:
        movies = lumi.index("movies")
        lumi.wait_for_task(movies.add_documents([{"id": 1, "title": "Carol"}])["taskUid"])
        print(movies.search("carol")["hits"])
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson

from lumi.engine import Engine
from lumi.errors import LumiError
from lumi.http.search import SEARCH_BODY
from lumi.index.projection import project
from lumi.index.settings import settings_view, validate_settings_patch
from lumi.search.perform import SearchOptions, SearchTarget, perform_search
from lumi.search.request import SearchRequest
from lumi.tasks import builders
from lumi.tasks.models import Task
from lumi.tasks.notify import WakeSocket
from lumi.tasks.query import TaskQuery
from lumi.tasks.scheduler import Scheduler, SchedulerOptions
from lumi.timefmt import rfc3339

_FINISHED = ("succeeded", "failed", "canceled")


def _lock(data_dir: Path) -> int:
    # Imported here: the command line module pulls in process supervision this file needs
    # nothing else of.
    from lumi.cli import lock_data_dir

    return lock_data_dir(data_dir)


class Lumi:
    """An embedded instance. Close it (or use ``with``) to stop its scheduler thread."""

    def __init__(self, path: str | os.PathLike[str] = "./data.lumi") -> None:
        self.path = Path(path)
        self._lock_fd = _lock(self.path)
        self.engine = Engine(self.path, writable=True)
        self.scheduler = Scheduler(self.path, self.engine.store, SchedulerOptions())
        self.scheduler.recover()
        self._wake = WakeSocket(self.path)
        self._done = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="lumi-scheduler", daemon=True)
        self._thread.start()

    # ---- lifecycle ---------------------------------------------------------------------

    def _run(self) -> None:
        while not self.scheduler.stopping:
            if self.scheduler.tick():
                with self._done:
                    self._done.notify_all()
            else:
                self._wake.wait(0.2)

    def close(self) -> None:
        self.scheduler.stopping = True
        self._thread.join(timeout=30)
        self._wake.close()
        self.engine.close()
        os.close(self._lock_fd)

    def __enter__(self) -> Lumi:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()

    # ---- tasks -------------------------------------------------------------------------

    def _register(self, task: Task, payload: bytes | None = None) -> dict[str, Any]:
        return self.engine.enqueue(task, payload).result(timeout=60).summary()

    def get_task(self, uid: int) -> dict[str, Any]:
        task = self.engine.get_task(uid)
        if task is None:
            raise LumiError("task_not_found", f"Task `{uid}` not found.")
        return task.view()

    def get_tasks(
        self, *, limit: int = 20, from_: int | None = None, reverse: bool = False, **filters: Any
    ) -> dict[str, Any]:
        """``filters`` use the engine's names: ``statuses``, ``types``, ``index_uids``..."""
        page = self.engine.list_tasks(TaskQuery(**filters), from_, limit, reverse)
        return {
            "results": page.results,
            "total": page.total,
            "limit": page.limit,
            "from": page.from_,
            "next": page.next,
        }

    def wait_for_task(self, uid: int, timeout: float = 30.0) -> dict[str, Any]:
        """The finished task; raises ``TimeoutError`` if it is not done in time."""
        deadline = time.monotonic() + timeout
        with self._done:
            while True:
                view = self.get_task(uid)
                if view["status"] in _FINISHED:
                    return view
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"task {uid} not finished after {timeout} s")
                self._done.wait(min(left, 0.2))

    # ---- indexes -----------------------------------------------------------------------

    def index(self, uid: str) -> EmbeddedIndex:
        return EmbeddedIndex(self, uid)

    def create_index(self, uid: str, primary_key: str | None = None) -> dict[str, Any]:
        return self._register(builders.index_creation(uid, primary_key))

    def delete_index(self, uid: str) -> dict[str, Any]:
        return self._register(builders.index_deletion(uid))

    def get_indexes(self) -> list[dict[str, Any]]:
        return [
            {
                "uid": meta.uid,
                "createdAt": rfc3339(meta.created_at),
                "updatedAt": rfc3339(meta.updated_at),
                "primaryKey": meta.primary_key,
            }
            for meta in self.engine.list_indexes()
        ]


class EmbeddedIndex:
    """One index of an embedded instance, named by uid (it may not exist yet)."""

    def __init__(self, lumi: Lumi, uid: str) -> None:
        self.lumi = lumi
        self.uid = uid

    def _add(self, documents: list[dict[str, Any]], method: str, primary_key: str | None) -> dict:
        payload = orjson.dumps(documents)
        task = builders.document_addition(
            self.uid,
            count=len(documents),
            method=method,
            fmt="json",
            payload_size=len(payload),
            primary_key=primary_key,
        )
        return self.lumi._register(task, payload)

    def add_documents(
        self, documents: list[dict[str, Any]], primary_key: str | None = None
    ) -> dict[str, Any]:
        """Add or replace whole documents."""
        return self._add(documents, "replace", primary_key)

    def update_documents(
        self, documents: list[dict[str, Any]], primary_key: str | None = None
    ) -> dict[str, Any]:
        """Add documents or merge their top-level fields into existing ones."""
        return self._add(documents, "update", primary_key)

    def delete_documents(self, ids: list[str | int]) -> dict[str, Any]:
        task = builders.document_deletion_by_ids(self.uid, [str(i) for i in ids])
        return self.lumi._register(task)

    def delete_all_documents(self) -> dict[str, Any]:
        return self.lumi._register(builders.documents_clear(self.uid))

    def get_document(self, document_id: str | int, fields: list[str] | None = None) -> dict:
        _meta, index = self.lumi.engine.open_index(self.uid)
        with index.read() as txn:
            docid = index.docid(txn, str(document_id))
            doc = index.document(txn, docid) if docid is not None else None
        if doc is None:
            raise LumiError("document_not_found", f"Document `{document_id}` not found.")
        return project(doc, fields)

    def update_settings(self, settings: dict[str, Any]) -> dict[str, Any]:
        patch = validate_settings_patch(settings, self.lumi.engine.experimental_features())
        return self.lumi._register(
            builders.settings_update(self.uid, patch, allow_index_creation=True)
        )

    def get_settings(self) -> dict[str, Any]:
        _meta, index = self.lumi.engine.open_index(self.uid)
        with index.read() as txn:
            return settings_view(index.settings(txn), self.lumi.engine.experimental_features())

    def search(self, q: str | None = None, **params: Any) -> dict[str, Any]:
        """Search with the parameters of ``POST /search`` (camelCase names)."""
        body = SEARCH_BODY.parse({"q": q, **params})
        meta, index = self.lumi.engine.open_index(self.uid)
        engine = self.lumi.engine
        options = SearchOptions(features=engine.experimental_features(), indexes=engine)
        return perform_search(
            SearchTarget(self.uid, meta.primary_key, index), SearchRequest.of(body), options
        )
