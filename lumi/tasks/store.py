"""The task store: one LMDB environment holding tasks, batches, their bitmap indexes, the
index-uid -> directory mapping, API keys, webhooks and instance-wide settings.

Every task filter of ``GET /tasks`` is answered from bitmaps of task uids kept per status,
type, index, batch and canceling task (see ``query.py``); enqueue times are monotonic in uid
order, so a date bound becomes a uid bound. Web workers write here only to register tasks
and to manage keys and webhooks, in short transactions; the scheduler writes everything
else. Small document payloads live in the ``payloads`` sub-database so that a task and its
payload are committed by the same fsync; large ones are files under ``update_files/``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pyroaring import BitMap

from lumi.storage import codecs
from lumi.storage.env import Txn, open_env
from lumi.tasks.models import Batch, Task

TASKS_MAP_SIZE = 20 * 1024**3
# Above this share of the map, writes are refused so deletions can still be registered.
WRITE_LIMIT_RATIO = 0.4

_DBS = (
    "meta",
    "tasks",
    "batches",
    "by_status",
    "by_type",
    "by_index",
    "by_canceled_by",
    "by_batch",
    "enqueued_at",
    "batch_started",
    "batch_finished",
    "payloads",
    "indexes",
    "keys",
    "key_digests",
    "webhooks",
    "meta_json",
)

_NEXT_TASK = b"next_task_uid"
_NEXT_BATCH = b"next_batch_uid"
_LAST_ENQUEUED = b"last_enqueued_at"


class TaskStore:
    """Typed access to the task environment. Methods take the transaction to run in."""

    def __init__(self, path: Path, *, map_size: int = TASKS_MAP_SIZE) -> None:
        self.path = path
        self.env = open_env(path, map_size=map_size, max_dbs=len(_DBS) + 2)
        self.db = {name: self.env.open_db(name.encode()) for name in _DBS}
        # Posting lists changed in each open write transaction, written at its commit.
        self._pending: dict[int, dict[tuple[str, bytes], BitMap]] = {}

    def close(self) -> None:
        self.env.close()

    def read(self) -> Txn:
        return self.env.begin(buffers=False)

    @contextlib.contextmanager
    def write(self) -> Iterator[Txn]:
        """A write transaction, committed when the block ends without an exception.

        Bitmap updates made through ``put_task`` stay in memory until a read needs them or
        the commit: a batch of a thousand tasks then rewrites each posting list once, not a
        thousand times, and holds the write lock that much shorter.
        """
        txn = self.env.begin(write=True)
        self._pending[id(txn)] = {}
        try:
            yield txn
            self._flush(txn)
            txn.commit()
        except BaseException:
            txn.abort()
            raise
        finally:
            self._pending.pop(id(txn), None)

    # ---- tasks -------------------------------------------------------------------------

    def get_task(self, txn: Txn, uid: int) -> Task | None:
        raw = txn.get(codecs.u32(uid), db=self.db["tasks"])
        return None if raw is None else Task.from_record(codecs.loads(raw))

    def get_tasks(self, txn: Txn, uids: Iterable[int]) -> Iterator[Task]:
        for uid in uids:
            task = self.get_task(txn, uid)
            if task is not None:
                yield task

    def task_count(self, txn: Txn) -> int:
        return int(txn.stat(self.db["tasks"])["entries"])

    def next_task_uid(self, txn: Txn) -> int:
        raw = txn.get(_NEXT_TASK, db=self.db["meta"])
        return 0 if raw is None else codecs.from_u32(raw)

    def register(self, txn: Txn, task: Task, payload: bytes | None, now: int) -> Task:
        """Give ``task`` the next uid and a monotonic enqueue time, and store it."""
        uid = self.next_task_uid(txn)
        last = txn.get(_LAST_ENQUEUED, db=self.db["meta"])
        enqueued_at = max(now, codecs.from_u64(last) + 1) if last is not None else now
        task.uid = uid
        task.enqueued_at = enqueued_at
        txn.put(_NEXT_TASK, codecs.u32(uid + 1), db=self.db["meta"])
        txn.put(_LAST_ENQUEUED, codecs.u64(enqueued_at), db=self.db["meta"])
        txn.put(codecs.u64(enqueued_at) + codecs.u32(uid), b"", db=self.db["enqueued_at"])
        if payload is not None:
            txn.put(codecs.u32(uid), payload, db=self.db["payloads"])
        self.put_task(txn, task, None)
        return task

    def restore_task(self, txn: Txn, task: Task) -> None:
        """Store a task as given, uid and enqueue time kept (importing a dump); the uid
        counter and the last enqueue time move past it."""
        meta = self.db["meta"]
        txn.put(codecs.u64(task.enqueued_at) + codecs.u32(task.uid), b"", db=self.db["enqueued_at"])
        self.put_task(txn, task, None)
        if task.uid >= self.next_task_uid(txn):
            txn.put(_NEXT_TASK, codecs.u32(task.uid + 1), db=meta)
        last = txn.get(_LAST_ENQUEUED, db=meta)
        if last is None or codecs.from_u64(last) < task.enqueued_at:
            txn.put(_LAST_ENQUEUED, codecs.u64(task.enqueued_at), db=meta)

    def put_payload(self, txn: Txn, uid: int, payload: bytes) -> None:
        txn.put(codecs.u32(uid), payload, db=self.db["payloads"])

    def reserve_uids(self, txn: Txn, next_task: int, next_batch: int) -> None:
        """Make the next registered task and batch get at least these uids."""
        meta = self.db["meta"]
        if next_task > self.next_task_uid(txn):
            txn.put(_NEXT_TASK, codecs.u32(next_task), db=meta)
        if next_batch > self.next_batch_uid(txn):
            txn.put(_NEXT_BATCH, codecs.u32(next_batch), db=meta)

    def put_task(self, txn: Txn, task: Task, old: Task | None) -> None:
        """Write ``task`` and move its uid between bitmaps where its fields changed."""
        txn.put(codecs.u32(task.uid), codecs.dumps(task.to_record()), db=self.db["tasks"])
        pairs = (
            ("by_status", _text(old.status) if old else None, _text(task.status)),
            ("by_type", _text(old.type) if old else None, _text(task.type)),
            ("by_index", _opt_text(old.index_uid) if old else None, _opt_text(task.index_uid)),
            (
                "by_canceled_by",
                _opt_u32(old.canceled_by) if old else None,
                _opt_u32(task.canceled_by),
            ),
            ("by_batch", _opt_u32(old.batch_uid) if old else None, _opt_u32(task.batch_uid)),
        )
        for db_name, before, after in pairs:
            if before == after:
                continue
            if before is not None:
                self._bitmap_remove(txn, db_name, before, task.uid)
            if after is not None:
                self._bitmap_add(txn, db_name, after, task.uid)

    def delete_tasks(self, txn: Txn, uids: BitMap) -> None:
        """Remove finished tasks and every trace of them in the indexes of the store."""
        self._flush(txn)
        touched_batches: set[int] = set()
        for task in list(self.get_tasks(txn, uids)):
            txn.delete(codecs.u32(task.uid), db=self.db["tasks"])
            txn.delete(
                codecs.u64(task.enqueued_at) + codecs.u32(task.uid), db=self.db["enqueued_at"]
            )
            txn.delete(codecs.u32(task.uid), db=self.db["payloads"])
            if task.batch_uid is not None:
                touched_batches.add(task.batch_uid)
        for db_name in ("by_status", "by_type", "by_index", "by_canceled_by"):
            self._subtract_everywhere(txn, db_name, uids)
        for batch_uid in touched_batches:
            key = codecs.u32(batch_uid)
            remaining = codecs.bitmap(txn.get(key, db=self.db["by_batch"])) - uids
            if remaining:
                txn.put(key, codecs.bitmap_bytes(remaining), db=self.db["by_batch"])
            else:
                txn.delete(key, db=self.db["by_batch"])
                self._delete_batch(txn, batch_uid)

    # ---- payloads ----------------------------------------------------------------------

    def payload(self, txn: Txn, uid: int) -> bytes | None:
        return txn.get(codecs.u32(uid), db=self.db["payloads"])

    def drop_payload(self, txn: Txn, uid: int) -> None:
        txn.delete(codecs.u32(uid), db=self.db["payloads"])

    # ---- bitmaps -----------------------------------------------------------------------

    def bitmap(self, txn: Txn, db_name: str, key: bytes) -> BitMap:
        self._flush(txn)
        return codecs.bitmap(txn.get(key, db=self.db[db_name]))

    def bitmap_keys(self, txn: Txn, db_name: str) -> Iterator[tuple[bytes, BitMap]]:
        self._flush(txn)
        with txn.cursor(db=self.db[db_name]) as cur:
            for key, value in cur:
                yield key, codecs.bitmap(value)

    def all_task_uids(self, txn: Txn) -> BitMap:
        out = BitMap()
        for _key, bm in self.bitmap_keys(txn, "by_status"):
            out |= bm
        return out

    def first_uid_enqueued_at_or_after(self, txn: Txn, ns: int) -> int | None:
        """Smallest task uid whose enqueue time is >= ``ns`` (enqueue times grow with uids)."""
        with txn.cursor(db=self.db["enqueued_at"]) as cur:
            if not cur.set_range(codecs.u64(max(ns, 0))):
                return None
            return codecs.from_u32(cur.key()[8:12])

    def batches_in_time_range(
        self, txn: Txn, db_name: str, after: int | None, before: int | None
    ) -> list[int]:
        """Uids of batches whose start (or finish) time is strictly inside the bounds."""
        out: list[int] = []
        start = codecs.u64(after + 1 if after is not None else 0)
        with txn.cursor(db=self.db[db_name]) as cur:
            if not cur.set_range(start):
                return out
            for key in cur.iternext(values=False):
                ns = codecs.from_u64(key[:8])
                if before is not None and ns >= before:
                    break
                out.append(codecs.from_u32(key[8:12]))
        return out

    def _cached(self, txn: Txn, db_name: str, key: bytes) -> BitMap:
        pending = self._pending.get(id(txn))
        if pending is None:  # a transaction not opened by ``write``: no deferral
            raise RuntimeError("task store writes must use TaskStore.write()")
        bm = pending.get((db_name, key))
        if bm is None:
            bm = pending[(db_name, key)] = codecs.bitmap(txn.get(key, db=self.db[db_name]))
        return bm

    def _bitmap_add(self, txn: Txn, db_name: str, key: bytes, uid: int) -> None:
        self._cached(txn, db_name, key).add(uid)

    def _bitmap_remove(self, txn: Txn, db_name: str, key: bytes, uid: int) -> None:
        self._cached(txn, db_name, key).discard(uid)

    def _flush(self, txn: Txn) -> None:
        """Write the posting lists changed so far in ``txn``."""
        pending = self._pending.get(id(txn))
        if not pending:
            return
        for (db_name, key), bm in pending.items():
            if bm:
                txn.put(key, codecs.bitmap_bytes(bm), db=self.db[db_name])
            else:
                txn.delete(key, db=self.db[db_name])
        pending.clear()

    def _subtract_everywhere(self, txn: Txn, db_name: str, uids: BitMap) -> None:
        for key, bm in list(self.bitmap_keys(txn, db_name)):
            if not bm.intersect(uids):
                continue
            rest = bm - uids
            if rest:
                txn.put(key, codecs.bitmap_bytes(rest), db=self.db[db_name])
            else:
                txn.delete(key, db=self.db[db_name])

    # ---- batches -----------------------------------------------------------------------

    def next_batch_uid(self, txn: Txn) -> int:
        raw = txn.get(_NEXT_BATCH, db=self.db["meta"])
        return 0 if raw is None else codecs.from_u32(raw)

    def get_batch(self, txn: Txn, uid: int) -> Batch | None:
        raw = txn.get(codecs.u32(uid), db=self.db["batches"])
        return None if raw is None else Batch.from_record(codecs.loads(raw))

    def put_batch(self, txn: Txn, batch: Batch) -> None:
        key = codecs.u32(batch.uid)
        txn.put(key, codecs.dumps(batch.to_record()), db=self.db["batches"])
        txn.put(_NEXT_BATCH, codecs.u32(batch.uid + 1), db=self.db["meta"])
        txn.put(codecs.u64(batch.started_at) + key, b"", db=self.db["batch_started"])
        if batch.finished_at is not None:
            txn.put(codecs.u64(batch.finished_at) + key, b"", db=self.db["batch_finished"])

    def all_batch_uids(self, txn: Txn) -> BitMap:
        with txn.cursor(db=self.db["batches"]) as cur:
            return BitMap(codecs.from_u32(k) for k in cur.iternext(values=False))

    def _delete_batch(self, txn: Txn, uid: int) -> None:
        batch = self.get_batch(txn, uid)
        if batch is None:
            return
        key = codecs.u32(uid)
        txn.delete(key, db=self.db["batches"])
        txn.delete(codecs.u64(batch.started_at) + key, db=self.db["batch_started"])
        if batch.finished_at is not None:
            txn.delete(codecs.u64(batch.finished_at) + key, db=self.db["batch_finished"])

    # ---- simple records: indexes, keys, webhooks, meta ---------------------------------

    def get_record(self, txn: Txn, db_name: str, key: str) -> Any:
        raw = txn.get(key.encode(), db=self.db[db_name])
        return None if raw is None else codecs.loads(raw)

    def put_record(self, txn: Txn, db_name: str, key: str, value: Any) -> None:
        txn.put(key.encode(), codecs.dumps(value), db=self.db[db_name])

    def delete_record(self, txn: Txn, db_name: str, key: str) -> bool:
        return bool(txn.delete(key.encode(), db=self.db[db_name]))

    def records(self, txn: Txn, db_name: str) -> Iterator[tuple[str, Any]]:
        with txn.cursor(db=self.db[db_name]) as cur:
            for key, value in cur:
                yield key.decode(), codecs.loads(value)

    def used_bytes(self) -> int:
        info = self.env.info()
        return (info["last_pgno"] + 1) * self.env.stat()["psize"]

    def over_write_limit(self) -> bool:
        return self.used_bytes() > self.env.info()["map_size"] * WRITE_LIMIT_RATIO


def _text(value: str) -> bytes:
    return value.encode()


def _opt_text(value: str | None) -> bytes | None:
    return None if value is None else value.encode()


def _opt_u32(value: int | None) -> bytes | None:
    return None if value is None else codecs.u32(value)
