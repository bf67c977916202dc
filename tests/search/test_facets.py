from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from pyroaring import BitMap

from lumi.index.index import Index
from lumi.index.settings import apply_patch
from lumi.search.facets import FEW_CANDIDATES, facet_distribution
from tests.support.facets import build_index, scratch_dir

GENRES = ["Rock", "rock", "Pop", "Jazz", "Café", "cafe", " Blues", "10"]


def make_documents(count: int) -> list[dict[str, Any]]:
    rng = random.Random(11)
    documents = []
    for i in range(count):
        doc: dict[str, Any] = {"id": i}
        if rng.random() < 0.9:
            doc["genre"] = (
                rng.sample(GENRES, rng.randint(0, 3)) if rng.random() < 0.4 else rng.choice(GENRES)
            )
        if rng.random() < 0.8:
            doc["price"] = rng.choice([rng.randint(0, 50), rng.randint(0, 50) + 0.5, "cheap"])
        if rng.random() < 0.5:
            doc["info"] = {"lang": rng.choice(["en", "fr", "EN"]), "pages": rng.randint(1, 9)}
        doc["available"] = rng.random() < 0.5
        doc["title"] = f"t{i % 7}"
        documents.append(doc)
    return documents


DOCUMENTS = make_documents(1500)
FILTERABLE = ["genre", "price", "info", "available"]


@pytest.fixture(scope="module")
def index() -> Iterator[Index]:
    with scratch_dir() as path:
        built = build_index(path, {"filterableAttributes": FILTERABLE}, DOCUMENTS)
        yield built
        built.close()


def stored(filterable: list[str], faceting: dict[str, Any]) -> dict[str, Any]:
    """Settings as the index stores them once ``faceting`` is applied."""
    return apply_patch({}, {"filterableAttributes": filterable, "faceting": faceting})


def norm(text: str) -> str:
    return unicodedata.normalize("NFKD", text.strip()).lower()


def values_of(document: dict[str, Any], path: str) -> list[Any]:
    value: Any = document
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return ["true" if v is True else "false" if v is False else v for v in items]


def brute_force(path: str, candidates: BitMap) -> tuple[dict[str, int], dict[str, float] | None]:
    numbers: dict[float, int] = {}
    strings: dict[str, list[Any]] = {}
    for docid in candidates:  # docids follow the order documents were added
        seen: set[Any] = set()
        for value in values_of(DOCUMENTS[docid], path):
            if isinstance(value, int | float):
                key: Any = float(value)
                if key not in seen:
                    numbers[key] = numbers.get(key, 0) + 1
            elif value:
                key = norm(value)
                if key not in seen:
                    strings.setdefault(key, [0, value])[0] += 1
            else:
                continue
            seen.add(key)
    distribution: dict[str, int] = {}
    for number in sorted(numbers):
        distribution[str(int(number)) if number.is_integer() else str(number)] = numbers[number]
    for key in sorted(strings):
        distribution[strings[key][1]] = strings[key][0]
    stats = {"min": min(numbers), "max": max(numbers)} if numbers else None
    return distribution, stats


CANDIDATE_SETS = {
    "all": BitMap(range(len(DOCUMENTS))),
    "many": BitMap(range(0, len(DOCUMENTS), 1)) - BitMap(range(0, 1500, 5)),
    "few": BitMap(range(3, 1500, 17)),
    "one": BitMap([42]),
    "none": BitMap(),
}


@pytest.mark.parametrize("name", sorted(CANDIDATE_SETS))
@pytest.mark.parametrize("path", ["genre", "price", "info.lang", "info.pages", "available"])
def test_counts_match_a_brute_force_count(index: Index, name: str, path: str) -> None:
    candidates = CANDIDATE_SETS[name]
    with index.read() as txn:
        settings = stored(FILTERABLE, {"maxValuesPerFacet": 1000})
        distribution, stats = facet_distribution(index, txn, settings, [path], candidates)
    expected, expected_stats = brute_force(path, candidates)
    assert list(distribution[path].items()) == list(expected.items())
    assert stats.get(path) == expected_stats


def test_both_counting_strategies_are_exercised() -> None:
    assert len(CANDIDATE_SETS["many"]) > FEW_CANDIDATES >= len(CANDIDATE_SETS["few"])


def distribution_of(
    index: Index, facets: list[str], faceting: dict[str, Any], candidates: BitMap | None = None
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, float]]]:
    settings = stored(FILTERABLE, faceting)
    everything = BitMap(range(len(DOCUMENTS))) if candidates is None else candidates
    with index.read() as txn:
        return facet_distribution(index, txn, settings, facets, everything)


@pytest.mark.parametrize("candidates", [None, BitMap(range(0, 1500, 3))])
def test_alpha_order_keeps_the_first_values(index: Index, candidates: BitMap | None) -> None:
    full, _ = distribution_of(index, ["price"], {"maxValuesPerFacet": 1000}, candidates)
    limited, _ = distribution_of(index, ["price"], {"maxValuesPerFacet": 3}, candidates)
    assert list(limited["price"].items()) == list(full["price"].items())[:3]
    assert list(limited["price"]) == ["0", "0.5", "1"]


@pytest.mark.parametrize("candidates", [None, BitMap(range(0, 1500, 3))])
def test_count_order_keeps_the_most_frequent(index: Index, candidates: BitMap | None) -> None:
    full, _ = distribution_of(index, ["genre"], {"maxValuesPerFacet": 1000}, candidates)
    faceting = {"maxValuesPerFacet": 4, "sortFacetValuesBy": {"*": "alpha", "genre": "count"}}
    by_count, _ = distribution_of(index, ["genre"], faceting, candidates)
    ranked = sorted(full["genre"].items(), key=lambda item: -item[1])
    assert list(by_count["genre"].items()) == ranked[:4]


def test_count_order_breaks_ties_by_value() -> None:
    documents = [{"id": i, "g": g} for i, g in enumerate(["b", "a", "c", "b", "a", 3, 1])]
    with scratch_dir() as path:
        built = build_index(path, {"filterableAttributes": ["g"]}, documents)
        settings = stored(["g"], {"sortFacetValuesBy": {"*": "count"}})
        with built.read() as txn:
            distribution, stats = facet_distribution(built, txn, settings, ["g"], BitMap(range(7)))
        built.close()
    assert list(distribution["g"].items()) == [("a", 2), ("b", 2), ("1", 1), ("3", 1), ("c", 1)]
    assert stats == {"g": {"min": 1.0, "max": 3.0}}


def test_patterns_select_filterable_fields(index: Index) -> None:
    everything, stats = distribution_of(index, ["*"], {})
    assert sorted(everything) == ["available", "genre", "info.lang", "info.pages", "price"]
    assert sorted(stats) == ["info.pages", "price"]
    some, _ = distribution_of(index, ["info.*", "genre"], {})
    assert sorted(some) == ["genre", "info.lang", "info.pages"]


def test_a_named_field_without_values_is_listed_empty(index: Index) -> None:
    distribution, stats = distribution_of(index, ["info"], {})
    assert distribution == {"info": {}}
    assert stats == {}


def test_spelling_comes_from_the_first_candidate(index: Index) -> None:
    first_rock = next(
        i for i, doc in enumerate(DOCUMENTS) if "rock" in [norm(v) for v in values_of(doc, "genre")]
    )
    spelled = next(v for v in values_of(DOCUMENTS[first_rock], "genre") if norm(v) == "rock")
    distribution, _ = distribution_of(index, ["genre"], {})
    assert spelled in distribution["genre"]
    assert "Blues" not in distribution["genre"] and " Blues" in distribution["genre"]
