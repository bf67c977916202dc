"""The stats of a batch: counts of its tasks, and the ``progressTrace`` written like the
reference's examples (``33.71s``)."""

from __future__ import annotations

import pytest

from lumi.tasks.batch_summary import batch_stats, step_duration
from lumi.tasks.models import Task


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (0, "0.00ns"),
        (12, "12.00ns"),
        (999, "999.00ns"),
        (1_000, "1.00µs"),
        (1_004, "1.00µs"),
        (1_005, "1.01µs"),
        (840_000, "840.00µs"),
        (1_250_000, "1.25ms"),
        (1_004_999, "1.00ms"),
        (999_996_000, "1000.00ms"),
        (1_000_000_000, "1.00s"),
        (33_710_000_000, "33.71s"),
        (1_763_060_000_000, "1763.06s"),
        (1_999_999_999, "2.00s"),
    ],
)
def test_step_durations_have_two_decimals_in_the_largest_unit(ns: int, text: str) -> None:
    assert step_duration(ns) == text


def _task(uid: int, status: str, kind: str, index: str | None) -> Task:
    return Task(uid=uid, type=kind, index_uid=index, enqueued_at=0, status=status)


TASKS = [
    _task(0, "succeeded", "documentAdditionOrUpdate", "movies"),
    _task(1, "failed", "documentAdditionOrUpdate", "movies"),
    _task(2, "succeeded", "dumpCreation", None),
]
COUNTS = {
    "totalNbTasks": 3,
    "status": {"succeeded": 2, "failed": 1},
    "types": {"documentAdditionOrUpdate": 2, "dumpCreation": 1},
    "indexUids": {"movies": 2},
}


def test_stats_without_a_trace_are_the_counts() -> None:
    assert batch_stats(TASKS) == COUNTS


def test_stats_with_a_trace_end_with_the_progress_trace() -> None:
    trace = {"processing tasks": 2_500_000, "processing tasks > indexing documents": 1_000}
    stats = batch_stats(TASKS, trace)
    assert stats == {
        **COUNTS,
        "progressTrace": {
            "processing tasks": "2.50ms",
            "processing tasks > indexing documents": "1.00µs",
        },
    }
    assert list(stats) == [*COUNTS, "progressTrace"]
