"""The query plan: the terms of one search, which of them a bucket requires, and the field
information the ranking rules need.

The ``words`` rule walks ``word_sets()``: every term first, then fewer and fewer as the
matching strategy drops them (``last``: from the end; ``frequency``: the most frequent
first, terms matching nothing before all; ``all``: never). Phrases are never dropped; when
no term is mandatory one term always stays. ``ActiveQuery`` is what a rule below ``words``
sees: the plan and the terms the current bucket matched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyroaring import BitMap

from lumi.index.indexer.words import text_config, word_fields
from lumi.index.settings import searchable_fields
from lumi.search.query.derive import (
    DeriveContext,
    TypoRules,
    build_terms,
    normalized_synonyms,
)
from lumi.search.query.dictionary import WordDictionary
from lumi.search.query.parse import ParsedQuery, parse_query
from lumi.search.query.postings import PostingReader
from lumi.search.query.terms import MatchingWords, Term, matching_words, phrase_docids
from lumi.search.ranking.base import RankingContext
from lumi.text.tokenizer import tokenizer_for


@dataclass(slots=True)
class QueryPlan:
    reader: PostingReader
    parsed: ParsedQuery
    terms: list[Term]
    strategy: str
    fid_ranks: dict[int, int]  # field id -> attributeRank (0 best)
    rank_count: int  # distinct attribute ranks (1 with `["*"]`)
    by_word: bool  # proximityPrecision byWord
    _docids: dict[int, BitMap] = field(default_factory=dict)

    def is_placeholder(self) -> bool:
        return not self.terms

    def term_docids(self, index: int) -> BitMap:
        found = self._docids.get(index)
        if found is None:
            found = self.terms[index].docids(self.reader)
            self._docids[index] = found
        return found

    def excluded(self) -> BitMap:
        """Documents containing a negative word or phrase."""
        parts = [self.reader.word(word) for word in self.parsed.negative_words]
        parts += [phrase_docids(self.reader, p.words) for p in self.parsed.negative_phrases]
        return BitMap.union(BitMap(), *parts)

    def word_sets(self) -> list[tuple[int, ...]]:
        """The term sets the ``words`` rule requires, from all terms to the fewest."""
        every = tuple(range(len(self.terms)))
        if self.strategy == "all" or not every:
            return [every]
        droppable = [i for i in every if self.terms[i].phrase is None]
        if self.strategy == "frequency":
            order = sorted(droppable, key=self._frequency_key)
        else:
            order = list(reversed(droppable))
        if len(droppable) == len(every):
            order = order[:-1]  # one term always stays
        sets = [every]
        remaining = list(every)
        for index in order:
            remaining.remove(index)
            sets.append(tuple(remaining))
        return sets

    def _frequency_key(self, index: int) -> tuple[int, int]:
        count = len(self.term_docids(index))
        return (0 if count == 0 else 1, -count)

    def docids_of(self, active: tuple[int, ...], universe: BitMap) -> BitMap:
        found = BitMap(universe)
        for index in sorted(active, key=lambda i: len(self.term_docids(i))):
            found &= self.term_docids(index)
            if not found:
                break
        return found

    def candidates(self, universe: BitMap) -> BitMap:
        """Every document the query matches at all (the smallest word set)."""
        return self.docids_of(self.word_sets()[-1], universe)

    def root_query(self) -> ActiveQuery | None:
        if self.is_placeholder():
            return None
        return ActiveQuery(self, tuple(range(len(self.terms))))

    def matching_words(self) -> MatchingWords:
        return matching_words(self.terms)


@dataclass(frozen=True, slots=True)
class ActiveQuery:
    """The plan and the terms (by index, in query order) a bucket is ranked on."""

    plan: QueryPlan
    active: tuple[int, ...]

    @property
    def terms(self) -> list[Term]:
        return [self.plan.terms[i] for i in self.active]


def build_plan(
    ctx: RankingContext, q: str, strategy: str, attributes: list[str] | None
) -> QueryPlan:
    settings = ctx.settings
    tokenizer = tokenizer_for(text_config(settings))
    prefix_search = settings.get("prefixSearch", "indexingTime") == "indexingTime"
    parsed = parse_query(q, tokenizer, prefix_search)
    fields = word_fields(ctx.index, ctx.txn)
    search_fids = None if attributes is None else _fids_of(fields, attributes)
    reader = PostingReader(ctx.index, ctx.txn, search_fids)
    terms: list[Term] = []
    if parsed.terms:
        derive = DeriveContext(
            dictionary=WordDictionary(ctx.index, ctx.txn),
            reader=reader,
            typos=TypoRules.from_settings(settings, tokenizer),
            synonyms=normalized_synonyms(settings, tokenizer),
            prefix_postings=prefix_search and search_fids is None,
        )
        terms = build_terms(derive, parsed)
    ranks, count = _attribute_ranks(settings, fields)
    return QueryPlan(
        reader=reader,
        parsed=parsed,
        terms=terms,
        strategy=strategy,
        fid_ranks=ranks,
        rank_count=count,
        by_word=settings.get("proximityPrecision", "byWord") == "byWord",
    )


def _fids_of(fields: dict[str, int], attributes: list[str]) -> tuple[int, ...]:
    return tuple(
        fid
        for path, fid in fields.items()
        if fid >= 0 and any(path == a or path.startswith(a + ".") for a in attributes)
    )


def _attribute_ranks(
    settings: dict[str, Any], fields: dict[str, int]
) -> tuple[dict[int, int], int]:
    paths = [path for path, fid in fields.items() if fid >= 0]
    ranked = searchable_fields(settings, paths)
    ranks = {fields[path]: rank for path, rank in ranked}
    names = settings.get("searchableAttributes", ["*"])
    return ranks, 1 if names == ["*"] else max(len(names), 1)
