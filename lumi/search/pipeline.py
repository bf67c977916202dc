"""One search, from the query to the ranked page: the engine's entry point.

``search(index, txn, EngineQuery) -> EngineResult``. The steps: the universe (documents the
filters allow, or all), minus documents matching negative terms; the query parsed into
terms and their derivations (typos, prefix, synonyms, n-grams, splits); the ranking rules
of the index settings (``words`` forced in where the reference says, sort-like rules
injected by the caller through ``extra_rules``) run by ``bucket_sort``; then the scores.
Placeholder search (no words in ``q``) ranks only with the injected sort rules, else by
document id.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from pyroaring import BitMap

from lumi.index.index import Index
from lumi.index.settings import DEFAULT_RANKING_RULES, DEFAULT_SEARCH_CUTOFF_MS
from lumi.search.query.plan import QueryPlan, build_plan
from lumi.search.query.terms import MatchingWords
from lumi.search.ranking.attribute import AttributeRule
from lumi.search.ranking.attribute_rank import AttributeRankRule
from lumi.search.ranking.base import DistinctHook, RankingContext, RankingRule, RuleFactory
from lumi.search.ranking.bucket_sort import SortOutcome, SortRequest, bucket_sort
from lumi.search.ranking.exactness import ExactnessRule
from lumi.search.ranking.proximity import ProximityRule
from lumi.search.ranking.typo import TypoRule
from lumi.search.ranking.word_position import WordPositionRule
from lumi.search.ranking.words import WordsRule
from lumi.search.scores import details_view, global_score
from lumi.storage.env import Txn

MATCHING_STRATEGIES = ("last", "all", "frequency")
TEXT_RULES: dict[str, RuleFactory] = {
    "words": WordsRule,
    "typo": TypoRule,
    "proximity": ProximityRule,
    "attributeRank": AttributeRankRule,
    "wordPosition": WordPositionRule,
    "attribute": AttributeRule,
    "exactness": ExactnessRule,
}
# `words` always runs before these (search-semantics §6).
_AFTER_WORDS = frozenset(
    ("typo", "proximity", "attribute", "attributeRank", "wordPosition", "exactness")
)


@dataclass(slots=True)
class EngineQuery:
    """What the engine needs to answer one search (validated by the request layer)."""

    q: str | None = None
    offset: int = 0
    limit: int = 20
    matching_strategy: str = "last"  # last / all / frequency
    attributes_to_search_on: list[str] | None = None  # None: every searchable attribute
    universe: BitMap | None = None  # documents the filters allow; None: all documents
    # `sort` or `field:asc` ranking rule name -> factory of the rule to run at that place
    extra_rules: dict[str, RuleFactory] = field(default_factory=dict)
    distinct: DistinctHook | None = None
    ranking_score_threshold: float | None = None
    show_ranking_score: bool = False
    show_ranking_score_details: bool = False
    cutoff_ms: int | None = None  # None: the index's searchCutoffMs, else 1500
    # page mode: `candidates` must be exact. They always are, except that documents below
    # `ranking_score_threshold` are only all found (and left out) when this is set.
    exhaustive_count: bool = False


@dataclass(slots=True)
class EngineResult:
    docids: list[int]  # the page, best first
    scores: list[float] | None  # `_rankingScore` per hit, when asked (or a threshold is set)
    details: list[dict[str, Any]] | None  # `_rankingScoreDetails` per hit, when asked
    candidates: BitMap  # every matching document (after the threshold), for totals/facets
    matching_words: MatchingWords  # what each query term matched, for highlighting
    degraded: bool = False  # the cutoff stopped ranking before the page was settled
    semantic_hits: int | None = None  # hits of a semantic/hybrid search found by similarity
    query_vector: list[float] | None = None  # the vector a semantic search used


def search(index: Index, txn: Txn, query: EngineQuery) -> EngineResult:
    """Run ``query`` on the snapshot ``txn`` of ``index``."""
    settings, ctx, universe = begin(index, txn, query)
    plan = build_plan(ctx, query.q or "", query.matching_strategy, query.attributes_to_search_on)
    universe -= plan.excluded()
    rules = ranking_rules(settings, plan, query)
    universe = _matching(plan, universe)
    outcome = bucket_sort(ctx, rules, plan.root_query(), universe, sort_request(query))
    return result_of(outcome, query, universe, plan.matching_words())


def begin(
    index: Index, txn: Txn, query: EngineQuery
) -> tuple[dict[str, Any], RankingContext, BitMap]:
    """What every kind of search starts from: the index's settings, a ranking context whose
    deadline is the cutoff from now, and the documents the filters allow."""
    began = time.perf_counter()
    settings = index.settings(txn)
    cutoff = query.cutoff_ms
    if cutoff is None:
        cutoff = settings.get("searchCutoffMs") or DEFAULT_SEARCH_CUTOFF_MS
    ctx = RankingContext(index, txn, settings, deadline=began + cutoff / 1000)
    universe = index.docids(txn) if query.universe is None else BitMap(query.universe)
    return settings, ctx, universe


def _scored(query: EngineQuery) -> bool:
    """Whether hits need their ranking score (shown, detailed, or compared to a threshold)."""
    return (
        query.show_ranking_score
        or query.show_ranking_score_details
        or query.ranking_score_threshold is not None
    )


def sort_request(query: EngineQuery) -> SortRequest:
    return SortRequest(
        offset=query.offset,
        limit=query.limit,
        distinct=query.distinct,
        threshold=query.ranking_score_threshold,
        scored=_scored(query),
        exhaustive=query.exhaustive_count,
    )


def result_of(
    outcome: SortOutcome, query: EngineQuery, universe: BitMap, matching_words: MatchingWords
) -> EngineResult:
    """The engine's answer from the bucket sort's outcome over ``universe``."""
    details = outcome.details
    return EngineResult(
        docids=outcome.docids,
        scores=[global_score(d) for d in details] if _scored(query) else None,
        details=[details_view(d) for d in details] if query.show_ranking_score_details else None,
        candidates=universe - outcome.rejected,
        matching_words=matching_words,
        degraded=outcome.degraded,
    )


def ranking_rules(
    settings: dict[str, Any], plan: QueryPlan, query: EngineQuery
) -> list[RankingRule]:
    """The rules to run, in order: the index's ``rankingRules`` with ``words`` forced in
    before the other text rules (left out with ``matchingStrategy: all``), ``sort`` and
    ``x:asc`` rules taken from ``extra_rules`` (skipped when absent there). Placeholder
    search keeps only the latter."""
    names = list(settings.get("rankingRules", DEFAULT_RANKING_RULES))
    if plan.is_placeholder():
        return [query.extra_rules[name]() for name in names if name in query.extra_rules]
    names = _force_words(names)
    if query.matching_strategy == "all":
        names.remove("words")
    rules: list[RankingRule] = []
    for name in names:
        factory = TEXT_RULES.get(name) or query.extra_rules.get(name)
        if factory is not None:
            rules.append(factory())
    return rules


def _force_words(names: list[str]) -> list[str]:
    first_text = next((i for i, name in enumerate(names) if name in _AFTER_WORDS), None)
    if first_text is None:
        return names if "words" in names else [*names, "words"]
    if "words" in names and names.index("words") < first_text:
        return names
    names = [name for name in names if name != "words"]
    names.insert(first_text, "words")
    return names


def _matching(plan: QueryPlan, universe: BitMap) -> BitMap:
    """Documents matching the query at all (every document for placeholder search)."""
    if plan.is_placeholder():
        return universe
    return plan.candidates(universe)
