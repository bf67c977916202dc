"""The ``wordPosition`` rule: matches near the start of their attribute first.

A document's cost is the level of the earliest position at which any active term
matches. The index records each word's best position bucket (``word_position_docids``:
positions 0-15 exact, then grouped by powers of two); the rule groups those buckets into
``LEVELS`` levels that widen as positions grow (0, 1, 2-3, 4-7, 8-15, 16-31, ..., 128-255,
256-1023, 1024 and beyond): a match at the very start of a field counts much more than one
a little further, while far positions barely differ. The level also sets the rule's share
of the ranking score.
"""

from __future__ import annotations

from typing import Any

from pyroaring import BitMap

from lumi.index.indexer.extract import MAX_POSITION, position_bucket
from lumi.search.ranking.attribute_rank import term_words
from lumi.search.ranking.base import Bucket, RankingContext, RankingRule, ScoreDetail


def bucket_level(bucket: int) -> int:
    """The level of a stored position bucket (see the module docstring)."""
    if bucket < 16:  # the bucket is the position itself
        return bucket.bit_length()
    if bucket < 20:  # 16-31, 32-63, 64-127, 128-255
        return bucket - 11
    return 9 if bucket < 22 else 10  # 256-1023, then 1024 and beyond


BUCKETS = position_bucket(MAX_POSITION) + 1
LEVELS = bucket_level(BUCKETS - 1) + 1
# The stored buckets of each level, in level order.
LEVEL_BUCKETS: tuple[tuple[int, ...], ...] = tuple(
    tuple(b for b in range(BUCKETS) if bucket_level(b) == level) for level in range(LEVELS)
)


class WordPositionRule(RankingRule):
    id = "wordPosition"

    def __init__(self) -> None:
        self.query: Any = None
        self.level = 0

    def start(self, ctx: RankingContext, universe: BitMap, query: Any) -> None:
        self.query = query
        self.level = 0

    def next_bucket(self, ctx: RankingContext, universe: BitMap) -> Bucket | None:
        if self.query is None or not universe:
            return None
        reader = self.query.plan.reader
        words = [word for term in self.query.terms for word in term_words(term)]
        while self.level < LEVELS:
            level = self.level
            self.level += 1
            if level == LEVELS - 1 or ctx.expired():
                self.level = LEVELS
                docs = BitMap(universe)
            else:
                docs = BitMap.union(
                    BitMap(),
                    *(reader.at_bucket(w, b) for b in LEVEL_BUCKETS[level] for w in words),
                )
                docs &= universe
            if docs:
                return Bucket(docs, ScoreDetail(self.id, LEVELS - level, LEVELS))
        return None

    def end(self, ctx: RankingContext) -> None:
        self.query = None
