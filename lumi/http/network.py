"""``/network``: this instance's name and the remote instances it knows (``network`` feature).

The network is stored with the instance's other records; ``PATCH`` merges into it: ``self``
replaces the name (``null`` clears it), each remote is created, updated field by field, or
removed with ``null``, and ``remotes: null`` removes them all. Federated multi-searches
send the queries aimed at a remote to its ``url`` with its ``searchApiKey``
(``lumi.search.remote``). Leaders and shards
(sharding documents across instances) are Enterprise features: asking for them is refused
with ``requires_enterprise_edition``.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from lumi.errors import LumiError
from lumi.http.enqueue import engine_of
from lumi.http.features import require_feature
from lumi.http.indexes import json_body
from lumi.http.responses import json
from lumi.http.routing import endpoint
from lumi.http.validation import (
    Body,
    Field,
    Invalid,
    any_json,
    custom,
    dict_of,
    nullable,
    obj,
    string,
)
from lumi.tasks.store import TaskStore

NETWORK_DISABLED = (
    "Using the /network route requires enabling the `network` experimental feature. "
    "See https://github.com/orgs/meilisearch/discussions/805"
)
_RECORD = "network"
_ENTERPRISE = (
    "{what} requires the Enterprise Edition. This server only offers the features of the "
    "Community Edition: `self` and `remotes`."
)


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid(f"`{value}` is not a valid URL: expected an absolute http or https URL")
    return value


_REMOTE = Body(
    [
        Field("url", nullable(custom(_url, string())), "invalid_network_url"),
        Field("searchApiKey", nullable(string()), "invalid_network_search_api_key"),
        Field("writeApiKey", nullable(string()), "invalid_network_write_api_key"),
    ],
    code="invalid_network_remotes",
)
PATCH_BODY = Body(
    [
        Field("self", nullable(string()), "invalid_network_self"),
        Field("remotes", nullable(dict_of(nullable(obj(_REMOTE)))), "invalid_network_remotes"),
        Field("leader", nullable(string()), "invalid_network_leader"),
        Field("shards", any_json(), "invalid_network_shards"),
        Field("previousRemotes", any_json()),
        Field("previousShards", any_json()),
    ]
)


def default_network() -> dict[str, Any]:
    return {"self": None, "remotes": {}, "leader": None}


def read_network(store: TaskStore) -> dict[str, Any]:
    with store.read() as txn:
        stored = store.get_record(txn, "meta_json", _RECORD)
    return {**default_network(), **(stored or {})}


def _requested(value: Any) -> bool:
    """Whether an Enterprise field asks for something: ``null`` and an empty object (what
    clients send to clear a network) do not."""
    return value is not None and value != {}


def merge_network(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """The network after ``patch`` (validated); raises for a new remote without a URL."""
    if "previousRemotes" in patch:
        raise LumiError(
            "unexpected_network_previous_remotes",
            "`previousRemotes` is set by instances of a network for each other and cannot be "
            "sent in a request.",
        )
    for field, what in (
        ("leader", "Setting a `leader`"),
        ("shards", "Setting `shards`"),
        ("previousShards", "Setting `previousShards`"),
    ):
        if _requested(patch.get(field)):
            raise LumiError("requires_enterprise_edition", _ENTERPRISE.format(what=what))
    network = copy.deepcopy(current)
    if "self" in patch:
        network["self"] = patch["self"]
    if "remotes" in patch:
        changes = patch["remotes"]
        remotes: dict[str, Any] = {} if changes is None else network["remotes"]
        for name, change in (changes or {}).items():
            if change is None:
                remotes.pop(name, None)
                continue
            remote = remotes.get(name)
            if remote is None:
                if change.get("url") is None:
                    raise LumiError("missing_network_url", f"Missing field `.remotes.{name}.url`")
                remote = {"url": None, "searchApiKey": None, "writeApiKey": None}
            for key, value in change.items():
                if key == "url" and value is None:
                    continue
                remote[key] = value
            remotes[name] = remote
        network["remotes"] = dict(sorted(remotes.items()))
    return network


def _update(store: TaskStore, patch: dict[str, Any]) -> dict[str, Any]:
    with store.write() as txn:
        stored = store.get_record(txn, "meta_json", _RECORD)
        network = merge_network({**default_network(), **(stored or {})}, patch)
        store.put_record(txn, "meta_json", _RECORD, network)
    return network


@endpoint("GET", "/network", "network.get")
async def get_network(request: Request) -> Response:
    require_feature(request, "network", NETWORK_DISABLED)
    return json(read_network(engine_of(request).store))


@endpoint("PATCH", "/network", "network.update")
async def patch_network(request: Request) -> Response:
    require_feature(request, "network", NETWORK_DISABLED)
    patch = PATCH_BODY.parse(await json_body(request))
    network = await asyncio.to_thread(_update, engine_of(request).store, patch)
    return json(network)


@endpoint("POST", "/network/control", "network.update")
async def control_network(request: Request) -> Response:
    require_feature(request, "network", NETWORK_DISABLED)
    raise LumiError(
        "requires_enterprise_edition", _ENTERPRISE.format(what="Controlling a network change")
    )


ENDPOINTS = [get_network, patch_network, control_network]
