"""Settings tasks of an index batch: merge the received patch into the stored settings."""

from __future__ import annotations

from lumi.index.settings import apply_patch
from lumi.tasks.models import Task
from lumi.tasks.process.base import BatchContext, TaskResult
from lumi.tasks.process.index_access import IndexWork


def apply_settings_task(ctx: BatchContext, task: Task, work: IndexWork) -> TaskResult:
    current = work.index.settings(work.txn)
    updated = apply_patch(current, task.params["settings"])
    work.index.set_settings(work.txn, updated)
    return TaskResult("succeeded", task.details)
