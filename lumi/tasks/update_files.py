"""Large document payloads kept as files until their task finishes.

Payloads up to ``INLINE_LIMIT`` bytes are stored in the task store next to their task, so one
commit makes both durable; bigger ones are written here and fsynced before the task that
names them is committed. A file no task names (left by a crash before the commit) is
removed when the scheduler starts.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

INLINE_LIMIT = 1024 * 1024


class UpdateFiles:
    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / "update_files"
        self.dir.mkdir(parents=True, exist_ok=True)

    def write(self, payload: bytes) -> str:
        """Store ``payload`` durably and return its file name."""
        name = uuid.uuid4().hex
        path = self.dir / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(payload)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        dir_fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return name

    def read(self, name: str) -> bytes:
        return (self.dir / name).read_bytes()

    def delete(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.dir / name).unlink()

    def names(self) -> set[str]:
        return {p.name for p in self.dir.iterdir() if p.is_file()}
