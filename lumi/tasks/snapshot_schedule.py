"""``--schedule-snapshot``: the scheduler registers a ``snapshotCreation`` task at a fixed
interval, the first one a full interval after it starts, as if ``POST /snapshots`` had been
called.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from lumi.errors import LumiError
from lumi.storage.env import lmdb_errors
from lumi.tasks import builders
from lumi.tasks.registrar import Registration, register_now
from lumi.tasks.store import TaskStore

log = logging.getLogger("lumi.scheduler")


class SnapshotSchedule:
    """``interval`` in seconds; None disables the schedule."""

    def __init__(
        self,
        store: TaskStore,
        interval: int | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.interval = interval
        self.clock = clock
        self.next_at = None if interval is None else clock() + interval

    def wait_time(self, longest: float) -> float:
        """How long the scheduler may sleep before the next snapshot is due."""
        if self.next_at is None:
            return longest
        return max(0.0, min(longest, self.next_at - self.clock()))

    def register_due(self) -> bool:
        """Register a snapshot task if one is due; True when one was registered."""
        if self.next_at is None or self.interval is None or self.clock() < self.next_at:
            return False
        while self.next_at <= self.clock():
            self.next_at += self.interval
        try:
            with lmdb_errors(), self.store.write() as txn:
                register_now(self.store, txn, Registration(builders.snapshot_creation()))
        except LumiError as error:
            log.warning("the scheduled snapshot could not be registered: %s", error.message)
            return False
        return True
