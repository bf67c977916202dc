from __future__ import annotations

from collections.abc import Callable

import pytest

from lumi.tasks.autobatcher import (
    BatchKind,
    BatchPlan,
    IndexState,
    Limits,
    QueuedTask,
    next_batch,
)

MISSING = IndexState(exists=False, primary_key=None)
NO_KEY = IndexState(exists=True, primary_key=None)
KEY_ID = IndexState(exists=True, primary_key="id")

ALL_FOR_A = "batched all enqueued tasks for index `a`"


def only(uid: int, kind: str) -> str:
    return (
        f"created batch containing only task with id {uid} of type `{kind}` "
        "that cannot be batched with any other task."
    )


def only_kind(kind: str) -> str:
    return (
        f"stopped after the last task of type `{kind}` "
        "because they cannot be batched with tasks of any other type."
    )


def deletes(uid: int) -> str:
    return f"stopped after task with id {uid} because it deletes the index"


def settings_stop(uid: int) -> str:
    return (
        f"stopped before task with id {uid} because it is a settings change "
        "which cannot be batched with document operations"
    )


def filter_stop(uid: int) -> str:
    return (
        f"stopped before task with id {uid} because it is a deletion by filter "
        "which cannot be batched with document operations"
    )


def documents_stop(uid: int) -> str:
    return (
        f"stopped before task with id {uid} because it is a document operation "
        "which cannot be batched with settings changes"
    )


def creation_stop(uid: int) -> str:
    return (
        f"stopped before task with id {uid} because its index creation rules differ "
        "from the ones from the batch"
    )


# --- task builders: each takes the uid and returns a task on index "a" by default ---

Maker = Callable[[int], QueuedTask]


def add(pk: str | None = None, allow: bool = True, size: int = 0, index: str = "a") -> Maker:
    return lambda uid: QueuedTask(
        uid,
        "documentAdditionOrUpdate",
        index,
        primary_key=pk,
        allow_index_creation=allow,
        payload_size=size,
    )


def delete(how: str | None = "ids", index: str = "a") -> Maker:
    return lambda uid: QueuedTask(uid, "documentDeletion", index, deletion=how)


def settings(allow: bool = True, reset: bool = False, index: str = "a") -> Maker:
    return lambda uid: QueuedTask(
        uid,
        "settingsUpdate",
        index,
        allow_index_creation=allow,
        settings_allow_creation=not reset,
    )


def of(kind: str, index: str | None = "a", others: tuple[str, ...] = ()) -> Maker:
    return lambda uid: QueuedTask(uid, kind, index, other_index_uids=others)


ADD = add()
DEL = delete("ids")
FIL = delete("filter")
CLR = delete("clear")
SET = settings()
IDEL = of("indexDeletion")
CRE = of("indexCreation")
UPD = of("indexUpdate")
EDIT = of("documentEdition")
SWAP = of("indexSwap", None, ("a", "b"))

TOKENS: dict[str, Maker] = {
    "ADD": ADD,
    "DEL": DEL,
    "FIL": FIL,
    "CLR": CLR,
    "SET": SET,
    "IDEL": IDEL,
    "CRE": CRE,
    "UPD": UPD,
    "EDIT": EDIT,
    "SWAP": SWAP,
}


def queue(*makers: Maker | str) -> list[QueuedTask]:
    """Tasks with uids 0, 1, 2… from builders or space-separated token strings."""
    flat: list[Maker] = []
    for maker in makers:
        if isinstance(maker, str):
            flat.extend(TOKENS[token] for token in maker.split())
        else:
            flat.append(maker)
    return [make(uid) for uid, make in enumerate(flat)]


def plan(
    tasks: list[QueuedTask], state: IndexState = NO_KEY, limits: Limits = Limits()
) -> BatchPlan | None:
    return next_batch(tasks, lambda _uid: state, limits)


def summary(result: BatchPlan | None) -> tuple[BatchKind, tuple[int, ...], str]:
    assert result is not None
    return result.kind, result.task_uids, result.strategy


# --- §5.2 starting kinds ---------------------------------------------------------------


def test_empty_queue_has_no_batch() -> None:
    assert plan([]) is None


@pytest.mark.parametrize(
    ("token", "kind", "type_name"),
    [
        ("CRE", BatchKind.INDEX_CREATION, "indexCreation"),
        ("UPD", BatchKind.INDEX_UPDATE, "indexUpdate"),
        ("EDIT", BatchKind.DOCUMENT_EDITION, "documentEdition"),
    ],
)
def test_task_that_cannot_be_batched_starts_and_ends_its_batch(
    token: str, kind: BatchKind, type_name: str
) -> None:
    result = plan(queue(f"{token} ADD {token}"))
    assert result == BatchPlan(kind, (0,), "a", only(0, type_name), False, None)


def test_index_deletion_first_is_alone() -> None:
    result = plan(queue("IDEL ADD"))
    assert result == BatchPlan(BatchKind.INDEX_DELETION, (0,), "a", deletes(0), False, None)


def test_oldest_swap_is_alone_without_index() -> None:
    result = plan(queue("SWAP ADD"))
    assert result == BatchPlan(BatchKind.INDEX_SWAP, (0,), None, only(0, "indexSwap"), False, None)


def test_swap_without_known_indexes_is_alone_and_never_stops_index_batches() -> None:
    tasks = queue(of("indexSwap", None), "ADD")
    assert summary(plan(tasks)) == (BatchKind.INDEX_SWAP, (0,), only(0, "indexSwap"))
    tasks = queue("ADD", of("indexSwap", None), "ADD")
    assert summary(plan(tasks)) == (BatchKind.DOCUMENTS, (0, 2), ALL_FOR_A)


# --- §5.2 accumulation table ----------------------------------------------------------

# Prefixes that put an open batch in each state, with the batch kind they produce.
OPEN_BATCHES = {
    "additions": ("ADD", BatchKind.DOCUMENTS),
    "id deletions": ("DEL", BatchKind.DOCUMENTS),
    "filter deletions": ("FIL", BatchKind.DOCUMENTS),
    "clear": ("CLR", BatchKind.CLEAR),
    "settings": ("SET", BatchKind.SETTINGS),
    "clear and settings": ("SET CLR", BatchKind.CLEAR_AND_SETTINGS),
}


@pytest.mark.parametrize("batch", OPEN_BATCHES)
@pytest.mark.parametrize(
    ("token", "type_name"),
    [
        ("CRE", "indexCreation"),
        ("UPD", "indexUpdate"),
        ("EDIT", "documentEdition"),
        ("SWAP", "indexSwap"),
    ],
)
def test_any_batch_stops_before_a_task_that_cannot_be_batched(
    batch: str, token: str, type_name: str
) -> None:
    prefix, kind = OPEN_BATCHES[batch]
    tasks = queue(prefix, token, "ADD")
    stop = len(tasks) - 2
    assert summary(plan(tasks)) == (kind, tuple(range(stop)), only(stop, type_name))


@pytest.mark.parametrize("batch", OPEN_BATCHES)
def test_index_deletion_joins_any_batch_and_stops_it(batch: str) -> None:
    prefix, _kind = OPEN_BATCHES[batch]
    tasks = queue(prefix, "IDEL ADD")
    last = len(tasks) - 2
    assert summary(plan(tasks)) == (BatchKind.INDEX_DELETION, tuple(range(last + 1)), deletes(last))


@pytest.mark.parametrize(
    ("tokens", "kind", "uids", "strategy"),
    [
        # additions/updates
        ("ADD ADD ADD", BatchKind.DOCUMENTS, (0, 1, 2), ALL_FOR_A),
        ("ADD DEL ADD DEL", BatchKind.DOCUMENTS, (0, 1, 2, 3), ALL_FOR_A),
        ("ADD FIL ADD", BatchKind.DOCUMENTS, (0,), filter_stop(1)),
        ("ADD DEL FIL", BatchKind.DOCUMENTS, (0, 1), filter_stop(2)),
        ("ADD CLR", BatchKind.CLEAR, (0, 1), ALL_FOR_A),
        ("ADD CLR DEL FIL CLR", BatchKind.CLEAR, (0, 1, 2, 3, 4), ALL_FOR_A),
        ("ADD SET", BatchKind.DOCUMENTS, (0,), settings_stop(1)),
        # deletions
        ("DEL DEL FIL DEL", BatchKind.DOCUMENTS, (0, 1, 2, 3), ALL_FOR_A),
        ("FIL FIL", BatchKind.DOCUMENTS, (0, 1), ALL_FOR_A),
        ("DEL CLR", BatchKind.CLEAR, (0, 1), ALL_FOR_A),
        ("FIL CLR", BatchKind.CLEAR, (0, 1), ALL_FOR_A),
        ("DEL ADD", BatchKind.DOCUMENTS, (0, 1), ALL_FOR_A),
        ("FIL ADD", BatchKind.DOCUMENTS, (0, 1), ALL_FOR_A),
        ("DEL FIL ADD DEL", BatchKind.DOCUMENTS, (0, 1, 2, 3), ALL_FOR_A),
        ("FIL ADD FIL", BatchKind.DOCUMENTS, (0, 1), filter_stop(2)),
        ("DEL SET", BatchKind.DOCUMENTS, (0,), settings_stop(1)),
        ("FIL SET", BatchKind.DOCUMENTS, (0,), settings_stop(1)),
        # clear-all
        ("CLR CLR DEL FIL", BatchKind.CLEAR, (0, 1, 2, 3), ALL_FOR_A),
        ("CLR ADD", BatchKind.CLEAR, (0,), settings_stop(1)),
        ("CLR SET", BatchKind.CLEAR, (0,), settings_stop(1)),
        ("CLR DEL ADD", BatchKind.CLEAR, (0, 1), settings_stop(2)),
        # settings
        ("SET SET SET", BatchKind.SETTINGS, (0, 1, 2), ALL_FOR_A),
        ("SET CLR", BatchKind.CLEAR_AND_SETTINGS, (0, 1), ALL_FOR_A),
        ("SET ADD", BatchKind.SETTINGS, (0,), documents_stop(1)),
        ("SET DEL", BatchKind.SETTINGS, (0,), documents_stop(1)),
        ("SET FIL", BatchKind.SETTINGS, (0,), documents_stop(1)),
        # clear + settings
        ("SET CLR CLR DEL FIL SET", BatchKind.CLEAR_AND_SETTINGS, (0, 1, 2, 3, 4, 5), ALL_FOR_A),
        ("SET CLR ADD", BatchKind.CLEAR_AND_SETTINGS, (0, 1), documents_stop(2)),
        ("SET SET CLR SET ADD", BatchKind.CLEAR_AND_SETTINGS, (0, 1, 2, 3), documents_stop(4)),
    ],
)
def test_accumulation(tokens: str, kind: BatchKind, uids: tuple[int, ...], strategy: str) -> None:
    assert summary(plan(queue(tokens))) == (kind, uids, strategy)


def test_deletion_without_kind_counts_as_deletion_by_ids() -> None:
    assert summary(plan(queue(ADD, delete(None), ADD))) == (
        BatchKind.DOCUMENTS,
        (0, 1, 2),
        ALL_FOR_A,
    )


# --- id deletions followed by an addition: the index creation rule ---------------------


@pytest.mark.parametrize(
    ("first", "state", "allow", "uids", "strategy"),
    [
        (DEL, NO_KEY, True, (0, 1), ALL_FOR_A),
        (DEL, MISSING, False, (0, 1), ALL_FOR_A),
        (DEL, MISSING, True, (0,), creation_stop(1)),
        (FIL, MISSING, True, (0,), creation_stop(1)),
        (FIL, MISSING, False, (0, 1), ALL_FOR_A),
    ],
)
def test_deletions_then_addition_join_unless_the_addition_would_create_the_index(
    first: Maker, state: IndexState, allow: bool, uids: tuple[int, ...], strategy: str
) -> None:
    result = plan(queue(first, add(allow=allow)), state)
    assert summary(result) == (BatchKind.DOCUMENTS, uids, strategy)
    assert result is not None and result.must_create_index is False


# --- index creation rights --------------------------------------------------------------


@pytest.mark.parametrize(
    ("makers", "state", "kind", "uids", "strategy"),
    [
        ((add(allow=False), add(allow=True)), MISSING, BatchKind.DOCUMENTS, (0,), creation_stop(1)),
        ((add(allow=False), add(allow=True)), NO_KEY, BatchKind.DOCUMENTS, (0, 1), ALL_FOR_A),
        ((add(allow=True), add(allow=False)), MISSING, BatchKind.DOCUMENTS, (0, 1), ALL_FOR_A),
        ((add(allow=False), add(allow=False)), MISSING, BatchKind.DOCUMENTS, (0, 1), ALL_FOR_A),
        ((settings(allow=False), SET), MISSING, BatchKind.SETTINGS, (0,), creation_stop(1)),
        ((settings(reset=True), SET), MISSING, BatchKind.SETTINGS, (0,), creation_stop(1)),
        ((settings(reset=True), SET), NO_KEY, BatchKind.SETTINGS, (0, 1), ALL_FOR_A),
        (
            (settings(allow=False), settings(reset=True)),
            MISSING,
            BatchKind.SETTINGS,
            (0, 1),
            ALL_FOR_A,
        ),
        (
            (settings(allow=False), CLR, SET),
            MISSING,
            BatchKind.CLEAR_AND_SETTINGS,
            (0, 1),
            creation_stop(2),
        ),
        (
            (DEL, add(allow=False), add(allow=True)),
            MISSING,
            BatchKind.DOCUMENTS,
            (0, 1),
            creation_stop(2),
        ),
        # a clear batch has no creation rule: an addition is refused for being a document
        # operation after a clear, not for its creation rights
        ((add(allow=False), CLR, SET), MISSING, BatchKind.CLEAR, (0, 1), settings_stop(2)),
        ((DEL, SET), MISSING, BatchKind.DOCUMENTS, (0,), settings_stop(1)),
        # the creation rule is checked before the settings/documents incompatibility
        ((add(allow=False), SET), MISSING, BatchKind.DOCUMENTS, (0,), creation_stop(1)),
        ((settings(allow=False), ADD), MISSING, BatchKind.SETTINGS, (0,), creation_stop(1)),
    ],
)
def test_index_creation_rights(
    makers: tuple[Maker, ...],
    state: IndexState,
    kind: BatchKind,
    uids: tuple[int, ...],
    strategy: str,
) -> None:
    assert summary(plan(queue(*makers), state)) == (kind, uids, strategy)


@pytest.mark.parametrize(
    ("tokens_or_makers", "state", "expected"),
    [
        ((ADD,), MISSING, True),
        ((ADD,), NO_KEY, False),
        ((add(allow=False),), MISSING, False),
        ((SET,), MISSING, True),
        ((settings(allow=False),), MISSING, False),
        ((settings(reset=True),), MISSING, False),
        ((DEL,), MISSING, False),
        ((CLR,), MISSING, False),
        ((ADD, CLR), MISSING, True),
        ((ADD, IDEL), MISSING, True),
        ((DEL, IDEL), MISSING, False),
        ((IDEL,), MISSING, False),
        ((CRE,), MISSING, False),
    ],
)
def test_must_create_index(
    tokens_or_makers: tuple[Maker, ...], state: IndexState, expected: bool
) -> None:
    result = plan(queue(*tokens_or_makers), state)
    assert result is not None and result.must_create_index is expected


# --- primary keys ----------------------------------------------------------------------


def index_key_stop(uid: int, task_pk: str, index_pk: str) -> str:
    return (
        f"stopped batching before task with id {uid} because its primary key `{task_pk}` "
        f"is different from the primary key of the index `{index_pk}`"
    )


def batch_key_stop(uid: int, task_pk: str, batch_pk: str) -> str:
    return (
        f"stopped batching before task with id {uid} because its primary key `{task_pk}` "
        f"is different from the primary key of the batch `{batch_pk}`"
    )


def guessing_stop(uid: int, task_pk: str) -> str:
    return (
        f"stopped batching before task with id {uid} because it is setting the `{task_pk}` "
        "primary key and it would interfere with primary key guessing of the batch"
    )


@pytest.mark.parametrize(
    ("makers", "state", "kind", "uids", "strategy", "primary_key"),
    [
        # the first task disagrees with the index: it is batched alone, to fail on its own
        ((add("x"), ADD), KEY_ID, BatchKind.DOCUMENTS, (0,), index_key_stop(0, "x", "id"), "x"),
        ((add("id"), ADD), KEY_ID, BatchKind.DOCUMENTS, (0, 1), ALL_FOR_A, "id"),
        ((ADD, add("x")), KEY_ID, BatchKind.DOCUMENTS, (0,), index_key_stop(1, "x", "id"), None),
        ((ADD, add("id")), KEY_ID, BatchKind.DOCUMENTS, (0, 1), ALL_FOR_A, "id"),
        ((DEL, add("x")), KEY_ID, BatchKind.DOCUMENTS, (0,), index_key_stop(1, "x", "id"), None),
        # the index key is checked before the settings/documents incompatibility
        ((SET, add("x")), KEY_ID, BatchKind.SETTINGS, (0,), index_key_stop(1, "x", "id"), None),
        ((SET, add("id")), KEY_ID, BatchKind.SETTINGS, (0,), documents_stop(1), None),
        # no key on the index: the first addition fixes it, or the batch guesses it
        ((add("x"), add("y")), NO_KEY, BatchKind.DOCUMENTS, (0,), batch_key_stop(1, "y", "x"), "x"),
        ((add("x"), add("x"), ADD), NO_KEY, BatchKind.DOCUMENTS, (0, 1, 2), ALL_FOR_A, "x"),
        (
            (add("x"), ADD, DEL, add("y")),
            NO_KEY,
            BatchKind.DOCUMENTS,
            (0, 1, 2),
            batch_key_stop(3, "y", "x"),
            "x",
        ),
        ((ADD, add("x")), NO_KEY, BatchKind.DOCUMENTS, (0,), guessing_stop(1, "x"), None),
        ((ADD, add("x")), MISSING, BatchKind.DOCUMENTS, (0,), guessing_stop(1, "x"), None),
        (
            (add("x"), add("y")),
            MISSING,
            BatchKind.DOCUMENTS,
            (0,),
            batch_key_stop(1, "y", "x"),
            "x",
        ),
        ((DEL, add("x"), ADD), NO_KEY, BatchKind.DOCUMENTS, (0, 1, 2), ALL_FOR_A, "x"),
        ((DEL, ADD, add("x")), NO_KEY, BatchKind.DOCUMENTS, (0, 1), guessing_stop(2, "x"), None),
        # batches without additions do not fix a key
        ((SET, SET), NO_KEY, BatchKind.SETTINGS, (0, 1), ALL_FOR_A, None),
        ((CLR, add("x")), NO_KEY, BatchKind.CLEAR, (0,), settings_stop(1), None),
        ((add("x"), CLR), NO_KEY, BatchKind.CLEAR, (0, 1), ALL_FOR_A, None),
        ((add("x"), IDEL), NO_KEY, BatchKind.INDEX_DELETION, (0, 1), deletes(1), None),
        ((add("x"), CRE), NO_KEY, BatchKind.DOCUMENTS, (0,), only(1, "indexCreation"), "x"),
    ],
)
def test_primary_key(
    makers: tuple[Maker, ...],
    state: IndexState,
    kind: BatchKind,
    uids: tuple[int, ...],
    strategy: str,
    primary_key: str | None,
) -> None:
    result = plan(queue(*makers), state)
    assert summary(result) == (kind, uids, strategy)
    assert result is not None and result.primary_key == primary_key


def test_primary_key_of_a_task_other_than_an_addition_is_ignored() -> None:
    def keyed_deletion(uid: int) -> QueuedTask:
        return QueuedTask(uid, "documentDeletion", "a", primary_key="x")

    assert summary(plan(queue(keyed_deletion, ADD, add("y")))) == (
        BatchKind.DOCUMENTS,
        (0, 1),
        guessing_stop(2, "y"),
    )
    assert summary(plan(queue(keyed_deletion), KEY_ID)) == (BatchKind.DOCUMENTS, (0,), ALL_FOR_A)


def test_key_of_a_missing_index_is_not_compared() -> None:
    state = IndexState(exists=False, primary_key="id")
    assert summary(plan(queue(add("x"), add("x")), state)) == (
        BatchKind.DOCUMENTS,
        (0, 1),
        ALL_FOR_A,
    )


# --- limits ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("makers", "limits", "uids", "strategy"),
    [
        (
            ("ADD ADD ADD",),
            Limits(max_tasks=2),
            (0, 1),
            "batched up to configured batch limit of 2 tasks",
        ),
        (
            ("ADD ADD",),
            Limits(max_tasks=1),
            (0,),
            "batched up to configured batch limit of 1 tasks",
        ),
        (("ADD ADD ADD",), Limits(max_tasks=3), (0, 1, 2), ALL_FOR_A),
        (("ADD ADD ADD",), Limits(max_tasks=10), (0, 1, 2), ALL_FOR_A),
        # only tasks of the batch's index count
        ((ADD, add(index="b"), ADD), Limits(max_tasks=2), (0, 2), ALL_FOR_A),
        (
            (add(size=4), add(size=4), add(size=4)),
            Limits(max_payload_bytes=10),
            (0, 1),
            "batched up to configured batch size limit of 10B with a total of 12B",
        ),
        ((add(size=5), add(size=5)), Limits(max_payload_bytes=10), (0, 1), ALL_FOR_A),
        # the first task is always taken
        ((add(size=20),), Limits(max_payload_bytes=10), (0,), ALL_FOR_A),
        (
            (add(size=20), add(size=1)),
            Limits(max_payload_bytes=10),
            (0,),
            "batched up to configured batch size limit of 10B with a total of 21B",
        ),
        # payloads of other indexes do not count
        (
            (add(size=6), add(size=6, index="b"), add(size=4)),
            Limits(max_payload_bytes=10),
            (0, 2),
            ALL_FOR_A,
        ),
        # the task limit is checked before the size limit
        (
            (add(size=20), add(size=20)),
            Limits(max_tasks=1, max_payload_bytes=10),
            (0,),
            "batched up to configured batch limit of 1 tasks",
        ),
        # the size limit is checked before the batching rules
        (
            (add(size=5), add("x", size=10)),
            Limits(max_payload_bytes=10),
            (0,),
            "batched up to configured batch size limit of 10B with a total of 15B",
        ),
        # a task the rules refuse is reported as such when the limits let it through
        (("ADD SET",), Limits(max_tasks=2, max_payload_bytes=10), (0,), settings_stop(1)),
        (("ADD IDEL ADD",), Limits(max_tasks=2), (0, 1), deletes(1)),
        (("CRE ADD",), Limits(max_tasks=1), (0,), only(0, "indexCreation")),
        (("IDEL ADD",), Limits(max_tasks=1), (0,), deletes(0)),
    ],
)
def test_limits(
    makers: tuple[Maker | str, ...], limits: Limits, uids: tuple[int, ...], strategy: str
) -> None:
    result = plan(queue(*makers), NO_KEY, limits)
    assert result is not None
    assert (result.task_uids, result.strategy) == (uids, strategy)


# --- §5.1 priorities ---------------------------------------------------------------------

GLOBAL = {
    "taskCancelation": of("taskCancelation", None),
    "upgradeDatabase": of("upgradeDatabase", None),
    "taskDeletion": of("taskDeletion", None),
    "indexCompaction": of("indexCompaction", "c"),
    "export": of("export", None),
    "snapshotCreation": of("snapshotCreation", None),
    "dumpCreation": of("dumpCreation", None),
}


def two_of_each(kinds: list[str]) -> list[QueuedTask]:
    """An index task first, then every given kind twice, interleaved: uid 1+i and 1+n+i."""
    makers: list[Maker] = [ADD] + [GLOBAL[kind] for kind in kinds] * 2
    return queue(*makers)


PRIORITY_ORDER = list(GLOBAL)


@pytest.mark.parametrize(
    ("position", "kind", "pick", "index_uid"),
    [
        (0, BatchKind.TASK_CANCELATION, "newest", None),
        (1, BatchKind.UPGRADE, "all", None),
        (2, BatchKind.TASK_DELETION, "all", None),
        (3, BatchKind.INDEX_COMPACTION, "oldest", "c"),
        (4, BatchKind.EXPORT, "oldest", None),
        (5, BatchKind.SNAPSHOT, "all", None),
        (6, BatchKind.DUMP, "oldest", None),
    ],
)
def test_global_priorities(
    position: int, kind: BatchKind, pick: str, index_uid: str | None
) -> None:
    kinds = PRIORITY_ORDER[position:]
    tasks = two_of_each(kinds)
    first, second = 1, 1 + len(kinds)
    type_name = PRIORITY_ORDER[position]
    calls: list[str] = []

    def state(uid: str) -> IndexState:
        calls.append(uid)
        return NO_KEY

    result = next_batch(tasks, state)
    if pick == "all":
        expected = BatchPlan(kind, (first, second), None, only_kind(type_name), False, None)
    else:
        uid = second if pick == "newest" else first
        expected = BatchPlan(kind, (uid,), index_uid, only(uid, type_name), False, None)
    assert result == expected
    assert calls == []


# --- the oldest task picks the index --------------------------------------------------


def test_oldest_task_picks_the_index_and_other_indexes_are_skipped_over() -> None:
    tasks = queue(ADD, add(index="b"), ADD, settings(index="b"), DEL, of("indexCreation", "b"), ADD)
    calls: list[str] = []

    def state(uid: str) -> IndexState:
        calls.append(uid)
        return NO_KEY

    assert next_batch(tasks, state) == BatchPlan(
        BatchKind.DOCUMENTS, (0, 2, 4, 6), "a", ALL_FOR_A, False, None
    )
    assert calls == ["a"]


def test_oldest_task_of_another_index_is_batched_first() -> None:
    tasks = queue(add(index="b"), ADD, add(index="b"), IDEL)
    assert plan(tasks) == BatchPlan(
        BatchKind.DOCUMENTS,
        (0, 2),
        "b",
        "batched all enqueued tasks for index `b`",
        False,
        None,
    )


@pytest.mark.parametrize(
    ("barrier", "type_name"),
    [
        (of("indexSwap", None, ("b", "a")), "indexSwap"),
        (of("indexUpdate", "b", ("a",)), "indexUpdate"),
    ],
)
def test_task_involving_the_index_through_other_uids_stops_the_batch(
    barrier: Maker, type_name: str
) -> None:
    assert summary(plan(queue(ADD, barrier, ADD))) == (
        BatchKind.DOCUMENTS,
        (0,),
        only(1, type_name),
    )


def test_swap_of_other_indexes_does_not_stop_the_batch() -> None:
    tasks = queue(ADD, of("indexSwap", None, ("b", "c")), ADD)
    assert summary(plan(tasks)) == (BatchKind.DOCUMENTS, (0, 2), ALL_FOR_A)


def test_rename_as_oldest_task_is_alone_on_its_old_index() -> None:
    tasks = queue(of("indexUpdate", "a", ("b",)), ADD)
    assert plan(tasks) == BatchPlan(
        BatchKind.INDEX_UPDATE, (0,), "a", only(0, "indexUpdate"), False, None
    )


# --- dynamic search rules -----------------------------------------------------------------

DSR_UPD = of("dsrUpdate", ".meili_dsr")
DSR_CLR = of("dsrClear", ".meili_dsr")
ALL_FOR_DSR = "batched all enqueued tasks for index `.meili_dsr`"


def after_clear(uid: int) -> str:
    return (
        f"stopped before task with id {uid} because it is a dynamic search rule update, "
        "which cannot be batched after a clear of the dynamic search rules"
    )


@pytest.mark.parametrize(
    ("makers", "expected"),
    [
        ((DSR_UPD,), (BatchKind.SEARCH_RULES, (0,), ALL_FOR_DSR)),
        ((DSR_UPD, DSR_UPD, DSR_UPD), (BatchKind.SEARCH_RULES, (0, 1, 2), ALL_FOR_DSR)),
        ((DSR_UPD, DSR_CLR), (BatchKind.SEARCH_RULES_CLEAR, (0, 1), ALL_FOR_DSR)),
        ((DSR_CLR, DSR_CLR), (BatchKind.SEARCH_RULES_CLEAR, (0, 1), ALL_FOR_DSR)),
        ((DSR_CLR, DSR_UPD, DSR_CLR), (BatchKind.SEARCH_RULES_CLEAR, (0,), after_clear(1))),
        (
            (DSR_UPD, DSR_CLR, DSR_CLR, DSR_UPD),
            (BatchKind.SEARCH_RULES_CLEAR, (0, 1, 2), after_clear(3)),
        ),
        ((DSR_UPD, ADD, DSR_UPD), (BatchKind.SEARCH_RULES, (0, 2), ALL_FOR_DSR)),
        ((ADD, DSR_UPD, ADD), (BatchKind.DOCUMENTS, (0, 2), ALL_FOR_A)),
        ((SET, DSR_CLR, SET), (BatchKind.SETTINGS, (0, 2), ALL_FOR_A)),
    ],
)
def test_search_rule_tasks_batch_only_with_each_other(
    makers: tuple[Maker, ...], expected: tuple[BatchKind, tuple[int, ...], str]
) -> None:
    assert summary(plan(queue(*makers))) == expected


def test_search_rule_batches_obey_the_task_limit() -> None:
    result = plan(queue(DSR_UPD, DSR_UPD, DSR_UPD), limits=Limits(max_tasks=2))
    assert summary(result) == (
        BatchKind.SEARCH_RULES,
        (0, 1),
        "batched up to configured batch limit of 2 tasks",
    )


def test_search_rule_batches_name_their_reserved_index() -> None:
    result = plan(queue(DSR_CLR))
    assert result == BatchPlan(
        BatchKind.SEARCH_RULES_CLEAR, (0,), ".meili_dsr", ALL_FOR_DSR, False, None
    )


def test_network_changes_are_never_batched() -> None:
    assert plan(queue(of("networkTopologyChange", None))) is None


# --- scale -------------------------------------------------------------------------------


def test_ten_thousand_interleaved_tasks() -> None:
    makers = [ADD if uid % 2 == 0 else add(index="b") for uid in range(10_000)]
    result = plan(queue(*makers))
    assert summary(result) == (BatchKind.DOCUMENTS, tuple(range(0, 10_000, 2)), ALL_FOR_A)


def test_every_strategy_text() -> None:
    """The exact texts users read in `batchStrategy`, written out in full."""
    texts = {
        summary(plan(queue("ADD")))[2],
        summary(plan(queue("ADD ADD"), limits=Limits(max_tasks=1)))[2],
        summary(plan(queue(add(size=3), add(size=3)), limits=Limits(max_payload_bytes=5)))[2],
        summary(plan(queue("CRE")))[2],
        summary(plan(queue(GLOBAL["taskDeletion"])))[2],
        summary(plan(queue("ADD IDEL")))[2],
        summary(plan(queue("ADD SET")))[2],
        summary(plan(queue("ADD FIL")))[2],
        summary(plan(queue("SET ADD")))[2],
        summary(plan(queue(add(allow=False), ADD), MISSING))[2],
        summary(plan(queue(add("x")), KEY_ID))[2],
        summary(plan(queue(add("x"), add("y"))))[2],
        summary(plan(queue(ADD, add("x"))))[2],
    }
    assert texts == {
        "batched all enqueued tasks for index `a`",
        "batched up to configured batch limit of 1 tasks",
        "batched up to configured batch size limit of 5B with a total of 6B",
        "created batch containing only task with id 0 of type `indexCreation` that cannot be "
        "batched with any other task.",
        "stopped after the last task of type `taskDeletion` because they cannot be batched with "
        "tasks of any other type.",
        "stopped after task with id 1 because it deletes the index",
        "stopped before task with id 1 because it is a settings change which cannot be batched "
        "with document operations",
        "stopped before task with id 1 because it is a deletion by filter which cannot be batched "
        "with document operations",
        "stopped before task with id 1 because it is a document operation which cannot be "
        "batched with settings changes",
        "stopped before task with id 1 because its index creation rules differ from the ones "
        "from the batch",
        "stopped batching before task with id 0 because its primary key `x` is different from "
        "the primary key of the index `id`",
        "stopped batching before task with id 1 because its primary key `y` is different from "
        "the primary key of the batch `x`",
        "stopped batching before task with id 1 because it is setting the `x` primary key and "
        "it would interfere with primary key guessing of the batch",
    }
