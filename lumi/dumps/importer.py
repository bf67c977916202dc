"""Importing a dump into an empty data directory.

Instance records, keys, webhooks, tasks and batches are written back as they were (task
uids, dates and statuses kept; enqueued tasks get their payloads back and run once the
server starts). Indexes are rebuilt, not copied: settings first, then every document goes
through the ``DocumentWriter`` and the search-structure extractors exactly as a document
addition would, so an imported index answers searches like the original.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lumi import dumps
from lumi.dumps.reader import DumpError, Member, read_members
from lumi.errors import LumiError
from lumi.index.documents import document_id
from lumi.index.indexer.build import BuildContext, apply_changes
from lumi.index.indexer.write import Change, DocumentWriter
from lumi.index.registry import IndexMeta, IndexRegistry, is_valid_index_uid
from lumi.index.settings import apply_patch
from lumi.storage.env import Txn, lmdb_errors
from lumi.tasks.models import Batch, Task
from lumi.tasks.store import TaskStore
from lumi.tasks.update_files import UpdateFiles
from lumi.timefmt import parse_rfc3339

log = logging.getLogger("lumi.dumps")

# Records written per task-store transaction, and documents per indexing chunk.
_RECORDS_PER_COMMIT = 10_000
_DOCUMENTS_PER_CHUNK = 10_000
_FILE_NAME = re.compile(r"^[0-9a-f]{32}$")


@dataclass(slots=True)
class ImportSummary:
    tasks: int = 0
    batches: int = 0
    keys: int = 0
    documents: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IndexingLimits:
    max_memory: int = 1024**3
    max_workers: int = 1


def import_dump(
    path: Path, data_dir: Path, limits: IndexingLimits = IndexingLimits()
) -> ImportSummary:
    """Fill the (empty) ``data_dir`` from the dump at ``path``; raises ``DumpError``."""
    store = TaskStore(data_dir / "tasks")
    registry = IndexRegistry(data_dir, store, writable=True)
    try:
        return _Importer(store, registry, UpdateFiles(data_dir), limits).run(path)
    except LumiError as error:
        raise DumpError(f"cannot import `{path}`: {error.message}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # A record without a field it must have, or of the wrong shape.
        raise DumpError(f"cannot import `{path}`: unexpected content ({exc!r})") from None
    finally:
        registry.close()
        store.close()


class _Importer:
    def __init__(
        self,
        store: TaskStore,
        registry: IndexRegistry,
        update_files: UpdateFiles,
        limits: IndexingLimits,
    ) -> None:
        self.store = store
        self.registry = registry
        self.update_files = update_files
        self.limits = limits
        self.summary = ImportSummary()
        self.metadata: dict[str, Any] = {}
        self.index: _IndexBuild | None = None

    def run(self, path: Path) -> ImportSummary:
        for member in read_members(path):
            self._member(member)
        if self.index is not None:
            raise DumpError(f"the index `{self.index.uid}` of the dump has no documents file")
        with lmdb_errors(), self.store.write() as txn:
            self.store.reserve_uids(
                txn,
                int(self.metadata.get("nextTaskUid", 0)),
                int(self.metadata.get("nextBatchUid", 0)),
            )
        return self.summary

    def _member(self, member: Member) -> None:
        name = member.name
        if name == dumps.METADATA:
            self.metadata = member.json()
        elif name == dumps.INSTANCE:
            self._records("meta_json", dict(member.json()).items())
        elif name == dumps.KEYS:
            self.summary.keys = self._records("keys", ((r["uid"], r) for r in member.lines()))
        elif name == dumps.WEBHOOKS:
            self._records("webhooks", dict(member.json()).items())
        elif name == dumps.TASKS:
            self._tasks(member.lines())
        elif name == dumps.BATCHES:
            self._batches(member.lines())
        elif name.startswith(dumps.PAYLOADS):
            self._payload(name[len(dumps.PAYLOADS) :], member.read())
        elif name.startswith(dumps.UPDATE_FILES):
            self._update_file(name[len(dumps.UPDATE_FILES) :], member.read())
        elif name.startswith(dumps.INDEXES):
            self._index_member(name[len(dumps.INDEXES) :], member)
        else:
            raise DumpError(f"unexpected member `{name}` in the dump")

    # ---- instance and task queue -------------------------------------------------------

    def _records(self, db_name: str, items: Any) -> int:
        count = 0
        with lmdb_errors(), self.store.write() as txn:
            for key, value in items:
                self.store.put_record(txn, db_name, str(key), value)
                count += 1
        return count

    def _tasks(self, records: Iterator[dict[str, Any]]) -> None:
        for chunk in _chunks(records, _RECORDS_PER_COMMIT):
            with lmdb_errors(), self.store.write() as txn:
                for record in chunk:
                    self.store.restore_task(txn, Task.from_record(record))
            self.summary.tasks += len(chunk)

    def _batches(self, records: Iterator[dict[str, Any]]) -> None:
        for chunk in _chunks(records, _RECORDS_PER_COMMIT):
            with lmdb_errors(), self.store.write() as txn:
                for record in chunk:
                    self.store.put_batch(txn, Batch.from_record(record))
            self.summary.batches += len(chunk)

    def _payload(self, uid: str, data: bytes) -> None:
        if not uid.isdigit():
            raise DumpError(f"unexpected payload `{uid}` in the dump")
        with lmdb_errors(), self.store.write() as txn:
            self.store.put_payload(txn, int(uid), data)

    def _update_file(self, name: str, data: bytes) -> None:
        if not _FILE_NAME.match(name):
            raise DumpError(f"unexpected payload file `{name}` in the dump")
        (self.update_files.dir / name).write_bytes(data)

    # ---- indexes -----------------------------------------------------------------------

    def _index_member(self, rest: str, member: Member) -> None:
        uid, _, part = rest.partition("/")
        if not is_valid_index_uid(uid):
            raise DumpError(f"`{uid}` is not a valid index uid")
        if part == dumps.INDEX_META:
            if self.index is not None:
                raise DumpError(f"the index `{self.index.uid}` of the dump has no documents file")
            self.index = _IndexBuild(self.registry, member.json(), self.limits)
            return
        build = self.index
        if build is None or build.uid != uid:
            raise DumpError(f"`{member.name}` comes before the description of its index")
        if part == dumps.INDEX_SETTINGS:
            build.set_settings(member.json())
        elif part == dumps.INDEX_DOCUMENTS:
            count = build.add_documents(member.lines())
            meta = build.commit()
            with lmdb_errors(), self.store.write() as txn:
                self.registry.put_meta(txn, meta)
            self.summary.documents[uid] = count
            self.index = None
            log.info("imported index `%s` with %d documents", uid, count)
        else:
            raise DumpError(f"unexpected member `{member.name}` in the dump")


class _IndexBuild:
    """One index being rebuilt in a fresh directory, in one write transaction."""

    def __init__(
        self, registry: IndexRegistry, record: dict[str, Any], limits: IndexingLimits
    ) -> None:
        self.registry = registry
        self.uid: str = record["uid"]
        self.primary_key: str | None = record.get("primaryKey")
        self.created_at = _date(record, "createdAt")
        self.updated_at = _date(record, "updatedAt")
        self.dir = registry.new_dir()
        self.index = registry.open(self.dir)
        self.txn: Txn = self.index.write()
        self.index.set_primary_key(self.txn, self.primary_key)
        self.limits = limits

    def set_settings(self, stored: dict[str, Any]) -> None:
        try:
            settings = apply_patch({}, stored)
        except KeyError as exc:
            raise DumpError(f"unknown setting {exc} for the index `{self.uid}`") from None
        self.index.set_settings(self.txn, settings)

    def add_documents(self, documents: Iterator[dict[str, Any]]) -> int:
        index, txn = self.index, self.txn
        build = BuildContext(
            index=index,
            txn=txn,
            settings=index.settings(txn),
            check_abort=lambda: None,
            max_workers=self.limits.max_workers,
            max_memory=self.limits.max_memory,
        )

        def sink(changes: list[Change]) -> None:
            apply_changes(build, changes)

        writer = DocumentWriter(index, txn, sink)
        key = self.primary_key
        count = 0
        for document in documents:
            if key is None:
                raise DumpError(f"the index `{self.uid}` has documents but no primary key")
            writer.put(document_id(document, key), document)
            count += 1
            if count % _DOCUMENTS_PER_CHUNK == 0:
                writer.flush()
        writer.finish()
        return count

    def commit(self) -> IndexMeta:
        self.txn.commit()
        return IndexMeta(self.uid, self.dir, self.created_at, self.updated_at, self.primary_key)


def _date(record: dict[str, Any], name: str) -> int:
    value = record.get(name)
    parsed = parse_rfc3339(value) if isinstance(value, str) else None
    if parsed is None:
        raise DumpError(f"the index `{record.get('uid')}` has an invalid `{name}`: `{value}`")
    return parsed


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
