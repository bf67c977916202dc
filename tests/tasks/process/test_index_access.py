"""A batch's index work: deferred search structures are complete before anything reads them."""

from __future__ import annotations

from pyroaring import BitMap

from lumi.tasks import builders
from tests.tasks.conftest import Harness


def _words(harness: Harness, index: str) -> dict[bytes, list[int]]:
    _meta, idx = harness.engine.open_index(index)
    with idx.read() as txn:
        return {
            key: list(BitMap.deserialize(value))
            for key, value in txn.cursor(db=idx.db["word_docids"])
        }


def test_a_clear_drops_the_postings_of_the_additions_before_it(harness: Harness) -> None:
    harness.create_index("movies", "id")
    harness.run_all()
    first = harness.add_documents("movies", [{"id": 1, "t": "alpha"}, {"id": 2, "t": "beta"}])
    clear = harness.register(builders.documents_clear("movies"))
    last = harness.add_documents("movies", [{"id": 3, "t": "gamma"}])
    harness.run_all()
    tasks = [harness.task(task.uid) for task in (first, clear, last)]
    assert tasks[0].batch_uid == tasks[1].batch_uid  # one batch, one deferred build
    assert [task.status for task in tasks] == ["succeeded"] * 3
    # Document 3 reuses internal id 0: nothing of "alpha" may point at it.
    assert _words(harness, "movies") == {b"3": [0], b"gamma": [0]}
