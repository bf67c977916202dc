"""The legacy ``attribute`` rule: ``attributeRank`` then ``wordPosition`` as one rule.

Its details entry is ``attribute`` with ``attributeRankingOrderScore`` (the attribute part)
and ``queryWordDistanceScore`` (the position part); both parts add to the ranking score.
"""

from __future__ import annotations

from typing import Any

from pyroaring import BitMap

from lumi.search.ranking.attribute_rank import AttributeRankRule
from lumi.search.ranking.base import Bucket, RankingContext, RankingRule, ScoreDetail
from lumi.search.ranking.word_position import WordPositionRule


class AttributeRule(RankingRule):
    id = "attribute"

    def __init__(self) -> None:
        self.rank = AttributeRankRule()
        self.position = WordPositionRule()
        self.query: Any = None
        self.outer: Bucket | None = None

    def start(self, ctx: RankingContext, universe: BitMap, query: Any) -> None:
        self.query = query
        self.outer = None
        self.rank.start(ctx, universe, query)

    def next_bucket(self, ctx: RankingContext, universe: BitMap) -> Bucket | None:
        while universe:
            if self.outer is not None:
                inner_universe = self.outer.docids & universe
                inner = self.position.next_bucket(ctx, inner_universe) if inner_universe else None
                if inner is not None:
                    return Bucket(inner.docids, self._detail(self.outer.detail, inner.detail))
                self.position.end(ctx)
                self.outer = None
            outer = self.rank.next_bucket(ctx, universe)
            if outer is None:
                return None
            self.outer = outer
            self.position.start(ctx, outer.docids, self.query)
        return None

    def _detail(self, rank: ScoreDetail, position: ScoreDetail) -> ScoreDetail:
        rank_score = rank.local_score() or 0.0
        position_score = position.local_score() or 0.0
        parts = (*rank.ranks(), *position.ranks())
        total, top = 1, 1
        for value, most in parts:
            total = (total - 1) * most + value
            top *= most
        fields = {
            "attributeRankingOrderScore": rank_score,
            "queryWordDistanceScore": position_score,
        }
        return ScoreDetail(self.id, total, top, fields, parts=parts)

    def end(self, ctx: RankingContext) -> None:
        self.rank.end(ctx)
        self.position.end(ctx)
        self.outer = None
