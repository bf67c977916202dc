"""What every batch processor receives and returns.

A processor applies one planned batch. Changes to an index environment are committed by
the processor itself (recording the batch as applied in that environment); changes to the
task store (index mapping, task history) are returned as ``store_changes`` and committed by
the scheduler in the same transaction that finishes the tasks, so either all of a batch's
bookkeeping is visible or none of it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lumi.errors import LumiError
from lumi.index.registry import IndexRegistry
from lumi.storage.env import Txn
from lumi.tasks.autobatcher import BatchPlan
from lumi.tasks.models import Task
from lumi.tasks.store import TaskStore


class BatchAborted(Exception):
    """Raised inside a processor when a cancelation targets the running batch."""


@dataclass(slots=True)
class TaskResult:
    status: str = "succeeded"
    details: dict[str, Any] | None = None
    error: dict[str, Any] | None = None

    @classmethod
    def failed(cls, error: LumiError, details: dict[str, Any] | None) -> TaskResult:
        return cls("failed", details, error.to_dict())


@dataclass(slots=True)
class BatchOutcome:
    results: dict[int, TaskResult]
    store_changes: list[Callable[[Txn], None]] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    # Extra tasks touched by the batch (e.g. tasks canceled by a cancelation), already final.
    touched: list[Task] = field(default_factory=list)


@dataclass(slots=True)
class BatchContext:
    plan: BatchPlan
    tasks: list[Task]
    batch_uid: int
    started_at: int
    store: TaskStore
    registry: IndexRegistry
    check_abort: Callable[[], None]
    report_progress: Callable[[str, int, int], None]
    max_indexing_memory: int
    max_indexing_workers: int
    payload: Callable[[Task], bytes]
    # Where dump and snapshot files are written (``--dump-dir``, ``--snapshot-dir``).
    dump_dir: Path = Path("dumps")
    snapshot_dir: Path = Path("snapshots")
