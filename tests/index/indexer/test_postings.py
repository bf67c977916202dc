from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyroaring import BitMap

from lumi.index.index import Index
from lumi.index.indexer.extract import Delta
from lumi.index.indexer.postings import PostingBuffer, _single

KEYS = [b"alpha", b"beta", b"gamma"]
Side = dict[bytes, list[int]]


@pytest.mark.parametrize("docid", [0, 5, 65_535, 65_536, 886_321, 2**32 - 1])
def test_a_lone_docid_is_written_as_its_bitmap(docid: int) -> None:
    assert _single(docid) == BitMap([docid]).serialize()


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    opened = Index(tmp_path_factory.mktemp("postings") / "index", map_size=64 * 1024**2)
    yield opened
    opened.close()


def _encode(side: Side) -> dict[bytes, bytes | int]:
    """A piece's postings as workers send them: a lone docid as an int."""
    return {
        key: docids[0] if len(docids) == 1 else BitMap(docids).serialize()
        for key, docids in side.items()
        if docids
    }


def _delta(removed: Side, added: Side) -> Delta:
    return Delta({"word_docids": _encode(added)}, {"word_docids": _encode(removed)}, [], [])


# Few docids, so pieces often touch the same ones; some around the 65,536 container boundary.
docids = st.one_of(st.integers(0, 6), st.integers(65_534, 65_537))
sides = st.dictionaries(st.sampled_from(KEYS), st.lists(docids, max_size=4))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    stored=sides,
    pieces=st.lists(st.tuples(sides, sides), min_size=1, max_size=5),
    write_after=st.integers(0, 5),
)
def test_folding_pieces_equals_applying_them_in_order(
    index: Index, stored: Side, pieces: list[tuple[Side, Side]], write_after: int
) -> None:
    """``stored - removed | added`` piece after piece, whether the buffer is written once at
    the end or also after ``write_after`` pieces."""
    expected = {key: BitMap(docids) for key, docids in stored.items() if docids}
    txn = index.write()
    try:
        db = index.db["word_docids"]
        for key, bitmap in expected.items():
            txn.put(key, bitmap.serialize(), db=db)
            txn.put(key[::-1], b"", db=index.db["reversed_words"])
        buffer = PostingBuffer()
        for count, (removed, added) in enumerate(pieces, 1):
            buffer.fold(index, txn, _delta(removed, added))
            if count == write_after:
                buffer.write(index, txn)
            for key in KEYS:
                found = expected.get(key, BitMap()) - BitMap(removed.get(key, []))
                found |= BitMap(added.get(key, []))
                expected[key] = found
        buffer.write(index, txn)
        written = {key: BitMap.deserialize(raw) for key, raw in txn.cursor(db=db)}
        reversed_words = {key for key, _ in txn.cursor(db=index.db["reversed_words"])}
    finally:
        txn.abort()
    assert written == {key: bitmap for key, bitmap in expected.items() if bitmap}
    assert reversed_words == {key[::-1] for key in written}
