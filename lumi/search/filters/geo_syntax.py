"""The argument lists of the geo built-ins in a filter string::

    _geoRadius(float, float, float [, float])
    _geoBoundingBox(point, point)
    _geoPolygon(point, point, point, ...)
    point = "[" float "," float "]"
    float = [+-] (digits ["." digits?] | "." digits) [(e|E) [+-] digits]

Arguments are only checked to be number-shaped here; their ranges are checked when the filter
is evaluated (``geo``). A list that cannot be read blames everything from where the condition
starts; a wrong number of arguments blames what follows the list, except a polygon point of the
wrong size, which blames its first coordinate.
"""

from __future__ import annotations

import re

from lumi.search.filters.ast import GeoBoundingBox, GeoPolygon, GeoRadius, Value
from lumi.search.filters.lexer import FLOAT, Lexer, number, span
from lumi.search.filters.syntax_errors import (
    GEO_BOX,
    GEO_POLYGON,
    GEO_RADIUS,
    GEO_RADIUS_COUNT,
    NOT_PAIR,
    POLYGON_POINTS,
    Failure,
)

_FLOAT_ARG = re.compile(rf"[ \t\r\n]*({FLOAT})[ \t\r\n]*")


def geo_radius(lexer: Lexer, pos: int, after: int) -> tuple[GeoRadius, int]:
    """The ``_geoRadius`` condition started at ``pos`` whose name ends at ``after``."""
    args = _floats(lexer, after + 1, ")") if lexer.s.startswith("(", after) else None
    if args is None:
        raise Failure(GEO_RADIUS, pos, lexer.n)
    values, end = args
    if not 3 <= len(values) <= 4:
        raise Failure(GEO_RADIUS_COUNT.format(len(values)), end, lexer.n)
    resolution = values[3] if len(values) == 4 else None
    return GeoRadius(values[0], values[1], values[2], resolution), end


def geo_shape(
    lexer: Lexer, pos: int, after: int, polygon: bool
) -> tuple[GeoBoundingBox | GeoPolygon, int]:
    """``_geoBoundingBox`` (two points) or ``_geoPolygon`` (three or more), as for
    ``geo_radius``."""
    points = _points(lexer, after)
    if points is None:
        raise Failure(GEO_POLYGON if polygon else GEO_BOX, pos, lexer.n)
    pairs, end = points
    if not polygon:
        if len(pairs) != 2 or len(pairs[0]) != 2 or len(pairs[1]) != 2:
            raise Failure(GEO_BOX, end, lexer.n)
        return GeoBoundingBox((pairs[0][0], pairs[0][1]), (pairs[1][0], pairs[1][1])), end
    if len(pairs) < 3:
        raise Failure(POLYGON_POINTS.format(len(pairs)), end, lexer.n)
    for pair in pairs:
        if len(pair) != 2:
            raise Failure(NOT_PAIR.format(len(pair)), pair[0].span.start, pair[0].span.end)
    return GeoPolygon(tuple((pair[0], pair[1]) for pair in pairs)), end


def _points(lexer: Lexer, after: int) -> tuple[list[list[Value]], int] | None:
    """``([f, f…], [f, f…]…)`` starting at the ``(``; None if malformed."""
    s = lexer.s
    if not s.startswith("(", after):
        return None
    pairs: list[list[Value]] = []
    pos = after + 1
    while True:
        pos = lexer.ws(pos)
        args = _floats(lexer, pos + 1, "]") if s.startswith("[", pos) else None
        if args is None:
            return None
        pairs.append(args[0])
        pos = lexer.ws(args[1])
        if s.startswith(")", pos):
            return pairs, pos + 1
        if not s.startswith(",", pos):
            return None
        pos += 1


def _floats(lexer: Lexer, pos: int, close: str) -> tuple[list[Value], int] | None:
    """Comma-separated floats up to ``close``; the position after ``close``, or None."""
    s = lexer.s
    values: list[Value] = []
    while True:
        match = _FLOAT_ARG.match(s, pos)
        if match is None:
            return None
        raw = match[1]
        values.append(Value(raw, number(raw), span((*match.span(1), s))))
        pos = match.end()
        if s.startswith(close, pos):
            return values, pos + 1
        if not s.startswith(",", pos):
            return None
        pos += 1
