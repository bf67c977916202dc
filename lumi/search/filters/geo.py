"""Geo filters on ``_geo`` points: ``_geoRadius``, ``_geoBoundingBox``, ``_geoPolygon``.

Distances are haversine great-circle distances in meters on a sphere of radius
``EARTH_RADIUS``. Each filter first asks the facet structures for the documents inside a
latitude/longitude box around the shape (cheap range reads), then checks those candidates
exactly against their stored points, so its cost follows the area asked for rather than
the size of the index.
"""

from __future__ import annotations

import math

from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.index.facet_store import FacetReader, format_number
from lumi.search.filters.ast import GeoBoundingBox, GeoPolygon, GeoRadius, Value, format_position

EARTH_RADIUS = 6_371_000.0
# Slack added around candidate boxes so that float rounding never drops a point on the edge.
_SLACK = 1e-9


def haversine(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Meters between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_lat = math.sin((phi2 - phi1) / 2)
    half_lng = math.sin(math.radians(lng2 - lng1) / 2)
    h = half_lat * half_lat + math.cos(phi1) * math.cos(phi2) * half_lng * half_lng
    return 2 * EARTH_RADIUS * math.asin(min(1.0, math.sqrt(h)))


def number(value: Value) -> float:
    """A geo argument as a float; the parser only lets number-shaped text through, which
    may still overflow to an infinity."""
    return float(value.raw)


def check_point(lat: Value, lng: Value, code: str) -> None:
    """Refuse a latitude outside [-90, 90] or a longitude outside [-180, 180]."""
    if not -90.0 <= number(lat) <= 90.0:
        raise _bad(
            code,
            f"Bad latitude `{_shown(lat)}`. Latitude must be contained between -90 and "
            "90 degrees. ",
            lat,
        )
    if not -180.0 <= number(lng) <= 180.0:
        raise _bad(
            code,
            f"Bad longitude `{_shown(lng)}`. Longitude must be contained between -180 "
            "and 180 degrees. ",
            lng,
        )


def check_box(node: GeoBoundingBox, code: str) -> None:
    top, bottom = node.top_right[0], node.bottom_left[0]
    if number(top) < number(bottom):
        message = (
            f"The top latitude `{_shown(top)}` is below the bottom latitude `{_shown(bottom)}`."
        )
        raise _bad(code, message, top)


def _shown(value: Value) -> str:
    number_value = number(value)
    return format_number(number_value) if math.isfinite(number_value) else value.raw


def _bad(code: str, message: str, value: Value) -> LumiError:
    return LumiError(code, f"{message}\n{format_position(value.span)}")


# ---------------------------------------------------------------- evaluation


def radius(reader: FacetReader, node: GeoRadius) -> BitMap:
    lat, lng, meters = number(node.lat), number(node.lng), number(node.radius)
    if meters < 0:
        return BitMap()
    angle = meters / EARTH_RADIUS
    south, north = lat - math.degrees(angle), lat + math.degrees(angle)
    if south <= -90.0 or north >= 90.0 or angle >= math.pi / 2:
        west, east = -180.0, 180.0
    else:
        ratio = math.sin(angle) / math.cos(math.radians(lat))
        spread = 180.0 if ratio >= 1.0 else math.degrees(math.asin(ratio))
        west, east = _wrap(lng - spread), _wrap(lng + spread)
        if spread >= 180.0:
            west, east = -180.0, 180.0
    candidates = reader.geo_box(
        max(south, -90.0) - _SLACK, min(north, 90.0) + _SLACK, west - _SLACK, east + _SLACK
    )
    found = BitMap()
    for docid in candidates:
        point = reader.geo_point(docid)
        if point is not None and haversine(lat, lng, point[0], point[1]) <= meters:
            found.add(docid)
    return found


def _wrap(lng: float) -> float:
    if lng < -180.0:
        return lng + 360.0
    if lng > 180.0:
        return lng - 360.0
    return lng


def bounding_box(reader: FacetReader, node: GeoBoundingBox) -> BitMap:
    """Points with ``bottom <= lat <= top`` and a longitude between the left and right
    edges; a left edge east of the right edge crosses the antimeridian."""
    north, east = number(node.top_right[0]), number(node.top_right[1])
    south, west = number(node.bottom_left[0]), number(node.bottom_left[1])
    return reader.geo_box(south, north, west, east)


def polygon(reader: FacetReader, node: GeoPolygon) -> BitMap:
    """Points inside the polygon (edges joined in order, closing back to the first point);
    shapes crossing the antimeridian are not supported, as in the reference."""
    vertices = [(number(lat), number(lng)) for lat, lng in node.points]
    lats = [lat for lat, _ in vertices]
    lngs = [lng for _, lng in vertices]
    candidates = reader.geo_box(min(lats), max(lats), min(lngs), max(lngs))
    found = BitMap()
    for docid in candidates:
        point = reader.geo_point(docid)
        if point is not None and inside(point, vertices):
            found.add(docid)
    return found


def inside(point: tuple[float, float], vertices: list[tuple[float, float]]) -> bool:
    """Even-odd rule on (lng, lat) as plane coordinates; a point on an edge is inside."""
    lat, lng = point
    result = False
    previous = vertices[-1]
    for current in vertices:
        (lat1, lng1), (lat2, lng2) = previous, current
        if _on_segment(lat, lng, lat1, lng1, lat2, lng2):
            return True
        if (lat1 > lat) != (lat2 > lat):
            crossing = lng1 + (lat - lat1) * (lng2 - lng1) / (lat2 - lat1)
            if lng < crossing:
                result = not result
        previous = current
    return result


def _on_segment(lat: float, lng: float, lat1: float, lng1: float, lat2: float, lng2: float) -> bool:
    cross = (lng2 - lng1) * (lat - lat1) - (lat2 - lat1) * (lng - lng1)
    if abs(cross) > 1e-12:
        return False
    return min(lat1, lat2) <= lat <= max(lat1, lat2) and min(lng1, lng2) <= lng <= max(lng1, lng2)
