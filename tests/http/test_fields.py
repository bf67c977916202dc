"""Field views: what a field's settings make of it, and the list filters."""

from __future__ import annotations

from typing import Any

import pytest

from lumi.http.fields import field_views, matches

SETTINGS: dict[str, Any] = {
    "displayedAttributes": ["title", "info"],
    "searchableAttributes": ["info", "title"],
    "filterableAttributes": [
        "genre",
        {
            "attributePatterns": ["info.*"],
            "features": {"facetSearch": True, "filter": {"equality": True, "comparison": False}},
        },
    ],
    "sortableAttributes": ["year"],
    "distinctAttribute": "genre",
    "rankingRules": ["words", "year:asc", "typo"],
    "faceting": {"maxValuesPerFacet": 100, "sortFacetValuesBy": {"*": "count", "genre": "alpha"}},
}


def _views(names: list[str], settings: dict[str, Any] = SETTINGS) -> dict[str, Any]:
    return {view["name"]: view for view in field_views(settings, names)}


def test_default_settings_make_every_field_displayed_and_searchable() -> None:
    view = _views(["title"], {})["title"]
    assert view == {
        "name": "title",
        "displayed": {"enabled": True},
        "searchable": {"enabled": True},
        "sortable": {"enabled": False},
        "distinct": {"enabled": False},
        "rankingRule": {"enabled": False, "order": []},
        "filterable": {
            "enabled": False,
            "sortBy": "alpha",
            "facetSearch": False,
            "equality": False,
            "comparison": False,
        },
        "localized": {"locales": []},
    }


@pytest.mark.parametrize(
    ("field", "part", "expected"),
    [
        ("title", "displayed", {"enabled": True}),
        ("genre", "displayed", {"enabled": False}),
        ("info.rating", "displayed", {"enabled": True}),
        ("info.rating", "searchable", {"enabled": True}),
        ("genre", "searchable", {"enabled": False}),
        ("year", "sortable", {"enabled": True}),
        ("genre", "distinct", {"enabled": True}),
        ("year", "rankingRule", {"enabled": True, "order": ["asc"]}),
        (
            "genre",
            "filterable",
            {
                "enabled": True,
                "sortBy": "alpha",
                "facetSearch": True,
                "equality": True,
                "comparison": True,
            },
        ),
        (
            "info.rating",
            "filterable",
            {
                "enabled": True,
                "sortBy": "count",
                "facetSearch": True,
                "equality": True,
                "comparison": False,
            },
        ),
    ],
)
def test_each_part_of_a_view_follows_its_setting(field: str, part: str, expected: Any) -> None:
    assert _views([field])[field][part] == expected


def test_locales_come_from_the_first_matching_rule() -> None:
    settings = {
        "localizedAttributes": [
            {"attributePatterns": ["*_ja"], "locales": ["jpn"]},
            {"attributePatterns": ["*"], "locales": ["eng", "fra"]},
        ]
    }
    views = _views(["title_ja", "title"], settings)
    assert views["title_ja"]["localized"] == {"locales": ["jpn"]}
    assert views["title"]["localized"] == {"locales": ["eng", "fra"]}


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({}, ["genre", "info", "title", "year"]),
        ({"attributePatterns": ["t*", "year"]}, ["title", "year"]),
        ({"filterable": True}, ["genre"]),
        ({"displayed": False, "sortable": False}, ["genre"]),
        ({"rankingRule": True, "searchable": False}, ["year"]),
        ({"distinct": None, "searchable": True}, ["info", "title"]),
    ],
)
def test_filters_keep_fields_matching_every_criterion(
    criteria: dict[str, Any], expected: list[str]
) -> None:
    views = field_views(SETTINGS, ["genre", "info", "title", "year"])
    assert [view["name"] for view in views if matches(view, criteria)] == expected
