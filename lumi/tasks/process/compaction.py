"""Index compaction: copy an index environment with compaction into a new directory, then
point the index at it.

The copy is made from a read transaction while the scheduler, the index's only writer, is
busy with this batch, so nothing is lost. The mapping switches in the task-store commit
that finishes the task; the old directory is removed only after that commit. A crash
before it leaves the copy unmapped, and one after it leaves the old directory unmapped:
either is removed at the next start.
"""

from __future__ import annotations

from lumi.index.payloads.sizes import format_byte_size
from lumi.index.registry import IndexMeta
from lumi.storage.env import Txn, lmdb_errors
from lumi.tasks.process.base import BatchContext, BatchOutcome, TaskResult
from lumi.tasks.process.index_access import index_not_found

_DATA_FILE = "data.mdb"


def compact_index(ctx: BatchContext) -> BatchOutcome:
    task = ctx.tasks[0]
    uid = task.index_uid or ""
    with ctx.store.read() as txn:
        meta = ctx.registry.meta(txn, uid)
    if meta is None:
        return BatchOutcome({task.uid: TaskResult.failed(index_not_found(uid), task.details)})
    old_path = ctx.registry.root / meta.dir / _DATA_FILE
    new_dir = ctx.registry.new_dir()
    new_path = ctx.registry.root / new_dir
    ctx.report_progress("compacting the index", 0, 1)
    try:
        with lmdb_errors():
            new_path.mkdir(parents=True)
            ctx.registry.open(meta.dir).env.copy(str(new_path), compact=True)
            before, after = old_path.stat().st_size, (new_path / _DATA_FILE).stat().st_size
    except BaseException:
        ctx.registry.destroy(new_dir)
        raise
    moved = IndexMeta(uid, new_dir, meta.created_at, meta.updated_at, meta.primary_key)
    details = {
        "preCompactionSize": format_byte_size(before),
        "postCompactionSize": format_byte_size(after),
    }

    def switch(txn: Txn) -> None:
        ctx.registry.put_meta(txn, moved)

    return BatchOutcome(
        {task.uid: TaskResult("succeeded", details)},
        store_changes=[switch],
        after_commit=[lambda: ctx.registry.destroy(meta.dir)],
    )
