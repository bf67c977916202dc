"""Settings routes through the official SDK against a real server: reads with defaults, every
sub-route's write and reset, the ``settingsUpdate`` task details, and the reference's errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import meilisearch
import pytest
from meilisearch.errors import MeilisearchApiError

from tests.api.conftest import wait, wait_ok

pytestmark = pytest.mark.api

DEFAULTS: dict[str, Any] = {
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

# (SDK method suffix, sub-route, value sent, value read back)
SUB_ROUTES: list[tuple[str, str, Any, Any]] = [
    ("searchable_attributes", "searchable-attributes", ["title", "overview"], None),
    ("displayed_attributes", "displayed-attributes", ["title"], None),
    ("filterable_attributes", "filterable-attributes", ["genre", "year"], None),
    ("sortable_attributes", "sortable-attributes", ["year", "title", "year"], ["title", "year"]),
    ("ranking_rules", "ranking-rules", ["typo", "words", "year:desc"], None),
    ("stop_words", "stop-words", ["the", "a", "the"], ["a", "the"]),
    ("synonyms", "synonyms", {"wolverine": ["logan"], "logan": ["wolverine"]}, None),
    ("distinct_attribute", "distinct-attribute", "sku", None),
    ("dictionary", "dictionary", ["J.R.R."], None),
    ("separator_tokens", "separator-tokens", ["|"], None),
    ("non_separator_tokens", "non-separator-tokens", ["@"], None),
    ("search_cutoff_ms", "search-cutoff-ms", 150, None),
    ("proximity_precision", "proximity-precision", "byAttribute", None),
    ("prefix_search", "prefix-search", "disabled", None),
    ("facet_search_settings", "facet-search", False, None),
    (
        "localized_attributes",
        "localized-attributes",
        [{"attributePatterns": ["*_ja"], "locales": ["jpn"]}],
        None,
    ),
]
NAMES = {
    "searchable-attributes": "searchableAttributes",
    "displayed-attributes": "displayedAttributes",
    "filterable-attributes": "filterableAttributes",
    "sortable-attributes": "sortableAttributes",
    "ranking-rules": "rankingRules",
    "stop-words": "stopWords",
    "synonyms": "synonyms",
    "distinct-attribute": "distinctAttribute",
    "dictionary": "dictionary",
    "separator-tokens": "separatorTokens",
    "non-separator-tokens": "nonSeparatorTokens",
    "search-cutoff-ms": "searchCutoffMs",
    "proximity-precision": "proximityPrecision",
    "prefix-search": "prefixSearch",
    "facet-search": "facetSearch",
    "localized-attributes": "localizedAttributes",
}


def created_index(client: meilisearch.Client, uid: str) -> meilisearch.index.Index:
    wait_ok(client, client.create_index(uid))
    return client.index(uid)


def api_error(call: Any, *args: Any) -> MeilisearchApiError:
    with pytest.raises(MeilisearchApiError) as caught:
        call(*args)
    return caught.value


def test_a_new_index_shows_every_default_in_order(
    client: meilisearch.Client, index_uid: str
) -> None:
    settings = created_index(client, index_uid).get_settings()
    assert list(settings) == list(DEFAULTS)
    assert settings == DEFAULTS


def test_reading_the_settings_of_a_missing_index_is_a_404(
    http: httpx.Client, index_uid: str
) -> None:
    for path in ("settings", "settings/stop-words", "settings/typo-tolerance"):
        response = http.get(f"/indexes/{index_uid}/{path}")
        assert response.status_code == 404
        assert response.json()["code"] == "index_not_found"
        assert response.json()["message"] == f"Index `{index_uid}` not found."


def test_patch_merges_and_the_task_shows_what_was_sent(
    client: meilisearch.Client, index_uid: str
) -> None:
    index = created_index(client, index_uid)
    sent = {
        "rankingRules": ["words", "exactness"],
        "typoTolerance": {"minWordSizeForTypos": {"oneTypo": 4}},
        "stopWords": None,
    }
    task = wait_ok(client, index.update_settings(sent))
    assert task.type == "settingsUpdate"
    assert task.details == sent
    settings = index.get_settings()
    assert settings["rankingRules"] == ["words", "exactness"]
    assert settings["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 4, "twoTypos": 9}
    assert settings["typoTolerance"]["enabled"] is True
    wait_ok(client, index.update_settings({"typoTolerance": {"enabled": False}}))
    typo = index.get_settings()["typoTolerance"]
    assert typo["enabled"] is False
    assert typo["minWordSizeForTypos"] == {"oneTypo": 4, "twoTypos": 9}


def test_custom_metadata_is_kept_on_the_task(client: meilisearch.Client, index_uid: str) -> None:
    index = created_index(client, index_uid)
    task = wait_ok(client, index.update_settings({"stopWords": ["a"]}, metadata="deploy-42"))
    assert task.custom_metadata == "deploy-42"
    task = wait_ok(client, index.reset_settings(metadata="rollback"))
    assert task.custom_metadata == "rollback"


@pytest.mark.parametrize("method, route, value, expected", SUB_ROUTES)
def test_each_sub_route_writes_reads_and_resets(
    client: meilisearch.Client,
    http: httpx.Client,
    index_uid: str,
    method: str,
    route: str,
    value: Any,
    expected: Any,
) -> None:
    index = created_index(client, index_uid)
    name = NAMES[route]
    shown = expected if expected is not None else value
    task = wait_ok(client, getattr(index, f"update_{method}")(value))
    assert task.details == {name: shown}
    assert http.get(f"/indexes/{index_uid}/settings/{route}").json() == shown
    assert index.get_settings()[name] == shown
    task = wait_ok(client, getattr(index, f"reset_{method}")())
    assert task.details == {name: None}
    assert http.get(f"/indexes/{index_uid}/settings/{route}").json() == DEFAULTS[name]


@pytest.mark.parametrize(
    "route, body, name",
    [
        ("typo-tolerance", {"disableOnWords": ["skywalker"]}, "typoTolerance"),
        ("pagination", {"maxTotalHits": 50}, "pagination"),
        ("faceting", {"sortFacetValuesBy": {"genre": "count"}}, "faceting"),
    ],
)
def test_object_sub_routes_are_patched_field_by_field(
    client: meilisearch.Client, http: httpx.Client, index_uid: str, route: str, body: Any, name: str
) -> None:
    created_index(client, index_uid)
    response = http.patch(f"/indexes/{index_uid}/settings/{route}", json=body)
    assert response.status_code == 202
    assert wait_ok(client, response.json()).details == {name: body}
    shown = http.get(f"/indexes/{index_uid}/settings/{route}").json()
    assert shown == {**DEFAULTS[name], **shown} and list(shown) == list(DEFAULTS[name])
    for key, item in body.items():
        if key == "sortFacetValuesBy":
            assert shown[key] == {"*": "alpha", **item}
        else:
            assert shown[key] == item


def test_a_null_body_resets_a_sub_route(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    index = created_index(client, index_uid)
    wait_ok(client, index.update_stop_words(["the"]))
    response = http.put(
        f"/indexes/{index_uid}/settings/stop-words",
        content=b"null",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 202
    assert wait_ok(client, response.json()).details == {"stopWords": None}
    assert index.get_stop_words() == []


def test_writing_settings_creates_a_missing_index_but_a_reset_does_not(
    client: meilisearch.Client, index_uid: str
) -> None:
    index = client.index(index_uid)
    failed = wait(client, index.reset_settings())
    assert failed.status == "failed"
    assert failed.error["code"] == "index_not_found"
    assert failed.error["message"] == f"Index `{index_uid}` not found."
    wait_ok(client, index.update_ranking_rules(["words"]))
    assert client.get_index(index_uid).uid == index_uid
    assert index.get_ranking_rules() == ["words"]


@pytest.mark.parametrize(
    "route, method, body, code, message",
    [
        (
            "ranking-rules",
            "PUT",
            "words",
            "invalid_settings_ranking_rules",
            'Invalid value type: expected an array, but found a string: `"words"`',
        ),
        (
            "ranking-rules",
            "PUT",
            ["wrods"],
            "invalid_settings_ranking_rules",
            "Invalid value at `[0]`: `wrods` ranking rule is invalid. Valid ranking rules are "
            "words, typo, sort, proximity, attribute, exactness and custom ranking rules.",
        ),
        (
            "search-cutoff-ms",
            "PUT",
            -1,
            "invalid_settings_search_cutoff_ms",
            "Invalid value type: expected a positive integer, but found a negative integer: `-1`",
        ),
        (
            "facet-search",
            "PUT",
            "yes",
            "invalid_settings_facet_search",
            'Invalid value type: expected a boolean, but found a string: `"yes"`',
        ),
        (
            "proximity-precision",
            "PUT",
            "byWords",
            "invalid_settings_proximity_precision",
            "Unknown value `byWords`: did you mean `byWord`? expected one of `byWord`, "
            "`byAttribute`",
        ),
        (
            "pagination",
            "PATCH",
            {"maxTotalHits": 0},
            "invalid_settings_pagination",
            "Invalid value at `.maxTotalHits`: a non-zero integer value lower than "
            "`18446744073709551615` was expected, but found a zero",
        ),
        (
            "chat",
            "PATCH",
            {"description": "movies"},
            "feature_not_enabled",
            "setting `chat` in the index settings requires enabling the `chat completions` "
            "experimental feature. See https://github.com/orgs/meilisearch/discussions/835",
        ),
        (
            "foreign-keys",
            "PUT",
            [{"foreignIndexUid": "actors", "fieldName": "actors"}],
            "feature_not_enabled",
            "setting `foreignKeys` in the index settings requires enabling the `foreign keys` "
            "experimental feature. See https://www.meilisearch.com/docs/capabilities/indexing/"
            "how_to/document_relations",
        ),
    ],
)
def test_bad_sub_route_bodies_get_the_settings_error(
    http: httpx.Client, index_uid: str, route: str, method: str, body: Any, code: str, message: str
) -> None:
    response = http.request(method, f"/indexes/{index_uid}/settings/{route}", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    assert response.json()["message"] == message


def test_unknown_settings_fields_are_refused(client: meilisearch.Client, index_uid: str) -> None:
    error = api_error(client.index(index_uid).update_settings, {"rankingRule": ["words"]})
    assert error.code == "bad_request"
    assert error.message.startswith(
        "Unknown field `rankingRule`: did you mean `rankingRules`? expected one of "
        "`displayedAttributes`, `searchableAttributes`,"
    )


def test_embedders_read_update_and_reset(client: meilisearch.Client, index_uid: str) -> None:
    index = created_index(client, index_uid)
    assert index.get_embedders() is None
    error = api_error(index.update_embedders, {"default": {"source": "userProvided"}})
    assert error.code == "invalid_settings_embedders"
    wait_ok(
        client, index.update_embedders({"default": {"source": "userProvided", "dimensions": 2}})
    )
    assert index.get_embedders().embedders["default"].dimensions == 2
    assert wait_ok(client, index.reset_embedders()).details == {"embedders": None}
    assert index.get_embedders() is None


@pytest.mark.parametrize(
    "headers, code, message",
    [
        (
            {},
            "missing_content_type",
            "A Content-Type header is missing. Accepted values for the Content-Type header "
            "are: `application/json`",
        ),
        (
            {"Content-Type": "text/plain"},
            "invalid_content_type",
            "The Content-Type `text/plain` is invalid. Accepted values for the Content-Type "
            "header are: `application/json`",
        ),
    ],
)
def test_writes_need_a_json_content_type(
    http: httpx.Client, index_uid: str, headers: dict[str, str], code: str, message: str
) -> None:
    for method, route in (("PATCH", ""), ("PUT", "/stop-words"), ("PATCH", "/pagination")):
        response = http.request(
            method, f"/indexes/{index_uid}/settings{route}", content=b"[]", headers=headers
        )
        assert response.status_code == 415
        assert response.json()["code"] == code
        assert response.json()["message"] == message


def test_an_empty_body_is_a_missing_payload(http: httpx.Client, index_uid: str) -> None:
    response = http.put(
        f"/indexes/{index_uid}/settings/stop-words",
        content=b"",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "missing_payload"
    assert response.json()["message"] == "A json payload is missing."


def test_a_write_verb_that_the_sub_route_lacks_is_refused(
    http: httpx.Client, index_uid: str
) -> None:
    response = http.patch(f"/indexes/{index_uid}/settings/stop-words", json=["a"])
    assert (response.status_code, response.content) == (405, b"")
    response = http.put(f"/indexes/{index_uid}/settings/typo-tolerance", json={})
    assert (response.status_code, response.content) == (405, b"")


# --------------------------------------------------------------------------- chat

CHAT_TEMPLATE = (
    "{% for field in fields %}{% if field.is_searchable and field.value != nil %}"
    "{{ field.name }}: {{ field.value }}\n{% endif %}{% endfor %}"
)
CHAT_DEFAULT = {
    "description": "",
    "documentTemplate": CHAT_TEMPLATE,
    "documentTemplateMaxBytes": 400,
    "searchParameters": {},
}


@pytest.fixture
def chat_on(http: httpx.Client) -> Iterator[None]:
    """The ``chatCompletions`` feature, on for one test (the server is shared)."""
    assert http.patch("/experimental-features", json={"chatCompletions": True}).status_code == 200
    yield
    assert http.patch("/experimental-features", json={"chatCompletions": False}).status_code == 200


def test_chat_settings_are_written_read_and_reset_with_the_feature_on(
    client: meilisearch.Client, http: httpx.Client, index_uid: str, chat_on: None
) -> None:
    created_index(client, index_uid)
    route = f"/indexes/{index_uid}/settings/chat"
    assert http.get(route).json() == CHAT_DEFAULT
    assert http.get(f"/indexes/{index_uid}/settings").json()["chat"] == CHAT_DEFAULT
    sent = {
        "description": "A movie database",
        "documentTemplate": "Title: {{ title }}\nGenres: {{ genres }}\n",
        "documentTemplateMaxBytes": 500,
        "searchParameters": {
            "hybrid": {"embedder": "default"},
            "limit": 20,
            "sort": ["release_date:desc"],
            "distinct": "title",
            "matchingStrategy": "last",
            "attributesToSearchOn": ["title", "overview"],
            "rankingScoreThreshold": 0.5,
        },
    }
    stored = {
        **sent,
        "searchParameters": {
            **sent["searchParameters"],
            "hybrid": {"semanticRatio": 0.5, "embedder": "default"},
        },
    }
    task = wait_ok(client, http.patch(route, json=sent).json())
    assert task.details == {"chat": stored}
    assert http.get(route).json() == stored
    patched = {"chat": {"searchParameters": {"limit": None}, "description": "Films"}}
    wait_ok(client, http.patch(f"/indexes/{index_uid}/settings", json=patched).json())
    params = {k: v for k, v in stored["searchParameters"].items() if k != "limit"}
    expected = {**stored, "description": "Films", "searchParameters": params}
    assert http.get(f"/indexes/{index_uid}/settings").json()["chat"] == expected
    reset = wait_ok(client, http.delete(route).json())
    assert reset.details == {"chat": None}
    assert http.get(route).json() == CHAT_DEFAULT


def test_bad_chat_settings_are_refused_with_the_feature_on(
    http: httpx.Client, index_uid: str, chat_on: None
) -> None:
    response = http.patch(
        f"/indexes/{index_uid}/settings", json={"chat": {"searchParameters": {"limit": -1}}}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_settings_index_chat"
    assert response.json()["message"] == (
        "Invalid value type at `.chat.searchParameters.limit`: expected a positive integer, "
        "but found a negative integer: `-1`"
    )


def test_chat_is_hidden_from_the_settings_with_the_feature_off(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    created_index(client, index_uid)
    assert "chat" not in http.get(f"/indexes/{index_uid}/settings").json()
