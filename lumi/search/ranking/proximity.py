"""The ``proximity`` rule: query terms close together, in query order, first.

Cost of a document: the sum over consecutive active terms of ``min(distance, 8) - 1``,
where the distance between a word at ``l`` and the next term's word at ``r`` of the same
field is ``r - l`` in order and ``l - r + 1`` reversed; words in different fields (or
absent) cost the cap, 7. ``proximityPrecision: byAttribute`` only tells "same field" (0)
from "not" (7).

By word, the documents where every pair is adjacent come first, from ``word_pair_docids``.
The others are ranked only when the page needs them: from their position records (exact,
a few microseconds per document) when they are few enough, else grouped by the number of
non-adjacent pairs (each counted as cost 1).
"""

from __future__ import annotations

import itertools
from typing import Any

from pyroaring import BitMap

from lumi.search.query.terms import Term
from lumi.search.ranking.base import Bucket, RankingContext, RankingRule, ScoreDetail
from lumi.search.ranking.levels import LevelSum
from lumi.search.ranking.spans import MAX_PAIR_COST, MatchFinder, pair_cost

SCAN_LIMIT = 1_500
MAX_PAIR_LOOKUPS = 300
_WORDS_PER_TERM = 40


class ProximityRule(RankingRule):
    id = "proximity"

    def __init__(self) -> None:
        self.groups: dict[int, BitMap] = {}
        self.levels: LevelSum | None = None
        self.scale = 1
        self.max_cost = 0
        self.cost = 0
        self.rest: BitMap | None = None  # not ranked yet: read only if the page needs it
        self.terms: list[Term] = []
        self.plan: Any = None

    def start(self, ctx: RankingContext, universe: BitMap, query: Any) -> None:
        self.groups, self.levels, self.cost, self.scale, self.rest = {}, None, 0, 1, None
        self.terms = [] if query is None else query.terms
        self.plan = None if query is None else query.plan
        self.max_cost = MAX_PAIR_COST * max(len(self.terms) - 1, 0)
        if len(self.terms) < 2:
            self.groups = {0: BitMap(universe)}
        elif not self.plan.by_word:
            self._by_attribute(universe)
        else:
            everywhere = BitMap(universe)
            for left, right in itertools.pairwise(self.terms):
                everywhere &= _adjacent(self.plan, left, right)
            self.groups = {0: everywhere}
            self.rest = universe - everywhere

    def _by_attribute(self, universe: BitMap) -> None:
        per_pair = []
        for left, right in itertools.pairwise(self.terms):
            together = BitMap()
            for fid in self.plan.fid_ranks:
                together |= _in_field(self.plan, left, fid) & _in_field(self.plan, right, fid)
            per_pair.append((_only_level_zero(together), 1))
        self.levels = LevelSum(per_pair, universe)
        self.scale = MAX_PAIR_COST

    def _rank_rest(self, ctx: RankingContext, universe: BitMap) -> None:
        """Rank the documents without every pair adjacent: exactly when few, else by the
        number of non-adjacent pairs."""
        rest = self.rest & universe if self.rest is not None else BitMap()
        self.rest = None
        if len(rest) <= SCAN_LIMIT:
            for cost, docs in _scan(ctx, self.plan, self.terms, rest).items():
                self.groups[cost] = self.groups.get(cost, BitMap()) | docs
        else:
            pairs = itertools.pairwise(self.terms)
            adjacent = [_adjacent(self.plan, left, right) for left, right in pairs]
            self.levels = LevelSum([(_only_level_zero(docs), 1) for docs in adjacent], rest)
        self.cost = 0

    def next_bucket(self, ctx: RankingContext, universe: BitMap) -> Bucket | None:
        while universe:
            if self.cost > self.max_cost:
                if self.rest is None:
                    return None
                self._rank_rest(ctx, universe)
            cost = self.cost
            if cost > 0 and self.rest is not None:
                self._rank_rest(ctx, universe)
                continue
            self.cost += 1
            docs = self.groups.get(cost, BitMap()) & universe
            if self.levels is not None and cost % self.scale == 0:
                docs |= self.levels.bucket(cost // self.scale, universe)
            if docs:
                top = self.max_cost + 1
                return Bucket(docs, ScoreDetail("proximity", top - cost, top))
        return None

    def end(self, ctx: RankingContext) -> None:
        self.groups, self.levels, self.rest, self.plan = {}, None, None, None


def _only_level_zero(docs: BitMap) -> Any:
    empty = BitMap()
    return lambda level: docs if level == 0 else empty


def _in_field(plan: Any, term: Term, fid: int) -> BitMap:
    words = _words(term)
    return BitMap.union(BitMap(), *(plan.reader.in_field(word, fid) for word in words))


def _words(term: Term) -> list[str]:
    if term.phrase is not None:
        return [word for word in term.phrase if word is not None]
    return term.all_words()[:_WORDS_PER_TERM]


def _adjacent(plan: Any, left: Term, right: Term) -> BitMap:
    """Documents where a match of ``left`` is directly followed by a match of ``right``:
    pairs of their words (a phrase's last and first words), or an n-gram of both."""
    reader = plan.reader
    lefts = _edge_words(left, -1)
    rights = _edge_words(right, 0)
    found = BitMap()
    for ngram, level in left.ngrams:
        if right.index - left.index <= level:
            found |= reader.word(ngram)
    lookups = 0
    for first in lefts:
        for second in rights:
            found |= reader.pair(first, second)
            lookups += 1
            if lookups >= MAX_PAIR_LOOKUPS:
                return found
    return found


def _edge_words(term: Term, edge: int) -> list[str]:
    """The words a match of ``term`` can start (``edge`` 0) or end (-1) with."""
    phrases = [alternative for alternative, _ in term.phrases]
    if term.phrase is not None:
        word = term.phrase[edge]
        return [word] if word is not None else []
    words = _words(term)
    words += [w for p in phrases if (w := p[edge]) is not None and w not in words]
    return words


def _scan(ctx: RankingContext, plan: Any, terms: list[Term], universe: BitMap) -> dict[int, BitMap]:
    """Exact costs from the documents' position records (the unread rest, when time runs
    out, gets the highest cost)."""
    finders = [MatchFinder(term) for term in terms]
    groups: dict[int, list[int]] = {}
    worst = MAX_PAIR_COST * (len(terms) - 1)
    reader = plan.reader
    for count, docid in enumerate(universe):
        if count % 256 == 255 and ctx.expired():
            rest = BitMap(universe[count:])
            out = {cost: BitMap(docs) for cost, docs in groups.items()}
            out[worst] = out.get(worst, BitMap()) | rest
            return out
        positions = reader.record(docid)[0]
        spans = [finder.spans(positions) for finder in finders]
        cost = 0
        for left, right in itertools.pairwise(spans):
            cost += pair_cost(left, right)
        groups.setdefault(cost, []).append(docid)
    return {cost: BitMap(docs) for cost, docs in groups.items()}
