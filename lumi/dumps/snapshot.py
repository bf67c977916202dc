"""Snapshots: the data directory's LMDB environments copied with compaction, in a gzip tar.

LMDB copies an environment from its own read transaction, so each copy is consistent; the
task store is copied first and everything else follows from that copy: the index mapping
says which index environments to copy, its enqueued tasks say which payload files to keep.
The tasks of the snapshot itself are deleted from the copy, so an instance started from
the snapshot does not create it again. The archive is built next to its final name and
renamed into place, replacing the previous snapshot.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path

import orjson
from pyroaring import BitMap

from lumi import __version__
from lumi.dumps.reader import DumpError
from lumi.index.registry import IndexRegistry
from lumi.storage.env import FORMAT_VERSION
from lumi.tasks.store import TaskStore

SNAPSHOT_FORMAT = "lumi-snapshot"
_METADATA = "snapshot.json"
_MEMBERS = ("tasks/", "indexes/", "update_files/")
_COMPRESS_LEVEL = 3


def snapshot_name(data_dir: Path) -> str:
    """``data.lumi.snapshot`` for the data directory ``data.lumi``."""
    return f"{data_dir.resolve().name}.snapshot"


def write_snapshot(
    target: Path, store: TaskStore, registry: IndexRegistry, exclude: Iterable[int]
) -> None:
    """Write a snapshot of the instance whose task store is ``store`` to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".snapshot-") as staging:
        root = Path(staging)
        index_dirs, payload_files = _copy_task_store(store, root / "tasks", BitMap(exclude))
        (root / "indexes").mkdir()
        for name in index_dirs:
            destination = root / "indexes" / name
            destination.mkdir()
            registry.open(name).env.copy(str(destination), compact=True)
        files = root / "update_files"
        files.mkdir()
        for name in payload_files:
            with contextlib.suppress(FileNotFoundError):
                shutil.copyfile(store.path.parent / "update_files" / name, files / name)
        metadata = {
            "format": SNAPSHOT_FORMAT,
            "storageVersion": FORMAT_VERSION,
            "lumiVersion": __version__,
        }
        (root / _METADATA).write_bytes(orjson.dumps(metadata))
        _archive(root, target)


def _copy_task_store(
    store: TaskStore, destination: Path, exclude: BitMap
) -> tuple[list[str], list[str]]:
    """Copy the task store without the ``exclude`` tasks; returns the index directories it
    maps and the payload files its enqueued tasks need."""
    destination.mkdir(parents=True)
    store.env.copy(str(destination), compact=True)
    copy = TaskStore(destination)
    try:
        with copy.write() as txn:
            copy.delete_tasks(txn, exclude)
        with copy.read() as txn:
            index_dirs = [record["dir"] for _uid, record in copy.records(txn, "indexes")]
            enqueued = copy.bitmap(txn, "by_status", b"enqueued")
            files = [
                task.params["payloadFile"]
                for task in copy.get_tasks(txn, enqueued)
                if task.params.get("payloadFile")
            ]
    finally:
        copy.close()
    with contextlib.suppress(FileNotFoundError):
        (destination / "lock.mdb").unlink()
    return index_dirs, files


def _archive(root: Path, target: Path) -> None:
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as file:
            with tarfile.open(fileobj=file, mode="w:gz", compresslevel=_COMPRESS_LEVEL) as tar:
                tar.add(root / _METADATA, arcname=_METADATA)
                for member in ("tasks", "indexes", "update_files"):
                    tar.add(root / member, arcname=member)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


def extract_snapshot(path: Path, data_dir: Path) -> None:
    """Unpack the snapshot at ``path`` into ``data_dir``; raises ``DumpError`` when it is not
    a Lumi snapshot this version can read."""
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            names = tar.getnames()
            if _METADATA not in names or "tasks/data.mdb" not in names:
                raise DumpError(f"`{path}` is not a Lumi snapshot")
            _check_metadata(tar, path)
            members = [m for m in tar.getmembers() if m.name.startswith(_MEMBERS)]
            tar.extractall(data_dir, members=members, filter="data")
    except (OSError, tarfile.TarError, EOFError, orjson.JSONDecodeError) as exc:
        raise DumpError(f"cannot read the snapshot `{path}`: {exc}") from None


def _check_metadata(tar: tarfile.TarFile, path: Path) -> None:
    file = tar.extractfile(_METADATA)
    metadata = orjson.loads(file.read()) if file is not None else None
    if not isinstance(metadata, dict) or metadata.get("format") != SNAPSHOT_FORMAT:
        raise DumpError(f"`{path}` is not a Lumi snapshot")
    if metadata.get("storageVersion") != FORMAT_VERSION:
        raise DumpError(
            f"the snapshot `{path}` uses storage format {metadata.get('storageVersion')}, but "
            f"this Lumi reads format {FORMAT_VERSION}; import a dump instead"
        )
