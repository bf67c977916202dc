"""``/indexes/{uid}/similar``: documents similar to a given one, by embedder.

Requests are validated like Meilisearch validates them (GET and POST name the same
parameters), then answered by ``lumi.search.similar``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lumi.http.auth import access_of
from lumi.http.enqueue import engine_of
from lumi.http.indexes import json_body
from lumi.http.params import path_index_uid
from lumi.http.responses import json
from lumi.http.routing import endpoint
from lumi.http.search import search_target
from lumi.http.validation import (
    Body,
    Field,
    Invalid,
    Query,
    WrongType,
    any_json,
    array,
    boolean,
    integer,
    nullable,
    number,
    q_boolean,
    q_integer,
    q_list,
    q_string,
    string,
)
from lumi.search.similar import SimilarRequest, perform_similar


def _document_id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise WrongType("a string", value)
    return str(value)


def _q_float(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise Invalid(f"could not parse `{value}` as a float") from None


SIMILAR_BODY = Body(
    [
        Field("id", _document_id, "invalid_similar_id", required=True),
        Field("embedder", string(), "invalid_similar_embedder", required=True),
        Field("offset", integer(), "invalid_similar_offset", default=0),
        Field("limit", integer(), "invalid_similar_limit", default=20),
        Field("filter", any_json(), "invalid_similar_filter"),
        Field(
            "attributesToRetrieve",
            nullable(array(string())),
            "invalid_similar_attributes_to_retrieve",
        ),
        Field("retrieveVectors", boolean(), "invalid_similar_retrieve_vectors"),
        Field("showRankingScore", boolean(), "invalid_similar_show_ranking_score"),
        Field("showRankingScoreDetails", boolean(), "invalid_similar_show_ranking_score_details"),
        Field("showPerformanceDetails", boolean(), "invalid_similar_show_performance_details"),
        Field(
            "rankingScoreThreshold",
            nullable(number()),
            "invalid_similar_ranking_score_threshold",
        ),
    ]
)
SIMILAR_QUERY = Query(
    [
        Field("id", q_string(), "invalid_similar_id", required=True),
        Field("embedder", q_string(), "invalid_similar_embedder", required=True),
        Field("offset", q_integer(), "invalid_similar_offset", default=0),
        Field("limit", q_integer(), "invalid_similar_limit", default=20),
        Field("filter", q_string(), "invalid_similar_filter"),
        Field("attributesToRetrieve", q_list(q_string()), "invalid_similar_attributes_to_retrieve"),
        Field("retrieveVectors", q_boolean(), "invalid_similar_retrieve_vectors"),
        Field("showRankingScore", q_boolean(), "invalid_similar_show_ranking_score"),
        Field("showRankingScoreDetails", q_boolean(), "invalid_similar_show_ranking_score_details"),
        Field("showPerformanceDetails", q_boolean(), "invalid_similar_show_performance_details"),
        Field("rankingScoreThreshold", _q_float, "invalid_similar_ranking_score_threshold"),
    ]
)


def _answer(request: Request, params: dict[str, Any]) -> Response:
    uid = path_index_uid(request)
    target = search_target(request, uid)
    token_filter = access_of(request).search_filter(uid)
    details = bool(params.get("showPerformanceDetails"))
    engine = engine_of(request)
    body = perform_similar(
        target,
        SimilarRequest.of(params),
        token_filter,
        details,
        features=engine.experimental_features(),
        opener=engine,
    )
    return json(body)


@endpoint("GET", "/indexes/{index_uid}/similar", "search", tenant_token=True)
async def similar_with_get(request: Request) -> Response:
    return _answer(request, SIMILAR_QUERY.parse(request.query_params.multi_items()))


@endpoint("POST", "/indexes/{index_uid}/similar", "search", tenant_token=True)
async def similar_with_post(request: Request) -> Response:
    return _answer(request, SIMILAR_BODY.parse(await json_body(request)))


ENDPOINTS = [similar_with_get, similar_with_post]
