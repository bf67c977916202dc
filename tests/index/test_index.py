from __future__ import annotations

from pathlib import Path

import pytest

from lumi.index.index import Index
from lumi.index.layout import NAMES
from lumi.storage import codecs


def test_database_sizes_count_the_pages_of_every_sub_database(tmp_path: Path) -> None:
    index = Index(tmp_path / "index", map_size=1 << 24)
    try:
        with index.read() as txn:
            assert index.database_sizes(txn) == dict.fromkeys(NAMES, 0)
        with index.write() as txn:
            for docid in range(200):
                txn.put(codecs.u32(docid), b"x" * 100, db=index.db["documents"])
        psize = index.env.stat()["psize"]
        with index.read() as txn:
            sizes = index.database_sizes(txn)
            stat = txn.stat(index.db["documents"])
            pages = stat["branch_pages"] + stat["leaf_pages"] + stat["overflow_pages"]
            assert list(sizes) == list(NAMES)
            assert pages > 1
            assert sizes["documents"] == pages * psize == index.documents_size(txn)
            assert all(size == 0 for name, size in sizes.items() if name != "documents")
    finally:
        index.close()


def test_an_index_missing_newer_sub_databases_still_opens_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index written before a sub-database was added gets it (empty) on first open."""
    path = tmp_path / "index"
    older = NAMES[:-1]
    monkeypatch.setattr("lumi.index.index.NAMES", older)
    index = Index(path, map_size=1 << 24)
    with index.write() as txn:
        txn.put(codecs.u32(0), b"{}", db=index.db["documents"])
    index.close()
    monkeypatch.setattr("lumi.index.index.NAMES", NAMES)
    reader = Index(path, map_size=1 << 24, readonly=True)
    try:
        assert list(reader.db) == list(NAMES)
        with reader.read() as txn:
            assert txn.get(codecs.u32(0), db=reader.db["documents"]) == b"{}"
            assert txn.stat(reader.db[NAMES[-1]])["entries"] == 0
    finally:
        reader.close()


def test_an_empty_external_id_names_no_document(tmp_path: Path) -> None:
    index = Index(tmp_path / "index", map_size=1 << 24)
    try:
        with index.read() as txn:
            assert index.docid(txn, "") is None
    finally:
        index.close()
