"""``GET`` and ``POST /indexes/{uid}/search``: parameters checked field by field, then one
call to the search engine.

The POST body and the query string accept the same parameters; in the query string lists
are comma-separated, ``filter`` may be JSON, ``hybrid`` is spelled ``hybridEmbedder`` and
``hybridSemanticRatio`` and ``personalize`` is ``personalizeUserContext``. ``SEARCH_FIELDS``
is reused by multi-search, whose queries are search bodies with an ``indexUid``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lumi.errors import LumiError
from lumi.http.auth import access_of
from lumi.http.enqueue import engine_of
from lumi.http.indexes import json_body
from lumi.http.params import path_index_uid
from lumi.http.responses import json
from lumi.http.routing import endpoint
from lumi.http.validation import (
    Body,
    Field,
    Invalid,
    Parser,
    Query,
    any_json,
    array,
    boolean,
    custom,
    integer,
    nullable,
    number,
    obj,
    one_of,
    q_boolean,
    q_integer,
    q_string,
    string,
)
from lumi.index.settings_validation import LOCALES
from lumi.search.perform import SearchOptions, SearchTarget, perform_search
from lumi.search.request import (
    DEFAULT_SEMANTIC_RATIO,
    MATCHING_STRATEGIES,
    SearchRequest,
    decode_filter,
    split_list,
    split_sort,
)


def _unit_interval(name: str) -> Parser:
    """A float between 0 and 1, refused with the reference's wording for ``name``."""

    def check(value: float) -> float:
        if not 0.0 <= value <= 1.0:
            raise Invalid(
                f"the value of `{name}` is invalid, expected a float between `0.0` and `1.0`."
            )
        return value

    return check


def _q_float(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise Invalid(f"could not parse `{value}` as a float") from None


def _q_list(of: Parser | None = None) -> Parser:
    """A comma-separated list, items trimmed; ``of`` checks each item (``p[i]`` on error)."""

    def parse(value: str) -> list[Any]:
        items = split_list(value)
        return items if of is None else array(of)(items)

    return parse


_STRINGS = nullable(array(string()))
_THRESHOLD = _unit_interval("rankingScoreThreshold")
_RATIO = _unit_interval("semanticRatio")

HYBRID_BODY = Body(
    [
        Field(
            "semanticRatio",
            custom(_RATIO, number()),
            "invalid_search_semantic_ratio",
            default=DEFAULT_SEMANTIC_RATIO,
        ),
        Field("embedder", string(), "invalid_search_embedder", required=True),
    ],
    code="invalid_search_hybrid_query",
)
PERSONALIZE_BODY = Body(
    [Field("userContext", string(), "invalid_search_personalize_user_context", required=True)],
    code="invalid_search_personalize",
)

SEARCH_FIELDS: tuple[Field, ...] = (
    Field("q", nullable(string()), "invalid_search_q"),
    Field("vector", nullable(array(number())), "invalid_search_vector"),
    Field("media", any_json(), "invalid_search_media"),
    Field("hybrid", nullable(obj(HYBRID_BODY)), "invalid_search_hybrid_query"),
    Field("offset", integer(), "invalid_search_offset"),
    Field("limit", integer(), "invalid_search_limit"),
    Field("page", nullable(integer()), "invalid_search_page"),
    Field("hitsPerPage", nullable(integer()), "invalid_search_hits_per_page"),
    Field("attributesToRetrieve", _STRINGS, "invalid_search_attributes_to_retrieve"),
    Field("retrieveVectors", boolean(), "invalid_search_retrieve_vectors"),
    Field("attributesToCrop", _STRINGS, "invalid_search_attributes_to_crop"),
    Field("cropLength", integer(), "invalid_search_crop_length"),
    Field("attributesToHighlight", _STRINGS, "invalid_search_attributes_to_highlight"),
    Field("showMatchesPosition", boolean(), "invalid_search_show_matches_position"),
    Field("showRankingScore", boolean(), "invalid_search_show_ranking_score"),
    Field("showRankingScoreDetails", boolean(), "invalid_search_show_ranking_score_details"),
    Field("showPerformanceDetails", boolean(), "invalid_search_show_performance_details"),
    Field("filter", any_json(), "invalid_search_filter"),
    Field("sort", _STRINGS, "invalid_search_sort"),
    Field("distinct", nullable(string()), "invalid_search_distinct"),
    Field("facets", _STRINGS, "invalid_search_facets"),
    Field("highlightPreTag", string(), "invalid_search_highlight_pre_tag"),
    Field("highlightPostTag", string(), "invalid_search_highlight_post_tag"),
    Field("cropMarker", string(), "invalid_search_crop_marker"),
    Field("matchingStrategy", one_of(*MATCHING_STRATEGIES), "invalid_search_matching_strategy"),
    Field("attributesToSearchOn", _STRINGS, "invalid_search_attributes_to_search_on"),
    Field(
        "rankingScoreThreshold",
        nullable(custom(_THRESHOLD, number())),
        "invalid_search_ranking_score_threshold",
    ),
    Field("locales", nullable(array(one_of(*LOCALES))), "invalid_search_locales"),
    Field("personalize", nullable(obj(PERSONALIZE_BODY)), "invalid_search_personalize"),
    Field("useNetwork", nullable(boolean()), "invalid_search_use_network"),
)
SEARCH_BODY = Body(SEARCH_FIELDS)

SEARCH_QUERY = Query(
    [
        Field("q", q_string(), "invalid_search_q"),
        Field("vector", _q_list(_q_float), "invalid_search_vector"),
        Field("offset", q_integer(), "invalid_search_offset"),
        Field("limit", q_integer(), "invalid_search_limit"),
        Field("page", q_integer(), "invalid_search_page"),
        Field("hitsPerPage", q_integer(), "invalid_search_hits_per_page"),
        Field("attributesToRetrieve", _q_list(), "invalid_search_attributes_to_retrieve"),
        Field("retrieveVectors", q_boolean(), "invalid_search_retrieve_vectors"),
        Field("attributesToCrop", _q_list(), "invalid_search_attributes_to_crop"),
        Field("cropLength", q_integer(), "invalid_search_crop_length"),
        Field("attributesToHighlight", _q_list(), "invalid_search_attributes_to_highlight"),
        Field("filter", decode_filter, "invalid_search_filter"),
        Field("sort", split_sort, "invalid_search_sort"),
        Field("distinct", q_string(), "invalid_search_distinct"),
        Field("showMatchesPosition", q_boolean(), "invalid_search_show_matches_position"),
        Field("showRankingScore", q_boolean(), "invalid_search_show_ranking_score"),
        Field("showRankingScoreDetails", q_boolean(), "invalid_search_show_ranking_score_details"),
        Field("showPerformanceDetails", q_boolean(), "invalid_search_show_performance_details"),
        Field("facets", _q_list(), "invalid_search_facets"),
        Field("highlightPreTag", q_string(), "invalid_search_highlight_pre_tag"),
        Field("highlightPostTag", q_string(), "invalid_search_highlight_post_tag"),
        Field("cropMarker", q_string(), "invalid_search_crop_marker"),
        Field("matchingStrategy", one_of(*MATCHING_STRATEGIES), "invalid_search_matching_strategy"),
        Field("attributesToSearchOn", _q_list(), "invalid_search_attributes_to_search_on"),
        Field("hybridEmbedder", q_string(), "invalid_search_hybrid_query"),
        Field(
            "hybridSemanticRatio",
            custom(_RATIO, _q_float),
            "invalid_search_semantic_ratio",
        ),
        Field(
            "rankingScoreThreshold",
            custom(_THRESHOLD, _q_float),
            "invalid_search_ranking_score_threshold",
        ),
        Field("locales", _q_list(one_of(*LOCALES)), "invalid_search_locales"),
        Field("personalizeUserContext", q_string(), "invalid_search_personalize_user_context"),
        Field("useNetwork", q_boolean(), "invalid_search_use_network"),
    ]
)


def query_request(params: dict[str, Any]) -> SearchRequest:
    """The request a validated query string asks for (GET spellings folded back)."""
    embedder = params.pop("hybridEmbedder", None)
    ratio = params.pop("hybridSemanticRatio", None)
    if embedder is not None:
        semantic_ratio = DEFAULT_SEMANTIC_RATIO if ratio is None else ratio
        params["hybrid"] = {"embedder": embedder, "semanticRatio": semantic_ratio}
    elif ratio is not None:
        raise LumiError(
            "invalid_search_hybrid_query",
            "`hybridEmbedder` is mandatory when `hybridSemanticRatio` is present",
        )
    context = params.pop("personalizeUserContext", None)
    if context is not None:
        params["personalize"] = {"userContext": context}
    return SearchRequest.of(params)


def search_target(request: Request, uid: str) -> SearchTarget:
    meta, index = engine_of(request).open_index(uid)
    return SearchTarget(uid, meta.primary_key, index)


def search_options(
    request: Request, token_filter: Any = None, query_string: bool = False
) -> SearchOptions:
    """What a search needs from the HTTP request besides its parameters."""
    metadata = request.headers.get("meili-include-metadata", "").lower() in ("true", "1")
    return SearchOptions(
        token_filter=token_filter,
        query_string=query_string,
        include_metadata=metadata,
        features=engine_of(request).experimental_features(),
        indexes=engine_of(request),
    )


def _answer(request: Request, search: SearchRequest, *, query_string: bool) -> Response:
    uid = path_index_uid(request)
    target = search_target(request, uid)
    token_filter = access_of(request).search_filter(uid)
    options = search_options(request, token_filter, query_string)
    return json(perform_search(target, search, options))


@endpoint("GET", "/indexes/{index_uid}/search", "search", tenant_token=True)
async def search_with_get(request: Request) -> Response:
    params = SEARCH_QUERY.parse(request.query_params.multi_items())
    return _answer(request, query_request(params), query_string=True)


@endpoint("POST", "/indexes/{index_uid}/search", "search", tenant_token=True)
async def search_with_post(request: Request) -> Response:
    params = SEARCH_BODY.parse(await json_body(request))
    return _answer(request, SearchRequest.of(params), query_string=False)


ENDPOINTS = [search_with_get, search_with_post]
