"""Semantic and hybrid search.

``semanticRatio`` 1 ranks by similarity to the query ``vector`` alone; between 0 and 1 a
keyword search and a semantic search each rank ``offset + limit`` documents, and the two
lists are merged by ranking score, each weighted by its share of the ratio (the keyword
side by ``1 - ratio``, the semantic side by ``ratio``); a document found by both keeps its
better entry. Hits show their own, unweighted score. ``semanticHitCount`` counts the hits of
the page that come from the semantic side. Without a ``vector``, an embedder that computes
embeddings embeds ``q`` through its provider (one call, ``lumi.index.embedding_client``); a
userProvided embedder cannot, so a hybrid search then answers with its keyword results (no
semantic hit) and a semantic-only search fails. A search without ``q`` nor ``vector`` is a
keyword (placeholder) search.

The semantic ranking rules are the index's ``rankingRules`` with the text rules replaced by
one ``vectorSort`` at the place of the first of them; ``sort`` and ``x:asc`` rules keep their
places, so a sort listed before ``words`` still comes first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from lumi.errors import LumiError
from lumi.index.embedders import is_user_provided
from lumi.index.embedding_client import embed_query
from lumi.index.index import Index
from lumi.index.settings import DEFAULT_RANKING_RULES
from lumi.index.vectors import VectorStore, dimension_error, stored_dimensions
from lumi.search.pipeline import (
    TEXT_RULES,
    EngineQuery,
    EngineResult,
    begin,
    result_of,
    search,
    sort_request,
)
from lumi.search.query.terms import MatchingWords
from lumi.search.ranking.base import RankingRule
from lumi.search.ranking.bucket_sort import bucket_sort
from lumi.search.ranking.vector_sort import VectorSortRule
from lumi.search.vectors import embedder_matrix
from lumi.storage.env import Txn


@dataclass(frozen=True, slots=True)
class Semantic:
    """The semantic side of a search: which embedder, which vector, how much it weighs."""

    embedder: str
    vector: list[float] | None
    ratio: float


def semantic_query(
    settings: dict[str, Any], embedder: str, vector: list[float] | None, ratio: float
) -> Semantic:
    """Check the query vector against ``embedder`` (which exists); raises
    ``invalid_vector_dimensions``, or ``vector_embedding_error`` for a semantic-only search
    without vector."""
    config = settings["embedders"][embedder]
    dims = config.get("dimensions")
    if vector is not None and dims is not None and len(vector) != dims:
        raise dimension_error(dims, len(vector))
    if vector is None and ratio >= 1.0 and is_user_provided(config):
        raise LumiError(
            "vector_embedding_error",
            f"Error while generating embeddings: user error: the embedder `{embedder}` is "
            "`userProvided`: it cannot embed `q`, so a semantic search with it needs the "
            "query's embedding in the `vector` parameter.",
        )
    return Semantic(embedder, vector, ratio)


def semantic_search(index: Index, txn: Txn, query: EngineQuery, semantic: Semantic) -> EngineResult:
    """The ranked page of a semantic (ratio 1) or hybrid search; raises
    ``vector_embedding_error`` when the provider cannot embed ``q``."""
    settings = index.settings(txn)
    if semantic.vector is None and (query.q or "").strip():
        config = settings["embedders"][semantic.embedder]
        semantic = replace(semantic, vector=embed_query(semantic.embedder, config, query.q or ""))
    if semantic.vector is None:
        result = search(index, txn, query)
        result.semantic_hits = 0
        return result
    dims = stored_dimensions(settings, VectorStore(index, txn), semantic.embedder)
    if dims is not None and len(semantic.vector) != dims:
        raise dimension_error(dims, len(semantic.vector))
    if semantic.ratio >= 1.0:
        result = vector_search(index, txn, query, semantic.embedder, semantic.vector)
    else:
        result = _hybrid(index, txn, query, semantic)
    result.query_vector = semantic.vector
    return result


def vector_search(
    index: Index, txn: Txn, query: EngineQuery, embedder: str, vector: list[float]
) -> EngineResult:
    """Every candidate ranked by similarity to ``vector`` (then by the sort rules)."""
    settings, ctx, universe = begin(index, txn, query)
    matrix = embedder_matrix(index, txn, embedder, len(vector))
    rules = _vector_rules(settings, query, lambda: VectorSortRule(matrix, vector))
    outcome = bucket_sort(ctx, rules, None, universe, sort_request(query))
    result = result_of(outcome, query, universe, MatchingWords())
    result.semantic_hits = len(outcome.docids)
    return result


def _vector_rules(
    settings: dict[str, Any], query: EngineQuery, vector_rule: Any
) -> list[RankingRule]:
    rules: list[RankingRule] = []
    placed = False
    for name in settings.get("rankingRules", DEFAULT_RANKING_RULES):
        if name in TEXT_RULES:
            if not placed:
                rules.append(vector_rule())
                placed = True
        elif name in query.extra_rules:
            rules.append(query.extra_rules[name]())
    if not placed:
        rules.append(vector_rule())
    return rules


def _hybrid(index: Index, txn: Txn, query: EngineQuery, semantic: Semantic) -> EngineResult:
    assert semantic.vector is not None
    window = replace(query, offset=0, limit=query.offset + query.limit, show_ranking_score=True)
    keyword = search(index, txn, window)
    vector = vector_search(index, txn, window, semantic.embedder, semantic.vector)
    entries = [
        (score * (1.0 - semantic.ratio), 0, rank, docid)
        for rank, (docid, score) in enumerate(
            zip(keyword.docids, keyword.scores or (), strict=True)
        )
    ] + [
        (score * semantic.ratio, 1, rank, docid)
        for rank, (docid, score) in enumerate(zip(vector.docids, vector.scores or (), strict=True))
    ]
    entries.sort(key=lambda entry: (-entry[0], entry[1], entry[2]))
    seen: set[int] = set()
    page: list[tuple[int, int]] = []  # (side, rank in that side)
    for _weighted, side, rank, docid in entries:
        if docid not in seen:
            seen.add(docid)
            page.append((side, rank))
    page = page[query.offset : query.offset + query.limit]
    sides = (keyword, vector)
    return EngineResult(
        docids=[sides[side].docids[rank] for side, rank in page],
        scores=[(sides[side].scores or [])[rank] for side, rank in page],
        details=[(sides[side].details or [])[rank] for side, rank in page]
        if query.show_ranking_score_details
        else None,
        candidates=keyword.candidates | vector.candidates,
        matching_words=keyword.matching_words,
        degraded=keyword.degraded or vector.degraded,
        semantic_hits=sum(side for side, _rank in page),
    )
