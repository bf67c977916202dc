"""Opening an index for a batch: one write transaction, committed only if the batch
completes, with the batch recorded as applied so a crash before the task store commits
does not apply it twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.index.index import Index
from lumi.index.indexer.build import BuildContext, apply_changes, finish_changes, rebuild
from lumi.index.indexer.write import Change, DocumentWriter
from lumi.index.registry import IndexMeta
from lumi.search.filters.evaluate import FilterEvaluator
from lumi.search.filters.parameter import parse_filter
from lumi.storage.env import Txn
from lumi.tasks.models import Task
from lumi.tasks.process.base import BatchContext, TaskResult

DOCUMENT_FILTER_CODE = "invalid_document_filter"


@dataclass(slots=True)
class IndexWork:
    uid: str
    dir: str
    index: Index
    txn: Txn
    writer: DocumentWriter
    primary_key: str | None
    meta: IndexMeta | None
    results: dict[int, TaskResult] = field(default_factory=dict)
    # Families of search structures ("words", "facets") a settings change made stale.
    stale: set[str] = field(default_factory=set)
    build: BuildContext | None = None

    def clear_documents(self) -> int:
        """Drop every document; returns how many there were."""
        self.writer.flush()
        if self.build is not None:
            finish_changes(self.build)  # nothing pending may be written after the clear
        count = self.index.number_of_documents(self.txn)
        self.index.clear_all(self.txn)
        self.writer = DocumentWriter(self.index, self.txn, self.writer.sink)
        return count

    def select(self, task: Task) -> BitMap | None:
        """The documents the task's ``filter`` parameter selects (None without a filter),
        after the batch's pending writes; a filter error names the index."""
        self.writer.flush()
        node = parse_filter(task.params.get("filter"), code=DOCUMENT_FILTER_CODE)
        if node is None:
            return None
        evaluator = FilterEvaluator(
            self.index,
            self.txn,
            self.index.settings(self.txn),
            code=DOCUMENT_FILTER_CODE,
            contains_filter=True,  # refused when the task was registered if disabled
            documents=self.writer.docids,
        )
        try:
            return evaluator.docids(node)
        except LumiError as error:
            raise error.prefixed(f"Index `{task.index_uid}`: ") from None

    def finish(self) -> None:
        """Write pending document changes, complete the search structures, then rebuild
        what settings changes made stale."""
        self.writer.finish()
        if self.build is not None:
            finish_changes(self.build)
        if self.stale and self.build is not None:
            self.build.settings = self.index.settings(self.txn)
            rebuild(self.build, self.stale)

    def new_meta(self, now: int) -> IndexMeta:
        """The mapping record to store once the batch commits."""
        created = self.meta.created_at if self.meta is not None else now
        return IndexMeta(self.uid, self.dir, created, now, self.primary_key)


def index_not_found(uid: str) -> LumiError:
    return LumiError("index_not_found", f"Index `{uid}` not found.")


@contextlib.contextmanager
def open_index_work(ctx: BatchContext, uid: str, *, create: bool) -> Iterator[IndexWork]:
    """Yield the batch's view of index ``uid``; commit on success, roll back on error.

    With ``create`` a missing index is created in a fresh directory, removed again if the
    batch fails. Without it a missing index raises ``index_not_found``.
    """
    with ctx.store.read() as txn:
        meta = ctx.registry.meta(txn, uid)
    if meta is None and not create:
        raise index_not_found(uid)
    dir_name = meta.dir if meta is not None else ctx.registry.new_dir()
    index = ctx.registry.open(dir_name)
    txn = index.write()
    try:
        build = BuildContext(
            index=index,
            txn=txn,
            settings=index.settings(txn),
            check_abort=ctx.check_abort,
            max_workers=ctx.max_indexing_workers,
            max_memory=ctx.max_indexing_memory,
            deferred=True,  # completed by ``IndexWork.finish`` (or a clear) before commit
        )

        def sink(changes: list[Change]) -> None:
            build.settings = index.settings(txn)
            apply_changes(build, changes)

        work = IndexWork(
            uid=uid,
            dir=dir_name,
            index=index,
            txn=txn,
            writer=DocumentWriter(index, txn, sink),
            primary_key=index.primary_key(txn),
            meta=meta,
            build=build,
        )
        yield work
        work.finish()
    except BaseException:
        txn.abort()
        if meta is None:
            ctx.registry.destroy(dir_name)
        raise
    index.set_applied_batch(
        txn, {"taskUids": [t.uid for t in ctx.tasks], "results": _results_record(work.results)}
    )
    txn.commit()


def _results_record(results: dict[int, TaskResult]) -> dict[str, Any]:
    return {
        str(uid): {"status": r.status, "details": r.details, "error": r.error}
        for uid, r in results.items()
    }


def already_applied(ctx: BatchContext, uid: str) -> dict[int, TaskResult] | None:
    """Results of this very batch if a crash hit after its index commit, else None."""
    with ctx.store.read() as txn:
        found = ctx.registry.get(txn, uid)
    if found is None:
        return None
    _meta, index = found
    with index.read() as txn:
        record = index.applied_batch(txn)
    if record is None or record["taskUids"] != [t.uid for t in ctx.tasks]:
        return None
    return {
        int(task_uid): TaskResult(r["status"], r["details"], r["error"])
        for task_uid, r in record["results"].items()
    }
