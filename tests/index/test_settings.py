"""Index settings as a client sees them: defaults, validation messages, PATCH merges,
task details, and what a change forces the indexer to rebuild."""

from __future__ import annotations

from typing import Any

import pytest

from lumi.errors import ERRORS, LumiError
from lumi.index import settings as s
from lumi.index.settings_validation import RankingRule

DEFAULT_VIEW: dict[str, Any] = {
    "displayedAttributes": ["*"],
    "searchableAttributes": ["*"],
    "filterableAttributes": [],
    "sortableAttributes": [],
    "rankingRules": [
        "words",
        "typo",
        "proximity",
        "attributeRank",
        "sort",
        "wordPosition",
        "exactness",
    ],
    "stopWords": [],
    "nonSeparatorTokens": [],
    "separatorTokens": [],
    "dictionary": [],
    "synonyms": {},
    "distinctAttribute": None,
    "proximityPrecision": "byWord",
    "typoTolerance": {
        "enabled": True,
        "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
        "disableOnWords": [],
        "disableOnAttributes": [],
        "disableOnNumbers": False,
    },
    "faceting": {"maxValuesPerFacet": 100, "sortFacetValuesBy": {"*": "alpha"}},
    "pagination": {"maxTotalHits": 1000},
    "embedders": {},
    "searchCutoffMs": None,
    "localizedAttributes": None,
    "facetSearch": True,
    "prefixSearch": "indexingTime",
}

ALL_KEYS = (
    "`displayedAttributes`, `searchableAttributes`, `filterableAttributes`, "
    "`sortableAttributes`, `foreignKeys`, `rankingRules`, `stopWords`, `nonSeparatorTokens`, "
    "`separatorTokens`, `dictionary`, `synonyms`, `distinctAttribute`, `proximityPrecision`, "
    "`typoTolerance`, `faceting`, `pagination`, `embedders`, `searchCutoffMs`, "
    "`localizedAttributes`, `facetSearch`, `prefixSearch`, `chat`"
)
TYPO_FIELDS = (
    "`enabled`, `minWordSizeForTypos`, `disableOnWords`, `disableOnAttributes`, `disableOnNumbers`"
)
RULE_INVALID = (
    "ranking rule is invalid. Valid ranking rules are words, typo, sort, proximity, attribute, "
    "exactness and custom ranking rules."
)
GRANULAR_DEFAULT = {"facetSearch": False, "filter": {"equality": True, "comparison": False}}


def raised(call: Any, *args: Any) -> tuple[str, str]:
    with pytest.raises(LumiError) as info:
        call(*args)
    return info.value.code, info.value.message


# ---------------------------------------------------------------- the table


@pytest.mark.parametrize(
    ("name", "route", "verb", "code"),
    [
        ("displayedAttributes", "displayed-attributes", "PUT", "displayed_attributes"),
        ("searchableAttributes", "searchable-attributes", "PUT", "searchable_attributes"),
        ("filterableAttributes", "filterable-attributes", "PUT", "filterable_attributes"),
        ("sortableAttributes", "sortable-attributes", "PUT", "sortable_attributes"),
        ("foreignKeys", "foreign-keys", "PUT", "foreign_keys"),
        ("rankingRules", "ranking-rules", "PUT", "ranking_rules"),
        ("stopWords", "stop-words", "PUT", "stop_words"),
        ("nonSeparatorTokens", "non-separator-tokens", "PUT", "non_separator_tokens"),
        ("separatorTokens", "separator-tokens", "PUT", "separator_tokens"),
        ("dictionary", "dictionary", "PUT", "dictionary"),
        ("synonyms", "synonyms", "PUT", "synonyms"),
        ("distinctAttribute", "distinct-attribute", "PUT", "distinct_attribute"),
        ("proximityPrecision", "proximity-precision", "PUT", "proximity_precision"),
        ("typoTolerance", "typo-tolerance", "PATCH", "typo_tolerance"),
        ("faceting", "faceting", "PATCH", "faceting"),
        ("pagination", "pagination", "PATCH", "pagination"),
        ("embedders", "embedders", "PATCH", "embedders"),
        ("searchCutoffMs", "search-cutoff-ms", "PUT", "search_cutoff_ms"),
        ("localizedAttributes", "localized-attributes", "PUT", "localized_attributes"),
        ("facetSearch", "facet-search", "PUT", "facet_search"),
        ("prefixSearch", "prefix-search", "PUT", "prefix_search"),
        ("chat", "chat", "PATCH", "index_chat"),
    ],
)
def test_table_rows(name: str, route: str, verb: str, code: str) -> None:
    spec = s.SETTINGS[name]
    assert (spec.route, spec.verb, spec.code) == (route, verb, "invalid_settings_" + code)
    assert spec.code in ERRORS
    assert s.SETTINGS_BY_ROUTE[route] is spec


def test_table_order_is_the_reference_order() -> None:
    assert ", ".join(f"`{name}`" for name in s.SETTINGS) == ALL_KEYS
    assert tuple(DEFAULT_VIEW) == s.VISIBLE_SETTINGS


# ---------------------------------------------------------------- views


def test_default_view_has_the_20_settings_in_order() -> None:
    view = s.settings_view({})
    assert view == DEFAULT_VIEW
    assert list(view) == list(DEFAULT_VIEW)


def test_hidden_settings_have_sub_route_views() -> None:
    assert s.setting_view("foreignKeys", {}) == []
    assert s.setting_view("chat", {})["documentTemplateMaxBytes"] == 400


def test_views_are_copies() -> None:
    stored = s.apply_patch({}, s.validate_setting("stopWords", ["a"]))
    s.settings_view(stored)["stopWords"].append("b")
    s.setting_view("typoTolerance", {})["disableOnWords"].append("x")
    assert stored == {"stopWords": ["a"]}
    assert s.settings_view({}) == DEFAULT_VIEW


# ---------------------------------------------------------------- valid values round trip

FILTERABLE_IN = [
    "genre",
    {"attributePatterns": ["price*"], "features": {"filter": {"comparison": True}}},
    {"attributePatterns": ["*_id"]},
]
FILTERABLE_OUT = [
    "genre",
    {
        "attributePatterns": ["price*"],
        "features": {"facetSearch": False, "filter": {"equality": True, "comparison": True}},
    },
    {"attributePatterns": ["*_id"], "features": GRANULAR_DEFAULT},
]
LOCALIZED = [{"attributePatterns": ["*_ja"], "locales": ["jpn", "ja", "cmn"]}]


@pytest.mark.parametrize(
    ("name", "body", "patch_value", "view"),
    [
        ("displayedAttributes", ["title", "id"], ["title", "id"], ["title", "id"]),
        ("displayedAttributes", ["title", "*"], ["title", "*"], ["*"]),
        ("searchableAttributes", ["b", "a", "b"], ["b", "a", "b"], ["b", "a", "b"]),
        ("searchableAttributes", ["*", "a"], ["*", "a"], ["*"]),
        ("filterableAttributes", FILTERABLE_IN, FILTERABLE_OUT, FILTERABLE_OUT),
        ("sortableAttributes", ["b", "a", "b"], ["a", "b"], ["a", "b"]),
        ("rankingRules", ["sort", "price:asc", "a:b:desc"], ..., ...),
        ("rankingRules", ["attribute", "words"], ["attribute", "words"], ...),
        ("stopWords", ["the", "a", "the"], ["a", "the"], ["a", "the"]),
        ("nonSeparatorTokens", ["#", "+"], ["#", "+"], ["#", "+"]),
        ("separatorTokens", ["|", "&"], ["&", "|"], ["&", "|"]),
        ("dictionary", ["J.R.R.", "C++"], ["C++", "J.R.R."], ["C++", "J.R.R."]),
        ("synonyms", {"z": ["a"], "b": ["y", "x"]}, {"b": ["y", "x"], "z": ["a"]}, ...),
        ("distinctAttribute", "sku", "sku", "sku"),
        ("proximityPrecision", "byAttribute", "byAttribute", "byAttribute"),
        ("searchCutoffMs", 150, 150, 150),
        ("searchCutoffMs", 0, 0, 0),
        ("localizedAttributes", LOCALIZED, LOCALIZED, LOCALIZED),
        ("localizedAttributes", [], [], []),
        ("facetSearch", False, False, False),
        ("prefixSearch", "disabled", "disabled", "disabled"),
        ("embedders", {}, {}, {}),
        ("embedders", {"default": None}, {"default": None}, {}),
        ("pagination", {"maxTotalHits": 50}, {"maxTotalHits": 50}, {"maxTotalHits": 50}),
    ],
)
def test_valid_values_round_trip(name: str, body: Any, patch_value: Any, view: Any) -> None:
    patch_value = body if patch_value is ... else patch_value
    view = patch_value if view is ... else view
    patch = s.validate_setting(name, body)
    assert patch == {name: patch_value}
    assert s.validate_settings_patch({name: body}) == patch
    stored = s.apply_patch({}, patch)
    assert s.setting_view(name, stored) == view
    assert s.settings_view(stored)[name] == view


def test_setting_back_to_the_default_stores_nothing() -> None:
    assert s.apply_patch({}, s.validate_setting("displayedAttributes", ["*"])) == {}
    assert s.apply_patch({}, s.validate_setting("facetSearch", True)) == {}


# ---------------------------------------------------------------- errors (full PATCH form)


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {"rankingRules": "x"},
            "ranking_rules",
            'Invalid value type at `.rankingRules`: expected an array, but found a string: `"x"`',
        ),
        (
            {"rankingRules": ["words", "wrods"]},
            "ranking_rules",
            f"Invalid value at `.rankingRules[1]`: `wrods` {RULE_INVALID}",
        ),
        (
            {"rankingRules": ["price:ASC"]},
            "ranking_rules",
            f"Invalid value at `.rankingRules[0]`: `price:ASC` {RULE_INVALID}",
        ),
        (
            {"rankingRules": ["_geo:asc"]},
            "ranking_rules",
            "Invalid value at `.rankingRules[0]`: `_geo` is a reserved keyword and thus can't be "
            "used as a ranking rule",
        ),
        (
            {"rankingRules": ["_geoPoint(1, 2):desc"]},
            "ranking_rules",
            "Invalid value at `.rankingRules[0]`: `_geoPoint` is a reserved keyword and thus "
            "can't be used as a ranking rule. `_geoPoint` can only be used for sorting at search "
            "time",
        ),
        (
            {"rankingRules": ["_geoBoundingBox([1, 2], [3, 4]):asc"]},
            "ranking_rules",
            "Invalid value at `.rankingRules[0]`: `_geoBoundingBox` is a reserved keyword and "
            "thus can't be used as a ranking rule. `_geoBoundingBox` can only be used for "
            "filtering at search time",
        ),
        (
            {"rankingRules": [1]},
            "ranking_rules",
            "Invalid value type at `.rankingRules[0]`: expected a string, but found a positive "
            "integer: `1`",
        ),
        (
            {"displayedAttributes": [None]},
            "displayed_attributes",
            "Invalid value type at `.displayedAttributes[0]`: expected a string, but found null",
        ),
        (
            {"searchableAttributes": {"a": 1}},
            "searchable_attributes",
            "Invalid value type at `.searchableAttributes`: expected an array, but found an "
            'object: `{"a":1}`',
        ),
        (
            {"sortableAttributes": [1.5]},
            "sortable_attributes",
            "Invalid value type at `.sortableAttributes[0]`: expected a string, but found a "
            "number: `1.5`",
        ),
        (
            {"stopWords": True},
            "stop_words",
            "Invalid value type at `.stopWords`: expected an array, but found a boolean: `true`",
        ),
        (
            {"nonSeparatorTokens": "#"},
            "non_separator_tokens",
            "Invalid value type at `.nonSeparatorTokens`: expected an array, but found a "
            'string: `"#"`',
        ),
        (
            {"separatorTokens": [[]]},
            "separator_tokens",
            "Invalid value type at `.separatorTokens[0]`: expected a string, but found an "
            "array: `[]`",
        ),
        (
            {"dictionary": 3},
            "dictionary",
            "Invalid value type at `.dictionary`: expected an array, but found a positive "
            "integer: `3`",
        ),
        (
            {"synonyms": ["a"]},
            "synonyms",
            'Invalid value type at `.synonyms`: expected an object, but found an array: `["a"]`',
        ),
        (
            {"synonyms": {"phone": "iphone"}},
            "synonyms",
            "Invalid value type at `.synonyms.phone`: expected an array, but found a string: "
            '`"iphone"`',
        ),
        (
            {"distinctAttribute": ["sku"]},
            "distinct_attribute",
            "Invalid value type at `.distinctAttribute`: expected a string, but found an array: "
            '`["sku"]`',
        ),
        (
            {"proximityPrecision": "byWords"},
            "proximity_precision",
            "Unknown value `byWords` at `.proximityPrecision`: did you mean `byWord`? expected "
            "one of `byWord`, `byAttribute`",
        ),
        (
            {"proximityPrecision": "exact"},
            "proximity_precision",
            "Unknown value `exact` at `.proximityPrecision`: expected one of `byWord`, "
            "`byAttribute`",
        ),
        (
            {"prefixSearch": "never"},
            "prefix_search",
            "Unknown value `never` at `.prefixSearch`: expected one of `indexingTime`, `disabled`",
        ),
        (
            {"facetSearch": "yes"},
            "facet_search",
            'Invalid value type at `.facetSearch`: expected a boolean, but found a string: `"yes"`',
        ),
        (
            {"searchCutoffMs": -1},
            "search_cutoff_ms",
            "Invalid value type at `.searchCutoffMs`: expected a positive integer, but found a "
            "negative integer: `-1`",
        ),
        (
            {"searchCutoffMs": 1.0},
            "search_cutoff_ms",
            "Invalid value type at `.searchCutoffMs`: expected a positive integer, but found a "
            "number: `1.0`",
        ),
        (
            {"typoTolerance": {"enabled": True, "disableOnNumber": True}},
            "typo_tolerance",
            "Unknown field `disableOnNumber` inside `.typoTolerance`: did you mean "
            f"`disableOnNumbers`? expected one of {TYPO_FIELDS}",
        ),
        (
            {"typoTolerance": {"enabled": "no"}},
            "typo_tolerance",
            "Invalid value type at `.typoTolerance.enabled`: expected a boolean, but found a "
            'string: `"no"`',
        ),
        (
            {"typoTolerance": {"minWordSizeForTypos": {"oneTypo": 256}}},
            "typo_tolerance",
            "Invalid value at `.typoTolerance.minWordSizeForTypos.oneTypo`: value: `256` is too "
            "large to be deserialized, maximum value authorized is `255`",
        ),
        (
            {"typoTolerance": {"minWordSizeForTypos": {"three": 1}}},
            "typo_tolerance",
            "Unknown field `three` inside `.typoTolerance.minWordSizeForTypos`: expected one of "
            "`oneTypo`, `twoTypos`",
        ),
        (
            {"typoTolerance": {"disableOnAttributes": "title"}},
            "typo_tolerance",
            "Invalid value type at `.typoTolerance.disableOnAttributes`: expected an array, but "
            'found a string: `"title"`',
        ),
        (
            {"pagination": {"maxTotalHits": 0}},
            "pagination",
            "Invalid value at `.pagination.maxTotalHits`: a non-zero integer value lower than "
            "`18446744073709551615` was expected, but found a zero",
        ),
        (
            {"pagination": {"maxTotalHit": 5}},
            "pagination",
            "Unknown field `maxTotalHit` inside `.pagination`: did you mean `maxTotalHits`? "
            "expected one of `maxTotalHits`",
        ),
        (
            {"faceting": {"maxValuesPerFacet": -5}},
            "faceting",
            "Invalid value type at `.faceting.maxValuesPerFacet`: expected a positive integer, "
            "but found a negative integer: `-5`",
        ),
        (
            {"faceting": {"sortFacetValuesBy": {"genre": "desc"}}},
            "faceting",
            "Unknown value `desc` at `.faceting.sortFacetValuesBy.genre`: expected one of "
            "`alpha`, `count`",
        ),
        (
            {"faceting": {"sortFacetValuesBy": "count"}},
            "faceting",
            "Invalid value type at `.faceting.sortFacetValuesBy`: expected an object, but found "
            'a string: `"count"`',
        ),
        (
            {"filterableAttributes": [{"features": {}}]},
            "filterable_attributes",
            "Missing field `attributePatterns` inside `.filterableAttributes[0]`",
        ),
        (
            {"filterableAttributes": [{"attributePatterns": ["a"], "facetSearch": True}]},
            "filterable_attributes",
            "Unknown field `facetSearch` inside `.filterableAttributes[0]`: expected one of "
            "`attributePatterns`, `features`",
        ),
        (
            {"filterableAttributes": [{"attributePatterns": ["a"], "features": {"sort": 1}}]},
            "filterable_attributes",
            "Unknown field `sort` inside `.filterableAttributes[0].features`: expected one of "
            "`facetSearch`, `filter`",
        ),
        (
            {
                "filterableAttributes": [
                    {"attributePatterns": ["a"], "features": {"filter": {"equalty": True}}}
                ]
            },
            "filterable_attributes",
            "Unknown field `equalty` inside `.filterableAttributes[0].features.filter`: did you "
            "mean `equality`? expected one of `equality`, `comparison`",
        ),
        (
            {"filterableAttributes": ["a", 7]},
            "filterable_attributes",
            "Invalid value type at `.filterableAttributes[1]`: expected a string, but found a "
            "positive integer: `7`",
        ),
        (
            {"filterableAttributes": [{"attributePatterns": "a"}]},
            "filterable_attributes",
            "Invalid value type at `.filterableAttributes[0].attributePatterns`: expected an "
            'array, but found a string: `"a"`',
        ),
        (
            {"localizedAttributes": [{"attributePatterns": ["a"]}]},
            "localized_attributes",
            "Missing field `locales` inside `.localizedAttributes[0]`",
        ),
        (
            {"localizedAttributes": [{"attributePatterns": ["a"], "locales": ["xx"]}]},
            "localized_attributes",
            "Unknown value `xx` at `.localizedAttributes[0].locales[0]`: expected one of `af`, ",
        ),
        (
            {"embedders": {"default": {"source": "ollama"}}},
            "embedders",
            "Invalid value at `.embedders.default`: missing field `model`, which is mandatory "
            "for source `ollama`.",
        ),
        (
            {"embedders": {"default": "openAi"}},
            "embedders",
            "Invalid value type at `.embedders.default`: expected an object, but found a "
            'string: `"openAi"`',
        ),
        (
            {"chat": "x"},
            "index_chat",
            'Invalid value type at `.chat`: expected an object, but found a string: `"x"`',
        ),
        (
            {"foreignKeys": {}},
            "foreign_keys",
            "Invalid value type at `.foreignKeys`: expected an array, but found an object: `{}`",
        ),
    ],
)
def test_full_patch_errors(body: dict[str, Any], code: str, message: str) -> None:
    got_code, got_message = raised(s.validate_settings_patch, body)
    assert got_code == "invalid_settings_" + code
    if message.endswith(", "):  # long enumerations: check the start only
        assert got_message.startswith(message)
    else:
        assert got_message == message


def test_locale_error_lists_every_locale_in_reference_order() -> None:
    body = [{"attributePatterns": ["a"], "locales": ["xx"]}]
    _, message = raised(s.validate_setting, "localizedAttributes", body)
    listed = message.split("expected one of ")[1]
    assert listed.startswith("`af`, `ak`, `am`,") and listed.endswith("`zho`, `zul`, `cmn`")
    assert listed.count("`") == 2 * 139


# ---------------------------------------------------------------- errors (sub-route form)


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        (
            "rankingRules",
            "words",
            'Invalid value type: expected an array, but found a string: `"words"`',
        ),
        ("rankingRules", ["nope"], f"Invalid value at `[0]`: `nope` {RULE_INVALID}"),
        (
            "distinctAttribute",
            12,
            "Invalid value type: expected a string, but found a positive integer: `12`",
        ),
        (
            "proximityPrecision",
            "byAttributes",
            "Unknown value `byAttributes`: did you mean `byAttribute`? expected one of "
            "`byWord`, `byAttribute`",
        ),
        (
            "facetSearch",
            1,
            "Invalid value type: expected a boolean, but found a positive integer: `1`",
        ),
        (
            "typoTolerance",
            {"oneTypo": 3},
            f"Unknown field `oneTypo`: expected one of {TYPO_FIELDS}",
        ),
        (
            "typoTolerance",
            [],
            "Invalid value type: expected an object, but found an array: `[]`",
        ),
        (
            "pagination",
            {"maxTotalHits": 0},
            "Invalid value at `.maxTotalHits`: a non-zero integer value lower than "
            "`18446744073709551615` was expected, but found a zero",
        ),
        (
            "faceting",
            {"sortFacetValuesBy": {"*": "counts"}},
            "Unknown value `counts` at `.sortFacetValuesBy.*`: did you mean `count`? expected "
            "one of `alpha`, `count`",
        ),
        (
            "synonyms",
            {"a": [1]},
            "Invalid value type at `.a[0]`: expected a string, but found a positive integer: `1`",
        ),
    ],
)
def test_sub_route_errors(name: str, body: Any, message: str) -> None:
    assert raised(s.validate_setting, name, body) == (s.SETTINGS[name].code, message)


@pytest.mark.parametrize("name", list(s.SETTINGS))
def test_null_body_resets_every_setting(name: str) -> None:
    assert s.validate_setting(name, None) == {name: None}
    assert s.validate_settings_patch({name: None}) == {name: None}


# ---------------------------------------------------------------- the full body


def test_unknown_top_level_field() -> None:
    assert raised(s.validate_settings_patch, {"rankingRule": []}) == (
        "bad_request",
        f"Unknown field `rankingRule`: did you mean `rankingRules`? expected one of {ALL_KEYS}",
    )
    assert raised(s.validate_settings_patch, {"foo": 1}) == (
        "bad_request",
        f"Unknown field `foo`: expected one of {ALL_KEYS}",
    )


@pytest.mark.parametrize(
    ("body", "found"), [(None, "null"), ([], "an array: `[]`"), ("x", 'a string: `"x"`')]
)
def test_full_body_must_be_an_object(body: Any, found: str) -> None:
    assert raised(s.validate_settings_patch, body) == (
        "bad_request",
        f"Invalid value type: expected an object, but found {found}",
    )


def test_first_problem_in_body_order_is_reported() -> None:
    body = {"stopWords": 1, "bogus": 2, "rankingRules": 3}
    assert raised(s.validate_settings_patch, body)[0] == "invalid_settings_stop_words"
    body = {"bogus": 2, "stopWords": 1}
    assert raised(s.validate_settings_patch, body)[0] == "bad_request"


def test_patch_comes_back_in_table_order() -> None:
    patch = s.validate_settings_patch({"prefixSearch": None, "stopWords": ["a"], "faceting": {}})
    assert list(patch) == ["stopWords", "faceting", "prefixSearch"]


@pytest.mark.parametrize(
    ("name", "value", "feature"),
    [
        ("chat", {"description": "movies"}, "`chat completions`"),
        ("chat", {}, "`chat completions`"),
        ("foreignKeys", [{"foreignIndexUid": "a", "fieldName": "b"}], "`foreign keys`"),
        ("foreignKeys", [], "`foreign keys`"),
    ],
)
def test_experimental_settings_are_refused(name: str, value: Any, feature: str) -> None:
    for call, args in (
        (s.validate_setting, (name, value)),
        (s.validate_settings_patch, ({name: value},)),
    ):
        code, message = raised(call, *args)
        assert code == "feature_not_enabled"
        assert message.startswith(f"setting `{name}` in the index settings requires enabling")
        assert f"the {feature} experimental feature. See https://" in message


def test_type_errors_win_over_feature_refusal() -> None:
    body = {"chat": {}, "stopWords": 1}
    assert raised(s.validate_settings_patch, body)[0] == "invalid_settings_stop_words"


FOREIGN_ON = {"foreignKeys": True}
KEYS = [
    {"fieldName": "actors", "foreignIndexUid": "actors"},
    {"fieldName": "x", "foreignIndexUid": "7"},
]


def test_foreign_keys_are_accepted_once_their_feature_is_on() -> None:
    stored = [
        {"foreignIndexUid": "actors", "fieldName": "actors"},
        {"foreignIndexUid": "7", "fieldName": "x"},
    ]
    patch = s.validate_settings_patch({"foreignKeys": KEYS}, FOREIGN_ON)
    assert patch == {"foreignKeys": stored}
    assert [list(entry) for entry in patch["foreignKeys"]] == [["foreignIndexUid", "fieldName"]] * 2
    assert s.validate_setting("foreignKeys", KEYS, FOREIGN_ON) == patch
    applied = s.apply_patch({}, patch)
    assert s.setting_view("foreignKeys", applied) == stored
    assert s.details_view(patch) == {"foreignKeys": stored}
    assert s.apply_patch(applied, s.validate_setting("foreignKeys", [], FOREIGN_ON)) == {}
    assert s.settings_diff({}, applied).reindex is False


def test_resetting_foreign_keys_needs_no_feature() -> None:
    assert s.validate_setting("foreignKeys", None) == {"foreignKeys": None}
    assert s.validate_settings_patch({"foreignKeys": None}) == {"foreignKeys": None}


CHAT_ON = {"chatCompletions": True}
CHAT_TEMPLATE = s.DEFAULT_CHAT["documentTemplate"]


def test_chat_is_stored_once_its_feature_is_on() -> None:
    sent = {
        "description": "movies",
        "documentTemplateMaxBytes": 500,
        "searchParameters": {"limit": 20, "hybrid": {"embedder": "default"}},
    }
    patch = s.validate_setting("chat", sent, CHAT_ON)
    assert s.validate_settings_patch({"chat": sent}, CHAT_ON) == patch
    hybrid = {"semanticRatio": 0.5, "embedder": "default"}
    assert s.details_view(patch) == {
        "chat": {
            "description": "movies",
            "documentTemplateMaxBytes": 500,
            "searchParameters": {"hybrid": hybrid, "limit": 20},
        }
    }
    applied = s.apply_patch({}, patch)
    chat = s.setting_view("chat", applied)
    assert chat == {
        "description": "movies",
        "documentTemplate": CHAT_TEMPLATE,
        "documentTemplateMaxBytes": 500,
        "searchParameters": {"hybrid": hybrid, "limit": 20},
    }
    assert list(chat["searchParameters"]["hybrid"]) == ["semanticRatio", "embedder"]
    assert s.settings_diff({}, applied).reindex is False
    assert s.apply_patch(applied, s.validate_setting("chat", None)) == {}


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ({}, {"limit": 20, "sort": ["year:desc"]}),
        ({"searchParameters": {}}, {"limit": 20, "sort": ["year:desc"]}),
        ({"searchParameters": {"limit": None}}, {"sort": ["year:desc"]}),
        (
            {"searchParameters": {"distinct": "title", "limit": 5}},
            {"limit": 5, "sort": ["year:desc"], "distinct": "title"},
        ),
        ({"searchParameters": None}, {}),
    ],
)
def test_chat_search_parameters_merge_one_by_one(
    sent: dict[str, Any], expected: dict[str, Any]
) -> None:
    first = {"description": "movies", "searchParameters": {"sort": ["year:desc"], "limit": 20}}
    stored = s.apply_patch({}, s.validate_setting("chat", first, CHAT_ON))
    chat = s.setting_view("chat", s.apply_patch(stored, s.validate_setting("chat", sent, CHAT_ON)))
    assert chat["description"] == "movies"
    assert chat["searchParameters"] == expected
    assert list(chat["searchParameters"]) == list(expected)


def test_chat_fields_set_to_null_go_back_to_their_defaults() -> None:
    first = {"description": "movies", "documentTemplate": "{{ doc.title }}"}
    stored = s.apply_patch({}, s.validate_setting("chat", first, CHAT_ON))
    reset = s.validate_setting("chat", {"description": None, "documentTemplate": None}, CHAT_ON)
    assert s.apply_patch(stored, reset) == {}


def test_settings_view_shows_chat_while_its_feature_is_on() -> None:
    assert "chat" not in s.settings_view({})
    view = s.settings_view({}, CHAT_ON)
    assert list(view)[-1] == "chat"
    assert view["chat"] == s.DEFAULT_CHAT


def test_settings_view_shows_foreign_keys_while_the_feature_is_on() -> None:
    assert "foreignKeys" not in s.settings_view({})
    assert "foreignKeys" not in s.settings_view({}, {"foreignKeys": False})
    view = s.settings_view({"foreignKeys": KEYS}, FOREIGN_ON)
    assert list(view)[3:6] == ["sortableAttributes", "foreignKeys", "rankingRules"]
    assert view["foreignKeys"] == KEYS
    assert s.settings_view({}, FOREIGN_ON)["foreignKeys"] == []


UID_RULE = (
    "Index uid can be an integer or a string containing only alphanumeric characters, hyphens "
    "(-) and underscores (_), and can not be more than 512 bytes."
)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({}, "Invalid value type at `.foreignKeys`: expected an array, but found an object: `{}`"),
        (
            ["actors"],
            "Invalid value type at `.foreignKeys[0]`: expected an object, but found a string: "
            '`"actors"`',
        ),
        (
            [{"fieldName": "actors"}],
            "Missing field `foreignIndexUid` inside `.foreignKeys[0]`",
        ),
        (
            [{"foreignIndexUid": "actors"}],
            "Missing field `fieldName` inside `.foreignKeys[0]`",
        ),
        (
            [KEYS[0], {"foreignIndexUid": "a", "fieldName": "b", "index": "c"}],
            "Unknown field `index` inside `.foreignKeys[1]`: expected one of `foreignIndexUid`, "
            "`fieldName`",
        ),
        (
            [{"foreignIndexUid": 1, "fieldName": "b"}],
            "Invalid value type at `.foreignKeys[0].foreignIndexUid`: expected a string, but "
            "found a positive integer: `1`",
        ),
        (
            [{"foreignIndexUid": "a", "fieldName": None}],
            "Invalid value type at `.foreignKeys[0].fieldName`: expected a string, but found null",
        ),
        (
            [{"foreignIndexUid": "my actors", "fieldName": "b"}],
            f"Invalid value at `.foreignKeys[0].foreignIndexUid`: `my actors` is not a valid "
            f"index uid. {UID_RULE}",
        ),
    ],
)
def test_foreign_keys_errors(value: Any, message: str) -> None:
    for features in ({}, FOREIGN_ON):
        code, got = raised(s.validate_settings_patch, {"foreignKeys": value}, features)
        assert (code, got) == ("invalid_settings_foreign_keys", message)
    sub_route = message.replace(".foreignKeys[", "[").replace(" at `.foreignKeys`", "")
    got = raised(s.validate_setting, "foreignKeys", value, FOREIGN_ON)
    assert got == ("invalid_settings_foreign_keys", sub_route)


# ---------------------------------------------------------------- applying patches


def test_typo_patch_keeps_the_other_fields() -> None:
    stored = s.apply_patch(
        {}, s.validate_settings_patch({"typoTolerance": {"disableOnWords": ["x"]}})
    )
    stored = s.apply_patch(stored, s.validate_setting("typoTolerance", {"enabled": False}))
    stored = s.apply_patch(
        stored, s.validate_setting("typoTolerance", {"minWordSizeForTypos": {"twoTypos": 12}})
    )
    assert s.setting_view("typoTolerance", stored) == {
        "enabled": False,
        "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 12},
        "disableOnWords": ["x"],
        "disableOnAttributes": [],
        "disableOnNumbers": False,
    }


def test_nested_null_resets_only_that_field() -> None:
    start = {"typoTolerance": {"enabled": False, "minWordSizeForTypos": {"oneTypo": 2}}}
    stored = s.apply_patch({}, s.validate_settings_patch(start))
    stored = s.apply_patch(stored, s.validate_setting("typoTolerance", {"enabled": None}))
    typo = s.setting_view("typoTolerance", stored)
    assert typo["enabled"] is True
    assert typo["minWordSizeForTypos"] == {"oneTypo": 2, "twoTypos": 9}
    stored = s.apply_patch(
        stored, s.validate_setting("typoTolerance", {"minWordSizeForTypos": None})
    )
    assert stored == {}


def test_faceting_patch_merges_and_keeps_the_star_entry() -> None:
    stored = s.apply_patch({}, s.validate_setting("faceting", {"maxValuesPerFacet": 10}))
    patch = s.validate_setting("faceting", {"sortFacetValuesBy": {"genre": "count", "a": "alpha"}})
    stored = s.apply_patch(stored, patch)
    assert s.setting_view("faceting", stored) == {
        "maxValuesPerFacet": 10,
        "sortFacetValuesBy": {"*": "alpha", "a": "alpha", "genre": "count"},
    }
    stored = s.apply_patch(
        stored, s.validate_setting("faceting", {"sortFacetValuesBy": {"*": "count"}})
    )
    assert s.setting_view("faceting", stored)["sortFacetValuesBy"] == {"*": "count"}
    assert s.setting_view("faceting", stored)["maxValuesPerFacet"] == 10


def test_pagination_null_field_resets() -> None:
    stored = s.apply_patch({}, s.validate_setting("pagination", {"maxTotalHits": 5}))
    assert s.apply_patch(stored, s.validate_setting("pagination", {"maxTotalHits": None})) == {}


def test_put_settings_replace_the_whole_value() -> None:
    stored = s.apply_patch({}, s.validate_setting("synonyms", {"a": ["b"]}))
    stored = s.apply_patch(stored, s.validate_setting("synonyms", {"c": ["d"]}))
    assert s.setting_view("synonyms", stored) == {"c": ["d"]}


def test_reset_removes_a_setting_and_reset_all_clears_everything() -> None:
    stored = s.apply_patch({}, s.validate_settings_patch({"stopWords": ["a"], "searchCutoffMs": 9}))
    assert s.apply_patch(stored, s.validate_setting("stopWords", None)) == {"searchCutoffMs": 9}
    reset = s.reset_all_patch()
    assert list(reset) == list(s.SETTINGS) and set(reset.values()) == {None}
    assert s.apply_patch(stored, reset) == {}


def test_apply_leaves_the_current_settings_untouched() -> None:
    current = {"stopWords": ["a"]}
    s.apply_patch(current, s.validate_setting("stopWords", ["b"]))
    assert current == {"stopWords": ["a"]}


BOUNDS = (
    "`minWordSizeForTypos` setting is invalid. `oneTypo` and `twoTypos` fields should be between "
    "`0` and `255`, and `twoTypos` should be greater or equals to `oneTypo` but found "
    "`oneTypo: {one}` and twoTypos: {two}`."
)


@pytest.mark.parametrize(
    ("stored_typo", "patch_typo", "one", "two"),
    [
        (None, {"minWordSizeForTypos": {"oneTypo": 10}}, 10, 9),
        (None, {"minWordSizeForTypos": {"oneTypo": 6, "twoTypos": 5}}, 6, 5),
        (
            {"minWordSizeForTypos": {"oneTypo": 2, "twoTypos": 3}},
            {"minWordSizeForTypos": {"twoTypos": 1}},
            2,
            1,
        ),
        (
            {"minWordSizeForTypos": {"oneTypo": 9, "twoTypos": 12}},
            {"minWordSizeForTypos": {"twoTypos": None}},
            9,
            9,
        ),
    ],
)
def test_typo_sizes_checked_against_the_merged_value(
    stored_typo: Any, patch_typo: dict[str, Any], one: int, two: int
) -> None:
    stored: dict[str, Any] = {}
    if stored_typo:
        stored = s.apply_patch({}, s.validate_setting("typoTolerance", stored_typo))
    patch = s.validate_setting("typoTolerance", patch_typo)
    if one <= two:
        assert s.setting_view("typoTolerance", s.apply_patch(stored, patch))[
            "minWordSizeForTypos"
        ] == {
            "oneTypo": one,
            "twoTypos": two,
        }
    else:
        assert raised(s.apply_patch, stored, patch) == (
            "invalid_settings_typo_tolerance",
            BOUNDS.format(one=one, two=two),
        )


@pytest.mark.parametrize(
    "rules",
    [["attribute", "attributeRank"], ["words", "wordPosition", "attribute"]],
)
def test_mixing_attribute_rules_fails_when_applied(rules: list[str]) -> None:
    patch = s.validate_setting("rankingRules", rules)
    assert raised(s.apply_patch, {}, patch) == (
        "invalid_settings_ranking_rules",
        "Mixed usage of the attribute, attributeRank, and wordPosition ranking rules. You must "
        "either use the attribute ranking rule alone or the attributeRank and wordPosition "
        "ranking rules.",
    )


# ---------------------------------------------------------------- task details


def test_details_show_only_sent_keys_in_table_order_with_resets_as_null() -> None:
    body = {"typoTolerance": {"enabled": False}, "stopWords": ["b", "a"], "distinctAttribute": None}
    details = s.details_view(s.validate_settings_patch(body))
    assert details == {
        "stopWords": ["a", "b"],
        "distinctAttribute": None,
        "typoTolerance": {"enabled": False},
    }
    assert list(details) == ["stopWords", "distinctAttribute", "typoTolerance"]


def test_details_of_a_sub_route_reset() -> None:
    assert s.details_view(s.validate_setting("stopWords", None)) == {"stopWords": None}


# ---------------------------------------------------------------- what to rebuild


@pytest.mark.parametrize(
    ("body", "words", "facets"),
    [
        ({"displayedAttributes": ["a"]}, False, False),
        ({"rankingRules": ["typo", "words"]}, False, False),
        ({"rankingRules": ["words", "price:desc"]}, False, True),
        ({"synonyms": {"a": ["b"]}}, False, False),
        ({"pagination": {"maxTotalHits": 5}}, False, False),
        ({"searchCutoffMs": 10}, False, False),
        ({"faceting": {"maxValuesPerFacet": 5}}, False, False),
        ({"typoTolerance": {"enabled": False, "disableOnWords": ["a"]}}, False, False),
        ({"typoTolerance": {"disableOnAttributes": ["a"]}}, True, False),
        ({"typoTolerance": {"disableOnNumbers": True}}, True, False),
        ({"searchableAttributes": ["a"]}, True, False),
        ({"stopWords": ["a"]}, True, False),
        ({"separatorTokens": ["a"]}, True, False),
        ({"nonSeparatorTokens": ["#"]}, True, False),
        ({"dictionary": ["C++"]}, True, False),
        ({"proximityPrecision": "byAttribute"}, True, False),
        ({"prefixSearch": "disabled"}, True, False),
        ({"localizedAttributes": LOCALIZED}, True, True),
        ({"filterableAttributes": ["a"]}, False, True),
        ({"sortableAttributes": ["a"]}, False, True),
        ({"distinctAttribute": "a"}, False, True),
        ({"facetSearch": False}, False, True),
        ({"sortableAttributes": ["a"], "stopWords": ["a"]}, True, True),
    ],
)
def test_diff_flags(body: dict[str, Any], words: bool, facets: bool) -> None:
    new = s.apply_patch({}, s.validate_settings_patch(body))
    changes = s.settings_diff({}, new)
    assert changes.changed == tuple(body)
    assert (changes.reindex_words, changes.reindex_facets) == (words, facets)
    assert changes.reindex == (words or facets)
    assert s.settings_diff(new, {}) == s.Changes(tuple(body), words, facets)


def test_diff_of_identical_settings_is_empty() -> None:
    stored = s.apply_patch({}, s.validate_setting("stopWords", ["a"]))
    assert s.settings_diff(stored, dict(stored)) == s.Changes((), False, False)
    reordered = s.apply_patch({}, s.validate_setting("rankingRules", ["price:asc", "words"]))
    moved = s.apply_patch({}, s.validate_setting("rankingRules", ["words", "price:asc"]))
    assert s.settings_diff(reordered, moved) == s.Changes(("rankingRules",), False, False)


# ---------------------------------------------------------------- helpers for search


def test_ranking_rules_are_parsed() -> None:
    assert s.ranking_rules({})[0] == RankingRule("words")
    stored = s.apply_patch({}, s.validate_setting("rankingRules", ["sort", "a:b:desc", "n:asc"]))
    assert s.ranking_rules(stored) == (
        RankingRule("sort"),
        RankingRule("desc", "a:b"),
        RankingRule("asc", "n"),
    )


def test_searchable_fields() -> None:
    fields = ["id", "title", "doggo.name", "doggo", "overview"]
    assert s.searchable_fields({}, fields) == [(f, 0) for f in fields]
    stored = s.apply_patch({}, s.validate_setting("searchableAttributes", ["overview", "doggo"]))
    assert s.searchable_fields(stored, fields) == [("overview", 0), ("doggo.name", 1), ("doggo", 1)]


def test_filterable_rules_and_matching() -> None:
    body = [
        "genre",
        {"attributePatterns": ["price_*", "*_at"], "features": {"facetSearch": True}},
        {"attributePatterns": ["*"], "features": {"filter": {"equality": False}}},
    ]
    stored = s.apply_patch({}, s.validate_setting("filterableAttributes", body))
    assert s.filterable_rules(stored) == (
        s.FilterableRule(("genre",), True, True, True, True),
        s.FilterableRule(("price_*", "*_at"), True, True, False, False),
        s.FilterableRule(("*",), False, False, False, False),
    )
    assert s.is_filterable(stored, "genre") == 0
    assert s.is_filterable(stored, "genre.name") == 0
    assert s.is_filterable(stored, "price_eur") == 1
    assert s.is_filterable(stored, "created_at") == 1
    assert s.is_filterable(stored, "anything") == 2
    assert s.is_filterable({}, "genre") is None


@pytest.mark.parametrize(
    ("pattern", "field", "matches"),
    [
        ("*", "a.b", True),
        ("a*", "ab", True),
        ("a*", "ba", False),
        ("*b", "ab", True),
        ("*b*", "abc", True),
        ("*x*", "abc", False),
        ("title", "title", True),
        ("title", "title.en", False),
    ],
)
def test_match_pattern(pattern: str, field: str, matches: bool) -> None:
    assert s.match_pattern(pattern, field) is matches


def test_is_sortable_covers_nested_fields() -> None:
    stored = s.apply_patch({}, s.validate_setting("sortableAttributes", ["price", "author"]))
    assert s.is_sortable(stored, "price")
    assert s.is_sortable(stored, "author.name")
    assert not s.is_sortable(stored, "authors")
    assert not s.is_sortable({}, "price")
