"""Scheduled snapshots: one ``snapshotCreation`` task per interval, the first after one."""

from __future__ import annotations

from lumi.tasks.query import TaskQuery
from lumi.tasks.snapshot_schedule import SnapshotSchedule
from tests.tasks.conftest import Harness


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _snapshot_tasks(harness: Harness) -> list[str]:
    page = harness.engine.list_tasks(TaskQuery(types=["snapshotCreation"]), None, 10, False)
    return [view["status"] for view in page.results]


def test_a_task_is_registered_each_interval(harness: Harness) -> None:
    clock = Clock()
    schedule = SnapshotSchedule(harness.engine.store, 60, clock)
    assert not schedule.register_due()
    assert schedule.wait_time(0.5) == 0.5
    clock.now += 59.8
    assert 0.19 < schedule.wait_time(0.5) < 0.21
    clock.now += 0.2
    assert schedule.register_due()
    assert not schedule.register_due()
    assert _snapshot_tasks(harness) == ["enqueued"]
    clock.now += 185  # missed intervals are not made up for
    assert schedule.register_due()
    assert not schedule.register_due()
    assert _snapshot_tasks(harness) == ["enqueued", "enqueued"]


def test_no_interval_means_no_snapshots(harness: Harness) -> None:
    clock = Clock()
    schedule = SnapshotSchedule(harness.engine.store, None, clock)
    clock.now += 10**6
    assert not schedule.register_due()
    assert schedule.wait_time(0.5) == 0.5
    assert _snapshot_tasks(harness) == []
