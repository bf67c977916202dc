"""Federated queries answered by the other instances of the network (``network`` feature).

A federated query may name a ``federationOptions.remote``: ``self`` (this instance's name in
the network) is searched here, any other remote of the network receives, once per request,
a federated ``POST {url}/multi-search`` holding every query meant for it, sent with its
``searchApiKey`` as bearer token and asked for the whole federated page (``offset +
limit`` hits from offset 0). Each forwarded query keeps its parameters and weight, drops its
``remote`` (so the remote searches it itself) and carries its position in the original
request as ``queryPosition``, so the remote reports that position in ``_federation``. A
caller's tenant token filter is added to a forwarded query's filter, since the remote only
sees this instance's key. The federation's ``distinct`` goes along, and so does the part of
``facetsByIndex`` naming the indexes the remote searches: its counts come back per index
and are added to the local ones (``mergeFacets`` is applied here, over everything).

The remotes are asked in parallel, each within ``REMOTE_TIMEOUT`` seconds. Their hits,
already scored with the query's weight (``_federation.weightedRankingScore``), are merged
with the local ones by ``federated_search``. A remote that cannot be reached, does not
answer in time, refuses the search or answers something else than a federated response is
reported in ``remoteErrors`` under its name; its hits are missing and the search still
succeeds.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from lumi.errors import LumiError
from lumi.search.federated_facets import IndexFacets, remote_facets
from lumi.search.federation import (
    Federation,
    Ranked,
    Remotes,
    check_queries,
    federated_search,
    remote_of,
)
from lumi.search.multi import INVALID_API_KEY, MultiQuery, QueryError, SearchAccess
from lumi.search.perform import SearchOptions, SearchTarget

REMOTE_TIMEOUT = 30.0
_DETAIL_CHARS = 300
START = "federating results > start remote search"
WAIT = "federating results > wait for remote results"


@dataclass(frozen=True, slots=True)
class _Batch:
    """The queries of one request meant for one remote, and the body that asks for them."""

    name: str
    url: str
    api_key: str | None
    positions: tuple[int, ...]
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Answer:
    hits: list[Ranked]
    total: int
    metadata: dict[int, dict[str, Any]]
    facets: dict[str, IndexFacets]


async def network_federated_search(
    queries: Sequence[MultiQuery],
    federation: Federation,
    open_target: Callable[[str], SearchTarget],
    access: SearchAccess,
    options: SearchOptions,
    network: Mapping[str, Any],
    *,
    timeout: float = REMOTE_TIMEOUT,
    transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, Any]:
    """The merged response of a federated multi-search where some query names a remote.

    ``network`` is the stored ``/network`` object. Raises like ``federated_search``, and
    ``invalid_multi_search_remote`` for a remote the network does not know."""
    began = time.perf_counter()
    check_queries(queries, options, federation)
    batches = _batches(queries, federation, access, network)
    asked = time.perf_counter()
    answers, errors = await _ask_all(batches, options.include_metadata, timeout, transport)
    answered = time.perf_counter()
    facets: dict[str, list[IndexFacets]] = {}
    for answer in answers:
        for uid, counted in answer.facets.items():
            facets.setdefault(uid, []).append(counted)
    remotes = Remotes(
        self_name=network.get("self"),
        hits=[hit for answer in answers for hit in answer.hits],
        total=sum(answer.total for answer in answers),
        metadata={p: m for answer in answers for p, m in answer.metadata.items()},
        errors=errors,
        elapsed=answered - began,
        facets=facets,
        steps={START: asked - began, WAIT: answered - asked},
    )
    return federated_search(queries, federation, open_target, access, options, remotes)


def _batches(
    queries: Sequence[MultiQuery],
    federation: Federation,
    access: SearchAccess,
    network: Mapping[str, Any],
) -> list[_Batch]:
    self_name = network.get("self")
    known = network.get("remotes") or {}
    grouped: dict[str, list[int]] = {}
    for position, query in enumerate(queries):
        name = remote_of(query)
        if name is None or name == self_name:
            continue
        prefix = f"Inside `.queries[{position}]`: "
        if name not in known:
            raise QueryError(
                "invalid_multi_search_remote",
                f"{prefix}Invalid `federationOptions.remote`: remote `{name}` is neither "
                "`self` nor one of the `remotes` of the network.",
            )
        if not access.allowed(query.index_uid):
            raise QueryError("invalid_api_key", prefix + INVALID_API_KEY)
        grouped.setdefault(name, []).append(position)
    offset, limit = federation.pages.window(2**63)
    page: dict[str, Any] = {"limit": offset + limit, "offset": 0}
    if federation.distinct is not None:
        page["distinct"] = federation.distinct
    return [
        _Batch(
            name,
            known[name]["url"],
            known[name].get("searchApiKey"),
            tuple(positions),
            {
                "federation": _with_facets(
                    page, federation, {queries[p].index_uid for p in positions}
                ),
                "queries": [_forwarded(queries[p], p, access) for p in positions],
            },
        )
        for name, positions in grouped.items()
    ]


def _with_facets(page: dict[str, Any], federation: Federation, uids: set[str]) -> dict[str, Any]:
    """The forwarded ``federation``, asking for the facets of the remote's indexes."""
    requested = federation.facets_by_index or {}
    facets = {
        uid: list(names) for uid, names in requested.items() if uid in uids and names is not None
    }
    return {**page, "facetsByIndex": facets} if facets else page


def _forwarded(query: MultiQuery, position: int, access: SearchAccess) -> dict[str, Any]:
    """``query`` as the remote must search it: no ``remote``, its original position."""
    body = {key: value for key, value in (query.body or {}).items() if key != "federationOptions"}
    body["indexUid"] = query.index_uid
    options: dict[str, Any] = {"queryPosition": position}
    weight = (query.federation_options or {}).get("weight")
    if weight is not None:
        options["weight"] = weight
    body["federationOptions"] = options
    token_filter = access.token_filter(query.index_uid)
    if token_filter is not None:
        body["filter"] = _all_of(token_filter, body.get("filter"))
    return body


def _all_of(first: Any, second: Any) -> list[Any]:
    """A filter matching both: the elements of a filter array are AND-ed."""
    return [item for part in (first, second) if part is not None for item in _as_list(part)]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


async def _ask_all(
    batches: list[_Batch],
    include_metadata: bool,
    timeout: float,
    transport: httpx.AsyncBaseTransport | None,
) -> tuple[list[_Answer], dict[str, dict[str, Any]]]:
    """Every remote's answer, or its error body under its name."""
    if not batches:
        return [], {}
    async with httpx.AsyncClient(
        timeout=timeout, transport=transport, verify=_tls_context()
    ) as client:
        outcomes = await asyncio.gather(
            *(_ask(client, batch, include_metadata, timeout) for batch in batches)
        )
    answers: list[_Answer] = []
    errors: dict[str, dict[str, Any]] = {}
    for batch, outcome in zip(batches, outcomes, strict=True):
        if isinstance(outcome, LumiError):
            errors[batch.name] = outcome.to_dict()
        else:
            answers.append(outcome)
    return answers, errors


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Built once: loading the trusted certificates costs tens of milliseconds."""
    return httpx.create_ssl_context()


async def _ask(
    client: httpx.AsyncClient, batch: _Batch, include_metadata: bool, timeout: float
) -> _Answer | LumiError:
    headers = {"Meili-Proxy-Search": "true"}
    if batch.api_key is not None:
        headers["Authorization"] = f"Bearer {batch.api_key}"
    if include_metadata:
        headers["Meili-Include-Metadata"] = "true"
    url = batch.url.rstrip("/") + "/multi-search"
    try:
        response = await asyncio.wait_for(
            client.post(url, json=batch.body, headers=headers), timeout
        )
    except (TimeoutError, httpx.TimeoutException):
        return LumiError(
            "remote_timeout",
            f"Remote `{batch.name}` did not answer the search within {timeout:g} seconds.",
        )
    except httpx.HTTPError as error:
        return LumiError(
            "remote_could_not_send_request",
            f"Could not send the search to remote `{batch.name}` at `{batch.url}`: "
            f"{error or type(error).__name__}",
        )
    try:
        return _read(batch, response)
    except LumiError as error:
        return error


def _read(batch: _Batch, response: httpx.Response) -> _Answer:
    """The remote's hits and totals; raises the ``remote_*`` error its answer deserves."""
    status = response.status_code
    if status != 200:
        raise _refusal(batch.name, status, _detail(response))
    try:
        payload = response.json()
    except ValueError:
        raise _bad_response(batch.name, "the body is not JSON") from None
    hits = payload.get("hits") if isinstance(payload, dict) else None
    if not isinstance(hits, list):
        raise _bad_response(batch.name, "it has no `hits` list")
    ranked = [_ranked(batch, rank, hit) for rank, hit in enumerate(hits)]
    total = payload.get("estimatedTotalHits", payload.get("totalHits", 0))
    return _Answer(
        ranked,
        total if type(total) is int else 0,
        _metadata(batch, payload),
        remote_facets(payload.get("facetsByIndex")),
    )


def _metadata(batch: _Batch, payload: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The remote's metadata of each query (one per query sent, in order), by position."""
    listed = payload.get("metadata")
    if not isinstance(listed, list):
        return {}
    return {
        position: {**meta, "remote": batch.name}
        for position, meta in zip(batch.positions, listed, strict=False)
        if isinstance(meta, dict)
    }


def _ranked(batch: _Batch, rank: int, hit: Any) -> Ranked:
    origin = hit.get("_federation") if isinstance(hit, dict) else None
    if not isinstance(origin, dict):
        raise _bad_response(batch.name, "a hit has no `_federation` object")
    score = origin.get("weightedRankingScore")
    position = origin.get("queriesPosition")
    if not isinstance(score, int | float) or isinstance(score, bool) or type(position) is not int:
        raise _bad_response(
            batch.name, "a hit's `_federation` lacks `weightedRankingScore` or `queriesPosition`"
        )
    if position not in batch.positions:
        raise _bad_response(batch.name, f"a hit names query #{position}, not sent to it")
    origin.pop("remote", None)
    origin["remote"] = batch.name
    return (-float(score), position, rank, hit)


def _refusal(name: str, status: int, detail: str) -> LumiError:
    if status in (401, 403):
        return LumiError(
            "remote_invalid_api_key",
            f"Remote `{name}` refused the search with status {status}: {detail}\n"
            f" - Hint: check that the `searchApiKey` of remote `{name}` is a key of that "
            "instance with the `search` action",
        )
    if 400 <= status < 500:
        return LumiError(
            "remote_bad_request",
            f"Remote `{name}` refused the search with status {status}: {detail}",
        )
    if status >= 500:
        return LumiError(
            "remote_remote_error",
            f"Remote `{name}` failed the search with status {status}: {detail}",
        )
    return _bad_response(name, f"unexpected status {status}")


def _bad_response(name: str, why: str) -> LumiError:
    return LumiError(
        "remote_bad_response",
        f"Remote `{name}` did not answer with a federated search response: {why}.",
    )


def _detail(response: httpx.Response) -> str:
    """The remote's own error message when it sent one, else the start of its body."""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("message"), str):
        return str(payload["message"])
    return response.text[:_DETAIL_CHARS] or "empty body"
