"""Dump batches: one ``dumpCreation`` task writes ``<dump dir>/<dumpUid>.dump``.

The dump uid is the batch's start time in UTC (``YYYYMMDD-HHMMSSmmm``). The dump records its
own task as succeeded, so an instance started from it does not create the dump again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lumi.dumps.writer import DumpRun, write_dump
from lumi.storage.env import lmdb_errors
from lumi.tasks.batch_summary import batch_stats, merge_details
from lumi.tasks.models import Batch, Task
from lumi.tasks.process.base import BatchContext, BatchOutcome, TaskResult
from lumi.tasks.update_files import UpdateFiles
from lumi.timefmt import now_ns


def dump_uid(started_at_ns: int) -> str:
    moment = datetime.fromtimestamp(started_at_ns / 1e9, tz=UTC)
    return moment.strftime("%Y%m%d-%H%M%S") + f"{moment.microsecond // 1000:03d}"


def create_dump(ctx: BatchContext) -> BatchOutcome:
    task = ctx.tasks[0]
    uid = dump_uid(ctx.started_at)
    details = {"dumpUid": uid}
    run = _dump_run(ctx, task, details)
    # The task store lives in ``<data dir>/tasks``.
    update_files = UpdateFiles(ctx.store.path.parent)
    with lmdb_errors():  # disk full and I/O errors fail the task with their own codes
        write_dump(
            ctx.dump_dir / f"{uid}.dump",
            ctx.store,
            ctx.registry,
            update_files,
            run,
            ctx.check_abort,
        )
    return BatchOutcome({task.uid: TaskResult("succeeded", details)})


def _dump_run(ctx: BatchContext, task: Task, details: dict[str, str]) -> DumpRun:
    """The dump task and its batch as the dump records them: finished, successfully."""
    done = Task.from_record(task.to_record())
    done.status = "succeeded"
    done.details = details
    done.batch_uid = ctx.batch_uid
    done.started_at = ctx.started_at
    done.finished_at = now_ns()
    batch = Batch(
        uid=ctx.batch_uid,
        started_at=ctx.started_at,
        finished_at=done.finished_at,
        task_uids=[done.uid],
        details=merge_details([done]),
        stats=batch_stats([done]),
        strategy=ctx.plan.strategy,
    )
    return DumpRun(dump_uid=details["dumpUid"], batch=batch, tasks=[done])
