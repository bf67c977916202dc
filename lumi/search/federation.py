"""Federated multi-search: the hits of several queries merged into one ranked list.

Every query is searched for as many hits as the federated page needs, with its ranking
score; each score is multiplied by the query's ``federationOptions.weight`` (1 by default)
and the hits are merged best first (ties keep query order, then each query's own order).
Each hit tells where it came from in ``_federation``. Pagination belongs to the federation
(``limit``/``offset`` or ``page``/``hitsPerPage``), so queries may not paginate, ask for
facets, performance details or personalization themselves.

``federation.distinct`` keeps one hit per value of an attribute across the merged list: each
query applies it (so it must be filterable in every index searched, and a query may not
name its own ``distinct``), then ``lumi.search.federated_distinct`` drops the merged hits
sharing a value with a better one. When that leaves the page short while some query may
have more hits, the queries are searched again for twice as many.
Facets (``facetsByIndex``, ``mergeFacets``) are counted by ``lumi.search.federated_facets``.
With ``showPerformanceDetails`` the response times the ``federating results > ...`` steps
and the local searches' own steps, summed over the searches.

A query may name a ``federationOptions.remote`` of the instance's network (``network``
feature): a query for ``self`` is searched here, the others are answered by their instance
(see ``lumi.search.remote``) and arrive here as ``Remotes``, already scored, to be merged with
the local hits. Every hit of a query that named a remote tells that remote in ``_federation``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from lumi.errors import LumiError
from lumi.search.federated_distinct import DistinctKeys, distinct_hits, index_keys
from lumi.search.federated_facets import FacetCounter, IndexFacets, combine, merge_facets
from lumi.search.multi import INVALID_API_KEY, MultiQuery, QueryError, SearchAccess
from lumi.search.perform import SearchOptions, SearchTarget, new_request_uid, perform_search
from lumi.search.pipeline import EngineResult
from lumi.search.request import DEFAULT_LIMIT, SearchRequest
from lumi.search.trace import SearchTrace, Timings

_PAGINATION = ("limit", "offset", "page", "hitsPerPage")
_TRAILING = ("_formatted", "_matchesPosition", "_rankingScore", "_rankingScoreDetails")
_REMOTE = (
    "Performing a remote federated search requires enabling the `network` experimental "
    "feature. See https://github.com/orgs/meilisearch/discussions/805"
)
PARTITION = "federating results > partition queries"
LOCAL_SEARCH = "federating results > execute local search"
MERGE_RESULTS = "federating results > merge results"
MERGE_FACETS = "federating results > merge facets"


# One hit in the merged list: (-weighted score, query position, rank in its query, hit).
Ranked = tuple[float, int, int, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Remotes:
    """What the other instances of the network answered for the queries sent to them.

    ``self_name`` is this instance's name in the network (its queries run here);
    ``hits`` are already scored and carry their ``_federation``; ``metadata`` is keyed by
    query position; ``errors`` holds one error body per remote that failed; ``elapsed`` is the
    time spent waiting for them, counted in ``processingTimeMs``; ``facets`` lists the
    facets the remotes counted for each index and ``steps`` the timings of asking them.
    """

    self_name: str | None = None
    hits: Sequence[Ranked] = ()
    total: int = 0
    metadata: Mapping[int, dict[str, Any]] = field(default_factory=dict)
    errors: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    elapsed: float = 0.0
    facets: Mapping[str, Sequence[IndexFacets]] = field(default_factory=dict)
    steps: Mapping[str, float] = field(default_factory=dict)


def remote_of(query: MultiQuery) -> str | None:
    """The remote a federated query names, if any."""
    return (query.federation_options or {}).get("remote")


@dataclass(frozen=True, slots=True)
class Federation:
    """The ``federation`` object of a multi-search.

    ``facets_by_index`` is ``facetsByIndex`` as sent (None when absent), ``merge_facets``
    whether ``mergeFacets`` was given and ``max_values_per_facet`` its limit."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    page: int | None = None
    hits_per_page: int | None = None
    show_performance_details: bool = False
    facets_by_index: Mapping[str, Sequence[str] | None] | None = None
    merge_facets: bool = False
    max_values_per_facet: int | None = None
    distinct: str | None = None

    @classmethod
    def of(cls, params: dict[str, Any]) -> Federation:
        """From a validated ``federation`` object."""
        merge = params.get("mergeFacets")
        return cls(
            limit=params.get("limit", DEFAULT_LIMIT),
            offset=params.get("offset", 0),
            page=params.get("page"),
            hits_per_page=params.get("hitsPerPage"),
            show_performance_details=params.get("showPerformanceDetails", False),
            facets_by_index=params.get("facetsByIndex"),
            merge_facets=merge is not None,
            max_values_per_facet=None if merge is None else merge.get("maxValuesPerFacet"),
            distinct=params.get("distinct"),
        )

    @property
    def pages(self) -> SearchRequest:
        """The federation's pagination, as a request object computes it."""
        return SearchRequest(
            limit=self.limit, offset=self.offset, page=self.page, hits_per_page=self.hits_per_page
        )


@dataclass(frozen=True, slots=True)
class _Searched:
    """One query searched here: its response, the engine's result and, with a federation
    ``distinct``, the distinct values of each of its hits."""

    position: int
    query: MultiQuery
    answer: dict[str, Any]
    result: EngineResult | None
    keys: Sequence[DistinctKeys] | None


def check_queries(
    queries: Sequence[MultiQuery], options: SearchOptions, federation: Federation = Federation()
) -> None:
    """Refuse what federated queries may not ask for, before anything is searched."""
    network = bool(options.features.get("network"))
    distinct = federation.distinct is not None
    for position, query in enumerate(queries):
        _guarded(position, _check_query, query, position, network, distinct)


def federated_search(
    queries: Sequence[MultiQuery],
    federation: Federation,
    open_target: Callable[[str], SearchTarget],
    access: SearchAccess,
    options: SearchOptions = SearchOptions(),
    remotes: Remotes | None = None,
) -> dict[str, Any]:
    """The merged response of a federated multi-search.

    ``remotes`` is given when some query named a remote: queries for other instances are
    then not searched here, their answers are merged in, and the response has
    ``remoteErrors``."""
    began = time.perf_counter()
    network = remotes or Remotes()
    timings = Timings()
    timings.merge(network.steps)
    options = replace(options, request_uid=options.request_uid or new_request_uid())
    check_queries(queries, options, federation)
    local = [p for p, query in enumerate(queries) if remote_of(query) in (None, network.self_name)]
    step = timings.since(PARTITION, began)
    pages = federation.pages
    offset, limit = pages.window(2**63)

    def run(position: int, needed: int) -> _Searched:
        query = queries[position]
        found = _guarded(
            position, _search, query, needed, open_target, access, options, federation, timings
        )
        return _Searched(position, query, *found)

    searched, ranked, step = _search_and_merge(
        run, local, offset + limit, federation.distinct, network, timings, step
    )
    facets = _facets(queries, federation, searched, network, open_target, access)
    if facets is not None:
        timings.since(MERGE_FACETS, step)
    total = network.total + sum(s.answer.get("estimatedTotalHits", 0) for s in searched)
    elapsed = time.perf_counter() - began + network.elapsed
    body: dict[str, Any] = {
        "hits": [item[3] for item in ranked[offset : offset + limit]],
        "processingTimeMs": int(elapsed * 1000),
        **pages.pagination_view(total, 2**63),
    }
    if facets is not None:
        body.update(facets)
    body["requestUid"] = options.request_uid
    if options.include_metadata:
        metadata = dict(network.metadata)
        for s in searched:
            if "metadata" in s.answer:
                metadata[s.position] = _tagged(s.answer["metadata"], remote_of(s.query))
        body["metadata"] = [metadata[position] for position in sorted(metadata)]
    if federation.show_performance_details:
        body["performanceDetails"] = timings.view()
    if remotes is not None:
        body["remoteErrors"] = dict(remotes.errors)
    return body


def _search_and_merge(
    run: Callable[[int, int], _Searched],
    local: Sequence[int],
    wanted: int,
    distinct: str | None,
    network: Remotes,
    timings: Timings,
    step: float,
) -> tuple[list[_Searched], list[Ranked], float]:
    """The local queries searched for ``wanted`` hits each and every hit merged. A distinct
    merged list that runs short while some query may have more hits asks again for twice
    as many."""
    needed = wanted
    while True:
        searched = [run(position, needed) for position in local]
        step = timings.since(LOCAL_SEARCH, step)
        ranked = _merged(searched, network)
        if distinct is not None:
            known = {
                (s.position, rank): keys for s in searched for rank, keys in enumerate(s.keys or ())
            }
            ranked = distinct_hits(ranked, distinct, known)
        step = timings.since(MERGE_RESULTS, step)
        if distinct is None or len(ranked) >= wanted:
            return searched, ranked, step
        if all(len(s.answer["hits"]) < needed for s in searched):
            return searched, ranked, step
        needed *= 2


def _merged(searched: Sequence[_Searched], network: Remotes) -> list[Ranked]:
    """Local and remote hits, best first."""
    ranked = list(network.hits)
    for s in searched:
        ranked.extend(_scored(s.query, s.position, s.answer["hits"], remote_of(s.query)))
    ranked.sort(key=lambda item: item[:3])
    return ranked


def _facets(
    queries: Sequence[MultiQuery],
    federation: Federation,
    searched: Sequence[_Searched],
    network: Remotes,
    open_target: Callable[[str], SearchTarget],
    access: SearchAccess,
) -> dict[str, Any] | None:
    """The response's ``facetsByIndex``, or its ``facetDistribution`` and ``facetStats``
    with ``mergeFacets``; local and remote counts together."""
    by_index = _index_facets(queries, federation, searched, network, open_target, access)
    if federation.merge_facets:
        merged = merge_facets(by_index or {}, federation.max_values_per_facet)
        return {"facetDistribution": merged[0], "facetStats": merged[1]}
    if by_index is None:
        return None
    return {"facetsByIndex": {uid: part.view() for uid, part in by_index.items()}}


def _index_facets(
    queries: Sequence[MultiQuery],
    federation: Federation,
    searched: Sequence[_Searched],
    network: Remotes,
    open_target: Callable[[str], SearchTarget],
    access: SearchAccess,
) -> dict[str, IndexFacets] | None:
    if federation.facets_by_index is None:
        return None
    max_values = federation.max_values_per_facet if federation.merge_facets else None
    counter = FacetCounter(federation.facets_by_index, federation.distinct, max_values)
    for position, query in enumerate(queries):
        counter.queried(query.index_uid, position)
    for s in searched:
        if s.result is not None:
            counter.add(s.query.index_uid, s.result.candidates, s.query.request.distinct)
    here = {s.query.index_uid for s in searched}
    remote_only = {query.index_uid for query in queries} - here
    local = counter.count(open_target, access, remote_only)
    return {
        uid: combine([*([local[uid]] if uid in local else []), *network.facets.get(uid, ())])
        for uid in counter.requested
    }


def _scored(
    query: MultiQuery, position: int, hits: list[dict[str, Any]], remote: str | None
) -> list[Ranked]:
    """The hits of one query searched here, with their weighted scores and origin."""
    options = query.federation_options or {}
    weight = options.get("weight", 1.0)
    reported = options.get("queryPosition")
    origin = {
        "indexUid": query.index_uid,
        "queriesPosition": position if reported is None else reported,
    }
    keep_score = query.request.show_ranking_score
    out = []
    for rank, hit in enumerate(hits):
        score = hit["_rankingScore"] * weight
        if not keep_score:
            del hit["_rankingScore"]
        hit_origin = {**origin, "weightedRankingScore": score}
        if remote is not None:
            hit_origin["remote"] = remote
        out.append((-score, position, rank, _with_origin(hit, hit_origin)))
    return out


def _tagged(metadata: dict[str, Any], remote: str | None) -> dict[str, Any]:
    return metadata if remote is None else {**metadata, "remote": remote}


def _guarded(position: int, step: Callable[..., Any], *args: Any) -> Any:
    try:
        return step(*args)
    except LumiError as error:
        raise QueryError(error.code, f"Inside `.queries[{position}]`: {error.message}") from None


def _check_query(query: MultiQuery, position: int, network: bool, distinct: bool) -> None:
    given = query.given
    for name in _PAGINATION:
        if name in given:
            raise LumiError(
                "invalid_multi_search_query_pagination",
                "Using pagination options is not allowed in federated queries.\n"
                f" - Hint: remove `{name}` from query #{position} or remove `federation` "
                "from the request\n - Hint: pass `federation.limit` and `federation.offset` "
                "for pagination in federated search",
            )
    for name, code in (
        ("facets", "invalid_multi_search_query_facets"),
        ("showPerformanceDetails", "invalid_multi_search_query_show_performance_details"),
        ("personalize", "invalid_multi_search_query_personalization"),
    ):
        if name in given:
            raise LumiError(
                code,
                f"Using `{name}` is not allowed in federated queries.\n"
                f" - Hint: remove `{name}` from query #{position} or remove `federation` from "
                "the request",
            )
    if distinct and "distinct" in given:
        raise LumiError(
            "invalid_multi_search_distinct",
            "Using `distinct` in a federated query is not allowed when `federation.distinct` "
            f"is set.\n - Hint: remove `distinct` from query #{position} or remove "
            "`distinct` from `federation`",
        )
    if not network and remote_of(query) is not None:
        raise LumiError("feature_not_enabled", _REMOTE)


def _search(
    query: MultiQuery,
    needed: int,
    open_target: Callable[[str], SearchTarget],
    access: SearchAccess,
    options: SearchOptions,
    federation: Federation,
    timings: Timings,
) -> tuple[dict[str, Any], EngineResult | None, list[DistinctKeys] | None]:
    """The answer of one query searched here, the engine's result and, with a federation
    ``distinct``, the distinct values of each hit."""
    uid = query.index_uid
    if not access.allowed(uid):
        raise LumiError("invalid_api_key", INVALID_API_KEY)
    target = open_target(uid)
    distinct = federation.distinct
    request = replace(query.request, offset=0, limit=needed, show_ranking_score=True)
    if distinct is not None:
        request = replace(request, distinct=distinct)
    trace = SearchTrace(timings)
    answer = perform_search(
        target, request, replace(options, token_filter=access.token_filter(uid), trace=trace)
    )
    keys = None
    if distinct is not None and trace.result is not None:
        keys = index_keys(target, trace.result.docids, distinct)
        if len(keys) != len(answer["hits"]):
            keys = None
    return answer, trace.result, keys


def _with_origin(hit: dict[str, Any], origin: dict[str, Any]) -> dict[str, Any]:
    """``hit`` with ``_federation`` after the document's own fields."""
    out = {key: value for key, value in hit.items() if key not in _TRAILING}
    out["_federation"] = origin
    out.update((key, hit[key]) for key in _TRAILING if key in hit)
    return out
