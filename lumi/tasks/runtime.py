"""What the scheduler is doing right now, shared with the web workers.

``processing`` is never written to the task store: a crash must leave a running batch's
tasks ``enqueued`` so they run again. Instead the scheduler publishes the batch it is
processing (uid, task uids, start time, progress) in a small file replaced atomically;
readers overlay it on stored tasks. The file is not synced: after a crash it is stale and
is removed when the scheduler starts.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from pyroaring import BitMap


@dataclass(frozen=True, slots=True)
class CurrentBatch:
    uid: int
    task_uids: BitMap
    started_at: int
    progress: dict[str, Any] | None
    details: dict[str, Any]
    stats: dict[str, Any]
    strategy: str


class Runtime:
    """Reads and writes the published state under ``<data dir>/runtime/``."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / "runtime"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / "current_batch.json"
        self._cache_key: tuple[int, int] | None = None
        self._cache: CurrentBatch | None = None

    def publish(self, batch: CurrentBatch | None) -> None:
        if batch is None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return
        record = {
            "uid": batch.uid,
            "taskUids": list(batch.task_uids),
            "startedAt": batch.started_at,
            "progress": batch.progress,
            "details": batch.details,
            "stats": batch.stats,
            "strategy": batch.strategy,
        }
        tmp = self.dir / f".current_batch.{os.getpid()}.tmp"
        tmp.write_bytes(orjson.dumps(record))
        os.replace(tmp, self.path)

    def current(self) -> CurrentBatch | None:
        """The running batch, re-read only when the file changed."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._cache_key, self._cache = None, None
            return None
        key = (st.st_mtime_ns, st.st_ino)
        if key == self._cache_key:
            return self._cache
        try:
            record = orjson.loads(self.path.read_bytes())
        except (FileNotFoundError, orjson.JSONDecodeError):
            return None
        self._cache_key = key
        self._cache = CurrentBatch(
            uid=record["uid"],
            task_uids=BitMap(record["taskUids"]),
            started_at=record["startedAt"],
            progress=record.get("progress"),
            details=record["details"],
            stats=record["stats"],
            strategy=record["strategy"],
        )
        return self._cache
