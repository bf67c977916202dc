"""``--import-dump`` and ``--import-snapshot``: filling the data directory before the server
starts.

Both only ever fill an empty data directory: an existing database is never overwritten.
With the matching ``--ignore-*-if-db-exists`` flag the existing database is used instead;
without it the server refuses to start. A missing file is an error unless
``--ignore-missing-*`` says to start without it. A failed import leaves the directory
empty again, so a corrected retry can run.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from lumi.config import Config, ConfigError
from lumi.dumps.importer import ImportSummary, IndexingLimits, import_dump
from lumi.dumps.snapshot import extract_snapshot
from lumi.index.indexer.words import close_pool

log = logging.getLogger("lumi")

# What the data directory holds while a server runs on it, even an empty one.
_LOCK_FILE = "lumi.lock"


def import_at_start(config: Config) -> None:
    """Import what the options ask for; ``ConfigError`` when refused, ``DumpError`` when the
    file cannot be imported."""
    _check_flags(config)
    data_dir = config.data_dir
    if config.import_dump is not None:
        limits = IndexingLimits(config.indexing_memory, config.indexing_workers)
        _import(
            Path(config.import_dump),
            data_dir,
            "dump",
            config.ignore_missing_dump,
            config.ignore_dump_if_db_exists,
            lambda path: _summarize(import_dump(path, data_dir, limits)),
        )
    elif config.import_snapshot is not None:
        _import(
            Path(config.import_snapshot),
            data_dir,
            "snapshot",
            config.ignore_missing_snapshot,
            config.ignore_snapshot_if_db_exists,
            lambda path: extract_snapshot(path, data_dir),
        )


def _check_flags(config: Config) -> None:
    if config.import_dump is not None and config.import_snapshot is not None:
        raise ConfigError("`--import-dump` and `--import-snapshot` cannot be used together")
    for kind, source, flags in (
        (
            "dump",
            config.import_dump,
            (
                ("--ignore-missing-dump", config.ignore_missing_dump),
                ("--ignore-dump-if-db-exists", config.ignore_dump_if_db_exists),
            ),
        ),
        (
            "snapshot",
            config.import_snapshot,
            (
                ("--ignore-missing-snapshot", config.ignore_missing_snapshot),
                ("--ignore-snapshot-if-db-exists", config.ignore_snapshot_if_db_exists),
            ),
        ),
    ):
        for flag, given in flags:
            if given and source is None:
                raise ConfigError(f"`{flag}` can only be used with `--import-{kind}`")


def has_database(data_dir: Path) -> bool:
    """Whether ``data_dir`` holds anything besides the lock of the running server."""
    if not data_dir.exists():
        return False
    return any(entry.name != _LOCK_FILE for entry in data_dir.iterdir())


def _import(
    path: Path,
    data_dir: Path,
    kind: str,
    ignore_missing: bool,
    ignore_if_db_exists: bool,
    run: Callable[[Path], str | None],
) -> None:
    if not path.is_file():
        if ignore_missing:
            log.warning("the %s `%s` does not exist; starting without it", kind, path)
            return
        raise ConfigError(f"the {kind} `{path}` does not exist")
    if has_database(data_dir):
        if ignore_if_db_exists:
            log.warning("a database already exists in `%s`; the %s is ignored", data_dir, kind)
            return
        raise ConfigError(
            f"cannot import the {kind} `{path}`: a database already exists in `{data_dir}`. "
            f"Remove it or start with `--ignore-{kind}-if-db-exists` to keep it"
        )
    log.info("importing the %s `%s`", kind, path)
    try:
        outcome = run(path)
    except BaseException:
        _empty(data_dir)
        raise
    finally:
        close_pool()  # indexing workers are not needed by the supervisor any more
    log.info("imported the %s `%s`%s", kind, path, f": {outcome}" if outcome else "")


def _summarize(summary: ImportSummary) -> str:
    documents = summary.documents
    return f"{len(documents)} indexes, {sum(documents.values())} documents, {summary.tasks} tasks"


def _empty(data_dir: Path) -> None:
    for entry in data_dir.iterdir():
        if entry.name == _LOCK_FILE:
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
