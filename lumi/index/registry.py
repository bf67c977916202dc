"""Which index uid lives in which directory, and a per-process cache of open environments.

The mapping lives in the task store (``indexes`` sub-database) so that creating, deleting,
renaming and swapping indexes commit together with the tasks that did it: a swap or a
rename changes two records, never files. Each record also carries the index's public
metadata (``createdAt``, ``updatedAt``, ``primaryKey``) so listing indexes reads one place.
"""

from __future__ import annotations

import re
import shutil
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lumi.index.index import Index
from lumi.storage.env import Txn
from lumi.tasks.store import TaskStore

_INDEX_UID = re.compile(r"^[A-Za-z0-9_-]{1,400}$")


def is_valid_index_uid(uid: str) -> bool:
    return bool(_INDEX_UID.match(uid))


@dataclass(frozen=True, slots=True)
class IndexMeta:
    uid: str
    dir: str
    created_at: int
    updated_at: int
    primary_key: str | None

    def record(self) -> dict[str, Any]:
        return {
            "dir": self.dir,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "primaryKey": self.primary_key,
        }


# LMDB allows one open handle per environment and process, so open environments are shared
# by every registry of the process (the scheduler and the engine of an embedded instance).
_OPEN: dict[Path, Index] = {}
_LOCK = threading.Lock()


class IndexRegistry:
    """``writable`` registries (the scheduler, embedded use) open environments for writing;
    the others open them read-only so that opening never waits for a running batch."""

    def __init__(self, data_dir: Path, store: TaskStore, *, writable: bool) -> None:
        self.root = data_dir / "indexes"
        self.root.mkdir(parents=True, exist_ok=True)
        self.store = store
        self.writable = writable

    # ---- mapping (in the task store) ---------------------------------------------------

    def meta(self, txn: Txn, uid: str) -> IndexMeta | None:
        record = self.store.get_record(txn, "indexes", uid)
        if record is None:
            return None
        return IndexMeta(
            uid=uid,
            dir=record["dir"],
            created_at=record["createdAt"],
            updated_at=record["updatedAt"],
            primary_key=record["primaryKey"],
        )

    def all_meta(self, txn: Txn) -> list[IndexMeta]:
        """Every index, sorted by uid in byte order."""
        return [
            IndexMeta(uid, r["dir"], r["createdAt"], r["updatedAt"], r["primaryKey"])
            for uid, r in self.store.records(txn, "indexes")
        ]

    def put_meta(self, txn: Txn, meta: IndexMeta) -> None:
        self.store.put_record(txn, "indexes", meta.uid, meta.record())

    def remove_meta(self, txn: Txn, uid: str) -> None:
        self.store.delete_record(txn, "indexes", uid)

    # ---- environments ------------------------------------------------------------------

    def new_dir(self) -> str:
        return uuid.uuid4().hex

    def open(self, dir_name: str) -> Index:
        """The environment in ``dir_name``, opened once per process."""
        path = (self.root / dir_name).resolve()
        with _LOCK:
            index = _OPEN.get(path)
            if index is not None and index.readonly and self.writable:
                index.close()
                index = None
            if index is None:
                index = Index(path, readonly=not self.writable)
                _OPEN[path] = index
            return index

    def get(self, txn: Txn, uid: str) -> tuple[IndexMeta, Index] | None:
        meta = self.meta(txn, uid)
        if meta is None:
            return None
        return meta, self.open(meta.dir)

    def forget(self, dir_name: str) -> None:
        with _LOCK:
            index = _OPEN.pop((self.root / dir_name).resolve(), None)
        if index is not None:
            index.close()

    def close(self) -> None:
        """Close every environment of this data directory opened by the process."""
        root = self.root.resolve()
        with _LOCK:
            mine = [path for path in _OPEN if path.parent == root]
            indexes = [_OPEN.pop(path) for path in mine]
        for index in indexes:
            index.close()

    def close_unlisted(self) -> list[str]:
        """Close the environments of this data directory that no index maps to any more
        (deleted, or replaced by a compacted copy); returns their directory names.

        The scheduler deletes such directories, but their disk space is only freed once
        every process has closed its handle. Only for read-only registries: a writable one
        may hold an environment it is creating and has not listed yet.
        """
        with self.store.read() as txn:
            listed = {meta.dir for meta in self.all_meta(txn)}
        root = self.root.resolve()
        with _LOCK:
            gone = [p for p in _OPEN if p.parent == root and p.name not in listed]
            indexes = [_OPEN.pop(path) for path in gone]
        for index in indexes:
            index.close()
        return [path.name for path in gone]

    def destroy(self, dir_name: str) -> None:
        """Close and delete an index directory that no mapping points to any more."""
        self.forget(dir_name)
        shutil.rmtree(self.root / dir_name, ignore_errors=True)

    def remove_orphans(self, txn: Txn) -> list[str]:
        """Delete directories left by a crash between an index commit and its task commit."""
        known = {meta.dir for meta in self.all_meta(txn)}
        removed = []
        for path in self.root.iterdir():
            if path.is_dir() and path.name not in known:
                self.destroy(path.name)
                removed.append(path.name)
        return removed
