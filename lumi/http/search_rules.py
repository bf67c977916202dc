"""``/dynamic-search-rules``: pinning documents for some queries (``dynamicSearchRules``).

Lumi's search does not apply such rules, so none can be created: with the feature on, the
listing is empty (its body is still validated), a named rule is not found, and writes are
refused with a message saying the feature is not offered, rather than registering tasks
that would never take effect.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from lumi.errors import LumiError
from lumi.http.features import require_feature
from lumi.http.indexes import json_body
from lumi.http.responses import json
from lumi.http.routing import endpoint
from lumi.http.validation import Body, Field, boolean, integer, nullable, obj, string
from lumi.http.views import offset_page

RULES_DISABLED = (
    "Using the `/dynamic-search-rules` routes requires enabling the `dynamic search rules` "
    "experimental feature. See https://github.com/orgs/meilisearch/discussions/884"
)
LIST_DISABLED = (
    "Calling the `POST /dynamic-search-rules` route requires enabling the `dynamic search "
    "rules` experimental feature. See https://github.com/orgs/meilisearch/discussions/884"
)
UNSUPPORTED = "Dynamic search rules are not supported by Lumi: its search does not apply them."
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
_RULE = "/dynamic-search-rules/{rule_uid}"


@endpoint("POST", "/dynamic-search-rules", "dynamicSearchRules.get")
async def list_rules(request: Request) -> Response:
    require_feature(request, "dynamicSearchRules", LIST_DISABLED)
    body = LIST_BODY.parse(await json_body(request))
    return json(offset_page([], body["offset"], body["limit"], 0))


@endpoint("DELETE", "/dynamic-search-rules", "dynamicSearchRules.delete")
async def clear_rules(request: Request) -> Response:
    require_feature(request, "dynamicSearchRules", RULES_DISABLED)
    raise LumiError("bad_request", UNSUPPORTED)


@endpoint("GET", _RULE, "dynamicSearchRules.get")
async def get_rule(request: Request) -> Response:
    require_feature(request, "dynamicSearchRules", RULES_DISABLED)
    uid = request.path_params["rule_uid"]
    raise LumiError("dynamic_search_rule_not_found", f"Dynamic search rule `{uid}` not found.")


@endpoint("PATCH", _RULE, "dynamicSearchRules.update")
async def upsert_rule(request: Request) -> Response:
    require_feature(request, "dynamicSearchRules", RULES_DISABLED)
    raise LumiError("bad_request", UNSUPPORTED)


@endpoint("DELETE", _RULE, "dynamicSearchRules.delete")
async def delete_rule(request: Request) -> Response:
    require_feature(request, "dynamicSearchRules", RULES_DISABLED)
    raise LumiError("bad_request", UNSUPPORTED)


ENDPOINTS = [list_rules, clear_rules, get_rule, upsert_rule, delete_rule]
