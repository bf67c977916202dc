"""``facetDistribution`` and ``facetStats``: how many candidates carry each facet value.

For each requested facet (a field name, a pattern such as ``dogs.*``, or ``*``) the values
present among the candidates are counted from the facet structures: numbers first (in
numeric order, shown as strings like ``"1999"``), then strings (by normalized value, shown in
the spelling of the first candidate holding them). At most ``maxValuesPerFacet`` values are
kept per facet, chosen by ``sortFacetValuesBy``: ``alpha`` keeps the first ones in that
order, ``count`` the most frequent (ties in value order). ``facetStats`` gives the smallest
and largest number of each facet that has numbers among the candidates.

Counting walks the values of a field and intersects each with the candidates; when the
candidates are few, reading their own values (``docid_facet_values``) is cheaper and gives
the same counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pyroaring import BitMap

from lumi.index.facet_store import FacetReader, format_number, normalize
from lumi.index.index import Index
from lumi.index.settings import is_filterable, match_pattern, setting_view
from lumi.storage.env import Txn

# Up to this many candidates, counts come from each candidate's own values.
FEW_CANDIDATES = 1000

Distribution = dict[str, dict[str, int]]
Stats = dict[str, dict[str, float]]


def facet_distribution(
    index: Index,
    txn: Txn,
    settings: dict[str, Any],
    facets: Sequence[str],
    candidates: BitMap,
) -> tuple[Distribution, Stats]:
    """Counts and numeric bounds of the requested facets over ``candidates``."""
    reader = FacetReader(index, txn)
    faceting = setting_view("faceting", settings)
    limit = faceting["maxValuesPerFacet"]
    orders = faceting["sortFacetValuesBy"]
    distribution: Distribution = {}
    stats: Stats = {}
    for path in _fields(reader, settings, facets):
        order = orders.get(path, orders.get("*", "alpha"))
        counts = FacetCounter(reader, path, candidates)
        distribution[path] = counts.by_count(limit) if order == "count" else counts.alpha(limit)
        bounds = number_bounds(reader, path, candidates)
        if bounds is not None:
            stats[path] = {"min": bounds[0], "max": bounds[1]}
    return distribution, stats


def _fields(reader: FacetReader, settings: dict[str, Any], facets: Sequence[str]) -> list[str]:
    """Named fields as asked (even without values), patterns expanded to the filterable
    fields the index has values for; sorted, as the response lists them."""
    chosen: set[str] = set()
    known: list[str] | None = None
    for facet in facets:
        if "*" not in facet:
            if is_filterable(settings, facet) is not None:
                chosen.add(facet)
            continue
        if known is None:
            known = [p for p in reader.facet_paths() if is_filterable(settings, p) is not None]
        chosen.update(path for path in known if match_pattern(facet, path))
    return sorted(chosen)


def number_bounds(reader: FacetReader, path: str, candidates: BitMap) -> tuple[float, float] | None:
    """The smallest and largest number of ``path`` among ``candidates``."""
    lowest = next(reader.number_buckets(path, BitMap(candidates), consume=False), None)
    if lowest is None:
        return None
    highest = next(reader.number_buckets(path, BitMap(candidates), True, consume=False))
    return lowest[0], highest[0]


class FacetCounter:
    """The values of one field among the candidates, with their counts."""

    def __init__(self, reader: FacetReader, path: str, candidates: BitMap) -> None:
        self.reader = reader
        self.path = path
        self.candidates = candidates
        self.few = len(candidates) <= FEW_CANDIDATES

    def alpha(self, limit: int) -> dict[str, int]:
        """The first ``limit`` values in value order (numbers, then strings)."""
        out: dict[str, int] = {}
        if limit <= 0:
            return out
        for shown, count, _ in self._values(limit):
            out[shown] = count
            if len(out) >= limit:
                break
        return out

    def by_count(self, limit: int) -> dict[str, int]:
        """The ``limit`` most frequent values, ties in value order."""
        found = list(self._values(None))
        found.sort(key=lambda item: (-item[1], item[2]))
        return {shown: count for shown, count, _ in found[: max(limit, 0)]}

    def _values(self, limit: int | None) -> Iterable[tuple[str, int, tuple[int, Any]]]:
        """``(shown value, count, order key)`` in value order."""
        if self.few:
            yield from self._from_documents()
            return
        yield from self._from_index(limit)

    def _from_index(self, limit: int | None) -> Iterable[tuple[str, int, tuple[int, Any]]]:
        candidates = self.candidates
        numbers = self.reader.number_buckets(self.path, BitMap(candidates), consume=False)
        for seen, (value, docids) in enumerate(numbers, 1):
            yield format_number(value), len(docids), (0, value)
            if limit is not None and seen >= limit:
                return
        deserialize = BitMap.deserialize
        for normalized, raw in self.reader.string_values(self.path):
            docids = deserialize(raw)
            docids &= candidates
            if docids:
                yield self._spelling(normalized, docids.min()), len(docids), (1, normalized)

    def _from_documents(self) -> Iterable[tuple[str, int, tuple[int, Any]]]:
        numbers: dict[float, int] = {}
        strings: dict[str, list[Any]] = {}  # normalized -> [count, original of first docid]
        path = self.path
        for docid in self.candidates:
            values = self.reader.document_values(path, docid)
            seen: set[Any] = set()
            for value in values:
                if type(value) is float:
                    if value not in seen:
                        seen.add(value)
                        numbers[value] = numbers.get(value, 0) + 1
                    continue
                key = normalize(value)
                if key in seen:
                    continue
                seen.add(key)
                if key in strings:
                    strings[key][0] += 1
                else:
                    strings[key] = [1, value]
        for number in sorted(numbers):
            yield format_number(number), numbers[number], (0, number)
        for normalized in sorted(strings):
            count, original = strings[normalized]
            yield original, count, (1, normalized)

    def _spelling(self, normalized: str, docid: int) -> str:
        for value in self.reader.document_values(self.path, docid):
            if type(value) is str and normalize(value) == normalized:
                return value
        return normalized
