"""The ``exactness`` rule: documents matching the query as written first.

First by attribute: some field equal to the query words in order (``exactMatch``), else
some field starting with them (``matchesStart``), else neither (``noExactMatch``). Then,
among the latter, by the number of active terms matched exactly: the word itself, with no
typo, no prefix completion and no synonym. Positions come from ``word_position_docids``
(exact up to position 15) and field lengths from ``field_word_count_docids``.
"""

from __future__ import annotations

from typing import Any

from pyroaring import BitMap

from lumi.index.indexer.extract import MAX_COUNTED_WORDS
from lumi.search.query.plan import ActiveQuery
from lumi.search.ranking.base import Bucket, RankingContext, RankingRule, ScoreDetail
from lumi.search.ranking.levels import LevelSum

EXACT_MATCH, MATCHES_START, NO_EXACT_MATCH = "exactMatch", "matchesStart", "noExactMatch"


class ExactnessRule(RankingRule):
    id = "exactness"

    def __init__(self) -> None:
        self.query: ActiveQuery | None = None
        self.stage = 0
        self.levels: LevelSum | None = None
        self.missing = 0

    def start(self, ctx: RankingContext, universe: BitMap, query: Any) -> None:
        self.query = query
        self.stage = 0
        self.missing = 0
        self.levels = None

    def next_bucket(self, ctx: RankingContext, universe: BitMap) -> Bucket | None:
        query = self.query
        if query is None or not universe:
            return None
        terms = len(query.terms)
        while self.stage < 2:
            stage = self.stage
            self.stage += 1
            docs = _attribute_match(query, universe, whole=stage == 0)
            if docs:
                kind, rank = (EXACT_MATCH, 3) if stage == 0 else (MATCHES_START, 2)
                detail = ScoreDetail(
                    self.id, rank, 3, {"matchType": kind}, parts=((rank, 3), (terms + 1, terms + 1))
                )
                return Bucket(docs, detail)
        if self.levels is None:
            reader = query.plan.reader
            per_term = [(_exact_levels(t.exact_docids(reader)), 1) for t in query.terms]
            self.levels = LevelSum(per_term, universe)
        while self.missing <= terms:
            missing = self.missing
            self.missing += 1
            docs = self.levels.bucket(missing, universe)
            if docs:
                matched = terms - missing
                fields = {
                    "matchType": NO_EXACT_MATCH,
                    "matchingWords": matched,
                    "maxMatchingWords": terms,
                }
                detail = ScoreDetail(
                    self.id,
                    matched + 1,
                    terms + 1,
                    fields,
                    parts=((1, 3), (matched + 1, terms + 1)),
                )
                return Bucket(docs, detail)
        return None

    def end(self, ctx: RankingContext) -> None:
        self.query = None
        self.levels = None


def _exact_levels(docs: BitMap) -> Any:
    empty = BitMap()
    return lambda level: docs if level == 0 else empty


def _attribute_match(query: ActiveQuery, universe: BitMap, whole: bool) -> BitMap:
    """Documents with a field starting with the query words (all of it when ``whole``)."""
    words: list[str] = []
    for term in query.terms:
        if term.phrase is not None:
            words.extend(word for word in term.phrase if word is not None)
        else:
            words.append(term.text)
    if not words or len(words) > MAX_COUNTED_WORDS:
        return BitMap()
    reader = query.plan.reader
    at_start = BitMap(universe)
    for position, word in enumerate(words):
        at_start &= reader.at_bucket(word, position)
        if not at_start:
            return at_start
    found = BitMap()
    for fid in query.plan.fid_ranks:
        in_field = BitMap(at_start)
        for word in words:
            in_field &= reader.in_field(word, fid)
        if whole:
            in_field &= reader.field_count(fid, len(words))
        found |= in_field
    return found
