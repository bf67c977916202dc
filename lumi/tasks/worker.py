"""The scheduler process: ``python -m lumi.tasks.worker``, started by ``lumi serve``.

A loop around ``Scheduler.tick()``: run batches while there are any, otherwise sleep until a
web worker wakes it (or a slow timer fires). SIGTERM/SIGINT stop it between batches, or
abort the running batch, whose tasks stay enqueued for the next start.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from lumi.config import Config, child_config
from lumi.gc_tuning import tune_gc
from lumi.logs import setup_logging
from lumi.tasks.notify import WakeSocket
from lumi.tasks.scheduler import Scheduler, SchedulerOptions
from lumi.tasks.snapshot_schedule import SnapshotSchedule
from lumi.tasks.store import TaskStore
from lumi.tasks.webhooks import WebhookDispatcher

log = logging.getLogger("lumi.scheduler")


def run(config: Config) -> None:
    data_dir = config.data_dir
    store = TaskStore(data_dir / "tasks")
    webhooks = WebhookDispatcher(
        store, config.task_webhook_url, config.task_webhook_authorization_header
    )
    scheduler = Scheduler(
        data_dir,
        store,
        SchedulerOptions(
            max_batched_tasks=config.experimental_max_number_of_batched_tasks,
            max_batch_bytes=config.batch_bytes_limit,
            max_indexing_memory=config.indexing_memory,
            max_indexing_workers=config.indexing_workers,
            dump_dir=Path(config.dump_dir),
            snapshot_dir=Path(config.snapshot_dir),
        ),
        on_batch_done=webhooks.batch_done,
    )
    wake = WakeSocket(data_dir)
    snapshots = SnapshotSchedule(store, config.schedule_snapshot)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        scheduler.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.recover()
    tune_gc()
    log.debug("scheduler ready (pid %d)", os.getpid())
    while not scheduler.stopping:
        snapshots.register_due()
        if not scheduler.tick():
            wake.wait(snapshots.wait_time(0.5))
    wake.close()


def main() -> None:
    config = child_config()
    setup_logging(config.log_level)
    try:
        run(config)
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
