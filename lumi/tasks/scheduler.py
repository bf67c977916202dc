"""The scheduler: the only writer of index data. ``tick()`` runs one batch, synchronously.

One tick: pick the next batch with the autobatcher, publish it as processing, run its
processor (which commits the index environment), then finish every task of the batch, write
the batch record and apply the processor's store changes in ONE task-store transaction.
Only after that commit are directories deleted, payloads dropped and webhooks sent. A crash
anywhere leaves the task store as it was before the batch: its tasks are still enqueued and
run again at restart (an index commit that already happened is recognised and not redone).

``failpoint(name)`` marks the commit points; tests make the process die exactly there.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.index.registry import IndexRegistry
from lumi.storage import codecs
from lumi.storage.env import lmdb_errors
from lumi.tasks import autobatcher
from lumi.tasks.autobatcher import BatchPlan, IndexState, Limits, QueuedTask
from lumi.tasks.batch_summary import batch_stats, merge_details
from lumi.tasks.models import Batch, Task
from lumi.tasks.process.base import BatchAborted, BatchContext, BatchOutcome, TaskResult
from lumi.tasks.process.dispatch import run_batch
from lumi.tasks.registrar import Registration, register_now
from lumi.tasks.runtime import CurrentBatch, Runtime
from lumi.tasks.store import TaskStore
from lumi.tasks.update_files import UpdateFiles
from lumi.timefmt import now_ns, rfc3339

log = logging.getLogger("lumi.scheduler")

AUTO_CLEANUP_THRESHOLD = 1_000_000
AUTO_CLEANUP_SIZE = 100_000
_ABORT_CHECK_INTERVAL = 0.05
_PROGRESS_INTERVAL = 0.1


def failpoint(name: str) -> None:
    """Die here, once, when ``LUMI_FAILPOINT`` names this point (crash tests only).

    ``LUMI_FAILPOINT_MARKER`` names a file created just before dying, so the restarted process
    runs through the same point normally.
    """
    if os.environ.get("LUMI_FAILPOINT") != name:
        return
    marker = os.environ.get("LUMI_FAILPOINT_MARKER")
    if marker:
        if os.path.exists(marker):
            return
        with open(marker, "w") as file:
            file.write(name)
    os._exit(86)


@dataclass(frozen=True, slots=True)
class SchedulerOptions:
    max_batched_tasks: int | None = None
    max_batch_bytes: int = 10 * 1024**3
    max_indexing_memory: int = 2 * 1024**3
    max_indexing_workers: int = 1
    dump_dir: Path = Path("dumps")
    snapshot_dir: Path = Path("snapshots")


class Scheduler:
    def __init__(
        self,
        data_dir: Path,
        store: TaskStore,
        options: SchedulerOptions,
        on_batch_done: Callable[[list[Task]], None] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.store = store
        self.options = options
        self.registry = IndexRegistry(data_dir, store, writable=True)
        self.runtime = Runtime(data_dir)
        self.update_files = UpdateFiles(data_dir)
        self.on_batch_done = on_batch_done
        self.stopping = False
        self._queued: dict[int, QueuedTask] = {}

    # ---- start-up ----------------------------------------------------------------------

    def recover(self) -> None:
        """Forget the state of a batch interrupted by a crash and clean leftovers."""
        self.runtime.publish(None)
        with self.store.read() as txn:
            removed = self.registry.remove_orphans(txn)
            enqueued = self.store.bitmap(txn, "by_status", b"enqueued")
            wanted = {
                t.params["payloadFile"]
                for t in self.store.get_tasks(txn, enqueued)
                if t.params.get("payloadFile")
            }
        for name in self.update_files.names() - wanted:
            self.update_files.delete(name)
        if removed:
            log.info("removed %d index directories left by an interrupted batch", len(removed))

    # ---- one step ----------------------------------------------------------------------

    def tick(self) -> bool:
        """Process one batch; False when the queue had nothing to do."""
        self._auto_cleanup()
        plan = self._plan()
        if plan is None:
            return False
        with self.store.read() as txn:
            tasks = list(self.store.get_tasks(txn, plan.task_uids))
            batch_uid = self.store.next_batch_uid(txn)
        started_at = now_ns()
        progress = _Progress(self, batch_uid, tasks, plan, started_at)
        progress.publish(force=True)
        ctx = BatchContext(
            plan=plan,
            tasks=tasks,
            batch_uid=batch_uid,
            started_at=started_at,
            store=self.store,
            registry=self.registry,
            check_abort=_AbortCheck(self, BitMap(plan.task_uids)),
            report_progress=progress.report,
            max_indexing_memory=self.options.max_indexing_memory,
            max_indexing_workers=self.options.max_indexing_workers,
            payload=self._payload,
            dump_dir=self.options.dump_dir,
            snapshot_dir=self.options.snapshot_dir,
        )
        try:
            outcome = run_batch(ctx)
        except BatchAborted:
            self.runtime.publish(None)
            return True
        except LumiError as error:
            outcome = BatchOutcome({t.uid: TaskResult.failed(error, t.details) for t in tasks})
        except Exception as exc:
            log.exception("batch %d failed", batch_uid)
            internal = LumiError("internal", str(exc) or type(exc).__name__)
            outcome = BatchOutcome({t.uid: TaskResult.failed(internal, t.details) for t in tasks})
        failpoint("after_index_commit")
        self._finish(ctx, tasks, outcome, progress.trace.finish())
        return True

    def _finish(
        self,
        ctx: BatchContext,
        tasks: list[Task],
        outcome: BatchOutcome,
        trace: dict[str, int],
    ) -> None:
        finished_at = now_ns()
        final: list[Task] = []
        old_versions: dict[int, Task] = {}
        for task in tasks:
            old_versions[task.uid] = Task.from_record(task.to_record())
            result = outcome.results.get(task.uid) or TaskResult(
                "failed",
                task.details,
                LumiError("internal", "The task was not processed.").to_dict(),
            )
            task.status = result.status
            task.details = result.details
            task.error = result.error
            task.batch_uid = ctx.batch_uid
            task.started_at = ctx.started_at
            task.finished_at = finished_at
            final.append(task)
        for task in outcome.touched:
            task.finished_at = finished_at
        everything = final + outcome.touched
        batch = Batch(
            uid=ctx.batch_uid,
            started_at=ctx.started_at,
            finished_at=finished_at,
            task_uids=[t.uid for t in everything],
            details=merge_details(final),
            stats=batch_stats(everything, trace),
            strategy=ctx.plan.strategy,
        )
        with lmdb_errors(), self.store.write() as txn:
            for change in outcome.store_changes:
                change(txn)
            for task in final:
                self.store.put_task(txn, task, old_versions[task.uid])
                self.store.drop_payload(txn, task.uid)
            for task in outcome.touched:
                previous = self.store.get_task(txn, task.uid)
                self.store.put_task(txn, task, previous)
                self.store.drop_payload(txn, task.uid)
            self.store.put_batch(txn, batch)
            failpoint("before_store_commit")
        failpoint("after_store_commit")
        self.runtime.publish(None)
        for action in outcome.after_commit:
            action()
        for task in everything:
            name = task.params.get("payloadFile")
            if name:
                self.update_files.delete(name)
        for task in everything:
            self._queued.pop(task.uid, None)
        if self.on_batch_done is not None:
            self.on_batch_done(everything)

    # ---- planning ----------------------------------------------------------------------

    def _plan(self) -> BatchPlan | None:
        with self.store.read() as txn:
            enqueued = self.store.bitmap(txn, "by_status", b"enqueued")
            for uid in [u for u in self._queued if u not in enqueued]:
                del self._queued[uid]
            for task in self.store.get_tasks(txn, enqueued - BitMap(self._queued)):
                self._queued[task.uid] = _queued_task(task)
            queue = [self._queued[uid] for uid in sorted(self._queued)]
            states: dict[str, IndexState] = {}

            def index_state(uid: str) -> IndexState:
                if uid not in states:
                    meta = self.registry.meta(txn, uid)
                    states[uid] = IndexState(meta is not None, meta.primary_key if meta else None)
                return states[uid]

            limits = Limits(self.options.max_batched_tasks, self.options.max_batch_bytes)
            return autobatcher.next_batch(queue, index_state, limits)

    def _payload(self, task: Task) -> bytes:
        name = task.params.get("payloadFile")
        if name:
            return self.update_files.read(name)
        with self.store.read() as txn:
            raw = self.store.payload(txn, task.uid)
        return raw or b""

    def _auto_cleanup(self) -> None:
        """Past a million tasks, enqueue the deletion of the oldest finished ones."""
        with self.store.read() as txn:
            if self.store.task_count(txn) < AUTO_CLEANUP_THRESHOLD:
                return
            pending = self.store.bitmap(txn, "by_type", b"taskDeletion") & self.store.bitmap(
                txn, "by_status", b"enqueued"
            )
            if pending:
                return
            finished = BitMap()
            for status in (b"succeeded", b"failed", b"canceled"):
                finished |= self.store.bitmap(txn, "by_status", status)
            if len(finished) < 2:
                log.warning("the task queue is full but holds too few finished tasks to delete")
                return
            targets = BitMap(finished[i] for i in range(min(AUTO_CLEANUP_SIZE, len(finished))))
            newest = self.store.get_task(txn, targets.max())
            assert newest is not None
        bound = rfc3339(newest.enqueued_at + 1)
        task = Task(
            uid=0,
            type="taskDeletion",
            index_uid=None,
            enqueued_at=0,
            details={
                "matchedTasks": len(targets),
                "deletedTasks": None,
                "originalFilter": f"?beforeEnqueuedAt={bound}&statuses=succeeded,failed,canceled",
            },
        )
        with lmdb_errors(), self.store.write() as txn:
            register_now(
                self.store,
                txn,
                Registration(task, matcher=lambda _txn, _uid: targets, bypass_limit=True),
            )
        log.info("enqueued the automatic deletion of %d finished tasks", len(targets))


def _queued_task(task: Task) -> QueuedTask:
    params = task.params
    return QueuedTask(
        uid=task.uid,
        kind=task.type,
        index_uid=task.index_uid,
        primary_key=params.get("primaryKey") if task.type == "documentAdditionOrUpdate" else None,
        allow_index_creation=params.get("allowIndexCreation", True),
        payload_size=params.get("payloadSize", 0),
        deletion=params.get("operation") if task.type == "documentDeletion" else None,
        other_index_uids=_other_indexes(task),
    )


def _other_indexes(task: Task) -> tuple[str, ...]:
    """Indexes a swap or a rename touches besides its own, so batches do not overtake it."""
    if task.type == "indexSwap":
        return tuple(uid for swap in task.params.get("swaps", []) for uid in swap["indexes"])
    if task.type == "indexUpdate" and task.params.get("newUid"):
        return (task.params["newUid"],)
    return ()


class _AbortCheck:
    """Raises ``BatchAborted`` when shutting down or when a cancelation targets the batch."""

    def __init__(self, scheduler: Scheduler, batch: BitMap) -> None:
        self.scheduler = scheduler
        self.batch = batch
        self.last = 0.0
        self.seen: set[int] = set()

    def __call__(self) -> None:
        if self.scheduler.stopping:
            raise BatchAborted
        now = time.monotonic()
        if now - self.last < _ABORT_CHECK_INTERVAL:
            return
        self.last = now
        store = self.scheduler.store
        with store.read() as txn:
            cancelations = store.bitmap(txn, "by_type", b"taskCancelation") & store.bitmap(
                txn, "by_status", b"enqueued"
            )
            for uid in cancelations:
                if uid in self.seen:
                    continue
                self.seen.add(uid)
                if codecs.bitmap(store.payload(txn, uid)).intersect(self.batch):
                    raise BatchAborted


class _Step(TypedDict):
    """The progress step of a running batch, as the ``progress`` of ``/batches`` shows it."""

    currentStep: str
    finished: int
    total: int


# The whole run of a batch's processor; the steps it reports are nested beneath it.
ROOT_STEP = "processing tasks"


class StepTrace:
    """How long each step of a batch took, for the ``progressTrace`` of its stats.

    The processor's whole run is ``processing tasks``; every other step it reports is
    nested beneath it (``processing tasks > indexing documents``). A step lasts from its
    first report until another step is reported (reporting it again only moves its
    counts), and a step met several times adds up its stretches.
    """

    __slots__ = ("current", "since", "spent", "started")

    def __init__(self, now: int) -> None:
        self.started = now
        self.current: str | None = None
        self.since = now
        self.spent: dict[str, int] = {}

    def enter(self, step: str, now: int) -> None:
        if step == self.current:
            return
        self._close(now)
        self.current = None if step == ROOT_STEP else step
        self.since = now

    def finish(self, now: int | None = None) -> dict[str, int]:
        """Nanoseconds per step path, the whole run first; the trace ends here."""
        if now is None:
            now = time.monotonic_ns()
        self._close(now)
        self.current = None
        nested = {f"{ROOT_STEP} > {step}": ns for step, ns in self.spent.items()}
        return {ROOT_STEP: now - self.started, **nested}

    def _close(self, now: int) -> None:
        if self.current is not None:
            self.spent[self.current] = self.spent.get(self.current, 0) + now - self.since


class _Progress:
    """Publishes the running batch and its progress, at most every 100 ms, and traces how
    long its steps take."""

    def __init__(
        self, scheduler: Scheduler, uid: int, tasks: list[Task], plan: BatchPlan, started: int
    ) -> None:
        self.scheduler = scheduler
        self.uid = uid
        self.tasks = tasks
        self.plan = plan
        self.started = started
        self.step: _Step | None = None
        self.last = 0.0
        self.trace = StepTrace(time.monotonic_ns())

    def report(self, step: str, finished: int, total: int) -> None:
        self.trace.enter(step, time.monotonic_ns())
        self.step = {"currentStep": step, "finished": finished, "total": total}
        self.publish()

    def publish(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < _PROGRESS_INTERVAL:
            return
        self.last = now
        steps = [self.step] if self.step else []
        percentage = 0.0
        if self.step and self.step["total"]:
            percentage = round(100.0 * self.step["finished"] / self.step["total"], 2)
        processing = [Task.from_record(t.to_record()) for t in self.tasks]
        for task in processing:
            task.status = "processing"
        self.scheduler.runtime.publish(
            CurrentBatch(
                uid=self.uid,
                task_uids=BitMap(t.uid for t in self.tasks),
                started_at=self.started,
                progress={"steps": steps, "percentage": percentage},
                details=merge_details(self.tasks),
                stats=batch_stats(processing),
                strategy=self.plan.strategy,
            )
        )
