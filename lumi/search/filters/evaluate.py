"""Turning a parsed filter (``lumi.search.filters.ast``) into the set of documents it selects.

Everything is answered from the facet structures (``lumi.index.facet_store``) with bitmap
algebra; documents are never read. The meaning of each operator, as the reference has it:

- ``=``: the normalized string (trimmed, NFKD, lowercase, accents kept) and, when the value
  reads as a finite number, the numeric value too (``id = 1`` matches ``1`` and ``"1"``).
  An array matches when one element does; ``null`` and empty arrays never match.
- ``!=`` and ``NOT``: every document of the index minus the positive selection, documents
  lacking the field included.
- ``>``, ``>=``, ``<``, ``<=``, ``TO`` (inclusive): numerically when the value is a number
  (both bounds for ``TO``), and also by byte order of the normalized strings, which is how
  ``date > 2004-01-01`` works on text dates.
- ``IN``: any of the values; ``EXISTS``: the field is present (even ``null`` or empty);
  ``IS NULL``: written ``null``; ``IS EMPTY``: ``""``, ``[]`` or ``{}``.
- ``CONTAINS`` (behind the ``containsFilter`` experimental feature) and ``STARTS WITH``:
  substring and prefix of normalized string values.
- Geo filters use ``_geo`` points and haversine distances in meters: the candidates are
  first narrowed to a latitude/longitude box, then checked exactly.

``check_contains`` refuses ``CONTAINS`` while its experimental feature is off; ``check``
verifies a filter against the settings before anything is evaluated: every attribute in
reading order (filterable, and the operator allowed by the first granular rule matching
it) and the geo arguments, with the reference's messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.index.facet_store import MAX_VALUE_BYTES, FacetReader, normalize
from lumi.index.index import Index
from lumi.index.settings import FilterableRule, filterable_rules, is_filterable
from lumi.index.vectors import documents_with_vectors
from lumi.search.filters import geo
from lumi.search.filters.ast import (
    And,
    Condition,
    Foreign,
    GeoBoundingBox,
    GeoPolygon,
    GeoRadius,
    Node,
    Not,
    Op,
    Or,
    Span,
    Value,
    VectorsExists,
    format_position,
)
from lumi.storage.env import Txn

_EQUALITY = frozenset(
    (Op.EQ, Op.NE, Op.IN, Op.EXISTS, Op.IS_NULL, Op.IS_EMPTY, Op.CONTAINS, Op.STARTS_WITH)
)
_EQUALITY_NAMES = ("=", "!=", "IN", "IS EMPTY", "IS NULL", "EXISTS")
_COMPARISON_NAMES = ("<", ">", "<=", ">=", "TO")
_CONTAINS_DISABLED = (
    "Using `CONTAINS` in a filter requires enabling the `contains filter` experimental "
    "feature. See https://github.com/orgs/meilisearch/discussions/763"
)
# `_foreign` calls are resolved into plain conditions by the routes that support them
# (`lumi.search.filters.foreign`); any left when a filter is checked came from another route.
_FOREIGN_HERE = "The `_foreign` filter is not supported on this route."
GEO_FIELD = "_geo"
GEOJSON_FIELD = "_geojson"


class FilterEvaluator:
    """Checks and evaluates filters of one index inside one read transaction.

    ``code`` is the error code of the route using it (``invalid_search_filter``,
    ``invalid_document_filter``...); ``contains_filter`` is the experimental feature flag;
    ``documents`` is every document of the index (``NOT`` and ``!=`` take their complement
    in it) when the caller knows better than the stored set, as a batch being written does.
    """

    def __init__(
        self,
        index: Index,
        txn: Txn,
        settings: dict[str, Any],
        *,
        code: str = "invalid_search_filter",
        contains_filter: bool = False,
        documents: BitMap | None = None,
    ) -> None:
        self.index = index
        self.txn = txn
        self.settings = settings
        self.code = code
        self.contains_filter = contains_filter
        self.reader = FacetReader(index, txn)
        self._rules = filterable_rules(settings)
        self._all = documents

    def docids(self, node: Node) -> BitMap:
        """``check_contains``, ``check``, then ``evaluate``."""
        check_contains(node, self.contains_filter)
        self.check(node)
        return self.evaluate(node)

    # ---- checks ------------------------------------------------------------------------

    def check(self, node: Node) -> None:
        """Every attribute and geo argument, in reading order (the experimental gate is
        ``check_contains``: its error is about the instance, not the index)."""
        for current in _reading_order(node):
            if isinstance(current, Condition):
                self._check_condition(current)
            elif isinstance(current, GeoRadius | GeoBoundingBox | GeoPolygon):
                self._check_geo(current)
            elif isinstance(current, Foreign):
                raise LumiError(self.code, f"{_FOREIGN_HERE}\n{format_position(current.span)}")

    def _check_condition(self, condition: Condition) -> None:
        position = is_filterable(self.settings, condition.field)
        rule = self._rules[position] if position is not None else None
        if rule is None or not (rule.equality or rule.comparison):
            raise self._not_filterable(condition.field, condition.field_span)
        allowed = rule.equality if condition.op in _EQUALITY else rule.comparison
        if not allowed:
            raise self._operator_refused(condition, rule, position or 0)

    def _check_geo(self, node: GeoRadius | GeoBoundingBox | GeoPolygon) -> None:
        if isinstance(node, GeoRadius):
            first, points = node.lat, [(node.lat, node.lng)]
        elif isinstance(node, GeoBoundingBox):
            first, points = node.top_right[0], [node.top_right, node.bottom_left]
        else:
            first, points = node.points[0][0], list(node.points)
        polygon = isinstance(node, GeoPolygon)
        usable = self._filterable(GEO_FIELD) or (polygon and self._filterable(GEOJSON_FIELD))
        if not usable:
            raise self._not_filterable(GEOJSON_FIELD if polygon else GEO_FIELD, first.span)
        for lat, lng in points:
            geo.check_point(lat, lng, self.code)
        if isinstance(node, GeoBoundingBox):
            geo.check_box(node, self.code)

    def _filterable(self, field: str) -> bool:
        position = is_filterable(self.settings, field)
        if position is None:
            return False
        rule = self._rules[position]
        return rule.equality or rule.comparison

    def _not_filterable(self, field: str, span: Span) -> LumiError:
        return not_filterable(self.code, field, self._rules, span)

    def _operator_refused(self, condition: Condition, rule: FilterableRule, n: int) -> LumiError:
        field, op = condition.field, condition.op.value
        allowed = ["OR", "AND", "NOT"]
        if rule.equality:
            allowed.extend(_EQUALITY_NAMES)
        if rule.comparison:
            allowed.extend(_COMPARISON_NAMES)
        feature = "comparison" if rule.equality else "equality"
        message = (
            f"Filter operator `{op}` is not allowed for the attribute `{field}`.\n"
            f"  - Note: allowed operators: {', '.join(allowed)}.\n"
            f"  - Note: field `{field}` matched rule #{n} in `filterableAttributes`\n"
            f"  - Hint: enable {feature} in rule #{n} by modifying the features.filter object\n"
            f"  - Hint: prepend another rule matching `{field}` with appropriate filter "
            f"features before rule #{n}\n{format_position(condition.field_span)}"
        )
        return LumiError(self.code, message)

    # ---- evaluation --------------------------------------------------------------------

    def all_docids(self) -> BitMap:
        if self._all is None:
            self._all = self.index.docids(self.txn)
        return self._all

    def evaluate(self, node: Node) -> BitMap:
        """The documents ``node`` selects (a fresh bitmap the caller may modify)."""
        if isinstance(node, Condition):
            return self._condition(node)
        if isinstance(node, And):
            result = self.evaluate(node.children[0])
            for child in node.children[1:]:
                if not result:
                    break
                result &= self.evaluate(child)
            return result
        if isinstance(node, Or):
            result = BitMap()
            for child in node.children:
                result |= self.evaluate(child)
            return result
        if isinstance(node, Not):
            return self.all_docids() - self.evaluate(node.child)
        if isinstance(node, GeoRadius):
            return geo.radius(self.reader, node)
        if isinstance(node, GeoBoundingBox):
            return geo.bounding_box(self.reader, node)
        if isinstance(node, GeoPolygon):
            return geo.polygon(self.reader, node)
        if isinstance(node, VectorsExists):
            kind = None if node.kind is None else node.kind.value
            return documents_with_vectors(self.index, self.txn, node.embedder, kind)
        raise TypeError(f"not a filter node: {node!r}")

    def _condition(self, condition: Condition) -> BitMap:
        path, op, values = condition.field, condition.op, condition.values
        reader = self.reader
        if op is Op.EQ:
            return self._equal(path, values[0])
        if op is Op.NE:
            return self.all_docids() - self._equal(path, values[0])
        if op is Op.IN:
            result = BitMap()
            for value in values:
                result |= self._equal(path, value)
            return result
        if op is Op.EXISTS:
            return reader.kind_docids(path, b"e")
        if op is Op.IS_NULL:
            return reader.kind_docids(path, b"n")
        if op is Op.IS_EMPTY:
            return reader.kind_docids(path, b"m")
        if op is Op.CONTAINS:
            return self._contains(path, normalize(values[0].raw))
        if op is Op.STARTS_WITH:
            return _union(raw for _, raw in reader.string_values(path, normalize(values[0].raw)))
        if op is Op.RANGE:
            return self._between(path, values[0], values[1], True, True)
        low = op in (Op.GT, Op.GTE)
        incl = op in (Op.GTE, Op.LTE)
        if low:
            return self._between(path, values[0], None, incl, True)
        return self._between(path, None, values[0], True, incl)

    def _equal(self, path: str, value: Value) -> BitMap:
        normalized = normalize(value.raw)
        result = (
            self.reader.string_docids(path, normalized)
            if len(normalized.encode()) <= MAX_VALUE_BYTES
            else BitMap()
        )
        if value.number is not None:
            result |= self.reader.number_docids(path, value.number)
        return result

    def _between(
        self, path: str, low: Value | None, high: Value | None, low_incl: bool, high_incl: bool
    ) -> BitMap:
        numeric = (low is None or low.number is not None) and (
            high is None or high.number is not None
        )
        result = BitMap()
        if numeric:
            result = self.reader.number_range(
                path,
                low.number if low is not None else None,
                high.number if high is not None else None,
                low_incl,
                high_incl,
            )
        result |= self.reader.string_range(
            path,
            normalize(low.raw) if low is not None else None,
            normalize(high.raw) if high is not None else None,
            low_incl,
            high_incl,
        )
        return result

    def _contains(self, path: str, needle: str) -> BitMap:
        return _union(raw for value, raw in self.reader.string_values(path) if needle in value)


def check_contains(node: Node, enabled: bool) -> None:
    """Refuse ``CONTAINS`` while the ``containsFilter`` experimental feature is off."""
    if enabled:
        return
    for current in _reading_order(node):
        if isinstance(current, Condition) and current.op is Op.CONTAINS:
            raise LumiError("feature_not_enabled", _CONTAINS_DISABLED)


def not_filterable(
    code: str, field: str, rules: tuple[FilterableRule, ...], span: Span
) -> LumiError:
    """``Attribute `x` is not filterable. …`` with the filter position line."""
    patterns = sorted(
        {pattern for rule in rules if rule.equality or rule.comparison for pattern in rule.patterns}
    )
    available = (
        "Available filterable attribute patterns are: " + ", ".join(f"`{p}`" for p in patterns)
        if patterns
        else "This index does not have configured filterable attributes"
    )
    message = f"Attribute `{field}` is not filterable. {available}.\n{format_position(span)}"
    return LumiError(code, message)


def _reading_order(node: Node) -> Iterator[Node]:
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, And | Or):
            stack.extend(reversed(current.children))
        elif isinstance(current, Not):
            stack.append(current.child)


def _union(raws: Iterator[bytes]) -> BitMap:
    result = BitMap()
    deserialize = BitMap.deserialize
    for raw in raws:
        result |= deserialize(raw)
    return result
