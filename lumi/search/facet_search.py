"""Facet search (``POST /indexes/{uid}/facet-search``): the string values of one facet that
start like ``facetQuery``, counted over the documents matching ``q`` and ``filter``.

As in the reference: only the first word of ``facetQuery`` is used; it matches a value that
starts with it, after case and accent folding, with typos allowed as for query words (by
the word's byte length and the ``typoTolerance`` settings, none when the facet is in
``disableOnAttributes``). Numbers are never facet-searchable. Without a ``facetQuery`` every
value is a hit. At most ``maxValuesPerFacet`` values (100 by default) are returned, ordered
by ``sortFacetValuesBy`` for the facet; each is shown in the spelling of its first document.

The facet must match a filterable rule that allows facet search (the string form always
does) and the index's ``facetSearch`` setting must be on.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.index.facet_store import FacetReader, normalize
from lumi.index.index import Index
from lumi.index.settings import filterable_rules, is_filterable, setting_view
from lumi.search.constraints import Constraints, Resolver, parse_search_filter
from lumi.search.filters.foreign import ForeignScope, resolve_foreign
from lumi.search.foreign import FEATURE as FOREIGN_KEYS
from lumi.search.foreign import IndexOpener
from lumi.search.pipeline import EngineQuery, search
from lumi.storage.env import Txn
from lumi.text.normalizer import normalize as fold

DISABLED = "The facet search is disabled for this index"
_ADVICE = "To make it facet-searchable add it to the `filterableAttributes` index settings."


@dataclass(slots=True)
class FacetSearchRequest:
    """The validated body of a facet search."""

    facet_name: str
    facet_query: str | None = None
    q: str | None = None
    filter: Any = None
    matching_strategy: str = "last"
    attributes_to_search_on: list[str] | None = None
    ranking_score_threshold: float | None = None


@dataclass(frozen=True, slots=True)
class FacetSearchOptions:
    """The tenant token's filter, the instance's experimental features, and what opens the
    foreign indexes ``_foreign`` filters read (None: only this index is reachable)."""

    token_filter: Any = None
    features: Mapping[str, bool] = field(default_factory=dict)
    indexes: IndexOpener | None = None


def facet_search(
    index: Index,
    uid: str,
    request: FacetSearchRequest,
    options: FacetSearchOptions = FacetSearchOptions(),
) -> dict[str, Any]:
    """The response body: ``facetHits``, ``facetQuery``, ``processingTimeMs``."""
    began = time.perf_counter()
    with index.read() as txn:
        settings = index.settings(txn)
        candidates = _candidates(index, txn, settings, uid, request, options)
        if not setting_view("facetSearch", settings):
            raise LumiError("facet_search_disabled", DISABLED)
        _check_facet_name(request.facet_name, settings, uid)
        hits = _hits(FacetReader(index, txn), settings, request, candidates)
    return {
        "facetHits": hits,
        "facetQuery": request.facet_query,
        "processingTimeMs": int((time.perf_counter() - began) * 1000),
    }


def _candidates(
    index: Index,
    txn: Txn,
    settings: dict[str, Any],
    uid: str,
    request: FacetSearchRequest,
    options: FacetSearchOptions,
) -> BitMap:
    features = options.features
    contains = bool(features.get("containsFilter"))
    node = parse_search_filter(request.filter, options.token_filter)
    scope = ForeignScope(
        uid,
        index,
        txn,
        settings,
        bool(features.get(FOREIGN_KEYS)),
        options.indexes,
        contains_filter=contains,
    )
    constraints = Constraints(filter=resolve_foreign(node, scope))
    resolver = Resolver(index, txn, settings, uid, contains)
    resolver.check(constraints)
    query = EngineQuery(
        q=request.q,
        limit=0,
        matching_strategy=request.matching_strategy,
        attributes_to_search_on=request.attributes_to_search_on,
        universe=resolver.universe(constraints),
        ranking_score_threshold=request.ranking_score_threshold,
    )
    return search(index, txn, query).candidates


def _check_facet_name(name: str, settings: dict[str, Any], uid: str) -> None:
    rules = filterable_rules(settings)
    position = is_filterable(settings, name)
    if position is not None and rules[position].facet_search:
        return
    patterns = sorted({p for rule in rules if rule.facet_search for p in rule.patterns})
    available = (
        f"Available facet-searchable attributes patterns are: `{', '.join(patterns)}`."
        if patterns
        else "This index does not have configured facet-searchable attributes."
    )
    raise LumiError(
        "invalid_facet_search_facet_name",
        f"Index `{uid}`: Attribute `{name}` is not facet-searchable. {available} {_ADVICE}",
    )


def _hits(
    reader: FacetReader, settings: dict[str, Any], request: FacetSearchRequest, candidates: BitMap
) -> list[dict[str, Any]]:
    name = request.facet_name
    faceting = setting_view("faceting", settings)
    limit = faceting["maxValuesPerFacet"]
    orders = faceting["sortFacetValuesBy"]
    by_count = orders.get(name, orders.get("*", "alpha")) == "count"
    word = _first_word(request.facet_query or "")
    budget = _typo_budget(word, name, settings) if word else 0
    found = []
    for normalized, docids in _matching(reader, name, word, budget, candidates):
        found.append((normalized, docids))
        if not by_count and len(found) >= limit:
            break
    if by_count:
        found.sort(key=lambda item: -len(item[1]))
    return [
        {"value": _spelling(reader, name, normalized, docids.min()), "count": len(docids)}
        for normalized, docids in found[: max(limit, 0)]
    ]


def _matching(
    reader: FacetReader, name: str, word: str, budget: int, candidates: BitMap
) -> Iterator[tuple[str, BitMap]]:
    """Values (in value order) matching ``word`` that some candidate holds."""
    deserialize = BitMap.deserialize
    for normalized, raw in reader.string_values(name):
        if word and not prefix_within(word, fold(normalized), budget):
            continue
        docids = deserialize(raw)
        docids &= candidates
        if docids:
            yield normalized, docids


def _first_word(text: str) -> str:
    """The first word of the facet query, folded like the values it is compared with."""
    words = fold(text).split()
    return words[0] if words else ""


def _typo_budget(word: str, name: str, settings: dict[str, Any]) -> int:
    typo = setting_view("typoTolerance", settings)
    if not typo["enabled"] or name in typo["disableOnAttributes"]:
        return 0
    size = len(word.encode())
    sizes = typo["minWordSizeForTypos"]
    if size >= sizes["twoTypos"]:
        return 2
    return 1 if size >= sizes["oneTypo"] else 0


def prefix_within(word: str, value: str, budget: int) -> bool:
    """Whether some prefix of ``value`` is at most ``budget`` edits from ``word``
    (insertions, deletions, substitutions and adjacent transpositions)."""
    if value.startswith(word):
        return True
    if budget == 0:
        return False
    width = min(len(value), len(word) + budget)
    previous2: list[int] = []
    previous = list(range(width + 1))
    for i in range(1, len(word) + 1):
        current = [i] + [0] * width
        for j in range(1, width + 1):
            cost = 0 if word[i - 1] == value[j - 1] else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and word[i - 1] == value[j - 2] and word[i - 2] == value[j - 1]:
                best = min(best, previous2[j - 2] + 1)
            current[j] = best
        if min(current) > budget:
            return False
        previous2, previous = previous, current
    return min(previous) <= budget


def _spelling(reader: FacetReader, name: str, normalized: str, docid: int) -> str:
    for value in reader.document_values(name, docid):
        if type(value) is str and normalize(value) == normalized:
            return value
    return normalized
