from __future__ import annotations

from pathlib import Path

from lumi.index.indexer.build import BuildContext, apply_changes, finish_changes, rebuild
from lumi.index.indexer.write import DocumentWriter
from lumi.index.settings import apply_patch
from tests.search.word_index import SmallIndex


def _word_keys(built: SmallIndex) -> set[bytes]:
    with built.index.read() as txn:
        return {key for key, _ in txn.cursor(db=built.index.db["word_docids"])}


def test_a_rebuild_lets_no_pending_change_of_the_old_settings_through(tmp_path: Path) -> None:
    built = SmallIndex(tmp_path / "index")
    with built.index.write() as txn:
        ctx = BuildContext(built.index, txn, {}, lambda: None, deferred=True)
        writer = DocumentWriter(built.index, txn, lambda changes: apply_changes(ctx, changes))
        writer.put("1", {"id": 1, "t": "the wall"})
        writer.finish()  # handed over, still pending
        ctx.settings = apply_patch({}, {"stopWords": ["the"]})
        built.index.set_settings(txn, ctx.settings)
        rebuild(ctx, {"words"})
        assert ctx.pending == {}
    assert _word_keys(built) == {b"1", b"wall"}
    built.index.close()


def test_finish_changes_completes_every_family(tmp_path: Path) -> None:
    built = SmallIndex(tmp_path / "index")
    with built.index.write() as txn:
        ctx = BuildContext(built.index, txn, {}, lambda: None, deferred=True)
        apply_changes(ctx, [(0, None, {"id": 1, "t": "wall"})])
        finish_changes(ctx)
        finish_changes(ctx)  # nothing left to do the second time
        assert ctx.pending == {}
    assert _word_keys(built) == {b"1", b"wall"}
    built.index.close()
