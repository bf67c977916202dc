from __future__ import annotations

import numpy as np
import pytest
from pyroaring import BitMap

from lumi.search.ranking.base import RankingContext
from lumi.search.ranking.vector_sort import VectorSortRule, similarity_detail
from lumi.search.scores import details_view, global_score
from lumi.search.vectors import EmbedderMatrix

# docid 0 and 2 point the same way; docid 1 is orthogonal; docid 3 has no embedding.
MATRIX = EmbedderMatrix(
    np.array([0, 1, 2], dtype=np.uint32),
    np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]], dtype=np.float32),
)


def buckets(universe: BitMap) -> list[tuple[list[int], dict]]:
    rule = VectorSortRule(MATRIX, [2.0, 0.0])
    ctx = RankingContext(None, None, {})  # type: ignore[arg-type]
    rule.start(ctx, universe, None)
    out = []
    remaining = BitMap(universe)
    while (bucket := rule.next_bucket(ctx, remaining)) is not None:
        remaining -= bucket.docids
        out.append((list(bucket.docids), details_view([bucket.detail])))
    rule.end(ctx)
    return out


def test_buckets_by_similarity_then_documents_without_embedding() -> None:
    assert buckets(BitMap([0, 1, 2, 3])) == [
        ([0, 2], {"vectorSort": {"order": 0, "similarity": 1.0}}),
        ([1], {"vectorSort": {"order": 0, "similarity": 0.5}}),
        ([3], {"vectorSort": {"order": 0}}),
    ]


def test_only_the_universe_is_ranked() -> None:
    assert [docs for docs, _ in buckets(BitMap([1]))] == [[1]]
    assert buckets(BitMap()) == []


@pytest.mark.parametrize("similarity, score", [(1.0, 1.0), (0.25, 0.25), (None, 0.0)])
def test_similarity_is_the_score(similarity: float | None, score: float) -> None:
    assert global_score([similarity_detail(similarity)]) == score
