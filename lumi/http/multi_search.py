"""``POST /multi-search``: several searches in one request, each on its own index, answered
one result per query, or merged into one list when the body has a ``federation`` object.

A query is a search body plus its ``indexUid`` (and ``federationOptions``, only meaningful
with ``federation``). The whole body is validated before any search runs, so a malformed
third query fails the request without searching the first two. A federated query naming a
``remote`` (``network`` feature) is routed through the stored network.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lumi.http.auth import access_of
from lumi.http.enqueue import engine_of
from lumi.http.indexes import json_body
from lumi.http.network import read_network
from lumi.http.params import body_index_uid
from lumi.http.responses import json
from lumi.http.routing import endpoint
from lumi.http.search import PERSONALIZE_BODY, SEARCH_FIELDS, search_options, search_target
from lumi.http.validation import (
    Body,
    Field,
    Invalid,
    array,
    boolean,
    custom,
    dict_of,
    integer,
    nullable,
    number,
    obj,
    string,
)
from lumi.search.federation import Federation, federated_search, remote_of
from lumi.search.multi import MultiQuery, SearchAccess, multi_search
from lumi.search.perform import SearchTarget
from lumi.search.remote import network_federated_search
from lumi.search.request import SearchRequest


def _weight(value: float) -> float:
    if value < 0.0:
        raise Invalid("the value of `weight` is invalid, expected a positive float (>= 0.0).")
    return value


def _facets_by_index(value: dict[str, Any]) -> dict[str, Any]:
    """Every key names an index the way ``indexUid`` does."""
    for uid in value:
        body_index_uid(uid)
    return value


FEDERATION_OPTIONS = Body(
    [
        Field("weight", custom(_weight, number()), "invalid_multi_search_weight"),
        Field("remote", nullable(string()), "invalid_multi_search_remote"),
        Field("queryPosition", nullable(integer()), "invalid_multi_search_query_position"),
    ],
    code="invalid_multi_search_federation_options",
)
QUERY_BODY = Body(
    [
        Field(
            "indexUid",
            body_index_uid,
            "invalid_index_uid",
            required=True,
            missing_code="missing_index_uid",
        ),
        *SEARCH_FIELDS,
        Field(
            "federationOptions",
            nullable(obj(FEDERATION_OPTIONS)),
            "invalid_multi_search_federation_options",
        ),
    ]
)
MERGE_FACETS = Body(
    [
        Field(
            "maxValuesPerFacet",
            nullable(integer()),
            "invalid_multi_search_max_values_per_facet",
        )
    ],
    code="invalid_multi_search_merge_facets",
)
FEDERATION = Body(
    [
        Field("limit", integer(), "invalid_search_limit"),
        Field("offset", integer(), "invalid_search_offset"),
        Field("page", nullable(integer()), "invalid_search_page"),
        Field("hitsPerPage", nullable(integer()), "invalid_search_hits_per_page"),
        Field(
            "facetsByIndex",
            custom(_facets_by_index, dict_of(nullable(array(string())))),
            "invalid_multi_search_facets_by_index",
        ),
        Field("mergeFacets", nullable(obj(MERGE_FACETS)), "invalid_multi_search_merge_facets"),
        Field("distinct", nullable(string()), "invalid_search_distinct"),
        Field("showPerformanceDetails", boolean(), "invalid_search_show_performance_details"),
        Field("personalize", nullable(obj(PERSONALIZE_BODY)), "invalid_search_personalize"),
    ]
)
MULTI_SEARCH_BODY = Body(
    [
        Field("queries", array(obj(QUERY_BODY)), required=True),
        Field("federation", nullable(obj(FEDERATION))),
    ]
)


@endpoint("POST", "/multi-search", "search", tenant_token=True)
async def search_many(request: Request) -> Response:
    raw = await json_body(request)
    body = MULTI_SEARCH_BODY.parse(raw)
    queries = [
        MultiQuery(
            query["indexUid"],
            SearchRequest.of(query),
            query.get("federationOptions"),
            frozenset(name for name, value in query.items() if value is not None),
            sent,
        )
        for query, sent in zip(body["queries"], raw["queries"], strict=True)
    ]
    access = access_of(request)
    rights = SearchAccess(access.allowed_indexes, access.search_filter)
    options = search_options(request)

    def open_target(uid: str) -> SearchTarget:
        return search_target(request, uid)

    federation = body.get("federation")
    if federation is None:
        return json(multi_search(queries, open_target, rights, options))
    merge = Federation.of(federation)
    if options.features.get("network") and any(remote_of(query) is not None for query in queries):
        network = read_network(engine_of(request).store)
        merged = await network_federated_search(
            queries, merge, open_target, rights, options, network
        )
    else:
        merged = federated_search(queries, merge, open_target, rights, options)
    return json(merged)


ENDPOINTS = [search_many]
