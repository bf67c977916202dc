"""Ordering documents by a field's value: the ``sort`` search parameter, one rule per entry.

Order, as in the reference: documents with a number come first (numeric order), then those
with a string (byte order of the normalized, lowercased value), in both directions;
documents without a value for the field come last (``bucket_sort`` keeps them in document
id order). A document with several values is placed by its best one in the chosen direction
(smallest for ``asc``, largest for ``desc``). Each bucket holds the documents sharing one
value, shown as the rule's ``value`` in ``_rankingScoreDetails``.

Large universes are walked through the facet levels, touching only the value groups that
hold some of its documents; small ones (the inner buckets of earlier rules) are sorted from
each document's own values.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from pyroaring import BitMap

from lumi.index.facet_store import FacetReader, normalize
from lumi.search.ranking.base import Bucket, RankingContext, RankingRule, RuleFactory, ScoreDetail

if TYPE_CHECKING:
    from lumi.search.constraints import SortCriterion

# Up to this many documents, a universe is sorted from the documents' own values.
FEW_DOCUMENTS = 256

_Order = tuple[int, Any]  # (0, number) or (1, normalized string): numbers before strings


class FieldSortRule(RankingRule):
    """Buckets of documents sharing the same best value of ``field``."""

    def __init__(self, field: str, ascending: bool) -> None:
        self.field = field
        self.ascending = ascending
        self.id = f"{field}:{'asc' if ascending else 'desc'}"
        self._reader: FacetReader | None = None
        self._buckets: Iterator[tuple[_Order, BitMap]] | None = None

    def start(self, ctx: RankingContext, universe: BitMap, query: Any) -> None:
        self._reader = FacetReader(ctx.index, ctx.txn)
        self._buckets = value_buckets(self._reader, self.field, BitMap(universe), self.ascending)

    def next_bucket(self, ctx: RankingContext, universe: BitMap) -> Bucket | None:
        if self._buckets is None or self._reader is None:
            return None
        for order, docids in self._buckets:
            docids &= universe
            if docids:
                value = order[1] if order[0] == 0 else self._spelling(order[1], docids.min())
                return Bucket(docids, ScoreDetail(self.id, None, fields={"value": value}))
        return None

    def end(self, ctx: RankingContext) -> None:
        self._buckets = None
        self._reader = None

    def _spelling(self, normalized: str, docid: int) -> str:
        assert self._reader is not None
        for value in self._reader.document_values(self.field, docid):
            if type(value) is str and normalize(value) == normalized:
                return value
        return normalized


def value_buckets(
    reader: FacetReader, field: str, universe: BitMap, ascending: bool
) -> Iterator[tuple[_Order, BitMap]]:
    """``universe`` split by best value of ``field``, best bucket first; documents without
    a value are left out. ``universe`` is consumed."""
    if len(universe) <= FEW_DOCUMENTS:
        yield from _few(reader, field, universe, ascending)
        return
    for number, docids in reader.number_buckets(field, universe, not ascending):
        yield (0, number), docids
    deserialize = BitMap.deserialize
    for normalized, raw in reader.string_values(field, reverse=not ascending):
        if not universe:
            return
        docids = deserialize(raw)
        docids &= universe
        if docids:
            universe -= docids
            yield (1, normalized), docids


def _few(
    reader: FacetReader, field: str, universe: BitMap, ascending: bool
) -> Iterator[tuple[_Order, BitMap]]:
    groups: dict[_Order, BitMap] = {}
    pick = min if ascending else max
    for docid in universe:
        values = reader.document_values(field, docid)
        if not values:
            continue
        numbers = [value for value in values if type(value) is float]
        if numbers:
            order: _Order = (0, pick(numbers))
        else:
            order = (1, pick(normalize(value) for value in values))
        groups.setdefault(order, BitMap()).add(docid)
    numbers_first = sorted(key for key in groups if key[0] == 0)
    strings = sorted(key for key in groups if key[0] == 1)
    if not ascending:
        numbers_first.reverse()
        strings.reverse()
    for order in (*numbers_first, *strings):
        yield order, groups[order]


def sort_factory(criteria: Sequence[SortCriterion]) -> RuleFactory:
    """The factory of the ``sort`` ranking rule for the query's ``sort`` entries."""
    factories = sort_rule_factories(criteria)
    if len(factories) == 1:
        return factories[0]
    return lambda: SortRule(factories)


def sort_rule_factories(criteria: Sequence[SortCriterion]) -> list[RuleFactory]:
    """One rule per ``sort`` entry, in order: the field rules and ``_geoPoint`` rules."""
    from lumi.search.ranking.geo_sort import GeoSortRule

    factories: list[RuleFactory] = []
    for criterion in criteria:
        if criterion.point is not None:
            point, ascending = criterion.point, criterion.ascending
            factories.append(partial(GeoSortRule, point, ascending))
        else:
            field, ascending = criterion.field, criterion.ascending
            assert field is not None
            factories.append(partial(FieldSortRule, field, ascending))
    return factories


class SortRule(RankingRule):
    """Several ``sort`` entries as the one ``sort`` ranking rule: each entry orders the
    buckets of the previous one, documents lacking an entry's value last within their
    bucket. A bucket shows the detail of the first entry (the one that ranks it first)."""

    id = "sort"

    def __init__(self, factories: Sequence[RuleFactory]) -> None:
        self.factories = factories
        self._rules: list[RankingRule] = []
        self._remaining: list[BitMap] = []
        self._details: list[ScoreDetail | None] = []
        self._query: Any = None
        self._depth = -1

    def start(self, ctx: RankingContext, universe: BitMap, query: Any) -> None:
        self._rules = [factory() for factory in self.factories]
        self._remaining = [BitMap(universe)] + [BitMap() for _ in self._rules[1:]]
        self._details = [None] * len(self._rules)
        self._query = query
        self._depth = 0
        self._rules[0].start(ctx, universe, query)

    def next_bucket(self, ctx: RankingContext, universe: BitMap) -> Bucket | None:
        last = len(self._rules) - 1
        while self._depth >= 0:
            depth = self._depth
            remaining = self._remaining[depth]
            remaining &= universe
            bucket = self._rules[depth].next_bucket(ctx, remaining) if remaining else None
            if bucket is None:
                self._rules[depth].end(ctx)
                self._depth -= 1
                if depth == 0:
                    return None
                leftover, self._remaining[depth] = remaining, BitMap()
                if leftover:
                    return self._bucket(leftover)
                continue
            docids = bucket.docids & remaining
            remaining -= docids
            if not docids:
                continue
            self._details[depth] = bucket.detail
            if depth == last:
                return self._bucket(docids)
            self._depth = depth + 1
            self._remaining[depth + 1] = BitMap(docids)
            self._rules[depth + 1].start(ctx, docids, self._query)
        return None

    def end(self, ctx: RankingContext) -> None:
        for depth in range(self._depth, -1, -1):
            self._rules[depth].end(ctx)
        self._depth = -1

    def _bucket(self, docids: BitMap) -> Bucket:
        detail = self._details[0]
        assert detail is not None
        return Bucket(docids, detail)
