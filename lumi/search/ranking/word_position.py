"""The ``wordPosition`` rule: matches near the start of their attribute first.

A document's cost is the bucket of the earliest position at which any active term
matches (positions 0-15 exact, then grouped by powers of two); the best position is
recorded per word in ``word_position_docids``.
"""

from __future__ import annotations

from typing import Any

from pyroaring import BitMap

from lumi.index.indexer.extract import MAX_POSITION, position_bucket
from lumi.search.ranking.attribute_rank import term_words
from lumi.search.ranking.base import Bucket, RankingContext, RankingRule, ScoreDetail

BUCKETS = position_bucket(MAX_POSITION) + 1


class WordPositionRule(RankingRule):
    id = "wordPosition"

    def __init__(self) -> None:
        self.query: Any = None
        self.bucket = 0

    def start(self, ctx: RankingContext, universe: BitMap, query: Any) -> None:
        self.query = query
        self.bucket = 0

    def next_bucket(self, ctx: RankingContext, universe: BitMap) -> Bucket | None:
        if self.query is None or not universe:
            return None
        reader = self.query.plan.reader
        words = [word for term in self.query.terms for word in term_words(term)]
        while self.bucket < BUCKETS:
            bucket = self.bucket
            self.bucket += 1
            last = bucket == BUCKETS - 1 or ctx.expired()
            if last:
                self.bucket = BUCKETS
                docs = BitMap(universe)
            else:
                docs = BitMap.union(BitMap(), *(reader.at_bucket(w, bucket) for w in words))
                docs &= universe
            if docs:
                return Bucket(docs, ScoreDetail(self.id, BUCKETS - bucket, BUCKETS))
        return None

    def end(self, ctx: RankingContext) -> None:
        self.query = None
