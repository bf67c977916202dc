"""``federation.distinct`` over the merged hits: one hit per value across every query.

Each query already applies the attribute (one hit per value among its own hits); what is
left is to drop, going down the merged list best first, every hit that shares a value with a
hit kept before it, as distinct does within one index (arrays share when one element is
common; hits without a value are all kept). Values compare like facet values: numbers by
value, strings in their normalized form. Hits searched here read their values from the
index's facets, whatever the hit displays; hits answered by a remote only have their own
fields to show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lumi.index.facet_store import FacetReader, normalize
from lumi.search.perform import SearchTarget

# The values of a hit's distinct attribute: (0, number) or (1, normalized string).
DistinctKeys = frozenset[tuple[int, Any]]
# A merged hit: (-weighted score, query position, rank in its query, hit).
Ranked = tuple[float, int, int, dict[str, Any]]


def distinct_hits(
    ranked: Sequence[Ranked], attribute: str, known: Mapping[tuple[int, int], DistinctKeys]
) -> list[Ranked]:
    """``ranked`` without the hits sharing a value with a better one; ``known`` holds the
    values of the local hits by (query position, rank)."""
    seen: set[tuple[int, Any]] = set()
    kept = []
    for item in ranked:
        keys = known.get((item[1], item[2]))
        if keys is None:
            keys = document_keys(item[3], attribute)
        if not seen.isdisjoint(keys):
            continue
        seen.update(keys)
        kept.append(item)
    return kept


def index_keys(target: SearchTarget, docids: Iterable[int], attribute: str) -> list[DistinctKeys]:
    """The values of each document, as the index's facets hold them."""
    with target.index.read() as txn:
        values = FacetReader(target.index, txn).document_values
        return [frozenset(_keys(values(attribute, docid))) for docid in docids]


def document_keys(hit: dict[str, Any], attribute: str) -> DistinctKeys:
    """The values a hit shows for ``attribute`` (a dot path, through arrays of objects)."""
    found: list[Any] = [hit]
    for part in attribute.split("."):
        found = [
            item[part]
            for value in found
            for item in (value if isinstance(value, list) else [value])
            if isinstance(item, dict) and part in item
        ]
    return frozenset(_keys(_flat(found)))


def _flat(values: Iterable[Any]) -> Iterable[Any]:
    for value in values:
        if isinstance(value, list):
            yield from _flat(value)
        else:
            yield value


def _keys(values: Iterable[Any]) -> Iterable[tuple[int, Any]]:
    for value in values:
        if isinstance(value, bool):
            yield 1, "true" if value else "false"
        elif isinstance(value, int | float):
            yield 0, float(value)
        elif isinstance(value, str):
            yield 1, normalize(value)
