"""Index compaction: a compacted copy replaces the index, which keeps answering."""

from __future__ import annotations

from lumi.tasks import builders
from tests.tasks.conftest import Harness


def test_compaction_moves_the_index_to_a_smaller_copy(harness: Harness) -> None:
    harness.add_documents("movies", [{"id": n, "title": f"movie {n} " * 20} for n in range(2000)])
    harness.run_all()
    harness.register(builders.documents_clear("movies"))
    harness.add_documents("movies", [{"id": 1, "title": "kept"}])
    harness.run_all()
    before = harness.engine.index_meta("movies")
    task = harness.register(builders.index_compaction("movies"))
    assert harness.task(task.uid).view()["details"] == {}
    harness.run_all()
    done = harness.task(task.uid)
    assert done.status == "succeeded"
    after = harness.engine.index_meta("movies")
    assert after.dir != before.dir
    assert (after.created_at, after.updated_at, after.primary_key) == (
        before.created_at,
        before.updated_at,
        "id",
    )
    root = harness.engine.registry.root
    assert not (root / before.dir).exists()
    details = done.details or {}
    assert list(details) == ["preCompactionSize", "postCompactionSize"]
    pre, post = (_bytes(details[k]) for k in details)
    assert post < pre
    assert harness.documents("movies") == [{"id": 1, "title": "kept"}]


def test_compacting_a_missing_index_fails_the_task(harness: Harness) -> None:
    task = harness.register(builders.index_compaction("nothing"))
    harness.run_all()
    failed = harness.task(task.uid)
    assert failed.status == "failed"
    assert failed.details == {}
    assert failed.error is not None
    assert failed.error["code"] == "index_not_found"
    assert failed.error["message"] == "Index `nothing` not found."


def test_compaction_runs_before_other_tasks_of_the_index(harness: Harness) -> None:
    harness.create_index("movies")
    harness.run_all()
    addition = harness.add_documents("movies", [{"id": 1}])
    compaction = harness.register(builders.index_compaction("movies"))
    harness.scheduler.tick()
    assert harness.task(compaction.uid).status == "succeeded"
    assert harness.task(addition.uid).status == "enqueued"


_UNITS = {"B": 1, "KiB": 1024, "MiB": 1024**2, "KB": 1000, "MB": 1000**2}


def _bytes(text: str) -> float:
    number, unit = text.split()
    return float(number) * _UNITS[unit]
