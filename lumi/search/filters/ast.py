"""The tree a parsed filter becomes, shared by the parser and the evaluator.

Nodes are small frozen dataclasses so the evaluator can match on them and tests can compare
whole trees. Every value keeps the place it came from (a ``Span`` over the filter string it was
written in) because evaluation errors such as "Attribute `x` is not filterable" end with the
same ``start:end filter`` position line as syntax errors. Spans are left out of equality: two
filters that differ only in spacing or quoting give equal trees.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import NamedTuple, TypeAlias


class Span(NamedTuple):
    """Where a piece of a filter was written: 0-based char offsets, end exclusive.

    ``text`` is the whole filter string the offsets index into; with the array form of a
    filter each element string is a filter of its own, so the span must carry it.
    """

    start: int
    end: int
    text: str


def format_position(span: Span) -> str:
    """The ``start:end filter`` line that ends every filter error message.

    Columns are 1-based chars counted from the start of the line holding ``start`` (a filter
    may contain newlines); ``end`` is ``start`` plus the length of the span, so an empty span
    at the very end of ``a = 1 OR`` prints ``9:9``.
    """
    line_start = span.text.rfind("\n", 0, span.start) + 1
    column = span.start - line_start + 1
    return f"{column}:{column + span.end - span.start} {span.text}"


class Op(enum.Enum):
    """Condition operators; the value is how the operator is named in error messages.

    ``NE`` is kept apart from ``Not(EQ)`` only so errors can name the operator the user wrote;
    it selects exactly the documents ``EQ`` does not (including those without the field).
    Other negated forms (``NOT IN``, ``NOT EXISTS``, ``IS NOT NULL``, ``IS NOT EMPTY``,
    ``NOT CONTAINS``, ``NOT STARTS WITH``) are parsed as ``Not`` of the positive condition.
    """

    EQ = "="
    NE = "!="
    GT = ">"
    GTE = ">="
    LT = "<"
    LTE = "<="
    RANGE = "TO"
    IN = "IN"
    EXISTS = "EXISTS"
    IS_NULL = "IS NULL"
    IS_EMPTY = "IS EMPTY"
    CONTAINS = "CONTAINS"
    STARTS_WITH = "STARTS WITH"


@dataclass(frozen=True, slots=True)
class Value:
    """A value as written (quotes removed, escapes resolved) and, if it is one, its number.

    ``number`` is set when ``raw`` reads as a finite float; the evaluator then compares
    numerically as well as on the string.
    """

    raw: str
    number: float | None = dataclasses.field(compare=False)
    span: Span = dataclasses.field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Condition:
    """``field op values``: no value for EXISTS/IS_*, (lo, hi) for RANGE, any count for IN.

    ``op_span`` covers the operator keyword without a leading ``NOT`` (``CONTAINS`` in
    ``x NOT CONTAINS y``), which is where feature-gate errors point.
    """

    field: str
    op: Op
    values: tuple[Value, ...]
    field_span: Span = dataclasses.field(compare=False, repr=False)
    op_span: Span = dataclasses.field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class GeoRadius:
    """``_geoRadius(lat, lng, radius[, resolution])``; numbers are range-checked later."""

    lat: Value
    lng: Value
    radius: Value
    resolution: Value | None


@dataclass(frozen=True, slots=True)
class GeoBoundingBox:
    """``_geoBoundingBox([lat, lng], [lat, lng])``: top-right corner, then bottom-left."""

    top_right: tuple[Value, Value]
    bottom_left: tuple[Value, Value]


@dataclass(frozen=True, slots=True)
class GeoPolygon:
    """``_geoPolygon([lat, lng], ...)`` with at least three (lat, lng) points."""

    points: tuple[tuple[Value, Value], ...]


class VectorKind(enum.Enum):
    """Which embeddings of an embedder a ``_vectors.{embedder}.{kind} EXISTS`` filter wants."""

    USER_PROVIDED = "userProvided"
    DOCUMENT_TEMPLATE = "documentTemplate"
    REGENERATE = "regenerate"
    FRAGMENT = "fragments"


@dataclass(frozen=True, slots=True)
class VectorsExists:
    """``_vectors[.embedder[.kind]] EXISTS``; ``fragment`` is set only for FRAGMENT."""

    embedder: str | None
    kind: VectorKind | None
    fragment: str | None
    span: Span = dataclasses.field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Foreign:
    """``_foreign(field, condition)``: documents whose ``field`` (a foreign key) holds the id of
    a document that ``condition`` selects in the field's foreign index.

    It is resolved into an ``IN`` condition on ``field`` before the filter is checked against
    the settings; ``span`` covers the whole call, where errors about the call point.
    """

    field: str
    condition: Node
    field_span: Span = dataclasses.field(compare=False, repr=False)
    span: Span = dataclasses.field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class And:
    """All children match (two or more children)."""

    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one child matches (two or more children)."""

    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """Every document the child does not select, including those lacking the field."""

    child: Node


Node: TypeAlias = (
    And | Or | Not | Condition | GeoRadius | GeoBoundingBox | GeoPolygon | VectorsExists | Foreign
)


def fields_in(node: Node) -> list[tuple[str, Span]]:
    """The attributes conditions use, in reading order, with where each was written.

    Geo and vector filters are left out: they check ``_geo``/``_vectors`` by their own rules.
    A ``_foreign`` call contributes its foreign key, not the attributes of its condition,
    which belong to another index.
    """
    found: list[tuple[str, Span]] = []
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Condition | Foreign):
            found.append((current.field, current.field_span))
        elif isinstance(current, And | Or):
            stack.extend(reversed(current.children))
        elif isinstance(current, Not):
            stack.append(current.child)
    return found
