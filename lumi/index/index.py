"""An index: one LMDB environment with its documents, ids, settings and search structures.

The scheduler process is the only writer; web workers open the same environment read-only
in spirit (short read transactions, no writes). ``main`` holds small records: the primary
key, the stored settings, the field-id map, per-field document counts and the set of used
document ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lmdb
from pyroaring import BitMap

from lumi.index.layout import NAMES
from lumi.storage import codecs
from lumi.storage.env import Txn, open_env

INDEX_MAP_SIZE = 16 * 1024**3

_PRIMARY_KEY = b"primary_key"
_SETTINGS = b"settings"
_FIELDS = b"fields"
_DISTRIBUTION = b"field_distribution"
_DOCIDS = b"docids"
_APPLIED = b"applied_batch"


class Index:
    """Typed access to one index environment; methods take the transaction to use."""

    def __init__(
        self, path: Path, *, map_size: int = INDEX_MAP_SIZE, readonly: bool = False
    ) -> None:
        self.path = path
        self.readonly = readonly
        self.env = open_env(path, map_size=map_size, max_dbs=len(NAMES) + 2, readonly=readonly)
        try:
            self.db = {name: self.env.open_db(name.encode(), create=not readonly) for name in NAMES}
        except lmdb.NotFoundError:
            # Written before some sub-database existed: create the missing ones (empty) once,
            # through a short-lived writable handle, then read as asked.
            self.env.close()
            Index(path, map_size=map_size).close()
            self.env = open_env(path, map_size=map_size, max_dbs=len(NAMES) + 2, readonly=True)
            self.db = {name: self.env.open_db(name.encode(), create=False) for name in NAMES}

    def close(self) -> None:
        self.env.close()

    def read(self) -> Txn:
        """A read snapshot; follows a map grown by the writer in another process."""
        try:
            return self.env.begin(buffers=False)
        except lmdb.MapResizedError:
            self.env.set_mapsize(0)
            return self.env.begin(buffers=False)

    def write(self) -> Txn:
        self.ensure_room()
        return self.env.begin(write=True)

    def ensure_room(self) -> None:
        """Double the map before a write when more than half of it is used."""
        info = self.env.info()
        used = (info["last_pgno"] + 1) * self.env.stat()["psize"]
        if used * 2 > info["map_size"]:
            self.env.set_mapsize(info["map_size"] * 2)

    # ---- small records -----------------------------------------------------------------

    def _get(self, txn: Txn, key: bytes, default: Any) -> Any:
        raw = txn.get(key, db=self.db["main"])
        return default if raw is None else codecs.loads(raw)

    def _put(self, txn: Txn, key: bytes, value: Any) -> None:
        txn.put(key, codecs.dumps(value), db=self.db["main"])

    def primary_key(self, txn: Txn) -> str | None:
        return self._get(txn, _PRIMARY_KEY, None)

    def set_primary_key(self, txn: Txn, value: str | None) -> None:
        self._put(txn, _PRIMARY_KEY, value)

    def settings(self, txn: Txn) -> dict[str, Any]:
        """Stored settings: only the keys that differ from the defaults."""
        return self._get(txn, _SETTINGS, {})

    def set_settings(self, txn: Txn, settings: dict[str, Any]) -> None:
        self._put(txn, _SETTINGS, settings)

    def fields(self, txn: Txn) -> dict[str, int]:
        """Field name -> field id, in order of first appearance."""
        return self._get(txn, _FIELDS, {})

    def set_fields(self, txn: Txn, fields: dict[str, int]) -> None:
        self._put(txn, _FIELDS, fields)

    def field_distribution(self, txn: Txn) -> dict[str, int]:
        return self._get(txn, _DISTRIBUTION, {})

    def set_field_distribution(self, txn: Txn, dist: dict[str, int]) -> None:
        self._put(txn, _DISTRIBUTION, dist)

    def docids(self, txn: Txn) -> BitMap:
        return codecs.bitmap(txn.get(_DOCIDS, db=self.db["main"]))

    def set_docids(self, txn: Txn, docids: BitMap) -> None:
        txn.put(_DOCIDS, codecs.bitmap_bytes(docids), db=self.db["main"])

    def applied_batch(self, txn: Txn) -> dict[str, Any] | None:
        """The last batch committed here, so a batch re-run after a crash is not re-applied."""
        return self._get(txn, _APPLIED, None)

    def set_applied_batch(self, txn: Txn, record: dict[str, Any]) -> None:
        self._put(txn, _APPLIED, record)

    # ---- documents ---------------------------------------------------------------------

    def number_of_documents(self, txn: Txn) -> int:
        return int(txn.stat(self.db["documents"])["entries"])

    def document(self, txn: Txn, docid: int) -> dict[str, Any] | None:
        raw = txn.get(codecs.u32(docid), db=self.db["documents"])
        return None if raw is None else codecs.loads(raw)

    def docid(self, txn: Txn, external_id: str) -> int | None:
        if not external_id:  # no document has it, and LMDB refuses empty keys
            return None
        raw = txn.get(external_id.encode(), db=self.db["external_ids"])
        return None if raw is None else codecs.from_u32(raw)

    def iter_documents(
        self, txn: Txn, docids: BitMap | None = None
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """Documents in docid order, optionally restricted to ``docids``."""
        if docids is not None:
            for docid in docids:
                doc = self.document(txn, docid)
                if doc is not None:
                    yield docid, doc
            return
        with txn.cursor(db=self.db["documents"]) as cur:
            for key, value in cur:
                yield codecs.from_u32(key), codecs.loads(value)

    def documents_size(self, txn: Txn) -> int:
        return self._db_size(txn, "documents")

    def database_sizes(self, txn: Txn) -> dict[str, int]:
        """Bytes held by each sub-database, in layout order, for the stats routes."""
        return {name: self._db_size(txn, name) for name in NAMES}

    def _db_size(self, txn: Txn, name: str) -> int:
        """Pages in use times page size: what the sub-database occupies in the file."""
        stat = txn.stat(self.db[name])
        pages = stat["branch_pages"] + stat["leaf_pages"] + stat["overflow_pages"]
        return int(pages * stat["psize"])

    def clear_all(self, txn: Txn) -> None:
        """Drop every document and every search structure (settings stay)."""
        for name in NAMES:
            if name != "main":
                txn.drop(self.db[name], delete=False)
        for key in (_FIELDS, _DISTRIBUTION, _DOCIDS):
            txn.delete(key, db=self.db["main"])
