from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.index.index import Index
from lumi.search.constraints import (
    Constraints,
    Resolver,
    SortCriterion,
    parse_search_filter,
    parse_sort,
)
from lumi.search.filters.ast import And

NO_FILTERABLE = "This index does not have configured filterable attributes."
GEO_HINT = "Use the _geoPoint(latitude, longitude) built-in rule to sort on _geo field coordinates."


def error_of(call: Any, *args: Any) -> tuple[str, str]:
    with pytest.raises(LumiError) as caught:
        call(*args)
    return caught.value.code, caught.value.message


@pytest.mark.parametrize(
    "entries, parsed",
    [
        (["price:asc"], (SortCriterion("price", True),)),
        (["a:b:desc", "title:asc"], (SortCriterion("a:b", False), SortCriterion("title", True))),
        (["_geoPoint(48.8, 2.3):asc"], (SortCriterion(None, True, (48.8, 2.3)),)),
        (["_geoPoint( -1 ,+2.5 ):desc"], (SortCriterion(None, False, (-1.0, 2.5)),)),
    ],
)
def test_parse_sort(entries: list[str], parsed: tuple[SortCriterion, ...]) -> None:
    assert parse_sort(entries) == parsed


@pytest.mark.parametrize(
    "entry, message",
    [
        (
            "price",
            "Invalid syntax for the sort parameter: expected expression ending by `:asc` or "
            "`:desc`, found `price`.",
        ),
        (
            "price:up",
            "Invalid syntax for the sort parameter: expected expression ending by `:asc` or "
            "`:desc`, found `price:up`.",
        ),
        (
            "_geo:asc",
            f"`_geo` is a reserved keyword and thus can't be used as a sort expression. {GEO_HINT}",
        ),
        (
            "_geoDistance:desc",
            "`_geoDistance` is a reserved keyword and thus can't be used as a sort expression.",
        ),
        (
            "_geoRadius(1, 2, 3):asc",
            "`_geoRadius` is a reserved keyword and thus can't be used as a sort expression. "
            + GEO_HINT,
        ),
        (
            "_geoPoint(1):asc",
            "Invalid syntax for the geo parameter: expected expression formated like "
            "`_geoPoint(latitude, longitude)` and ending by `:asc` or `:desc`, found "
            "`_geoPoint(1)`.",
        ),
        ("_geoPoint(91, 0):asc", "Latitude must be contained between -90 and 90 degrees."),
        ("_geoPoint(0, -181):asc", "Longitude must be contained between -180 and 180 degrees."),
    ],
)
def test_parse_sort_errors(entry: str, message: str) -> None:
    assert error_of(parse_sort, [entry]) == ("invalid_search_sort", message)


def test_the_token_filter_is_anded_with_the_request_filter() -> None:
    assert parse_search_filter(None, None) is None
    assert parse_search_filter("  ", []) is None
    both = parse_search_filter(["a = 1", "b = 2"], "c = 3")
    assert isinstance(both, And) and len(both.children) == 2
    alone = parse_search_filter(None, "c = 3")
    assert alone == parse_search_filter("c = 3")


def test_filter_syntax_errors_are_not_prefixed() -> None:
    code, message = error_of(parse_search_filter, "title =", None)
    assert code == "invalid_search_filter"
    assert not message.startswith("Index")


CASES = [
    (
        Constraints(filter=parse_search_filter("genre = horror")),
        {},
        "invalid_search_filter",
        f"Attribute `genre` is not filterable. {NO_FILTERABLE}\n1:6 genre = horror",
    ),
    (
        Constraints(filter=parse_search_filter(["year > 2000", "genre = horror"])),
        {"filterableAttributes": ["year", "title"]},
        "invalid_search_filter",
        "Attribute `genre` is not filterable. Available filterable attribute patterns are: "
        "`title`, `year`.\n1:6 genre = horror",
    ),
    (
        Constraints(filter=parse_search_filter("_geoRadius(45, 9, 100)")),
        {},
        "invalid_search_filter",
        f"Attribute `_geo` is not filterable. {NO_FILTERABLE}\n12:14 _geoRadius(45, 9, 100)",
    ),
    (
        Constraints(sort=parse_sort(["price:asc"])),
        {},
        "invalid_search_sort",
        "Attribute `price` is not sortable. This index does not have configured sortable "
        "attributes.",
    ),
    (
        Constraints(sort=parse_sort(["price:asc"])),
        {"sortableAttributes": ["year", "rank"]},
        "invalid_search_sort",
        "Attribute `price` is not sortable. Available sortable attributes are: `rank, year`.",
    ),
    (
        Constraints(sort=parse_sort(["_geoPoint(1, 2):asc"])),
        {},
        "invalid_search_sort",
        "Attribute `_geo` is not sortable. This index does not have configured sortable "
        "attributes.",
    ),
    (
        Constraints(sort=parse_sort(["price:asc"])),
        {"rankingRules": ["words", "typo"], "sortableAttributes": ["price"]},
        "invalid_search_sort",
        "You must specify where `sort` is listed in the rankingRules setting to use the sort "
        "parameter at search time.",
    ),
    (
        Constraints(distinct="sku"),
        {},
        "invalid_search_distinct",
        "Attribute `sku` is not filterable and thus, cannot be used as distinct attribute. "
        f"{NO_FILTERABLE}",
    ),
    (
        Constraints(distinct="sku"),
        {
            "filterableAttributes": [
                "genre",
                {
                    "attributePatterns": ["a*"],
                    "features": {
                        "facetSearch": False,
                        "filter": {"equality": True, "comparison": False},
                    },
                },
            ]
        },
        "invalid_search_distinct",
        "Attribute `sku` is not filterable and thus, cannot be used as distinct attribute. "
        "Available filterable attributes patterns are: `a*, genre`.",
    ),
]


Resolve = Callable[[dict[str, Any]], Resolver]


@pytest.fixture
def resolver(tmp_path: Path) -> Iterator[Resolve]:
    """Resolvers over an empty index, with the settings each test gives."""
    index = Index(tmp_path / "index", map_size=1 << 24)
    with index.read() as txn:
        yield lambda settings: Resolver(index, txn, settings, "movies")
    index.close()


@pytest.mark.parametrize("constraints, settings, code, message", CASES)
def test_attributes_are_checked_against_the_settings(
    resolver: Resolve, constraints: Constraints, settings: dict[str, Any], code: str, message: str
) -> None:
    found = error_of(resolver(settings).check, constraints)
    assert found == (code, f"Index `movies`: {message}")


def test_distinct_is_checked_before_sort_and_sort_before_filter(resolver: Resolve) -> None:
    check = resolver({}).check
    constraints = Constraints(
        filter=parse_search_filter("a = 1"), sort=parse_sort(["b:asc"]), distinct="c"
    )
    assert error_of(check, constraints)[0] == "invalid_search_distinct"
    constraints = Constraints(filter=parse_search_filter("a = 1"), sort=parse_sort(["b:asc"]))
    assert error_of(check, constraints)[0] == "invalid_search_sort"


def test_nested_fields_of_a_filterable_attribute_pass_the_checks(resolver: Resolve) -> None:
    constraints = Constraints(filter=parse_search_filter("info.year > 1"), distinct="info.id")
    resolver({"filterableAttributes": ["info"]}).check(constraints)
    resolver({}).check(Constraints())


def test_a_rule_without_filter_features_does_not_make_a_field_filterable(
    resolver: Resolve,
) -> None:
    rule = {
        "attributePatterns": ["genre"],
        "features": {"facetSearch": True, "filter": {"equality": False, "comparison": False}},
    }
    constraints = Constraints(filter=parse_search_filter("genre = x"))
    found = error_of(resolver({"filterableAttributes": [rule]}).check, constraints)
    message = f"Index `movies`: Attribute `genre` is not filterable. {NO_FILTERABLE}\n1:6 genre = x"
    assert found == ("invalid_search_filter", message)


def test_engine_inputs(resolver: Resolve) -> None:
    settings = {
        "filterableAttributes": ["genre", "sku"],
        "sortableAttributes": ["year"],
        "rankingRules": ["words", "sort", "price:desc"],
        "distinctAttribute": "sku",
    }
    found = resolver(settings)
    assert found.universe(Constraints()) is None
    assert found.universe(Constraints(filter=parse_search_filter("genre = x"))) == BitMap()
    assert set(found.extra_rules(Constraints())) == {"price:desc"}
    rules = found.extra_rules(Constraints(sort=parse_sort(["year:asc"])))
    assert set(rules) == {"price:desc", "sort"}
    assert rules["sort"]().id == "year:asc"
    assert found.distinct(Constraints()) is not None
    assert resolver({}).distinct(Constraints()) is None


def test_sorting_on_several_criteria_is_one_sort_rule(resolver: Resolve) -> None:
    sort = parse_sort(["year:asc", "title:desc"])
    assert resolver({}).extra_rules(Constraints(sort=sort))["sort"]().id == "sort"


@pytest.mark.parametrize(
    "facets, settings, message",
    [
        (
            ("genre",),
            {},
            "Index `movies`: Invalid facet distribution: Pattern `genre` is not filterable. "
            f"{NO_FILTERABLE}",
        ),
        (
            ("genre",),
            {"filterableAttributes": ["year", "author"]},
            "Index `movies`: Invalid facet distribution: Pattern `genre` is not filterable. "
            "Available filterable attributes patterns are: `author, year`.",
        ),
    ],
)
def test_facets_on_unfilterable_attributes(
    resolver: Resolve, facets: tuple[str, ...], settings: dict[str, Any], message: str
) -> None:
    found = error_of(resolver(settings).facets, facets, BitMap(), None)
    assert found == ("invalid_search_facets", message)


def test_facet_patterns_may_select_nothing(resolver: Resolve) -> None:
    assert resolver({}).facets(("*",), BitMap(), None) == ({}, {})
    counted = resolver({"filterableAttributes": ["genre"]}).facets(("genre",), BitMap(), None)
    assert counted == ({"genre": {}}, {})
