"""Index batches: creation, update (primary key, rename), deletion and swaps.

The index mapping lives in the task store, so these batches mostly return ``store_changes``
that the scheduler commits with the finished tasks; directories are created before and
deleted after that commit.
"""

from __future__ import annotations

from typing import Any

from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.index.registry import IndexMeta
from lumi.storage import codecs
from lumi.storage.env import Txn
from lumi.tasks.models import Task
from lumi.tasks.process.base import BatchContext, BatchOutcome, TaskResult
from lumi.tasks.process.index_access import index_not_found, open_index_work
from lumi.timefmt import now_ns


def create_index(ctx: BatchContext) -> BatchOutcome:
    task = ctx.tasks[0]
    uid = task.index_uid or ""
    with ctx.store.read() as txn:
        exists = ctx.registry.meta(txn, uid) is not None
    if exists:
        error = LumiError("index_already_exists", f"Index `{uid}` already exists.")
        return BatchOutcome({task.uid: TaskResult.failed(error, task.details)})
    with open_index_work(ctx, uid, create=True) as work:
        primary_key = task.params.get("primaryKey")
        if primary_key is not None:
            work.index.set_primary_key(work.txn, primary_key)
            work.primary_key = primary_key
        work.results = {task.uid: TaskResult("succeeded", task.details)}
    meta = work.new_meta(now_ns())
    return BatchOutcome(work.results, store_changes=[lambda txn: ctx.registry.put_meta(txn, meta)])


def update_index(ctx: BatchContext) -> BatchOutcome:
    task = ctx.tasks[0]
    uid = task.index_uid or ""
    new_uid = task.params.get("newUid")
    primary_key = task.params.get("primaryKey")
    try:
        with ctx.store.read() as txn:
            if ctx.registry.meta(txn, uid) is None:
                raise index_not_found(uid)
            if new_uid is not None and new_uid != uid and ctx.registry.meta(txn, new_uid):
                raise LumiError("index_already_exists", f"Index `{new_uid}` already exists.")
        with open_index_work(ctx, uid, create=False) as work:
            current = work.primary_key
            if primary_key is not None and primary_key != current:
                if current is not None and work.index.number_of_documents(work.txn) > 0:
                    raise LumiError(
                        "index_primary_key_already_exists",
                        f"Index `{uid}`: Index already has a primary key: `{current}`.",
                    )
                work.index.set_primary_key(work.txn, primary_key)
                work.primary_key = primary_key
            work.results = {task.uid: TaskResult("succeeded", task.details)}
    except LumiError as error:
        return BatchOutcome({task.uid: TaskResult.failed(error, task.details)})
    meta = work.new_meta(now_ns())

    def change(txn: Txn) -> None:
        if new_uid is not None and new_uid != uid:
            ctx.registry.remove_meta(txn, uid)
            ctx.registry.put_meta(
                txn,
                IndexMeta(new_uid, meta.dir, meta.created_at, meta.updated_at, meta.primary_key),
            )
        else:
            ctx.registry.put_meta(txn, meta)

    return BatchOutcome(work.results, store_changes=[change])


def delete_index(ctx: BatchContext) -> BatchOutcome:
    """An index deletion, possibly swallowing earlier tasks of the same index."""
    uid = ctx.plan.index_uid or ""
    with ctx.store.read() as txn:
        found = ctx.registry.get(txn, uid)
    if found is None and not ctx.plan.must_create_index:
        error = index_not_found(uid)
        return BatchOutcome({t.uid: TaskResult.failed(error, zeroed_details(t)) for t in ctx.tasks})
    meta, index = found if found is not None else (None, None)
    count = 0
    if index is not None:
        with index.read() as txn:
            count = index.number_of_documents(txn)
    results = {}
    for task in ctx.tasks:
        details = zeroed_details(task)
        if task.type == "indexDeletion":
            details = {"deletedDocuments": count}
        results[task.uid] = TaskResult("succeeded", details)
    if meta is None:
        # The swallowed tasks would have created the index that the deletion removes.
        return BatchOutcome(results)
    directory = meta.dir
    return BatchOutcome(
        results,
        store_changes=[lambda txn: ctx.registry.remove_meta(txn, uid)],
        after_commit=[lambda: ctx.registry.destroy(directory)],
    )


def swap_indexes(ctx: BatchContext) -> BatchOutcome:
    task = ctx.tasks[0]
    swaps: list[dict[str, Any]] = task.params["swaps"]
    with ctx.store.read() as txn:
        missing = [
            uid
            for swap in swaps
            for uid in (swap["indexes"] if not swap.get("rename") else swap["indexes"][:1])
            if ctx.registry.meta(txn, uid) is None
        ]
        taken = [
            swap["indexes"]
            for swap in swaps
            if swap.get("rename") and ctx.registry.meta(txn, swap["indexes"][1]) is not None
        ]
    if missing:
        names = ", ".join(f"`{m}`" for m in dict.fromkeys(missing))
        word = "Index" if len(set(missing)) == 1 else "Indexes"
        error = LumiError("index_not_found", f"{word} {names} not found.")
        return BatchOutcome({task.uid: TaskResult.failed(error, task.details)})
    if taken:
        if len(taken) == 1:
            a, b = taken[0]
            message = (
                f"Cannot rename `{a}` to `{b}` as the index already exists. "
                f"Hint: You can remove `{b}` first and then do your remove."
            )
        else:
            names = ", ".join(f"`{pair[1]}`" for pair in taken)
            message = (
                "The following indexes are being renamed but cannot because their new name "
                f"conflicts with an already existing index: {names}. Renaming doesn't "
                "overwrite the other index name."
            )
        error = LumiError("index_already_exists", message)
        return BatchOutcome({task.uid: TaskResult.failed(error, task.details)})

    def change(txn: Txn) -> None:
        for swap in swaps:
            a, b = swap["indexes"]
            meta_a = ctx.registry.meta(txn, a)
            meta_b = ctx.registry.meta(txn, b)
            assert meta_a is not None
            ctx.registry.remove_meta(txn, a)
            if meta_b is not None:
                ctx.registry.remove_meta(txn, b)
                ctx.registry.put_meta(txn, _renamed(meta_b, a))
            ctx.registry.put_meta(txn, _renamed(meta_a, b))
            _rewrite_history(ctx, txn, a, b, task.uid)

    return BatchOutcome({task.uid: TaskResult("succeeded", task.details)}, store_changes=[change])


def _renamed(meta: IndexMeta, uid: str) -> IndexMeta:
    return IndexMeta(uid, meta.dir, meta.created_at, meta.updated_at, meta.primary_key)


def _rewrite_history(ctx: BatchContext, txn: Txn, a: str, b: str, below: int) -> None:
    """Tasks older than the swap that named ``a`` now name ``b`` and the other way round."""
    store = ctx.store
    older = BitMap(range(below))
    all_a = store.bitmap(txn, "by_index", a.encode())
    all_b = store.bitmap(txn, "by_index", b.encode())
    moved_a, moved_b = all_a & older, all_b & older
    for uids, new_uid in ((moved_a, b), (moved_b, a)):
        for task in list(store.get_tasks(txn, uids)):
            task.index_uid = new_uid
            txn.put(codecs.u32(task.uid), codecs.dumps(task.to_record()), db=store.db["tasks"])
    new_a = (all_a - moved_a) | moved_b
    new_b = (all_b - moved_b) | moved_a
    for key, bm in ((a.encode(), new_a), (b.encode(), new_b)):
        if bm:
            txn.put(key, codecs.bitmap_bytes(bm), db=store.db["by_index"])
        else:
            txn.delete(key, db=store.db["by_index"])


_ZERO_COUNTS = {
    "indexedDocuments": 0,
    "deletedDocuments": 0,
    "canceledTasks": 0,
    "deletedTasks": 0,
    "editedDocuments": 0,
}


def zeroed_details(task: Task) -> dict[str, Any] | None:
    """Details of a task that did not run to the end: its pending counts become 0."""
    if task.details is None:
        return None
    return {
        k: (_ZERO_COUNTS[k] if k in _ZERO_COUNTS and v is None else v)
        for k, v in task.details.items()
    }
