"""``POST /multi-search`` without federation: each query searched on its own, results in
query order.

Queries run one after the other and the first failing query decides the answer, its error
prefixed with ``Inside `.queries[i]`: ``. An unknown index is a 400 here rather than a 404,
since the index is named in the body rather than in the path. ``federationOptions`` only
make sense with ``federation``, so a query carrying them is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from lumi.errors import LumiError
from lumi.search.perform import SearchOptions, SearchTarget, new_request_uid, perform_search
from lumi.search.request import SearchRequest

INVALID_API_KEY = "The provided API key is invalid."


class QueryError(LumiError):
    """The error of one query of a multi-search."""

    @property
    def status(self) -> int:
        return 400 if self.code == "index_not_found" else super().status


@dataclass(frozen=True, slots=True)
class MultiQuery:
    """One query of a multi-search; ``given`` names the parameters it set (not null).

    ``body`` is the query as the client sent it: a query for another instance of the
    network is forwarded in that form rather than rebuilt from ``request``."""

    index_uid: str
    request: SearchRequest
    federation_options: dict[str, Any] | None = None
    given: frozenset[str] = frozenset()
    body: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class SearchAccess:
    """What the caller may search: the indexes it is allowed on, and the filter a tenant
    token adds to each."""

    allowed: Callable[[str], bool]
    token_filter: Callable[[str], Any]


def multi_search(
    queries: Sequence[MultiQuery],
    open_target: Callable[[str], SearchTarget],
    access: SearchAccess,
    options: SearchOptions = SearchOptions(),
) -> dict[str, Any]:
    """``{"results": [...]}``: one search response per query, each led by its ``indexUid``.

    ``options`` apply to every query; they all share one ``requestUid``."""
    options = replace(options, request_uid=options.request_uid or new_request_uid())
    results = []
    for position, query in enumerate(queries):
        try:
            result = _search_one(query, position, open_target, access, options)
        except LumiError as error:
            raise QueryError(
                error.code, f"Inside `.queries[{position}]`: {error.message}"
            ) from None
        results.append({"indexUid": query.index_uid, **result})
    return {"results": results}


def _search_one(
    query: MultiQuery,
    position: int,
    open_target: Callable[[str], SearchTarget],
    access: SearchAccess,
    options: SearchOptions,
) -> dict[str, Any]:
    if query.federation_options is not None:
        raise LumiError(
            "invalid_multi_search_federation_options",
            "Using `federationOptions` is not allowed in a non-federated search.\n"
            f" - Hint: remove `federationOptions` from query #{position} or add `federation` "
            "to the request.",
        )
    uid = query.index_uid
    if not access.allowed(uid):
        raise LumiError("invalid_api_key", INVALID_API_KEY)
    target = open_target(uid)
    return perform_search(
        target, query.request, replace(options, token_filter=access.token_filter(uid))
    )
