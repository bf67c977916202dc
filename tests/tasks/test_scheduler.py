"""The scheduler stepped one batch at a time: statuses, details, failures, ordering."""

from __future__ import annotations

import re

import pytest
from pyroaring import BitMap

from lumi.tasks.models import Task
from lumi.tasks.query import TaskQuery
from lumi.tasks.scheduler import StepTrace
from tests.tasks.conftest import Harness

DURATION = re.compile(r"\d+\.\d\d(s|ms|µs|ns)")


def test_an_addition_creates_the_index_and_succeeds(harness: Harness) -> None:
    task = harness.add_documents(
        "movies", [{"id": 1, "title": "Carol"}, {"id": 2, "title": "Wall-E"}]
    )
    assert harness.task(task.uid).status == "enqueued"
    assert harness.run_all() == 1
    done = harness.task(task.uid)
    assert done.status == "succeeded"
    assert done.details == {"receivedDocuments": 2, "indexedDocuments": 2}
    assert done.batch_uid == 0
    assert done.started_at is not None and done.finished_at is not None
    assert harness.documents("movies") == [
        {"id": 1, "title": "Carol"},
        {"id": 2, "title": "Wall-E"},
    ]
    assert harness.engine.index_meta("movies").primary_key == "id"


def test_consecutive_additions_share_one_batch(harness: Harness) -> None:
    first = harness.add_documents("movies", [{"id": 1}])
    second = harness.add_documents("movies", [{"id": 2}])
    other = harness.add_documents("songs", [{"id": 1}])
    assert harness.run_all() == 2
    a, b, c = (harness.task(t.uid) for t in (first, second, other))
    assert a.batch_uid == b.batch_uid != c.batch_uid


def test_a_bad_payload_fails_only_its_own_task(harness: Harness) -> None:
    good = harness.add_documents("movies", [{"id": 1}])
    bad = harness.add_documents("movies", [{"id": "not valid!"}])
    later = harness.add_documents("movies", [{"id": 3}])
    harness.run_all()
    assert harness.task(good.uid).status == "succeeded"
    failed = harness.task(bad.uid)
    assert failed.status == "failed"
    assert failed.error is not None and failed.error["code"] == "invalid_document_id"
    assert failed.details == {"receivedDocuments": 1, "indexedDocuments": 0}
    assert harness.task(later.uid).status == "succeeded"
    assert [d["id"] for d in harness.documents("movies")] == [1, 3]


def test_primary_key_inference_failure_fails_the_task(harness: Harness) -> None:
    task = harness.add_documents("movies", [{"title": "no id here"}])
    harness.run_all()
    failed = harness.task(task.uid)
    assert failed.status == "failed"
    assert failed.error is not None
    assert failed.error["code"] == "index_primary_key_no_candidate_found"


def test_update_merges_and_replace_overwrites(harness: Harness) -> None:
    harness.add_documents("movies", [{"id": 1, "title": "Carol", "year": 2015}])
    harness.add_documents("movies", [{"id": 1, "genre": "drama"}], method="update")
    harness.run_all()
    assert harness.documents("movies") == [
        {"id": 1, "title": "Carol", "year": 2015, "genre": "drama"}
    ]
    harness.add_documents("movies", [{"id": 1, "title": "Only"}])
    harness.run_all()
    assert harness.documents("movies") == [{"id": 1, "title": "Only"}]


def test_index_creation_twice_fails_the_second(harness: Harness) -> None:
    first = harness.create_index("movies", "id")
    second = harness.create_index("movies")
    harness.run_all()
    assert harness.task(first.uid).status == "succeeded"
    failed = harness.task(second.uid)
    assert failed.status == "failed"
    assert failed.error == {
        "message": "Index `movies` already exists.",
        "code": "index_already_exists",
        "type": "invalid_request",
        "link": "https://docs.meilisearch.com/errors#index_already_exists",
    }


def _cancelation(harness: Harness, query: TaskQuery, raw: str) -> Task:
    task = Task(
        uid=0,
        type="taskCancelation",
        index_uid=None,
        enqueued_at=0,
        details={"matchedTasks": 0, "canceledTasks": None, "originalFilter": raw},
    )
    engine = harness.engine
    return harness.register(
        task, matcher=lambda txn, below: engine.matching_tasks(txn, query, below, None)
    )


def test_cancelation_runs_first_and_cancels_enqueued_tasks(harness: Harness) -> None:
    doomed = harness.add_documents("movies", [{"id": 1}])
    cancel = _cancelation(harness, TaskQuery(statuses=["enqueued"]), "?statuses=enqueued")
    assert cancel.details is not None and cancel.details["matchedTasks"] == 1
    harness.scheduler.tick()
    done = harness.task(cancel.uid)
    assert done.status == "succeeded"
    assert done.details == {
        "matchedTasks": 1,
        "canceledTasks": 1,
        "originalFilter": "?statuses=enqueued",
    }
    victim = harness.task(doomed.uid)
    assert victim.status == "canceled"
    assert victim.canceled_by == cancel.uid
    assert victim.batch_uid == done.batch_uid
    assert victim.details == {"receivedDocuments": 1, "indexedDocuments": 0}
    assert harness.run_all() == 0


def test_task_deletion_removes_only_finished_matches(harness: Harness) -> None:
    finished = harness.add_documents("movies", [{"id": 1}])
    harness.run_all()
    pending = harness.add_documents("songs", [{"id": 1}])
    engine = harness.engine
    query = TaskQuery(uids=[finished.uid, pending.uid])
    deletion = harness.register(
        Task(
            uid=0,
            type="taskDeletion",
            index_uid=None,
            enqueued_at=0,
            details={"matchedTasks": 0, "deletedTasks": None, "originalFilter": "?uids=0,1"},
        ),
        matcher=lambda txn, below: engine.matching_tasks(txn, query, below, None),
    )
    harness.scheduler.tick()
    assert harness.engine.get_task(finished.uid) is None
    done = harness.task(deletion.uid)
    assert done.details is not None and done.details["deletedTasks"] == 1
    assert harness.task(pending.uid).status == "enqueued"


def test_matched_set_never_includes_newer_tasks(harness: Harness) -> None:
    harness.add_documents("movies", [{"id": 1}])
    cancel = _cancelation(harness, TaskQuery(), "?uids=*")
    with harness.engine.store.read() as txn:
        matched = harness.engine.matching_tasks(txn, TaskQuery(), cancel.uid, None)
    assert matched == BitMap([0])


def test_index_deletion_swallows_earlier_tasks(harness: Harness) -> None:
    harness.add_documents("movies", [{"id": 1}, {"id": 2}])
    harness.run_all()
    addition = harness.add_documents("movies", [{"id": 3}])
    deletion = harness.register(
        Task(
            uid=0,
            type="indexDeletion",
            index_uid="movies",
            enqueued_at=0,
            details={"deletedDocuments": None},
        )
    )
    assert harness.run_all() == 1
    assert harness.task(addition.uid).status == "succeeded"
    assert harness.task(deletion.uid).details == {"deletedDocuments": 2}
    assert harness.engine.list_indexes() == []


def test_processing_is_never_stored(harness: Harness) -> None:
    """A crash mid-batch must leave the batch's tasks enqueued on disk."""
    task = harness.add_documents("movies", [{"id": 1}])
    seen: list[str] = []

    def spy(step: str, finished: int, total: int) -> None:
        stored = harness.engine.store
        with stored.read() as txn:
            record = stored.get_task(txn, task.uid)
        assert record is not None
        seen.append(record.status)
        seen.append(harness.task(task.uid).status)

    original = harness.scheduler.runtime.publish
    calls: list[object] = []

    def publish(batch: object) -> None:
        calls.append(batch)
        original(batch)  # type: ignore[arg-type]
        if batch is not None:
            spy("", 0, 0)

    harness.scheduler.runtime.publish = publish  # type: ignore[method-assign]
    harness.run_all()
    assert seen[:2] == ["enqueued", "processing"]
    assert harness.task(task.uid).status == "succeeded"


def test_bad_geo_fails_the_task_once_geo_is_filterable(harness: Harness) -> None:
    settings = Task(
        uid=0,
        type="settingsUpdate",
        index_uid="places",
        enqueued_at=0,
        details={"filterableAttributes": ["_geo"]},
        params={"settings": {"filterableAttributes": ["_geo"]}},
    )
    harness.register(settings)
    harness.run_all()
    bad = harness.add_documents("places", [{"id": 1, "_geo": {"lat": "north", "lng": 2}}])
    good = harness.add_documents("places", [{"id": 2, "_geo": {"lat": 48.8, "lng": 2.3}}])
    harness.run_all()
    failed = harness.task(bad.uid)
    assert failed.status == "failed"
    assert failed.error is not None and failed.error["code"] == "invalid_document_geo_field"
    assert harness.task(good.uid).status == "succeeded"


@pytest.mark.parametrize(
    ("reports", "expected"),
    [
        ([], {"processing tasks": 100}),
        ([("processing tasks", 10), ("processing tasks", 30)], {"processing tasks": 100}),
        (
            [("processing tasks", 10), ("indexing documents", 20), ("processing tasks", 50)],
            {"processing tasks": 100, "processing tasks > indexing documents": 30},
        ),
        (
            [
                ("indexing documents", 10),
                ("indexing documents", 15),
                ("processing tasks", 40),
                ("indexing documents", 60),
                ("compacting the index", 70),
            ],
            {
                "processing tasks": 100,
                "processing tasks > indexing documents": 40,
                "processing tasks > compacting the index": 30,
            },
        ),
    ],
)
def test_step_trace_times_each_reported_step_beneath_the_whole_run(
    reports: list[tuple[str, int]], expected: dict[str, int]
) -> None:
    trace = StepTrace(0)
    for step, now in reports:
        trace.enter(step, now)
    found = trace.finish(100)
    assert found == expected
    assert list(found) == list(expected)


def test_a_finished_batch_records_its_progress_trace(harness: Harness) -> None:
    harness.create_index("movies")
    harness.add_documents("movies", [{"id": n} for n in range(10_001)])
    assert harness.run_all() == 2
    traces = []
    for uid in (0, 1):
        with harness.engine.store.read() as txn:
            batch = harness.engine.store.get_batch(txn, uid)
        assert batch is not None
        assert list(batch.stats) == [
            "totalNbTasks",
            "status",
            "types",
            "indexUids",
            "progressTrace",
        ]
        traces.append(batch.stats["progressTrace"])
    assert list(traces[0]) == ["processing tasks"]
    assert list(traces[1]) == ["processing tasks", "processing tasks > indexing documents"]
    for trace in traces:
        for text in trace.values():
            assert DURATION.fullmatch(text), text
