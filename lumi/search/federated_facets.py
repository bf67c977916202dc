"""Facets of a federated search: ``federation.facetsByIndex`` and ``federation.mergeFacets``.

``facetsByIndex`` names, per index, the facets to count. They are counted once per index
over its federated candidates: every document matching one of the index's queries (not only
the returned page), each query's candidates first reduced by the distinct attribute that
query applies, their union then by the federation's ``distinct`` when there is one. The
counting itself is the one of a single search (``lumi.search.facets``), including its
``maxValuesPerFacet`` and ``sortFacetValuesBy`` settings. An index that no query searches
still has its facets checked, and counts nothing.

Answers of remote instances for the same index are added to the local counts (sums per
value, smallest minimum and largest maximum); they cannot be exact when a document counts
on several instances.

With ``mergeFacets`` the indexes' facets become a single ``facetDistribution`` and
``facetStats``: counts of the same value (compared like facet values, case-insensitively)
are summed, the values of each facet ordered like a single index orders them, which
requires the indexes to agree on ``sortFacetValuesBy`` for that facet, and truncated to
``mergeFacets.maxValuesPerFacet`` (else to the largest ``maxValuesPerFacet`` of the
indexes). For ordering, a value spelled like a number is taken as one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.index.facet_store import format_number, normalize
from lumi.index.settings import setting_view
from lumi.search.constraints import Resolver
from lumi.search.distinct import Distinct, distinct_attribute
from lumi.search.facets import Distribution, Stats
from lumi.search.multi import INVALID_API_KEY, QueryError, SearchAccess
from lumi.search.perform import SearchTarget

DEFAULT_MAX_VALUES = 100
_ORDER_WORDS = {"alpha": "alphabetically", "count": "by count"}


@dataclass(frozen=True, slots=True)
class IndexFacets:
    """The facets counted for one index (or sent by a remote for it).

    ``orders`` gives the ``sortFacetValuesBy`` of each facet of ``distribution`` and
    ``limit`` the ``maxValuesPerFacet`` it was counted with; a remote's answer knows
    neither."""

    distribution: Distribution
    stats: Stats
    orders: Mapping[str, str] = field(default_factory=dict)
    limit: int | None = None

    def view(self) -> dict[str, Any]:
        """The index's entry of the response's ``facetsByIndex``."""
        return {"distribution": self.distribution, "stats": self.stats}


@dataclass(frozen=True, slots=True)
class _Found:
    """The candidates of one local query and the ``distinct`` it asked for."""

    candidates: BitMap
    distinct: str | None


class FacetCounter:
    """Gathers the candidates of the local queries, then counts the facets of each index
    named in ``facetsByIndex`` (``requested``; a null entry asks for nothing)."""

    def __init__(
        self,
        requested: Mapping[str, Sequence[str] | None],
        distinct: str | None = None,
        max_values: int | None = None,
    ) -> None:
        self.requested = {
            uid: tuple(facets) for uid, facets in requested.items() if facets is not None
        }
        self.distinct = distinct
        self.max_values = max_values
        self._found: dict[str, list[_Found]] = {}
        self._positions: dict[str, int] = {}

    def queried(self, uid: str, position: int) -> None:
        """Note that query ``position`` searches ``uid`` (here or on a remote)."""
        self._positions.setdefault(uid, position)

    def add(self, uid: str, candidates: BitMap, distinct: str | None) -> None:
        """The candidates of a query searched here on ``uid``."""
        if uid in self.requested:
            self._found.setdefault(uid, []).append(_Found(candidates, distinct))

    def count(
        self,
        open_target: Callable[[str], SearchTarget],
        access: SearchAccess,
        remote_only: Iterable[str] = (),
    ) -> dict[str, IndexFacets]:
        """The local facets of every requested index but those only remotes search."""
        skipped = set(remote_only)
        return {
            uid: self._count_index(uid, facets, open_target, access)
            for uid, facets in self.requested.items()
            if uid not in skipped
        }

    def _count_index(
        self,
        uid: str,
        facets: tuple[str, ...],
        open_target: Callable[[str], SearchTarget],
        access: SearchAccess,
    ) -> IndexFacets:
        prefix = f"Inside `.federation.facetsByIndex.{uid}`: "
        try:
            if not access.allowed(uid):
                raise LumiError("invalid_api_key", INVALID_API_KEY)
            target = open_target(uid)
        except LumiError as error:
            raise QueryError(error.code, prefix + error.message) from None
        index = target.index
        with index.read() as txn:
            settings = index.settings(txn)
            faceting = setting_view("faceting", settings)
            if self.max_values is not None:
                faceting["maxValuesPerFacet"] = self.max_values
                settings = {**settings, "faceting": faceting}
            candidates = BitMap()
            for found in self._found.get(uid, ()):
                field = None if self.distinct else distinct_attribute(settings, found.distinct)
                reduced = found.candidates
                if field is not None:
                    reduced = Distinct(index, txn, field).reduce(reduced)
                candidates |= reduced
            if self.distinct is not None:
                candidates = Distinct(index, txn, self.distinct).reduce(candidates)
            try:
                distribution, stats = Resolver(index, txn, settings, uid).facets(
                    facets, candidates, None
                )
            except LumiError as error:
                raise self._not_a_facet(uid, error) from None
        orders = faceting["sortFacetValuesBy"]
        return IndexFacets(
            distribution,
            stats,
            {path: orders.get(path, orders.get("*", "alpha")) for path in distribution},
            faceting["maxValuesPerFacet"],
        )

    def _not_a_facet(self, uid: str, error: LumiError) -> LumiError:
        if error.code != "invalid_search_facets":
            return error
        message = error.message.removeprefix(f"Index `{uid}`: ")
        position = self._positions.get(uid)
        note = (
            ""
            if position is None
            else f"\n - Note: `.queries[{position}]` searches the index `{uid}`"
        )
        return QueryError(
            "invalid_multi_search_facets",
            f"Inside `.federation.facetsByIndex.{uid}`: {message}{note}",
        )


def remote_facets(payload: Any) -> dict[str, IndexFacets]:
    """The ``facetsByIndex`` of a remote's answer; entries of another shape are left out."""
    if not isinstance(payload, dict):
        return {}
    out = {}
    for uid, entry in payload.items():
        if not isinstance(entry, dict):
            continue
        distribution, stats = entry.get("distribution"), entry.get("stats")
        if isinstance(distribution, dict) and isinstance(stats, dict):
            out[uid] = IndexFacets(distribution, stats)
    return out


def combine(parts: Sequence[IndexFacets]) -> IndexFacets:
    """One index's facets from its local count and its remotes' answers."""
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return IndexFacets({}, {})
    orders = next((part.orders for part in parts if part.orders), {})
    limit = _largest_limit(parts)
    distribution, stats = _merged(parts, orders, limit)
    return IndexFacets(distribution, stats, orders, limit)


def merge_facets(
    by_index: Mapping[str, IndexFacets], max_values: int | None
) -> tuple[Distribution, Stats]:
    """``facetDistribution`` and ``facetStats`` of ``mergeFacets``; raises
    ``invalid_multi_search_facet_order`` when indexes order a facet differently."""
    orders: dict[str, str] = {}
    owners: dict[str, str] = {}
    for uid, part in by_index.items():
        for path, order in part.orders.items():
            known = orders.setdefault(path, order)
            owner = owners.setdefault(path, uid)
            if known != order:
                raise _inconsistent_order(path, owner, known, uid, order)
    limit = max_values if max_values is not None else _largest_limit(by_index.values())
    return _merged(list(by_index.values()), orders, limit)


def _largest_limit(parts: Iterable[IndexFacets]) -> int:
    return max((part.limit for part in parts if part.limit is not None), default=DEFAULT_MAX_VALUES)


def _merged(
    parts: Sequence[IndexFacets], orders: Mapping[str, str], limit: int
) -> tuple[Distribution, Stats]:
    counts: dict[str, dict[tuple[int, Any], list[Any]]] = {}
    for part in parts:
        for path, values in part.distribution.items():
            bucket = counts.setdefault(path, {})
            for shown, count in values.items():
                key = _value_key(shown)
                entry = bucket.get(key)
                if entry is None:
                    bucket[key] = [shown, count]
                else:
                    entry[1] += count
    distribution: Distribution = {}
    for path in sorted(counts):
        entries = sorted(counts[path].items())
        if orders.get(path) == "count":
            entries.sort(key=lambda item: -item[1][1])
        distribution[path] = {shown: count for _, (shown, count) in entries[: max(limit, 0)]}
    return distribution, _merged_stats(parts)


def _merged_stats(parts: Sequence[IndexFacets]) -> Stats:
    stats: Stats = {}
    for part in parts:
        for path, bounds in part.stats.items():
            known = stats.get(path)
            if known is None:
                stats[path] = dict(bounds)
            else:
                known["min"] = min(known["min"], bounds["min"])
                known["max"] = max(known["max"], bounds["max"])
    return dict(sorted(stats.items()))


def _value_key(shown: str) -> tuple[int, Any]:
    """How a shown facet value sorts: numbers first in numeric order, then strings in
    their normalized form (the form that also makes two spellings one value)."""
    try:
        number = float(shown)
    except ValueError:
        return 1, normalize(shown)
    if math.isfinite(number) and format_number(number) == shown:
        return 0, number
    return 1, normalize(shown)


def _inconsistent_order(
    path: str, first: str, order: str, other: str, other_order: str
) -> LumiError:
    return LumiError(
        "invalid_multi_search_facet_order",
        f"Inconsistent order for values in facet `{path}`: index `{first}` orders them "
        f"{_ORDER_WORDS.get(order, order)}, but index `{other}` orders them "
        f"{_ORDER_WORDS.get(other_order, other_order)}.\n - Hint: remove "
        "`federation.mergeFacets` or set the same `faceting.sortFacetValuesBy` for this "
        "facet in every index.",
    )
