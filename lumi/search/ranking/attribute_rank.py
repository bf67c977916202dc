"""The ``attributeRank`` rule: matches in more important attributes first.

A document's rank is the best (lowest) ``searchableAttributes`` position among the fields
where an active term matches; with ``["*"]`` every field ranks the same and the rule keeps
its bucket whole.
"""

from __future__ import annotations

from typing import Any

from pyroaring import BitMap

from lumi.search.query.terms import Term
from lumi.search.ranking.base import Bucket, RankingContext, RankingRule, ScoreDetail

_WORDS_PER_TERM = 40


def term_words(term: Term) -> list[str]:
    """The words the per-word rules look at for a term (phrases: their words)."""
    if term.phrase is not None:
        return [word for word in term.phrase if word is not None]
    return term.all_words()[:_WORDS_PER_TERM]


class AttributeRankRule(RankingRule):
    id = "attributeRank"

    def __init__(self) -> None:
        self.query: Any = None
        self.ranks: list[list[int]] = []
        self.next_rank = 0
        self.count = 1

    def start(self, ctx: RankingContext, universe: BitMap, query: Any) -> None:
        self.query = query
        self.next_rank = 0
        self.count = 1 if query is None else query.plan.rank_count
        by_rank: dict[int, list[int]] = {}
        if query is not None:
            for fid, rank in query.plan.fid_ranks.items():
                by_rank.setdefault(rank, []).append(fid)
        self.ranks = [by_rank.get(rank, []) for rank in range(self.count)]

    def next_bucket(self, ctx: RankingContext, universe: BitMap) -> Bucket | None:
        if not universe or self.next_rank >= self.count:
            return None
        if self.count == 1:
            self.next_rank = 1
            return Bucket(BitMap(universe), ScoreDetail(self.id, 1, 1))
        while self.next_rank < self.count:
            rank = self.next_rank
            self.next_rank += 1
            docs = self._docs(self.ranks[rank], universe)
            if rank == self.count - 1:
                docs = BitMap(universe)
            if docs:
                return Bucket(docs, ScoreDetail(self.id, self.count - rank, self.count))
        return None

    def _docs(self, fids: list[int], universe: BitMap) -> BitMap:
        reader = self.query.plan.reader
        found = BitMap()
        for term in self.query.terms:
            for word in term_words(term):
                for fid in fids:
                    found |= reader.in_field(word, fid) & universe
        return found

    def end(self, ctx: RankingContext) -> None:
        self.query = None
