from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyroaring import BitMap

from lumi.index.facet_store import EMPTY, EXISTS, NULL, FacetReader, normalize
from lumi.index.index import Index
from lumi.index.indexer.build import EXTRACTORS, BuildContext
from lumi.index.indexer.facets import FacetExtractor, Selection
from tests.support.facets import build_index, scratch_dir, write_documents

DBS = ("facet_string_docids", "facet_number_docids", "field_docids", "docid_facet_values", "geo")


@pytest.fixture
def tmp_path() -> Iterator[Path]:
    with scratch_dir() as path:
        yield path


def dump(index: Index) -> dict[str, dict[bytes, Any]]:
    """Every facet key of the index, bitmaps as lists, for whole-state comparisons."""
    out: dict[str, dict[bytes, Any]] = {}
    with index.read() as txn:
        for name in DBS:
            entries: dict[bytes, Any] = {}
            for key, value in txn.cursor(db=index.db[name]):
                is_bitmap = name != "docid_facet_values" and not (
                    name == "geo" and key.startswith(b"p")
                )
                entries[key] = list(BitMap.deserialize(value)) if is_bitmap else value
            out[name] = entries
    return out


def facts(index: Index, path: str) -> dict[str, Any]:
    """What filters can see of one field."""
    with index.read() as txn:
        reader = FacetReader(index, txn)
        return {
            "strings": {v: list(BitMap.deserialize(raw)) for v, raw in reader.string_values(path)},
            "numbers": {
                v: list(d)
                for v, d in reader.number_buckets(path, BitMap(range(100)), consume=False)
            },
            "exists": list(reader.kind_docids(path, EXISTS)),
            "null": list(reader.kind_docids(path, NULL)),
            "empty": list(reader.kind_docids(path, EMPTY)),
        }


def test_the_extractor_is_registered() -> None:
    assert any(isinstance(extractor, FacetExtractor) for extractor in EXTRACTORS)
    assert FacetExtractor.family == "facets"


@pytest.mark.parametrize(
    ("value", "strings", "numbers", "null", "empty"),
    [
        ("Rock", {"rock": [0]}, {}, [], []),
        ("  ROCK  ", {"rock": [0]}, {}, [], []),
        ("Café", {normalize("Café"): [0]}, {}, [], []),
        (True, {"true": [0]}, {}, [], []),
        (False, {"false": [0]}, {}, [], []),
        (12, {}, {12.0: [0]}, [], []),
        (-0.5, {}, {-0.5: [0]}, [], []),
        (None, {}, {}, [0], []),
        ("", {}, {}, [], [0]),
        ([], {}, {}, [], [0]),
        ({}, {}, {}, [], [0]),
        (["a", 1, True, "A"], {"a": [0], "true": [0]}, {1.0: [0]}, [], []),
        ([None, "", [], {}], {}, {}, [], []),
        ([["x", [2]]], {"x": [0]}, {2.0: [0]}, [], []),
        ("1", {"1": [0]}, {}, [], []),
    ],
)
def test_what_a_value_contributes(
    tmp_path: Path, value: Any, strings: dict, numbers: dict, null: list, empty: list
) -> None:
    index = build_index(tmp_path, {"filterableAttributes": ["f"]}, [{"id": 1, "f": value}])
    assert facts(index, "f") == {
        "strings": strings,
        "numbers": numbers,
        "exists": [0],
        "null": null,
        "empty": empty,
    }


def test_nested_objects_and_arrays_of_objects(tmp_path: Path) -> None:
    documents = [
        {"id": 1, "a": {"b": "x", "c": None, "d": {}}},
        {"id": 2, "a": [{"b": 3}, {"b": "Y", "c": None}, {"d": {}}]},
        {"id": 3, "a": {"b": [{"e": 1}]}},
        {"id": 4, "a.b": "x"},
    ]
    index = build_index(tmp_path, {"filterableAttributes": ["a"]}, documents)
    assert facts(index, "a") == {
        "strings": {},
        "numbers": {},
        "exists": [0, 1, 2],
        "null": [],
        "empty": [],
    }
    assert facts(index, "a.b") == {
        "strings": {"x": [0, 3], "y": [1]},
        "numbers": {3.0: [1]},
        "exists": [0, 1, 2, 3],
        "null": [],
        "empty": [],
    }
    assert facts(index, "a.c")["null"] == [0]  # inside an array, null is not `IS NULL`
    assert facts(index, "a.d")["empty"] == [0]
    assert facts(index, "a.b.e")["numbers"] == {1.0: [2]}


@pytest.mark.parametrize(
    ("settings", "selected", "skipped"),
    [
        ({"filterableAttributes": ["genre"]}, ["genre"], ["title", "info.genre"]),
        ({"sortableAttributes": ["info"]}, ["info.x", "info"], ["genre"]),
        ({"sortableAttributes": ["*"]}, ["*"], ["_geo", "_geo.lat", "_vectors.e", "_geojson"]),
        (
            {
                "filterableAttributes": [
                    {
                        "attributePatterns": ["*"],
                        "features": {
                            "facetSearch": False,
                            "filter": {"equality": True, "comparison": False},
                        },
                    }
                ]
            },
            ["a", "a.b"],
            ["_geo.lng", "_vectors"],
        ),
        ({"distinctAttribute": "sku"}, ["sku"], ["genre"]),
        ({"rankingRules": ["words", "price:desc"]}, ["price"], ["genre"]),
        (
            {
                "filterableAttributes": [
                    {
                        "attributePatterns": ["dogs.*", "*name"],
                        "features": {
                            "facetSearch": False,
                            "filter": {"equality": True, "comparison": False},
                        },
                    }
                ]
            },
            ["dogs.age", "info.name", "name"],
            ["dogs", "genre", "info.title"],
        ),
    ],
)
def test_only_fields_the_settings_name_get_structures(
    settings: dict, selected: list[str], skipped: list[str]
) -> None:
    selection = Selection(settings)
    assert [selection.decide(path) for path in selected] == [2] * len(selected)
    assert all(selection.decide(path) != 2 for path in skipped)


def test_unselected_fields_are_not_indexed(tmp_path: Path) -> None:
    documents = [{"id": 1, "title": "x", "info": {"genre": "g", "title": "t"}}]
    index = build_index(tmp_path, {"filterableAttributes": ["info.genre"]}, documents)
    assert facts(index, "title")["exists"] == []
    assert facts(index, "info.title")["exists"] == []
    assert facts(index, "info.genre")["strings"] == {"g": [0]}


def test_values_over_468_bytes_are_not_indexed(tmp_path: Path) -> None:
    documents = [{"id": 1, "f": "a" * 468}, {"id": 2, "f": "b" * 469}, {"id": 3, "f": "é" * 234}]
    index = build_index(tmp_path, {"filterableAttributes": ["f"]}, documents)
    found = facts(index, "f")
    assert found["strings"] == {"a" * 468: [0]}
    assert found["exists"] == [0, 1, 2]


def test_geo_points_are_stored_when_geo_is_filterable_or_sortable(tmp_path: Path) -> None:
    documents = [
        {"id": 1, "_geo": {"lat": 45.5, "lng": "9.25"}},
        {"id": 2, "_geo": {"lat": "north", "lng": 1}},
        {"id": 3},
    ]
    index = build_index(tmp_path, {"sortableAttributes": ["_geo"]}, documents)
    with index.read() as txn:
        reader = FacetReader(index, txn)
        assert reader.geo_point(0) == (45.5, 9.25)
        assert reader.geo_point(1) is None
        assert reader.geo_docids() == BitMap([0])
    write_documents(index, {}, [])
    with index.read() as txn:
        assert FacetReader(index, txn).geo_point(0) is None


def random_document(rng: random.Random, doc_id: int) -> dict[str, Any]:
    pool: list[Any] = [1, 2.5, -3, "Rock", "rock", "Pop", True, None, "", [], {}]
    document: dict[str, Any] = {"id": doc_id}
    for field in ("a", "b"):
        if rng.random() < 0.8:
            document[field] = rng.choice(
                [rng.choice(pool), rng.sample(pool, 2), {"c": rng.choice(pool)}]
            )
    if rng.random() < 0.5:
        document["_geo"] = {"lat": rng.uniform(-80, 80), "lng": rng.uniform(-170, 170)}
    return document


SETTINGS = {"filterableAttributes": ["a", "_geo"], "sortableAttributes": ["b"]}


def test_updates_and_deletions_leave_no_stale_key(tmp_path: Path) -> None:
    rng = random.Random(3)
    incremental = build_index(
        tmp_path / "inc", SETTINGS, [random_document(rng, i) for i in range(60)]
    )
    final: dict[int, dict[str, Any]] = {}
    for step in range(4):
        changed = [random_document(rng, rng.randrange(80)) for _ in range(30)]
        deleted = [str(i) for i in rng.sample(range(80), 10)]
        write_documents(incremental, SETTINGS, changed, deleted)
        del step
    with incremental.read() as txn:
        for docid, document in incremental.iter_documents(txn):
            final[docid] = document
    # Documents written in the same docid order give the same docids.
    fresh = Index(tmp_path / "fresh", map_size=64 * 1024**2)
    extractor = FacetExtractor()
    with fresh.write() as txn:
        fresh.set_settings(txn, SETTINGS)
        ctx = BuildContext(index=fresh, txn=txn, settings=SETTINGS, check_abort=lambda: None)
        extractor.apply(ctx, [(docid, None, doc) for docid, doc in sorted(final.items())])
    assert dump(incremental) == dump(fresh)


def test_one_document_changed_twice_in_one_chunk(tmp_path: Path) -> None:
    index = build_index(tmp_path, {"filterableAttributes": ["a"]}, [{"id": 1, "a": "x"}])
    write_documents(
        index, {"filterableAttributes": ["a"]}, [{"id": 1, "a": "y"}, {"id": 1, "a": "x"}]
    )
    assert facts(index, "a")["strings"] == {"x": [0]}


def test_rebuild_after_a_settings_change_equals_a_fresh_build(tmp_path: Path) -> None:
    rng = random.Random(5)
    documents = [random_document(rng, i) for i in range(80)]
    changed = build_index(tmp_path / "a", {"filterableAttributes": ["b"]}, documents)
    write_documents(changed, SETTINGS)
    fresh = build_index(tmp_path / "b", SETTINGS, documents)
    assert dump(changed) == dump(fresh)
    write_documents(changed, {})
    assert all(not entries for entries in dump(changed).values())
