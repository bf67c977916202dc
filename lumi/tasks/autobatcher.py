"""Decide which enqueued tasks the scheduler processes together next.

Batching is where most ordering subtleties of the task queue live (which operations may share
one write transaction, when an index is created, which primary key wins), so the decision is a
pure function of the enqueued tasks and the state of one index. The scheduler performs the I/O;
tests drive every rule with plain tables.

The order of decisions mirrors Meilisearch 1.50: global tasks first (cancelations, upgrades,
task deletions, compactions, exports, snapshots, dumps), then the oldest enqueued task picks an
index and every enqueued task of that index, in uid order, is offered to an open batch until one
cannot join. The reason the batch stopped growing is reported as the batch's ``batchStrategy``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class QueuedTask:
    """What the autobatcher needs to know about one enqueued task.

    ``other_index_uids`` extends the task model: the indexes a task involves besides
    ``index_uid`` (both sides of every pair of an ``indexSwap``, the new uid of an
    ``indexUpdate`` that renames). Those tasks then also stop batches of these indexes, so no
    later operation on an index jumps ahead of a swap or rename that changes what it targets.
    ``settings_allow_creation`` is false for settings resets, which never create an index.
    """

    uid: int
    kind: str
    index_uid: str | None
    primary_key: str | None = None
    allow_index_creation: bool = True
    payload_size: int = 0
    deletion: str | None = None
    settings_allow_creation: bool = True
    other_index_uids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IndexState:
    """The index as it is on disk before the batch runs."""

    exists: bool
    primary_key: str | None


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on one index batch; the first task is always taken whatever its size.

    ``max_tasks`` is at least 1 (1 when autobatching is disabled); None means no cap.
    """

    max_tasks: int | None = None
    max_payload_bytes: int = 10 * 1024**3


class BatchKind(StrEnum):
    """What the scheduler must do with a batch.

    - ``TASK_CANCELATION``: one ``taskCancelation``.
    - ``TASK_DELETION``: every enqueued ``taskDeletion``.
    - ``UPGRADE``: every enqueued ``upgradeDatabase``.
    - ``SNAPSHOT``: every enqueued ``snapshotCreation``.
    - ``DUMP``, ``EXPORT``, ``INDEX_COMPACTION``: one task of that type.
    - ``INDEX_CREATION``, ``INDEX_UPDATE``, ``INDEX_SWAP``, ``DOCUMENT_EDITION``: one task.
    - ``INDEX_DELETION``: an ``indexDeletion``, possibly preceded by operations on the same
      index that it makes moot (they succeed without effect).
    - ``DOCUMENTS``: document additions/updates and deletions by ids or by filter, applied in
      uid order (a deletion by filter never follows an addition in such a batch).
    - ``CLEAR``: at least one clear-all, with additions or deletions before or after it.
    - ``SETTINGS``: settings updates only.
    - ``CLEAR_AND_SETTINGS``: settings updates mixed with clear-alls and deletions.
    - ``SEARCH_RULES``: ``dsrUpdate`` tasks (rule creations, updates and deletions).
    - ``SEARCH_RULES_CLEAR``: at least one ``dsrClear``, possibly after ``dsrUpdate`` tasks.
    """

    TASK_CANCELATION = "task_cancelation"
    TASK_DELETION = "task_deletion"
    UPGRADE = "upgrade"
    SNAPSHOT = "snapshot"
    DUMP = "dump"
    EXPORT = "export"
    INDEX_COMPACTION = "index_compaction"
    INDEX_CREATION = "index_creation"
    INDEX_UPDATE = "index_update"
    INDEX_DELETION = "index_deletion"
    INDEX_SWAP = "index_swap"
    DOCUMENT_EDITION = "document_edition"
    DOCUMENTS = "documents"
    CLEAR = "clear"
    SETTINGS = "settings"
    CLEAR_AND_SETTINGS = "clear_and_settings"
    SEARCH_RULES = "search_rules"
    SEARCH_RULES_CLEAR = "search_rules_clear"


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """The next batch.

    ``must_create_index`` is true when the index is missing and the batch's first task (an
    addition, or a settings update, allowed to create it) creates it; in an ``INDEX_DELETION``
    batch it tells whether the swallowed tasks created the index, so the deletion succeeds.
    ``primary_key`` is the ``primaryKey`` parameter of the batch's additions (they all agree),
    only for ``DOCUMENTS`` batches.
    """

    kind: BatchKind
    task_uids: tuple[int, ...]
    index_uid: str | None
    strategy: str
    must_create_index: bool
    primary_key: str | None


def _only_task(uid: int, kind: str) -> str:
    return (
        f"created batch containing only task with id {uid} of type `{kind}` "
        "that cannot be batched with any other task."
    )


def _only_kind(kind: str) -> str:
    return (
        f"stopped after the last task of type `{kind}` "
        "because they cannot be batched with tasks of any other type."
    )


def _deletes_index(uid: int) -> str:
    return f"stopped after task with id {uid} because it deletes the index"


def _index_key_differs(uid: int, task_pk: str, index_pk: str) -> str:
    return (
        f"stopped batching before task with id {uid} because its primary key `{task_pk}` "
        f"is different from the primary key of the index `{index_pk}`"
    )


_NEWEST, _OLDEST, _ALL = range(3)

# Global tasks, in the order they take precedence over everything else.
_PRIORITIES: tuple[tuple[str, int, BatchKind], ...] = (
    ("taskCancelation", _NEWEST, BatchKind.TASK_CANCELATION),
    ("upgradeDatabase", _ALL, BatchKind.UPGRADE),
    ("taskDeletion", _ALL, BatchKind.TASK_DELETION),
    ("indexCompaction", _OLDEST, BatchKind.INDEX_COMPACTION),
    ("export", _OLDEST, BatchKind.EXPORT),
    ("snapshotCreation", _ALL, BatchKind.SNAPSHOT),
    ("dumpCreation", _OLDEST, BatchKind.DUMP),
)

# How an index task behaves when offered to a batch.
_ADD, _DEL_IDS, _DEL_FILTER, _CLEAR, _SETTINGS, _DELETE_INDEX, _ALONE, _RULES = range(8)

_OPERATIONS: dict[str, int] = {
    "documentAdditionOrUpdate": _ADD,
    "documentDeletion": _DEL_IDS,
    "settingsUpdate": _SETTINGS,
    "indexDeletion": _DELETE_INDEX,
    "indexCreation": _ALONE,
    "indexUpdate": _ALONE,
    "indexSwap": _ALONE,
    "documentEdition": _ALONE,
}
_DELETIONS: dict[str | None, int] = {
    None: _DEL_IDS,
    "ids": _DEL_IDS,
    "filter": _DEL_FILTER,
    "clear": _CLEAR,
}
_ALONE_KINDS: dict[str, BatchKind] = {
    "indexCreation": BatchKind.INDEX_CREATION,
    "indexUpdate": BatchKind.INDEX_UPDATE,
    "indexSwap": BatchKind.INDEX_SWAP,
    "documentEdition": BatchKind.DOCUMENT_EDITION,
}

# Batch states: open ones first (they index _TRANSITIONS), then the two closed ones.
_S_DOCS, _S_DELS, _S_CLEAR, _S_SETTINGS, _S_CLEAR_SETTINGS, _S_INDEX_DELETION, _S_ALONE = range(7)

_STOP_SETTINGS = (
    "stopped before task with id {} because it is a settings change "
    "which cannot be batched with document operations"
)
_STOP_FILTER = (
    "stopped before task with id {} because it is a deletion by filter "
    "which cannot be batched with document operations"
)
_STOP_DOCUMENTS = (
    "stopped before task with id {} because it is a document operation "
    "which cannot be batched with settings changes"
)
_STOP_CREATION = (
    "stopped before task with id {} because its index creation rules differ "
    "from the ones from the batch"
)

# _TRANSITIONS[state][operation]: the state after joining, or the stop text (``{}`` = task id).
# Operations are _ADD, _DEL_IDS, _DEL_FILTER, _CLEAR, _SETTINGS in that order.
_TRANSITIONS: tuple[tuple[int | str, ...], ...] = (
    (_S_DOCS, _S_DOCS, _STOP_FILTER, _S_CLEAR, _STOP_SETTINGS),
    (_S_DOCS, _S_DELS, _S_DELS, _S_CLEAR, _STOP_SETTINGS),
    (_STOP_SETTINGS, _S_CLEAR, _S_CLEAR, _S_CLEAR, _STOP_SETTINGS),
    (_STOP_DOCUMENTS, _STOP_DOCUMENTS, _STOP_DOCUMENTS, _S_CLEAR_SETTINGS, _S_SETTINGS),
    (_STOP_DOCUMENTS, _S_CLEAR_SETTINGS, _S_CLEAR_SETTINGS, _S_CLEAR_SETTINGS, _S_CLEAR_SETTINGS),
)
_STATE_KINDS = (
    BatchKind.DOCUMENTS,
    BatchKind.DOCUMENTS,
    BatchKind.CLEAR,
    BatchKind.SETTINGS,
    BatchKind.CLEAR_AND_SETTINGS,
    BatchKind.INDEX_DELETION,
)


def _operation(task: QueuedTask) -> int | None:
    """The task's batching behaviour; None for types that never batch per index."""
    operation = _OPERATIONS.get(task.kind)
    if operation == _DEL_IDS:
        return _DELETIONS[task.deletion]
    return operation


def _creation_right(task: QueuedTask, operation: int) -> bool | None:
    """Whether the task may create its index; None when creation is not its concern."""
    if operation == _ADD:
        return task.allow_index_creation
    if operation == _SETTINGS:
        return task.allow_index_creation and task.settings_allow_creation
    return None


class _Batch:
    """An index batch growing one task at a time; each step says why it stopped, if it did."""

    __slots__ = ("allow", "exists", "first", "index_pk", "must_create", "pk", "state", "uids")

    def __init__(self, first: QueuedTask, operation: int, index: IndexState) -> None:
        self.first = first
        self.uids = [first.uid]
        self.index_pk = index.primary_key if index.exists else None
        self.allow = _creation_right(first, operation)
        self.must_create = bool(self.allow) and not index.exists
        # Only a batch that cannot create the index meets the creation rule, so whether the
        # index exists before the batch is all the rule needs.
        self.exists = index.exists
        self.pk = first.primary_key if operation == _ADD else None

    def start(self, operation: int) -> str | None:
        """Open the batch with its first task; return a stop text if nothing can follow."""
        first = self.first
        if operation == _ALONE:
            self.state = _S_ALONE
            return _only_task(first.uid, first.kind)
        if operation == _DELETE_INDEX:
            self.state = _S_INDEX_DELETION
            return _deletes_index(first.uid)
        self.state = (_S_DOCS, _S_DELS, _S_DELS, _S_CLEAR, _S_SETTINGS)[operation]
        pk, index_pk = self.pk, self.index_pk
        if pk is not None and index_pk is not None and pk != index_pk:
            return _index_key_differs(first.uid, pk, index_pk)
        return None

    def offer(self, task: QueuedTask, operation: int) -> str | None:
        """Add ``task`` if it can join; otherwise leave the batch as is and return why not."""
        new_pk = self.pk
        if operation == _ADD:
            task_pk = task.primary_key
            # ``self.pk`` only ever holds a key that agrees with the index, so an equal key
            # needs no further check.
            if task_pk is not None and task_pk != new_pk:
                stop = self._primary_key_conflict(task.uid, task_pk)
                if stop is not None:
                    return stop
                new_pk = task_pk
            allow: bool | None = task.allow_index_creation
        elif operation == _SETTINGS:
            allow = task.allow_index_creation and task.settings_allow_creation
        elif operation == _ALONE:
            return _only_task(task.uid, task.kind)
        else:
            allow = None
        if allow and self.allow is False and not self.exists:
            return _STOP_CREATION.format(task.uid)
        if operation == _DELETE_INDEX:
            self.uids.append(task.uid)
            self.state = _S_INDEX_DELETION
            return _deletes_index(task.uid)
        state = self.state
        if state == _S_DELS and operation == _ADD:
            if allow and not self.exists:
                return _STOP_CREATION.format(task.uid)
            self.allow = allow
        after = _TRANSITIONS[state][operation]
        if isinstance(after, str):
            return after.format(task.uid)
        if after == _S_CLEAR:
            self.allow = None
        self.state = after
        self.pk = new_pk
        self.uids.append(task.uid)
        return None

    def _primary_key_conflict(self, uid: int, task_pk: str) -> str | None:
        """Why an addition whose ``primaryKey`` differs from the batch's cannot join, if so.

        The index's own key wins. Without one, the first addition that names a key fixes it
        for the batch, and an earlier addition without ``primaryKey`` leaves the key to be
        inferred from documents, which a named key would contradict.
        """
        index_pk = self.index_pk
        if index_pk is not None:
            return None if task_pk == index_pk else _index_key_differs(uid, task_pk, index_pk)
        if self.state != _S_DOCS:
            return None
        batch_pk = self.pk
        if batch_pk is None:
            return (
                f"stopped batching before task with id {uid} because it is setting the "
                f"`{task_pk}` primary key and it would interfere with primary key guessing "
                "of the batch"
            )
        return (
            f"stopped batching before task with id {uid} because its primary key "
            f"`{task_pk}` is different from the primary key of the batch `{batch_pk}`"
        )

    def plan(self, index_uid: str, strategy: str) -> BatchPlan:
        """The batch as it stands, with the reason it stopped growing."""
        state = self.state
        kind = _ALONE_KINDS[self.first.kind] if state == _S_ALONE else _STATE_KINDS[state]
        return BatchPlan(
            kind=kind,
            task_uids=tuple(self.uids),
            index_uid=index_uid,
            strategy=strategy,
            must_create_index=self.must_create,
            primary_key=self.pk if state == _S_DOCS else None,
        )


def next_batch(
    enqueued: Sequence[QueuedTask],
    index_state: Callable[[str], IndexState],
    limits: Limits = Limits(),
) -> BatchPlan | None:
    """The batch the scheduler must process next, or None when nothing can be processed.

    ``enqueued`` holds the enqueued tasks in uid order. ``index_state`` is called at most once,
    for the index the batch works on. Network changes are never batched.
    """
    present = {task.kind for task in enqueued}
    for kind, pick, batch_kind in _PRIORITIES:
        if kind not in present:
            continue
        if pick == _ALL:
            uids = tuple(task.uid for task in enqueued if task.kind == kind)
            return BatchPlan(batch_kind, uids, None, _only_kind(kind), False, None)
        candidates = reversed(enqueued) if pick == _NEWEST else iter(enqueued)
        task = next(task for task in candidates if task.kind == kind)
        strategy = _only_task(task.uid, kind)
        return BatchPlan(batch_kind, (task.uid,), task.index_uid, strategy, False, None)
    return _index_batch(enqueued, index_state, limits)


def _oldest(enqueued: Sequence[QueuedTask]) -> tuple[int, int] | None:
    """Position and operation of the oldest task that an index batch can start with."""
    for position, task in enumerate(enqueued):
        if task.kind in _RULE_KINDS:
            return position, _RULES
        operation = _operation(task)
        if operation is not None:
            return position, operation
    return None


def _index_batch(
    enqueued: Sequence[QueuedTask],
    index_state: Callable[[str], IndexState],
    limits: Limits,
) -> BatchPlan | None:
    """Grow a batch from the oldest task over every later enqueued task of its index."""
    oldest = _oldest(enqueued)
    if oldest is None:
        return None
    position, operation = oldest
    if operation == _RULES:
        return _rules_batch(enqueued, position, limits)
    first = enqueued[position]
    index = first.index_uid
    if index is None:
        # Only an indexSwap has no index of its own: it runs alone.
        strategy = _only_task(first.uid, first.kind)
        return BatchPlan(BatchKind.INDEX_SWAP, (first.uid,), None, strategy, False, None)
    batch = _Batch(first, operation, index_state(index))
    stop = batch.start(operation)
    if stop is not None:
        return batch.plan(index, stop)
    max_tasks = limits.max_tasks
    max_bytes = limits.max_payload_bytes
    size = first.payload_size
    uids = batch.uids
    offer = batch.offer
    for later in range(position + 1, len(enqueued)):
        task = enqueued[later]
        if task.index_uid != index and index not in task.other_index_uids:
            continue
        later_operation = _operation(task)
        if later_operation is None:
            continue
        if len(uids) == max_tasks:
            return batch.plan(index, f"batched up to configured batch limit of {max_tasks} tasks")
        size += task.payload_size
        if size > max_bytes:
            strategy = (
                f"batched up to configured batch size limit of {max_bytes}B with a total of {size}B"
            )
            return batch.plan(index, strategy)
        stop = offer(task, later_operation)
        if stop is not None:
            return batch.plan(index, stop)
    return batch.plan(index, f"batched all enqueued tasks for index `{index}`")


# Dynamic search rule tasks all share one reserved index uid, which no document or settings
# task can name, so they only ever batch with each other.
_RULE_KINDS = frozenset({"dsrUpdate", "dsrClear"})
_STOP_RULES_AFTER_CLEAR = (
    "stopped before task with id {} because it is a dynamic search rule update, "
    "which cannot be batched after a clear of the dynamic search rules"
)


def _rules_batch(enqueued: Sequence[QueuedTask], position: int, limits: Limits) -> BatchPlan:
    """Rule updates batch together until a clear joins; after a clear only clears join."""
    first = enqueued[position]
    index = first.index_uid
    uids = [first.uid]
    clear = first.kind == "dsrClear"

    def plan(strategy: str) -> BatchPlan:
        kind = BatchKind.SEARCH_RULES_CLEAR if clear else BatchKind.SEARCH_RULES
        return BatchPlan(kind, tuple(uids), index, strategy, False, None)

    for task in enqueued[position + 1 :]:
        if task.index_uid != index or task.kind not in _RULE_KINDS:
            continue
        if len(uids) == limits.max_tasks:
            return plan(f"batched up to configured batch limit of {limits.max_tasks} tasks")
        if clear and task.kind == "dsrUpdate":
            return plan(_STOP_RULES_AFTER_CLEAR.format(task.uid))
        uids.append(task.uid)
        clear = clear or task.kind == "dsrClear"
    return plan(f"batched all enqueued tasks for index `{index}`")
