"""Snapshot batches: every enqueued ``snapshotCreation`` task, answered by one snapshot.

The file is ``<snapshot dir>/<data dir name>.snapshot``, replaced by each new snapshot.
Snapshot tasks have no ``details`` at all, whatever their outcome.
"""

from __future__ import annotations

from lumi.dumps.snapshot import snapshot_name, write_snapshot
from lumi.storage.env import lmdb_errors
from lumi.tasks.process.base import BatchContext, BatchOutcome, TaskResult


def create_snapshot(ctx: BatchContext) -> BatchOutcome:
    data_dir = ctx.store.path.parent  # the task store lives in ``<data dir>/tasks``
    uids = [task.uid for task in ctx.tasks]
    with lmdb_errors():  # disk full and I/O errors fail the tasks with their own codes
        write_snapshot(ctx.snapshot_dir / snapshot_name(data_dir), ctx.store, ctx.registry, uids)
    return BatchOutcome({uid: TaskResult("succeeded", None) for uid in uids})
