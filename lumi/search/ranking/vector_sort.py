"""``vectorSort``: the ranking rule of semantic search.

Documents come in decreasing similarity to the query vector (``lumi.search.vectors``), one
bucket per similarity value; the documents without an embedding come last, in one bucket
without similarity. The similarity is the rule's contribution to the ranking score, on a
float32 grid (``_SCALE`` steps), and shows as ``similarity`` in ``_rankingScoreDetails``.
"""

from __future__ import annotations

from typing import Any

from pyroaring import BitMap

from lumi.search.ranking.base import Bucket, RankingContext, RankingRule, ScoreDetail
from lumi.search.vectors import EmbedderMatrix, Ranked, rank, shown_float

_SCALE = 1 << 24


def similarity_detail(similarity: float | None) -> ScoreDetail:
    """The detail of documents at ``similarity`` (None: documents without embedding)."""
    if similarity is None:
        return ScoreDetail("vectorSort", None, parts=((0, _SCALE),))
    step = max(1, round(similarity * _SCALE))
    shown = shown_float(similarity)
    return ScoreDetail("vectorSort", None, fields={"similarity": shown}, parts=((step, _SCALE),))


class VectorSortRule(RankingRule):
    id = "vectorSort"

    def __init__(self, matrix: EmbedderMatrix, vector: list[float]) -> None:
        self.matrix = matrix
        self.vector = vector
        self.ranked: Ranked | None = None
        self.position = 0
        self.rest_given = False

    def start(self, ctx: RankingContext, universe: BitMap, query: Any) -> None:
        self.ranked = rank(self.matrix, self.vector, universe)
        self.position = 0
        self.rest_given = False

    def next_bucket(self, ctx: RankingContext, universe: BitMap) -> Bucket | None:
        ranked = self.ranked
        if ranked is None:
            return None
        docids, similarities = ranked.docids, ranked.similarities
        total = len(docids)
        while self.position < total:
            start = self.position
            value = similarities[start]
            end = start + 1
            while end < total and similarities[end] == value:
                end += 1
            self.position = end
            docs = BitMap(docids[start:end].tolist()) & universe
            if docs:
                return Bucket(docs, similarity_detail(float(value)))
        if self.rest_given or not universe:
            return None
        self.rest_given = True
        return Bucket(BitMap(universe), similarity_detail(None))

    def end(self, ctx: RankingContext) -> None:
        self.ranked = None
