"""``/dynamic-search-rules``: rules that pin documents at fixed places of the hits when the
query or the time match (experimental feature ``dynamicSearchRules``).

Reads answer from the stored rules; writes register ``dsrUpdate`` / ``dsrClear`` tasks once
the whole body is valid, and the scheduler applies them (``lumi.tasks.process.search_rules``).
Searches apply the rules through ``lumi.search.pins``.

The listing's ``filter.query`` keeps the rules whose uid or description hold every word of
the query (the last one may be the start of a word), case and accent insensitive; rules come
most recently updated first.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lumi.errors import LumiError
from lumi.http.enqueue import engine_of, enqueue
from lumi.http.features import require_feature
from lumi.http.indexes import json_body
from lumi.http.params import body_index_uid
from lumi.http.responses import json
from lumi.http.routing import endpoint
from lumi.http.validation import (
    Body,
    Field,
    Invalid,
    Parser,
    Query,
    array,
    boolean,
    custom,
    integer,
    nullable,
    obj,
    one_of,
    q_string,
    string,
)
from lumi.http.views import offset_page
from lumi.search.pins import words_of
from lumi.tasks import builders
from lumi.tasks.process.search_rules import load_rules, rule_view
from lumi.timefmt import parse_rfc3339

RULES_DISABLED = (
    "Using the `/dynamic-search-rules` routes requires enabling the `dynamic search rules` "
    "experimental feature. See https://github.com/orgs/meilisearch/discussions/884"
)
LIST_DISABLED = (
    "Calling the `POST /dynamic-search-rules` route requires enabling the `dynamic search "
    "rules` experimental feature. See https://github.com/orgs/meilisearch/discussions/884"
)
_FILTER = Body(
    [
        Field("query", nullable(string()), "invalid_dynamic_search_rule_filter_query"),
        Field("active", nullable(boolean()), "invalid_dynamic_search_rule_filter_active"),
    ],
    code="invalid_dynamic_search_rule_filter",
)
LIST_BODY = Body(
    [
        Field("offset", integer(), "invalid_dynamic_search_rule_offset", default=0),
        Field("limit", integer(), "invalid_dynamic_search_rule_limit", default=20),
        Field("filter", nullable(obj(_FILTER)), "invalid_dynamic_search_rule_filter"),
    ]
)


def _instant(value: str) -> str:
    if parse_rfc3339(value) is None:
        raise Invalid(f"`{value}` is not a valid RFC 3339 date-time.")
    return value


def _query_condition(body: Body) -> Parser:
    """``isEmpty: true`` asks for a query without words, ``words`` for some: not both."""

    def check(value: dict[str, Any]) -> dict[str, Any]:
        if value.get("isEmpty") is True and value.get("words") is not None:
            raise Invalid("`isEmpty: true` and `words` cannot be used in the same condition.")
        return value

    return custom(check, obj(body))


_QUERY_CONDITION = Body([Field("isEmpty", nullable(boolean())), Field("words", nullable(string()))])
_TIME_CONDITION = Body(
    [
        Field("start", nullable(custom(_instant, string()))),
        Field("end", nullable(custom(_instant, string()))),
    ]
)
_CONDITIONS = Body(
    [
        Field("query", nullable(_query_condition(_QUERY_CONDITION))),
        Field("time", nullable(obj(_TIME_CONDITION))),
    ]
)
_SELECTOR = Body(
    [Field("indexUid", nullable(body_index_uid)), Field("id", string(), required=True)]
)
_PIN = Body(
    [
        Field("type", one_of("pin"), required=True),
        Field("position", integer(), required=True),
    ]
)
_ACTION = Body(
    [
        Field("selector", obj(_SELECTOR), required=True),
        Field("action", obj(_PIN), required=True),
    ]
)
RULE_BODY = Body(
    [
        Field("description", nullable(string()), "invalid_dynamic_search_rule_description"),
        Field("precedence", nullable(integer()), "invalid_dynamic_search_rule_priority"),
        Field("active", nullable(boolean()), "invalid_dynamic_search_rule_active"),
        Field("conditions", nullable(obj(_CONDITIONS)), "invalid_dynamic_search_rule_conditions"),
        Field("actions", nullable(array(obj(_ACTION))), "invalid_dynamic_search_rule_actions"),
    ]
)
META_QUERY = Query([Field("customMetadata", q_string(), "invalid_index_custom_metadata")])
_RULE = "/dynamic-search-rules/{rule_uid}"


def _stored_rules(request: Request) -> dict[str, dict[str, Any]]:
    store = engine_of(request).store
    with store.read() as txn:
        return load_rules(store, txn)


def matches_query(rule: dict[str, Any], query: str) -> bool:
    """Whether ``rule``'s uid or description holds every word of ``query``."""
    wanted = words_of(query)
    if not wanted:
        return True
    text = words_of(f"{rule['uid']} {rule.get('description') or ''}")
    *whole, last = wanted
    return all(word in text for word in whole) and any(word.startswith(last) for word in text)


def listing(
    rules: dict[str, dict[str, Any]], filters: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The rules a listing shows, most recently updated first (then by uid)."""
    query = (filters or {}).get("query")
    active = (filters or {}).get("active")
    kept = [
        rule
        for rule in rules.values()
        if (active is None or rule.get("active", True) == active)
        and (query is None or matches_query(rule, query))
    ]
    kept.sort(key=lambda rule: rule["uid"])
    kept.sort(key=lambda rule: rule["lastUpdatedAt"], reverse=True)
    return kept


@endpoint("POST", "/dynamic-search-rules", "dynamicSearchRules.get")
async def list_rules(request: Request) -> Response:
    require_feature(request, "dynamicSearchRules", LIST_DISABLED)
    body = LIST_BODY.parse(await json_body(request))
    rules = listing(_stored_rules(request), body.get("filter"))
    offset, limit = body["offset"], body["limit"]
    page = [rule_view(rule) for rule in rules[offset : offset + limit]]
    return json(offset_page(page, offset, limit, len(rules)))


@endpoint("DELETE", "/dynamic-search-rules", "dynamicSearchRules.delete")
async def clear_rules(request: Request) -> Response:
    require_feature(request, "dynamicSearchRules", RULES_DISABLED)
    params = META_QUERY.parse(request.query_params.multi_items())
    return await enqueue(request, builders.search_rules_clear(params.get("customMetadata")))


@endpoint("GET", _RULE, "dynamicSearchRules.get")
async def get_rule(request: Request) -> Response:
    require_feature(request, "dynamicSearchRules", RULES_DISABLED)
    uid = request.path_params["rule_uid"]
    rule = _stored_rules(request).get(uid)
    if rule is None:
        raise LumiError("dynamic_search_rule_not_found", f"Dynamic search rule `{uid}` not found.")
    return json(rule_view(rule))


@endpoint("PATCH", _RULE, "dynamicSearchRules.update")
async def upsert_rule(request: Request) -> Response:
    require_feature(request, "dynamicSearchRules", RULES_DISABLED)
    params = META_QUERY.parse(request.query_params.multi_items())
    rule = RULE_BODY.parse(await json_body(request))
    uid = request.path_params["rule_uid"]
    task = builders.search_rule_update(uid, rule, params.get("customMetadata"))
    return await enqueue(request, task)


@endpoint("DELETE", _RULE, "dynamicSearchRules.delete")
async def delete_rule(request: Request) -> Response:
    require_feature(request, "dynamicSearchRules", RULES_DISABLED)
    params = META_QUERY.parse(request.query_params.multi_items())
    uid = request.path_params["rule_uid"]
    task = builders.search_rule_deletion(uid, params.get("customMetadata"))
    return await enqueue(request, task)


ENDPOINTS = [list_rules, clear_rules, get_rule, upsert_rule, delete_rule]
