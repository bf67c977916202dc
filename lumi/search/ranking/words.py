"""The ``words`` rule: documents matching more query terms first.

Buckets follow the plan's word sets (all terms, then fewer as the matching strategy drops
them); each bucket hands the later rules the terms it matched.
"""

from __future__ import annotations

from typing import Any

from pyroaring import BitMap

from lumi.search.query.plan import ActiveQuery
from lumi.search.ranking.base import Bucket, RankingContext, RankingRule, ScoreDetail


class WordsRule(RankingRule):
    id = "words"

    def __init__(self) -> None:
        self.query: ActiveQuery | None = None
        self.sets: list[tuple[int, ...]] = []
        self.next_set = 0

    def start(self, ctx: RankingContext, universe: BitMap, query: Any) -> None:
        self.query = query
        self.sets = [] if query is None else query.plan.word_sets()
        self.next_set = 0

    def next_bucket(self, ctx: RankingContext, universe: BitMap) -> Bucket | None:
        if self.query is None:
            return None
        plan = self.query.plan
        total = len(plan.terms)
        while self.next_set < len(self.sets) and universe:
            active = self.sets[self.next_set]
            self.next_set += 1
            docs = plan.docids_of(active, universe)
            if docs:
                count = len(active)
                detail = ScoreDetail(
                    "words",
                    count,
                    total,
                    {"matchingWords": count, "maxMatchingWords": total},
                )
                return Bucket(docs, detail, ActiveQuery(plan, active))
        return None

    def end(self, ctx: RankingContext) -> None:
        self.query = None
