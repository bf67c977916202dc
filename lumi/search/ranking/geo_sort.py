"""``_geoPoint(lat, lng):asc|desc``: documents ordered by their distance to a point.

Distances are haversine meters from the document's ``_geo`` point (``lumi.search.filters.
geo``); documents without a point come last. Each bucket holds the documents at one
distance; its ``_rankingScoreDetails`` entry is keyed ``_geoPoint(lat, lng):asc`` with the
document's point as ``value`` and the ``distance``. Hits of such a search carry
``_geoDistance``, the distance rounded to the meter (``geo_distance``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyroaring import BitMap

from lumi.index.facet_store import FacetReader, format_number
from lumi.search.filters.geo import haversine
from lumi.search.ranking.base import Bucket, RankingContext, RankingRule, ScoreDetail


class GeoSortRule(RankingRule):
    def __init__(self, point: tuple[float, float], ascending: bool) -> None:
        self.point = point
        self.ascending = ascending
        lat, lng = (format_number(x) for x in point)
        self.id = f"_geoPoint({lat}, {lng}):{'asc' if ascending else 'desc'}"
        self._buckets: Iterator[tuple[float, tuple[float, float], BitMap]] | None = None

    def start(self, ctx: RankingContext, universe: BitMap, query: Any) -> None:
        reader = FacetReader(ctx.index, ctx.txn)
        self._buckets = _by_distance(reader, self.point, universe, self.ascending)

    def next_bucket(self, ctx: RankingContext, universe: BitMap) -> Bucket | None:
        if self._buckets is None:
            return None
        for distance, (lat, lng), docids in self._buckets:
            docids &= universe
            if docids:
                fields = {"value": {"lat": lat, "lng": lng}, "distance": distance}
                return Bucket(docids, ScoreDetail(self.id, None, fields=fields))
        return None

    def end(self, ctx: RankingContext) -> None:
        self._buckets = None


def _by_distance(
    reader: FacetReader, point: tuple[float, float], universe: BitMap, ascending: bool
) -> Iterator[tuple[float, tuple[float, float], BitMap]]:
    """Documents of ``universe`` that have a point, grouped by distance, nearest first for
    ``ascending``."""
    located = []
    lat, lng = point
    geo_point = reader.geo_point
    for docid in universe & reader.geo_docids():
        found = geo_point(docid)
        if found is not None:
            located.append((haversine(lat, lng, found[0], found[1]), docid, found))
    located.sort(key=lambda item: item[0], reverse=not ascending)
    index = 0
    while index < len(located):
        distance, docid, found = located[index]
        docids = BitMap((docid,))
        index += 1
        while index < len(located) and located[index][0] == distance:
            docids.add(located[index][1])
            index += 1
        yield distance, found, docids


def geo_distance(reader: FacetReader, docid: int, point: tuple[float, float]) -> int | None:
    """The ``_geoDistance`` of a hit: meters to ``point``, rounded; None without ``_geo``."""
    found = reader.geo_point(docid)
    if found is None:
        return None
    return round(haversine(point[0], point[1], found[0], found[1]))
