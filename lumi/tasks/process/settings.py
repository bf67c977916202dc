"""Settings tasks of an index batch: merge the received patch into the stored settings."""

from __future__ import annotations

from lumi.errors import LumiError
from lumi.index.settings import apply_patch, settings_diff
from lumi.tasks.models import Task
from lumi.tasks.process.base import BatchContext, TaskResult
from lumi.tasks.process.index_access import IndexWork


def apply_settings_task(ctx: BatchContext, task: Task, work: IndexWork) -> TaskResult:
    current = work.index.settings(work.txn)
    try:
        updated = apply_patch(current, task.params["settings"])
    except LumiError as error:
        return TaskResult.failed(error.prefixed(f"Index `{task.index_uid}`: "), task.details)
    work.index.set_settings(work.txn, updated)
    changes = settings_diff(current, updated)
    if changes.reindex_words:
        work.stale.add("words")
    if changes.reindex_facets:
        work.stale.add("facets")
    if changes.reindex_vectors:
        work.stale.add("vectors")
    return TaskResult("succeeded", task.details)
