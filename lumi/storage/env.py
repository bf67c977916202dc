"""Opening LMDB environments, with a format version and errors mapped to ``LumiError``.

Every environment Lumi creates records ``FORMAT_VERSION`` under a meta key; opening an
environment written by another format refuses clearly instead of misreading it. Map sizes
are large and sparse: LMDB only reserves address space, the file grows as data is written.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import lmdb

from lumi.errors import LumiError

if TYPE_CHECKING:
    # Every transaction Lumi opens leaves ``buffers`` off, so what LMDB hands back is ``bytes``;
    # an unparameterised ``lmdb.Transaction`` would make every read ``bytes | memoryview``.
    Txn: TypeAlias = lmdb.Transaction[bytes]
    Cursor: TypeAlias = lmdb.Cursor[bytes]
else:
    Txn = lmdb.Transaction
    Cursor = lmdb.Cursor

FORMAT_VERSION = 1
_VERSION_KEY = b"__format_version__"
_NO_SPACE = (
    "There is no more space left on the device. Consider increasing the size of the disk/partition."
)


def open_env(
    path: Path,
    *,
    map_size: int,
    max_dbs: int,
    sync: bool = True,
    readonly: bool = False,
) -> lmdb.Environment:
    """Open an environment directory and check its format version.

    A writable open creates what is missing. A ``readonly`` open (web workers reading an
    index) never takes the write lock, so it does not wait for a batch the scheduler is
    writing into the same environment.
    """
    if not readonly:
        path.mkdir(parents=True, exist_ok=True)
    env = lmdb.open(
        str(path),
        map_size=map_size,
        max_dbs=max_dbs,
        subdir=True,
        sync=sync,
        metasync=sync,
        readahead=False,
        max_readers=1024,
        lock=True,
        readonly=readonly,
    )
    with env.begin() as txn:
        stored = txn.get(_VERSION_KEY)
    if stored is None and not readonly:
        with env.begin(write=True) as txn:
            txn.put(_VERSION_KEY, str(FORMAT_VERSION).encode())
    elif stored is not None and int(stored) != FORMAT_VERSION:
        env.close()
        raise LumiError(
            "internal",
            f"The data at `{path}` uses format version {int(stored)}, "
            f"but this Lumi reads version {FORMAT_VERSION}.",
        )
    return env


@contextlib.contextmanager
def lmdb_errors() -> Iterator[None]:
    """Translate LMDB and OS failures into the user-facing error codes."""
    try:
        yield
    except lmdb.MapFullError as exc:
        raise LumiError(
            "database_size_limit_reached", "Maximum database size has been reached."
        ) from exc
    except lmdb.DiskError as exc:
        raise LumiError("no_space_left_on_device", _NO_SPACE) from exc
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise LumiError("no_space_left_on_device", _NO_SPACE) from exc
        raise LumiError(
            "io_error",
            f"{exc.strerror or exc}. This error generally happens when you have no space left on "
            "device or when your database doesn't have read or write right.",
        ) from exc


def directory_size(path: Path) -> int:
    """Bytes used on disk by every file under ``path``."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(root, name)).st_size
    return total
