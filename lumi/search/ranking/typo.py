"""The ``typo`` rule: fewer typos first (splits and n-grams count as typos).

A document's typo count is the sum, over the active terms, of the lowest typo level at
which it matches the term. ``maxTypoCount`` is the sum of the terms' highest levels.
"""

from __future__ import annotations

from typing import Any

from pyroaring import BitMap

from lumi.search.ranking.base import Bucket, RankingContext, RankingRule, ScoreDetail
from lumi.search.ranking.levels import LevelSum


class TypoRule(RankingRule):
    id = "typo"

    def __init__(self) -> None:
        self.levels: LevelSum | None = None
        self.total = 0

    def start(self, ctx: RankingContext, universe: BitMap, query: Any) -> None:
        self.total = 0
        if query is None:
            self.levels = None
            return
        reader = query.plan.reader
        per_term = []
        for term in query.terms:
            levels = term.levels(reader)
            per_term.append((levels.__getitem__, term.max_typos))
        self.levels = LevelSum(per_term, universe)

    def next_bucket(self, ctx: RankingContext, universe: BitMap) -> Bucket | None:
        levels = self.levels
        if levels is None or not universe:
            return None
        top = levels.max_total
        while self.total <= top:
            typos = self.total
            self.total += 1
            docs = levels.bucket(typos, universe)
            if docs:
                fields = {"typoCount": typos, "maxTypoCount": top}
                return Bucket(docs, ScoreDetail("typo", top + 1 - typos, top + 1, fields))
        return None

    def end(self, ctx: RankingContext) -> None:
        self.levels = None
