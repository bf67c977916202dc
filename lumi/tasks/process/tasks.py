"""Task batches: cancelations and deletions of other tasks.

Both kinds had their matched set fixed at enqueue time (stored as a bitmap in the task's
payload slot). A cancelation cancels what of it is still enqueued; deletions remove what of
it is finished. Each runs in the single task-store transaction that finishes the batch, so
it is all or nothing.
"""

from __future__ import annotations

from pyroaring import BitMap

from lumi.storage import codecs
from lumi.storage.env import Txn
from lumi.tasks.models import Task
from lumi.tasks.process.base import BatchContext, BatchOutcome, TaskResult
from lumi.tasks.process.indexes import zeroed_details


def matched_tasks(ctx: BatchContext, task: Task) -> BitMap:
    with ctx.store.read() as txn:
        raw = ctx.store.payload(txn, task.uid)
    return codecs.bitmap(raw)


def cancel_tasks(ctx: BatchContext, finished_at: int) -> BatchOutcome:
    task = ctx.tasks[0]
    matched = matched_tasks(ctx, task)
    with ctx.store.read() as txn:
        canceled = matched & ctx.store.bitmap(txn, "by_status", b"enqueued")
        victims = list(ctx.store.get_tasks(txn, canceled))
    touched = []
    for victim in victims:
        victim.status = "canceled"
        victim.canceled_by = task.uid
        victim.details = zeroed_details(victim)
        victim.batch_uid = ctx.batch_uid
        victim.started_at = ctx.started_at
        victim.finished_at = finished_at
        touched.append(victim)
    details = dict(task.details or {})
    details["canceledTasks"] = len(victims)
    return BatchOutcome({task.uid: TaskResult("succeeded", details)}, touched=touched)


def delete_tasks(ctx: BatchContext) -> BatchOutcome:
    results: dict[int, TaskResult] = {}
    to_delete = BitMap()
    with ctx.store.read() as txn:
        finished = BitMap()
        for status in (b"succeeded", b"failed", b"canceled"):
            finished |= ctx.store.bitmap(txn, "by_status", status)
    for task in ctx.tasks:
        deleted = matched_tasks(ctx, task) & finished
        to_delete |= deleted
        details = dict(task.details or {})
        details["deletedTasks"] = len(deleted)
        results[task.uid] = TaskResult("succeeded", details)

    def change(txn: Txn) -> None:
        ctx.store.delete_tasks(txn, to_delete)

    return BatchOutcome(results, store_changes=[change])
