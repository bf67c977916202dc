"""Federated multi-search: the hits of several queries merged into one ranked list.

Every query is searched for as many hits as the federated page needs, with its ranking
score; each score is multiplied by the query's ``federationOptions.weight`` (1 by default)
and the hits are merged best first (ties keep query order, then each query's own order).
Each hit tells where it came from in ``_federation``. Pagination belongs to the federation
(``limit``/``offset`` or ``page``/``hitsPerPage``), so queries may not paginate, ask for
facets, performance details or personalization themselves.

A query may name a ``federationOptions.remote`` of the instance's network (``network``
feature): a query for ``self`` is searched here, the others are answered by their instance
(see ``lumi.search.remote``) and arrive here as ``Remotes``, already scored, to be merged with
the local hits. Every hit of a query that named a remote tells that remote in ``_federation``.

Not available yet: ``facetsByIndex``, ``mergeFacets`` and a federation-wide ``distinct``;
asking for them is refused with a clear error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from lumi.errors import LumiError
from lumi.search.multi import INVALID_API_KEY, MultiQuery, QueryError, SearchAccess
from lumi.search.perform import SearchOptions, SearchTarget, new_request_uid, perform_search
from lumi.search.request import DEFAULT_LIMIT, SearchRequest

_PAGINATION = ("limit", "offset", "page", "hitsPerPage")
_TRAILING = ("_formatted", "_matchesPosition", "_rankingScore", "_rankingScoreDetails")
_NOT_YET = "{} is not available yet in federated search on this server."
_REMOTE = (
    "Performing a remote federated search requires enabling the `network` experimental "
    "feature. See https://github.com/orgs/meilisearch/discussions/805"
)


# One hit in the merged list: (-weighted score, query position, rank in its query, hit).
Ranked = tuple[float, int, int, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Remotes:
    """What the other instances of the network answered for the queries sent to them.

    ``self_name`` is this instance's name in the network (its queries run here);
    ``hits`` are already scored and carry their ``_federation``; ``metadata`` is keyed by
    query position; ``errors`` holds one error body per remote that failed; ``elapsed`` is the
    time spent waiting for them, counted in ``processingTimeMs``.
    """

    self_name: str | None = None
    hits: Sequence[Ranked] = ()
    total: int = 0
    metadata: Mapping[int, dict[str, Any]] = field(default_factory=dict)
    errors: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    elapsed: float = 0.0


def remote_of(query: MultiQuery) -> str | None:
    """The remote a federated query names, if any."""
    return (query.federation_options or {}).get("remote")


@dataclass(frozen=True, slots=True)
class Federation:
    """The ``federation`` object of a multi-search."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    page: int | None = None
    hits_per_page: int | None = None
    show_performance_details: bool = False

    @classmethod
    def of(cls, params: dict[str, Any]) -> Federation:
        """From a validated ``federation`` object; refuses what is not supported yet."""
        for name, what in (
            ("facetsByIndex", "`facetsByIndex`"),
            ("mergeFacets", "`mergeFacets`"),
            ("distinct", "`distinct`"),
        ):
            if params.get(name) is not None:
                raise LumiError("invalid_multi_search_federated", _NOT_YET.format(what))
        return cls(
            limit=params.get("limit", DEFAULT_LIMIT),
            offset=params.get("offset", 0),
            page=params.get("page"),
            hits_per_page=params.get("hitsPerPage"),
            show_performance_details=params.get("showPerformanceDetails", False),
        )

    @property
    def pages(self) -> SearchRequest:
        """The federation's pagination, as a request object computes it."""
        return SearchRequest(
            limit=self.limit, offset=self.offset, page=self.page, hits_per_page=self.hits_per_page
        )


def check_queries(queries: Sequence[MultiQuery], options: SearchOptions) -> None:
    """Refuse what federated queries may not ask for, before anything is searched."""
    network = bool(options.features.get("network"))
    for position, query in enumerate(queries):
        _guarded(position, _check_query, query, position, network)


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
    options = replace(options, request_uid=options.request_uid or new_request_uid())
    check_queries(queries, options)
    pages = federation.pages
    offset, limit = pages.window(2**63)
    network = remotes or Remotes()
    ranked = list(network.hits)
    total = network.total
    metadata = dict(network.metadata)
    for position, query in enumerate(queries):
        remote = remote_of(query)
        if remote is not None and remote != network.self_name:
            continue
        answer = _guarded(position, _search, query, offset + limit, open_target, access, options)
        total += answer.get("estimatedTotalHits", 0)
        if "metadata" in answer:
            metadata[position] = _tagged(answer["metadata"], remote)
        ranked.extend(_scored(query, position, answer["hits"], remote))
    ranked.sort(key=lambda item: item[:3])
    elapsed = time.perf_counter() - began + network.elapsed
    body: dict[str, Any] = {
        "hits": [item[3] for item in ranked[offset : offset + limit]],
        "processingTimeMs": int(elapsed * 1000),
        **pages.pagination_view(total, 2**63),
        "requestUid": options.request_uid,
    }
    if options.include_metadata:
        body["metadata"] = [metadata[position] for position in sorted(metadata)]
    if remotes is not None:
        body["remoteErrors"] = dict(remotes.errors)
    return body


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


def _check_query(query: MultiQuery, position: int, network: bool) -> None:
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
    if not network and remote_of(query) is not None:
        raise LumiError("feature_not_enabled", _REMOTE)


def _search(
    query: MultiQuery,
    needed: int,
    open_target: Callable[[str], SearchTarget],
    access: SearchAccess,
    options: SearchOptions,
) -> dict[str, Any]:
    uid = query.index_uid
    if not access.allowed(uid):
        raise LumiError("invalid_api_key", INVALID_API_KEY)
    target = open_target(uid)
    request = replace(query.request, offset=0, limit=needed, show_ranking_score=True)
    return perform_search(target, request, replace(options, token_filter=access.token_filter(uid)))


def _with_origin(hit: dict[str, Any], origin: dict[str, Any]) -> dict[str, Any]:
    """``hit`` with ``_federation`` after the document's own fields."""
    out = {key: value for key, value in hit.items() if key not in _TRAILING}
    out["_federation"] = origin
    out.update((key, hit[key]) for key in _TRAILING if key in hit)
    return out
