"""Dynamic search rules over the API: the official SDK's calls, the tasks they register,
validation errors, the listing's filters, and pinned documents in search, multi-search and
federated search.

The experimental feature is switched on for each test and off afterwards, and every rule a
test made is cleared, since the server is shared with other tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from copy import deepcopy
from typing import Any

import httpx
import meilisearch
import pytest
from meilisearch.errors import MeilisearchApiError

from lumi.http.search_rules import LIST_DISABLED, RULES_DISABLED
from tests.api.conftest import wait, wait_ok
from tests.api.test_errors_api import assert_error, request

pytestmark = pytest.mark.api

RULE_OPTIONS: dict[str, Any] = {
    "description": "Black Friday products",
    "precedence": 10,
    "active": True,
    "conditions": {"query": {"words": "black friday"}},
    "actions": [
        {
            "selector": {"indexUid": "products", "id": "123"},
            "action": {"type": "pin", "position": 1},
        }
    ],
}


@pytest.fixture
def rules_on(http: httpx.Client, client: meilisearch.Client) -> Iterator[None]:
    http.patch("/experimental-features", json={"dynamicSearchRules": True}).raise_for_status()
    try:
        yield
    finally:
        wait_ok(client, http.delete("/dynamic-search-rules").json())
        http.patch("/experimental-features", json={"dynamicSearchRules": False})


def upsert(client: meilisearch.Client, uid: str, options: dict[str, Any]) -> Any:
    return wait_ok(client, client.update_dynamic_search_rule(uid, options))


# ---- the SDK's calls -----------------------------------------------------------------------


@pytest.mark.usefixtures("rules_on")
def test_sdk_creates_reads_updates_and_deletes_a_rule(client: meilisearch.Client) -> None:
    task = client.update_dynamic_search_rule("black-friday", RULE_OPTIONS, metadata="create")
    assert (task.status, task.type, task.index_uid) == ("enqueued", "dsrUpdate", ".meili_dsr")
    done = wait_ok(client, task)
    assert done.custom_metadata == "create"
    assert done.details == {"rule": RULE_OPTIONS, "updatedRules": 1}
    rule = client.get_dynamic_search_rule("black-friday")
    assert (rule.uid, rule.description, rule.precedence) == (
        "black-friday",
        RULE_OPTIONS["description"],
        10,
    )
    assert (rule.active, rule.conditions, rule.actions) == (
        True,
        RULE_OPTIONS["conditions"],
        RULE_OPTIONS["actions"],
    )
    upsert(
        client, "black-friday", {"description": "Black Friday and Cyber Monday", "precedence": 5}
    )
    updated = client.get_dynamic_search_rule("black-friday")
    assert (updated.description, updated.precedence) == ("Black Friday and Cyber Monday", 5)
    assert updated.actions == RULE_OPTIONS["actions"]
    deletion = client.delete_dynamic_search_rule("black-friday", metadata="remove")
    assert (deletion.type, deletion.index_uid) == ("dsrUpdate", ".meili_dsr")
    deleted = wait_ok(client, deletion)
    assert (deleted.custom_metadata, deleted.details) == ("remove", {"updatedRules": 1})
    with pytest.raises(MeilisearchApiError) as error:
        client.get_dynamic_search_rule("black-friday")
    assert error.value.code == "dynamic_search_rule_not_found"


@pytest.mark.usefixtures("rules_on")
def test_sdk_lists_with_pagination_and_filters(client: meilisearch.Client) -> None:
    upsert(client, "black-friday", RULE_OPTIONS)
    inactive = deepcopy(RULE_OPTIONS)
    inactive.update({"description": "Archived promotion", "active": False})
    upsert(client, "archived-promotion", inactive)
    everything = client.get_dynamic_search_rules()
    assert everything.total == 2
    assert [r.uid for r in everything.results] == ["archived-promotion", "black-friday"]
    page = client.get_dynamic_search_rules({"offset": 1, "limit": 1})
    assert (page.offset, page.limit, page.total) == (1, 1, 2)
    assert [r.uid for r in page.results] == ["black-friday"]
    for filters, expected in [
        ({"query": "Black Friday", "active": True}, ["black-friday"]),
        ({"query": "promo"}, ["archived-promotion"]),
        ({"query": "friday archived"}, []),
        ({"active": False}, ["archived-promotion"]),
        ({"query": None, "active": None}, ["archived-promotion", "black-friday"]),
    ]:
        found = client.get_dynamic_search_rules({"filter": filters})
        assert [r.uid for r in found.results] == expected, filters
        assert found.total == len(expected)


# ---- routes, tasks and errors ----------------------------------------------------------------


@pytest.mark.usefixtures("rules_on")
def test_rule_views_and_task_views(http: httpx.Client, client: meilisearch.Client) -> None:
    task = http.patch("/dynamic-search-rules/empty", json={"actions": []})
    assert task.status_code == 202
    summary = task.json()
    assert list(summary) == ["taskUid", "indexUid", "status", "type", "enqueuedAt"]
    wait_ok(client, summary)
    rule = http.get("/dynamic-search-rules/empty").json()
    assert rule == {
        "uid": "empty",
        "description": None,
        "lastUpdatedAt": summary["enqueuedAt"],
        "precedence": None,
        "active": True,
        "conditions": {},
        "actions": [],
    }
    clear = http.delete("/dynamic-search-rules", params={"customMetadata": "wipe"}).json()
    assert (clear["type"], clear["indexUid"], clear["customMetadata"]) == (
        "dsrClear",
        ".meili_dsr",
        "wipe",
    )
    assert wait_ok(client, clear).details == {"deletedDocuments": 1}
    listed = http.get("/tasks", params={"types": "dsrUpdate,dsrClear", "limit": 2}).json()
    assert [t["type"] for t in listed["results"]] == ["dsrClear", "dsrUpdate"]
    assert_error(
        http.get("/dynamic-search-rules/empty"),
        404,
        "dynamic_search_rule_not_found",
        "Dynamic search rule `empty` not found.",
    )


BAD_BODIES = [
    (
        {"precedence": -1},
        "invalid_dynamic_search_rule_priority",
        "Invalid value type at `.precedence`: expected a positive integer, but found a negative "
        "integer: `-1`",
    ),
    (
        {"description": 3},
        "invalid_dynamic_search_rule_description",
        "Invalid value type at `.description`: expected a string, but found a positive integer: "
        "`3`",
    ),
    (
        {"active": "yes"},
        "invalid_dynamic_search_rule_active",
        'Invalid value type at `.active`: expected a boolean, but found a string: `"yes"`',
    ),
    (
        {"conditions": {"filter": {}}},
        "invalid_dynamic_search_rule_conditions",
        "Unknown field `filter` inside `.conditions`: expected one of `query`, `time`",
    ),
    (
        {"conditions": {"time": {"start": "tomorrow"}}},
        "invalid_dynamic_search_rule_conditions",
        "Invalid value at `.conditions.time.start`: `tomorrow` is not a valid RFC 3339 date-time.",
    ),
    (
        {"conditions": {"query": {"isEmpty": True, "words": "sale"}}},
        "invalid_dynamic_search_rule_conditions",
        "Invalid value at `.conditions.query`: `isEmpty: true` and `words` cannot be used in the "
        "same condition.",
    ),
    (
        {"actions": {}},
        "invalid_dynamic_search_rule_actions",
        "Invalid value type at `.actions`: expected an array, but found an object: `{}`",
    ),
    (
        {"actions": [{"selector": {"id": "1"}}]},
        "invalid_dynamic_search_rule_actions",
        "Missing field `action` inside `.actions[0]`",
    ),
    (
        {"actions": [{"selector": {"id": 1}, "action": {"type": "pin", "position": 0}}]},
        "invalid_dynamic_search_rule_actions",
        "Invalid value type at `.actions[0].selector.id`: expected a string, but found a "
        "positive integer: `1`",
    ),
    (
        {"actions": [{"selector": {"id": "1"}, "action": {"type": "boost", "position": 0}}]},
        "invalid_dynamic_search_rule_actions",
        "Unknown value `boost` at `.actions[0].action.type`: expected one of `pin`",
    ),
    (
        {"actions": [{"selector": {"id": "1", "indexUid": "a b"}, "action": {"type": "pin"}}]},
        "invalid_dynamic_search_rule_actions",
        "Invalid value at `.actions[0].selector.indexUid`: `a b` is not a valid index uid. Index "
        "uid can be an integer or a string containing only alphanumeric characters, hyphens (-) "
        "and underscores (_), and can not be more than 512 bytes.",
    ),
    (
        {"uid": "other"},
        "bad_request",
        "Unknown field `uid`: expected one of `description`, `precedence`, `active`, "
        "`conditions`, `actions`",
    ),
]


@pytest.mark.usefixtures("rules_on")
@pytest.mark.parametrize(("body", "code", "message"), BAD_BODIES)
def test_invalid_rules_are_refused_and_nothing_is_registered(
    http: httpx.Client, body: dict[str, Any], code: str, message: str
) -> None:
    response = request(http, "PATCH", "/dynamic-search-rules/bad", json=body)
    assert_error(response, 400, code, message)


@pytest.mark.usefixtures("rules_on")
@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {"offset": -1},
            "invalid_dynamic_search_rule_offset",
            "Invalid value type at `.offset`: expected a positive integer, but found a negative "
            "integer: `-1`",
        ),
        (
            {"filter": {"active": "yes"}},
            "invalid_dynamic_search_rule_filter_active",
            "Invalid value type at `.filter.active`: expected a boolean, but found a string: "
            '`"yes"`',
        ),
        (
            {"filter": {"uid": "x"}},
            "invalid_dynamic_search_rule_filter",
            "Unknown field `uid` inside `.filter`: expected one of `query`, `active`",
        ),
    ],
)
def test_invalid_listings_are_refused(
    http: httpx.Client, body: dict[str, Any], code: str, message: str
) -> None:
    assert_error(http.post("/dynamic-search-rules", json=body), 400, code, message)


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("POST", "/dynamic-search-rules", LIST_DISABLED),
        ("DELETE", "/dynamic-search-rules", RULES_DISABLED),
        ("GET", "/dynamic-search-rules/a", RULES_DISABLED),
        ("PATCH", "/dynamic-search-rules/a", RULES_DISABLED),
        ("DELETE", "/dynamic-search-rules/a", RULES_DISABLED),
    ],
)
def test_routes_need_the_feature(http: httpx.Client, method: str, path: str, message: str) -> None:
    body = {} if method in ("POST", "PATCH") else None
    response = request(http, method, path, json=body)
    assert_error(response, 400, "feature_not_enabled", message)


# ---- pins in search --------------------------------------------------------------------------

SUPPORT = [
    {"id": "billing-overview", "title": "Billing workspace", "kind": "billing"},
    {"id": "statements", "title": "Download monthly statements", "kind": "billing"},
    {"id": "invoice-faq", "title": "Invoice questions", "kind": "faq"},
    {"id": "invoice-tax", "title": "Invoice taxes", "kind": "faq"},
    {"id": "welcome", "title": "Welcome", "kind": "guide"},
]


def pin(document_id: str, position: int, index_uid: str | None = None) -> dict[str, Any]:
    selector: dict[str, Any] = {"id": document_id}
    if index_uid is not None:
        selector["indexUid"] = index_uid
    return {"selector": selector, "action": {"type": "pin", "position": position}}


@pytest.fixture
def support(client: meilisearch.Client, index_uid: str) -> meilisearch.index.Index:
    index = client.index(index_uid)
    wait_ok(client, index.update_filterable_attributes(["kind"]))
    wait_ok(client, index.add_documents(SUPPORT))
    return index


def hit_ids(result: dict[str, Any]) -> list[str]:
    return [hit["id"] for hit in result["hits"]]


@pytest.mark.usefixtures("rules_on")
def test_pins_appear_in_search_results(
    client: meilisearch.Client, support: meilisearch.index.Index
) -> None:
    uid = support.uid
    upsert(
        client,
        "invoice-help",
        {
            "conditions": {"query": {"words": "invoice"}},
            "actions": [pin("billing-overview", 0, uid), pin("statements", 1, uid)],
        },
    )
    upsert(
        client,
        "empty-state",
        {"conditions": {"query": {"isEmpty": True}}, "actions": [pin("welcome", 0)]},
    )
    result = support.search("invoice", {"showRankingScoreDetails": True, "facets": ["kind"]})
    assert hit_ids(result) == ["billing-overview", "statements", "invoice-faq", "invoice-tax"]
    assert result["estimatedTotalHits"] == 4
    assert result["facetDistribution"] == {"kind": {"billing": 2, "faq": 2}}
    assert result["hits"][1]["_rankingScoreDetails"] == {"pin": {"order": 0, "position": 1}}
    assert hit_ids(support.search("invoice", {"filter": "kind = faq"})) == [
        "invoice-faq",
        "invoice-tax",
    ]
    assert hit_ids(support.search("invoice", {"offset": 1, "limit": 2})) == [
        "statements",
        "invoice-faq",
    ]
    assert hit_ids(support.search("", {"limit": 2})) == ["welcome", "billing-overview"]
    assert hit_ids(support.search("welcome")) == ["welcome"]


@pytest.mark.usefixtures("rules_on")
def test_precedence_orders_competing_pins(
    client: meilisearch.Client, support: meilisearch.index.Index
) -> None:
    upsert(client, "late", {"actions": [pin("welcome", 0), pin("statements", 3)]})
    upsert(client, "early", {"precedence": 1, "actions": [pin("statements", 0)]})
    assert hit_ids(support.search("invoice")) == [
        "statements",
        "welcome",
        "invoice-faq",
        "invoice-tax",
    ]
    upsert(client, "early", {"active": False})
    assert hit_ids(support.search("invoice")) == [
        "welcome",
        "invoice-faq",
        "invoice-tax",
        "statements",
    ]


@pytest.mark.usefixtures("rules_on")
def test_time_windows_decide_whether_a_rule_fires(
    client: meilisearch.Client, support: meilisearch.index.Index
) -> None:
    upsert(
        client,
        "past",
        {"conditions": {"time": {"end": "2001-01-01T00:00:00Z"}}, "actions": [pin("welcome", 0)]},
    )
    upsert(
        client,
        "future",
        {"conditions": {"time": {"start": "2999-01-01T00:00:00Z"}}, "actions": [pin("welcome", 0)]},
    )
    assert hit_ids(support.search("invoice")) == ["invoice-faq", "invoice-tax"]
    upsert(
        client,
        "now",
        {
            "conditions": {
                "time": {"start": "2001-01-01T00:00:00Z", "end": "2999-01-01T00:00:00+02:00"}
            },
            "actions": [pin("welcome", 1)],
        },
    )
    assert hit_ids(support.search("invoice")) == ["invoice-faq", "welcome", "invoice-tax"]


@pytest.mark.usefixtures("rules_on")
def test_multi_search_and_federation_apply_pins(
    client: meilisearch.Client, support: meilisearch.index.Index
) -> None:
    upsert(client, "invoice-help", {"actions": [pin("welcome", 0, support.uid)]})
    queries = [{"indexUid": support.uid, "q": "invoice"}]
    results = client.multi_search(queries)["results"]
    assert hit_ids(results[0]) == ["welcome", "invoice-faq", "invoice-tax"]
    merged = client.multi_search(queries, federation={})
    assert hit_ids(merged) == ["welcome", "invoice-faq", "invoice-tax"]
    assert merged["estimatedTotalHits"] == 3


def test_pins_need_the_feature(
    http: httpx.Client, client: meilisearch.Client, support: meilisearch.index.Index
) -> None:
    http.patch("/experimental-features", json={"dynamicSearchRules": True})
    try:
        upsert(client, "always", {"actions": [pin("welcome", 0, support.uid)]})
        assert hit_ids(support.search("invoice"))[0] == "welcome"
        http.patch("/experimental-features", json={"dynamicSearchRules": False})
        assert hit_ids(support.search("invoice")) == ["invoice-faq", "invoice-tax"]
    finally:
        http.patch("/experimental-features", json={"dynamicSearchRules": True})
        wait(client, http.delete("/dynamic-search-rules").json())
        http.patch("/experimental-features", json={"dynamicSearchRules": False})
