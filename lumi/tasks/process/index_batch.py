"""Batches that write one index: documents, clears and settings, applied in uid order."""

from __future__ import annotations

from lumi.errors import LumiError
from lumi.index.registry import IndexMeta
from lumi.tasks.process.base import BatchContext, BatchOutcome, TaskResult
from lumi.tasks.process.documents import DocumentTaskRunner
from lumi.tasks.process.index_access import already_applied, open_index_work
from lumi.tasks.process.indexes import zeroed_details
from lumi.tasks.process.settings import apply_settings_task
from lumi.timefmt import now_ns


def run_index_batch(ctx: BatchContext) -> BatchOutcome:
    uid = ctx.plan.index_uid or ""
    reused = already_applied(ctx, uid)
    if reused is not None:
        return _with_meta_update(ctx, uid, reused)
    try:
        with open_index_work(ctx, uid, create=ctx.plan.must_create_index) as work:
            documents = DocumentTaskRunner(ctx, work)
            results: dict[int, TaskResult] = {}
            for position, task in enumerate(ctx.tasks):
                ctx.check_abort()
                ctx.report_progress("processing tasks", position, len(ctx.tasks))
                if task.type == "settingsUpdate":
                    results[task.uid] = apply_settings_task(ctx, task, work)
                else:
                    results[task.uid] = documents.run(task)
            documents.finish()
            work.results = results
    except LumiError as error:
        return BatchOutcome({t.uid: TaskResult.failed(error, zeroed_details(t)) for t in ctx.tasks})
    meta = work.new_meta(now_ns())
    return BatchOutcome(work.results, store_changes=[lambda txn: ctx.registry.put_meta(txn, meta)])


def _with_meta_update(ctx: BatchContext, uid: str, results: dict[int, TaskResult]) -> BatchOutcome:
    """Finish a batch whose index commit survived a crash: refresh the mapping record."""
    with ctx.store.read() as txn:
        found = ctx.registry.get(txn, uid)
    if found is None:
        return BatchOutcome(results)
    meta, index = found
    with index.read() as txn:
        primary_key = index.primary_key(txn)
    fresh = IndexMeta(uid, meta.dir, meta.created_at, now_ns(), primary_key)
    return BatchOutcome(results, store_changes=[lambda txn: ctx.registry.put_meta(txn, fresh)])
