from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.search.hybrid import Semantic, semantic_query, semantic_search, vector_search
from lumi.search.pipeline import EngineQuery, EngineResult
from lumi.search.ranking.asc_desc import asc_desc_factories
from tests.search.word_index import SmallIndex

Make = Callable[..., SmallIndex]
EMBEDDERS = {"e": {"source": "userProvided", "dimensions": 2}}
DOCS = [
    {"id": 1, "title": "dark knight", "rank": 3, "_vectors": {"e": [1.0, 0.0]}},
    {"id": 2, "title": "dark forest", "rank": 1, "_vectors": {"e": [0.0, 1.0]}},
    {"id": 3, "title": "bright knight", "rank": 2, "_vectors": {"e": [0.7, 0.7]}},
    {"id": 4, "title": "dark dark", "rank": 4},
]


@pytest.fixture
def books(small_index: Make) -> SmallIndex:
    return small_index(DOCS, embedders=EMBEDDERS)


def run(books: SmallIndex, semantic: Semantic, **options: Any) -> tuple[list[Any], EngineResult]:
    index = books.index
    with index.read() as txn:
        result = semantic_search(index, txn, EngineQuery(**options), semantic)
        ids = [index.document(txn, docid)["id"] for docid in result.docids]
    return ids, result


def test_semantic_search_ranks_by_similarity_and_puts_documents_without_vectors_last(
    books: SmallIndex,
) -> None:
    ids, result = run(
        books, Semantic("e", [1.0, 0.1], 1.0), show_ranking_score_details=True, q="dark"
    )
    assert ids == [1, 3, 2, 4]
    assert result.semantic_hits == 4
    assert result.details is not None
    assert result.details[0] == {"vectorSort": {"order": 0, "similarity": 0.99751854}}
    assert result.details[3] == {"vectorSort": {"order": 0}}
    assert result.candidates == BitMap([0, 1, 2, 3])


def test_semantic_scores_thresholds_and_windows(books: SmallIndex) -> None:
    semantic = Semantic("e", [0.0, 1.0], 1.0)
    ids, result = run(books, semantic, show_ranking_score=True)
    assert ids == [2, 3, 1, 4]
    assert result.scores is not None
    assert [round(score, 4) for score in result.scores] == [1.0, 0.8536, 0.5, 0.0]
    assert run(books, semantic, ranking_score_threshold=0.6)[0] == [2, 3]
    assert run(books, semantic, offset=1, limit=2)[0] == [3, 1]
    assert run(books, semantic, universe=BitMap([0, 3]))[0] == [1, 4]


def test_sort_rules_before_text_rules_come_first(small_index: Make) -> None:
    books = small_index(DOCS, embedders=EMBEDDERS, rankingRules=["rank:desc", "words"])
    index = books.index
    with index.read() as txn:
        query = EngineQuery(extra_rules=asc_desc_factories(index.settings(txn)))
        result = vector_search(index, txn, query, "e", [1.0, 0.0])
        ids = [index.document(txn, docid)["id"] for docid in result.docids]
    assert ids == [4, 1, 3, 2]


def test_hybrid_merges_weighted_scores(books: SmallIndex) -> None:
    keyword_heavy = run(books, Semantic("e", [0.0, 1.0], 0.1), q="knight", limit=3)
    assert keyword_heavy[0] == [1, 3, 2]
    assert keyword_heavy[1].semantic_hits == 1
    semantic_heavy = run(books, Semantic("e", [0.0, 1.0], 0.9), q="knight", limit=3)
    assert semantic_heavy[0] == [2, 3, 1]
    assert semantic_heavy[1].semantic_hits == 3
    assert semantic_heavy[1].candidates == BitMap([0, 1, 2, 3])


def test_hybrid_without_vector_gives_the_keyword_results(books: SmallIndex) -> None:
    ids, result = run(books, Semantic("e", None, 0.5), q="knight")
    assert ids == [1, 3]
    assert result.semantic_hits == 0


@pytest.mark.parametrize(
    "vector, ratio, code, message",
    [
        (
            [1.0, 2.0, 3.0],
            0.5,
            "invalid_vector_dimensions",
            "Invalid vector dimensions: expected: `2`, found: `3`.",
        ),
        (
            None,
            1.0,
            "vector_embedding_error",
            "Error while generating embeddings: user error: the embedder `e` is `userProvided`: "
            "it cannot embed `q`, so a semantic search with it needs the query's embedding in "
            "the `vector` parameter.",
        ),
    ],
)
def test_semantic_query_errors(
    vector: list[float] | None, ratio: float, code: str, message: str
) -> None:
    with pytest.raises(LumiError) as caught:
        semantic_query({"embedders": EMBEDDERS}, "e", vector, ratio)
    assert (caught.value.code, caught.value.message) == (code, message)


def test_semantic_query() -> None:
    assert semantic_query({"embedders": EMBEDDERS}, "e", None, 0.5) == Semantic("e", None, 0.5)
