"""Task and batch filters turned into bitmap algebra over the task store.

All filters are AND-ed, values inside one filter are OR-ed. ``processing`` exists only in
the published runtime state, so status filters overlay the running batch: its tasks are
``processing`` and not ``enqueued``. Dates are strict bounds; a bare ``YYYY-MM-DD`` means
midnight for ``before*`` and the next midnight for ``after*``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyroaring import BitMap

from lumi.storage import codecs
from lumi.storage.env import Txn
from lumi.tasks.runtime import CurrentBatch
from lumi.tasks.store import TaskStore

_DAY_NS = 86_400 * 1_000_000_000

IndexFilter = Callable[[str], bool]


@dataclass(slots=True)
class TaskQuery:
    uids: list[int] | None = None
    batch_uids: list[int] | None = None
    canceled_by: list[int] | None = None
    types: list[str] | None = None
    statuses: list[str] | None = None
    index_uids: list[str] | None = None
    after_enqueued_at: int | None = None
    before_enqueued_at: int | None = None
    after_started_at: int | None = None
    before_started_at: int | None = None
    after_finished_at: int | None = None
    before_finished_at: int | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in self.__slots__)


def date_bound(ns: int, *, date_only: bool, is_after: bool) -> int:
    """A bare date used as an ``after`` bound excludes the whole day."""
    return ns + _DAY_NS if date_only and is_after else ns


def _union(store: TaskStore, txn: Txn, db_name: str, keys: list[bytes]) -> BitMap:
    return BitMap.union(BitMap(), *(store.bitmap(txn, db_name, key) for key in keys))


def visible_tasks(store: TaskStore, txn: Txn, allowed: IndexFilter) -> BitMap:
    """Tasks of the indexes a restricted key may see (never the global ones)."""
    out = BitMap()
    for key, bm in store.bitmap_keys(txn, "by_index"):
        if allowed(key.decode()):
            out |= bm
    return out


def match_tasks(
    store: TaskStore,
    txn: Txn,
    query: TaskQuery,
    current: CurrentBatch | None,
    allowed: IndexFilter | None = None,
) -> BitMap:
    """Uids of the tasks matching every filter of ``query``."""
    processing = current.task_uids if current is not None else BitMap()
    result = store.all_task_uids(txn)
    if query.uids is not None:
        result &= BitMap(query.uids)
    if query.batch_uids is not None:
        bm = _union(store, txn, "by_batch", [codecs.u32(b) for b in query.batch_uids])
        if current is not None and current.uid in query.batch_uids:
            bm |= processing
        result &= bm
    if query.statuses is not None:
        result &= _status_bitmap(store, txn, query.statuses, processing)
    if query.types is not None:
        result &= _union(store, txn, "by_type", [t.encode() for t in query.types])
    if query.index_uids is not None:
        result &= _union(store, txn, "by_index", [i.encode() for i in query.index_uids])
    if query.canceled_by is not None:
        result &= _union(store, txn, "by_canceled_by", [codecs.u32(c) for c in query.canceled_by])
    result = _enqueued_range(store, txn, result, query)
    if query.after_started_at is not None or query.before_started_at is not None:
        bm = _batch_time_tasks(
            store, txn, "batch_started", query.after_started_at, query.before_started_at
        )
        if current is not None and _inside(
            current.started_at, query.after_started_at, query.before_started_at
        ):
            bm |= processing
        result &= bm
    if query.after_finished_at is not None or query.before_finished_at is not None:
        result &= _batch_time_tasks(
            store, txn, "batch_finished", query.after_finished_at, query.before_finished_at
        )
    if allowed is not None:
        result &= visible_tasks(store, txn, allowed)
    return result


def _status_bitmap(store: TaskStore, txn: Txn, statuses: list[str], processing: BitMap) -> BitMap:
    out = BitMap()
    for status in statuses:
        if status == "processing":
            out |= processing
        elif status == "enqueued":
            out |= store.bitmap(txn, "by_status", b"enqueued") - processing
        else:
            out |= store.bitmap(txn, "by_status", status.encode())
    return out


def _inside(ns: int, after: int | None, before: int | None) -> bool:
    return (after is None or ns > after) and (before is None or ns < before)


def _enqueued_range(store: TaskStore, txn: Txn, result: BitMap, query: TaskQuery) -> BitMap:
    if query.after_enqueued_at is not None:
        first = store.first_uid_enqueued_at_or_after(txn, query.after_enqueued_at + 1)
        if first is None:
            return BitMap()
        result = result - BitMap(range(0, first)) if first else result
    if query.before_enqueued_at is not None:
        first = store.first_uid_enqueued_at_or_after(txn, query.before_enqueued_at)
        if first is not None:
            result = result & BitMap(range(0, first))
    return result


def _batch_time_tasks(
    store: TaskStore, txn: Txn, db_name: str, after: int | None, before: int | None
) -> BitMap:
    batches = store.batches_in_time_range(txn, db_name, after, before)
    return _union(store, txn, "by_batch", [codecs.u32(b) for b in batches])


def match_batches(
    store: TaskStore,
    txn: Txn,
    query: TaskQuery,
    current: CurrentBatch | None,
    allowed: IndexFilter | None = None,
) -> BitMap:
    """Uids of the batches matching ``query``: a batch matches when one of its tasks does.

    ``uids`` names task uids, ``canceledBy`` names cancelation tasks whose own batch is
    wanted, and ``statuses=enqueued`` never matches a batch.
    """
    result = store.all_batch_uids(txn)
    if current is not None:
        result.add(current.uid)
    if query.batch_uids is not None:
        result &= BitMap(query.batch_uids)
    if query.canceled_by is not None:
        result &= _batches_of(store, txn, BitMap(query.canceled_by), current)
    task_query = TaskQuery(
        uids=query.uids,
        statuses=query.statuses,
        types=query.types,
        index_uids=query.index_uids,
        after_enqueued_at=query.after_enqueued_at,
        before_enqueued_at=query.before_enqueued_at,
    )
    if not task_query.is_empty() or allowed is not None:
        if query.statuses is not None:
            task_query.statuses = [s for s in query.statuses if s != "enqueued"]
        tasks = match_tasks(store, txn, task_query, current, allowed)
        result &= _batches_of(store, txn, tasks, current)
    if query.after_started_at is not None or query.before_started_at is not None:
        bm = BitMap(
            store.batches_in_time_range(
                txn, "batch_started", query.after_started_at, query.before_started_at
            )
        )
        if current is not None and _inside(
            current.started_at, query.after_started_at, query.before_started_at
        ):
            bm.add(current.uid)
        result &= bm
    if query.after_finished_at is not None or query.before_finished_at is not None:
        result &= BitMap(
            store.batches_in_time_range(
                txn, "batch_finished", query.after_finished_at, query.before_finished_at
            )
        )
    return result


def _batches_of(store: TaskStore, txn: Txn, tasks: BitMap, current: CurrentBatch | None) -> BitMap:
    """Batch uids of ``tasks``: by intersecting batch bitmaps, cheaper than reading tasks."""
    out = BitMap()
    if current is not None and current.task_uids.intersect(tasks):
        out.add(current.uid)
    if not tasks:
        return out
    for key, bm in store.bitmap_keys(txn, "by_batch"):
        if bm.intersect(tasks):
            out.add(codecs.from_u32(key))
    return out


def paginate(
    matched: BitMap, from_uid: int | None, limit: int, reverse: bool
) -> tuple[list[int], int | None]:
    """One page of uids, newest first (oldest first with ``reverse``), and the next ``from``."""
    if reverse:
        start = 0 if from_uid is None else matched.rank(from_uid - 1) if from_uid > 0 else 0
        picked = [matched[i] for i in range(start, min(start + limit + 1, len(matched)))]
    else:
        end = len(matched) if from_uid is None else matched.rank(from_uid)
        picked = [matched[i] for i in range(end - 1, max(end - limit - 2, -1), -1)]
    if len(picked) > limit:
        return picked[:limit], picked[limit]
    return picked, None
