"""What narrows or orders a search besides the query: ``filter``, ``sort``, ``distinct`` and
``facets``, checked against the index's settings, then handed to the engine.

Reading a parameter (``parse_sort``, ``parse_search_filter``) only depends on its text and
fails with the reference's syntax messages. ``Resolver.check`` then verifies every named
attribute against ``filterableAttributes`` / ``sortableAttributes`` and fails with the
reference's "is not filterable/sortable" messages, prefixed with the index like the other
errors raised while searching an index. The other ``Resolver`` methods turn the checked
constraints into what the engine takes: the filtered universe, the sort-like ranking rules,
the distinct hook, and the facet counts of the candidates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.index.index import Index
from lumi.index.settings import filterable_rules, is_filterable, is_sortable, ranking_rules
from lumi.search.distinct import Distinct, distinct_attribute
from lumi.search.facets import facet_distribution
from lumi.search.filters.ast import And, Node
from lumi.search.filters.evaluate import FilterEvaluator, check_contains
from lumi.search.filters.parameter import parse_filter
from lumi.search.ranking.asc_desc import asc_desc_factories
from lumi.search.ranking.base import RuleFactory
from lumi.search.ranking.sort import sort_factory
from lumi.storage.env import Txn

_GEO = "_geo"
_RESERVED = ("_geo", "_geoDistance", "_geoPoint", "_geoRadius", "_geoBoundingBox", "_geoPolygon")
_FILTER_ONLY = ("_geoRadius", "_geoBoundingBox", "_geoPolygon")
_USE_GEO_POINT = (
    "`{}` is a reserved keyword and thus can't be used as a sort expression. Use the "
    "_geoPoint(latitude, longitude) built-in rule to sort on _geo field coordinates."
)


class SortCriterion(NamedTuple):
    """One ``sort`` entry: a field, or a geo point (``field`` None) to sort by distance."""

    field: str | None
    ascending: bool
    point: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class Constraints:
    """The parsed constraints of one search; empty ones are None."""

    filter: Node | None = None
    sort: tuple[SortCriterion, ...] | None = None
    distinct: str | None = None
    facets: tuple[str, ...] | None = None


def _sort_error(message: str) -> LumiError:
    return LumiError("invalid_search_sort", message)


def parse_sort(entries: Iterable[str]) -> tuple[SortCriterion, ...]:
    """Parse ``sort`` entries (``field:asc``, ``_geoPoint(lat, lng):desc``)."""
    return tuple(_parse_sort_entry(entry) for entry in entries)


def _parse_sort_entry(text: str) -> SortCriterion:
    member, colon, order = text.rpartition(":")
    if not colon or order not in ("asc", "desc"):
        raise _sort_error(
            "Invalid syntax for the sort parameter: expected expression ending by `:asc` or "
            f"`:desc`, found `{text}`."
        )
    ascending = order == "asc"
    if member.startswith("_geoPoint(") and member.endswith(")"):
        return SortCriterion(None, ascending, _geo_point(member))
    if member in _RESERVED or member.startswith(tuple(f"{n}(" for n in _FILTER_ONLY)):
        raise _sort_error(_reserved_sort_message(member))
    return SortCriterion(member, ascending)


def _geo_point(member: str) -> tuple[float, float]:
    lat_text, comma, lng_text = member[len("_geoPoint(") : -1].partition(",")
    try:
        if not comma:
            raise ValueError(member)
        lat, lng = float(lat_text.strip()), float(lng_text.strip())
        if not (math.isfinite(lat) and math.isfinite(lng)):
            raise ValueError(member)
    except ValueError:
        raise _sort_error(_reserved_sort_message(member)) from None
    if not -90.0 <= lat <= 90.0:
        raise _sort_error("Latitude must be contained between -90 and 90 degrees.")
    if not -180.0 <= lng <= 180.0:
        raise _sort_error("Longitude must be contained between -180 and 180 degrees.")
    return lat, lng


def _reserved_sort_message(member: str) -> str:
    if member.startswith("_geoPoint"):
        return (
            "Invalid syntax for the geo parameter: expected expression formated like "
            f"`_geoPoint(latitude, longitude)` and ending by `:asc` or `:desc`, found `{member}`."
        )
    if member == _GEO:
        return _USE_GEO_POINT.format(_GEO)
    for name in _FILTER_ONLY:
        if member.startswith(name):
            return _USE_GEO_POINT.format(name)
    return f"`{member}` is a reserved keyword and thus can't be used as a sort expression."


def parse_search_filter(value: Any, token_filter: Any = None) -> Node | None:
    """The request's filter AND the tenant token's filter for the index, parsed."""
    nodes = [node for node in (parse_filter(value), parse_filter(token_filter)) if node is not None]
    if len(nodes) == 2:
        return And(tuple(nodes))
    return nodes[0] if nodes else None


# ---------------------------------------------------------------- checks and engine inputs


class Resolver:
    """The constraints of searches on one index snapshot: checks, then engine inputs."""

    __slots__ = ("filters", "index", "index_uid", "settings", "txn")

    def __init__(
        self,
        index: Index,
        txn: Txn,
        settings: dict[str, Any],
        index_uid: str,
        contains_filter: bool = False,
    ) -> None:
        self.index = index
        self.txn = txn
        self.settings = settings
        self.index_uid = index_uid
        self.filters = FilterEvaluator(index, txn, settings, contains_filter=contains_filter)

    def check(self, constraints: Constraints) -> None:
        """Refuse attributes the settings do not allow, in the reference's order: distinct,
        then sort, then filter; facets are checked when they are counted."""
        if constraints.filter is not None:
            check_contains(constraints.filter, self.filters.contains_filter)
        try:
            if constraints.distinct is not None:
                _check_distinct(constraints.distinct, self.settings)
            if constraints.sort:
                _check_sort(constraints.sort, self.settings)
            if constraints.filter is not None:
                self.filters.check(constraints.filter)
        except LumiError as error:
            raise error.prefixed(f"Index `{self.index_uid}`: ") from None

    def universe(self, constraints: Constraints) -> BitMap | None:
        """The documents the filter selects; None when there is no filter."""
        if constraints.filter is None:
            return None
        return self.filters.evaluate(constraints.filter)

    def extra_rules(self, constraints: Constraints) -> dict[str, RuleFactory]:
        """The custom ``field:asc`` rules of the settings, and ``sort`` from the request."""
        rules = asc_desc_factories(self.settings)
        if constraints.sort:
            rules["sort"] = sort_factory(constraints.sort)
        return rules

    def distinct(self, constraints: Constraints) -> Distinct | None:
        """The distinct hook of one search: the request's attribute, else the setting's."""
        field = distinct_attribute(self.settings, constraints.distinct)
        return None if field is None else Distinct(self.index, self.txn, field)

    def facets(
        self, facets: Sequence[str], candidates: BitMap, distinct: Distinct | None
    ) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, float]]]:
        """``facetDistribution`` and ``facetStats`` of the candidates (reduced by distinct).

        A facet naming an attribute that is not filterable is refused with the reference's
        message; patterns select the filterable attributes they match (none is fine).
        """
        for facet in facets:
            if "*" not in facet and is_filterable(self.settings, facet) is None:
                raise _not_a_facet(facet, self.settings, self.index_uid)
        if distinct is not None:
            candidates = distinct.reduce(candidates)
        return facet_distribution(self.index, self.txn, self.settings, facets, candidates)


def _filterable(stored: dict[str, Any], field: str) -> bool:
    index = is_filterable(stored, field)
    if index is None:
        return False
    rule = filterable_rules(stored)[index]
    return rule.equality or rule.comparison


def _filter_patterns(stored: dict[str, Any]) -> list[str]:
    """Patterns of the rules that allow filtering, sorted, for error messages."""
    patterns = {
        pattern
        for rule in filterable_rules(stored)
        if rule.equality or rule.comparison
        for pattern in rule.patterns
    }
    return sorted(patterns)


def _available_filterable(stored: dict[str, Any]) -> str:
    patterns = _filter_patterns(stored)
    if not patterns:
        return "This index does not have configured filterable attributes."
    return f"Available filterable attributes patterns are: `{', '.join(patterns)}`."


def _check_distinct(field: str, stored: dict[str, Any]) -> None:
    if not _filterable(stored, field):
        raise LumiError(
            "invalid_search_distinct",
            f"Attribute `{field}` is not filterable and thus, cannot be used as distinct "
            f"attribute. {_available_filterable(stored)}",
        )


def _check_sort(criteria: tuple[SortCriterion, ...], stored: dict[str, Any]) -> None:
    if not any(rule.kind == "sort" for rule in ranking_rules(stored)):
        raise _sort_error(
            "You must specify where `sort` is listed in the rankingRules setting to use the "
            "sort parameter at search time."
        )
    for criterion in criteria:
        field = _GEO if criterion.field is None else criterion.field
        if is_sortable(stored, field):
            continue
        names = sorted(stored.get("sortableAttributes", ()))
        available = (
            f"Available sortable attributes are: `{', '.join(names)}`."
            if names
            else "This index does not have configured sortable attributes."
        )
        raise _sort_error(f"Attribute `{field}` is not sortable. {available}")


def _not_a_facet(facet: str, stored: dict[str, Any], index_uid: str) -> LumiError:
    message = (
        f"Invalid facet distribution: Pattern `{facet}` is not filterable. "
        f"{_available_filterable(stored)}"
    )
    return LumiError("invalid_search_facets", f"Index `{index_uid}`: {message}")
