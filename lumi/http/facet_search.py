"""``POST /indexes/{uid}/facet-search``: values of one facet matching a prefix, counted over
the documents a search selects (``lumi.search.facet_search``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from lumi.http.auth import access_of
from lumi.http.enqueue import engine_of
from lumi.http.indexes import json_body
from lumi.http.params import path_index_uid
from lumi.http.responses import json
from lumi.http.routing import endpoint
from lumi.http.search import SEARCH_FIELDS
from lumi.http.validation import Body, Field, boolean, nullable, string
from lumi.search.facet_search import FacetSearchOptions, FacetSearchRequest, facet_search

_SHARED = {field.name: field for field in SEARCH_FIELDS}
FACET_SEARCH_BODY = Body(
    [
        Field(
            "facetName",
            string(),
            "invalid_facet_search_name",
            required=True,
            missing_code="missing_facet_search_facet_name",
        ),
        Field("facetQuery", nullable(string()), "invalid_facet_search_query"),
        *(
            _SHARED[name]
            for name in (
                "q",
                "vector",
                "media",
                "hybrid",
                "filter",
                "matchingStrategy",
                "attributesToSearchOn",
                "rankingScoreThreshold",
                "locales",
                "useNetwork",
            )
        ),
        Field(
            "exhaustiveFacetCount",
            nullable(boolean()),
            "invalid_facet_search_exhaustive_facet_count",
        ),
    ]
)


@endpoint("POST", "/indexes/{index_uid}/facet-search", "search", tenant_token=True)
async def search_facet_values(request: Request) -> Response:
    uid = path_index_uid(request)
    params = FACET_SEARCH_BODY.parse(await json_body(request))
    engine = engine_of(request)
    _meta, index = engine.open_index(uid)
    body = FacetSearchRequest(
        facet_name=params["facetName"],
        facet_query=params.get("facetQuery"),
        q=params.get("q"),
        filter=params.get("filter"),
        matching_strategy=params.get("matchingStrategy", "last"),
        attributes_to_search_on=params.get("attributesToSearchOn"),
        ranking_score_threshold=params.get("rankingScoreThreshold"),
    )
    options = FacetSearchOptions(
        token_filter=access_of(request).search_filter(uid),
        features=engine.experimental_features(),
        indexes=engine,
    )
    return json(facet_search(index, uid, body, options))


ENDPOINTS = [search_facet_values]
