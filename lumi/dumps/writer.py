"""Writing a dump: the instance's data as a gzip tar, built in a temporary file and renamed
into place only when complete, so a dump file that exists is always whole.

Everything is read in one task-store read transaction (a consistent view of tasks, keys,
webhooks and the index mapping); index environments are read while the scheduler, their
only writer, is busy writing the dump. Documents are copied as stored (they are JSON
already), without decoding.
"""

from __future__ import annotations

import contextlib
import os
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from lumi import __version__, dumps
from lumi.index.registry import IndexMeta, IndexRegistry
from lumi.storage.env import Txn
from lumi.tasks.models import Batch, Task
from lumi.tasks.store import TaskStore
from lumi.tasks.update_files import UpdateFiles
from lumi.timefmt import rfc3339

# Fast enough to keep dumping I/O-bound while still shrinking JSON several times.
_COMPRESS_LEVEL = 3
# Documents copied between two cancelation checks.
_CHUNK = 10_000


class ArchiveWriter:
    """Members of a gzip tar written one after the other.

    A tar header states the member's size before its bytes, so streamed members (documents)
    are staged in an anonymous temporary file first. ``commit`` makes the archive visible
    under its final name; leaving the ``with`` block without it removes the partial file.
    """

    def __init__(self, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        self.target = target
        self.partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        self._file = open(self.partial, "wb")  # noqa: SIM115 - closed in commit/abort
        self._tar = tarfile.open(  # noqa: SIM115 - closed in commit/abort
            fileobj=self._file,
            mode="w:gz",
            compresslevel=_COMPRESS_LEVEL,
            format=tarfile.PAX_FORMAT,
        )
        self._mtime = int(time.time())
        self._done = False

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        if not self._done:
            self.abort()

    def _info(self, name: str, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = self._mtime
        info.mode = 0o600
        return info

    def add_bytes(self, name: str, data: bytes) -> None:
        with tempfile.TemporaryFile() as staged:
            staged.write(data)
            self._add_staged(name, staged)

    def add_json(self, name: str, value: Any) -> None:
        self.add_bytes(name, orjson.dumps(value))

    def add_lines(self, name: str, lines: Iterable[bytes]) -> int:
        """One member from lines given without their newline; returns how many."""
        count = 0
        with tempfile.TemporaryFile() as staged:
            write = staged.write
            for line in lines:
                write(line)
                write(b"\n")
                count += 1
            self._add_staged(name, staged)
        return count

    def add_file(self, name: str, path: Path) -> None:
        with open(path, "rb") as source:
            self._tar.addfile(self._info(name, os.fstat(source.fileno()).st_size), source)

    def _add_staged(self, name: str, staged: IO[bytes]) -> None:
        size = staged.tell()
        staged.seek(0)
        self._tar.addfile(self._info(name, size), staged)

    def commit(self) -> None:
        self._tar.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self.partial, self.target)
        self._done = True

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._tar.close()
        self._file.close()
        with contextlib.suppress(FileNotFoundError):
            self.partial.unlink()
        self._done = True


@dataclass(frozen=True, slots=True)
class DumpRun:
    """The dump being written: its uid, and its own batch as it will be recorded."""

    dump_uid: str
    batch: Batch
    # The batch's tasks in their final state (the dump records itself as succeeded).
    tasks: list[Task]


def write_dump(
    target: Path,
    store: TaskStore,
    registry: IndexRegistry,
    update_files: UpdateFiles,
    run: DumpRun,
    check_abort: Callable[[], None] = lambda: None,
) -> None:
    """Write the whole instance to ``target`` (created atomically)."""
    with ArchiveWriter(target) as archive, store.read() as txn:
        _write_instance(archive, store, txn, run)
        _write_tasks(archive, store, txn, update_files, run)
        for meta in registry.all_meta(txn):
            check_abort()
            _write_index(archive, registry, meta, check_abort)
        archive.commit()


def _write_instance(archive: ArchiveWriter, store: TaskStore, txn: Txn, run: DumpRun) -> None:
    archive.add_json(
        dumps.METADATA,
        {
            "format": dumps.DUMP_FORMAT,
            "formatVersion": dumps.DUMP_FORMAT_VERSION,
            "lumiVersion": __version__,
            "dumpUid": run.dump_uid,
            "dumpDate": rfc3339(run.batch.started_at),
            "nextTaskUid": store.next_task_uid(txn),
            "nextBatchUid": max(store.next_batch_uid(txn), run.batch.uid + 1),
        },
    )
    archive.add_json(dumps.INSTANCE, dict(store.records(txn, "meta_json")))
    archive.add_lines(
        dumps.KEYS, (orjson.dumps(record) for _uid, record in store.records(txn, "keys"))
    )
    archive.add_json(dumps.WEBHOOKS, dict(store.records(txn, "webhooks")))


def _write_tasks(
    archive: ArchiveWriter,
    store: TaskStore,
    txn: Txn,
    update_files: UpdateFiles,
    run: DumpRun,
) -> None:
    final = {task.uid: task for task in run.tasks}
    pending: list[Task] = []

    def tasks() -> Iterator[bytes]:
        for task in store.get_tasks(txn, store.all_task_uids(txn)):
            task = final.get(task.uid, task)
            if task.status == "enqueued":
                pending.append(task)
            yield orjson.dumps(task.to_record())

    archive.add_lines(dumps.TASKS, tasks())
    batches = (
        orjson.dumps(batch.to_record())
        for uid in store.all_batch_uids(txn)
        if uid != run.batch.uid and (batch := store.get_batch(txn, uid)) is not None
    )
    archive.add_lines(dumps.BATCHES, [*batches, orjson.dumps(run.batch.to_record())])
    for task in pending:
        name = task.params.get("payloadFile")
        if name:
            with contextlib.suppress(FileNotFoundError):
                archive.add_file(dumps.UPDATE_FILES + name, update_files.dir / name)
            continue
        payload = store.payload(txn, task.uid)
        if payload is not None:
            archive.add_bytes(f"{dumps.PAYLOADS}{task.uid}", payload)


def _write_index(
    archive: ArchiveWriter,
    registry: IndexRegistry,
    meta: IndexMeta,
    check_abort: Callable[[], None],
) -> None:
    index = registry.open(meta.dir)
    prefix = f"{dumps.INDEXES}{meta.uid}/"
    with index.read() as txn:
        archive.add_json(
            prefix + dumps.INDEX_META,
            {
                "uid": meta.uid,
                "primaryKey": index.primary_key(txn),
                "createdAt": rfc3339(meta.created_at),
                "updatedAt": rfc3339(meta.updated_at),
            },
        )
        archive.add_json(prefix + dumps.INDEX_SETTINGS, index.settings(txn))

        def documents() -> Iterator[bytes]:
            with txn.cursor(db=index.db["documents"]) as cursor:
                for n, raw in enumerate(cursor.iternext(keys=False)):
                    if n % _CHUNK == 0:
                        check_abort()
                    yield bytes(raw)

        archive.add_lines(prefix + dumps.INDEX_DOCUMENTS, documents())
