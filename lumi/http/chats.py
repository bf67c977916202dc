"""``/chats``: conversational search workspaces (``chatCompletions`` feature).

Lumi calls no language model, so no chat workspace can exist: with the feature on, listings
are empty, a named workspace is not found, and creating one through its settings is refused
with a message saying chat completions are not offered.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from lumi.errors import LumiError
from lumi.http.features import require_feature
from lumi.http.responses import json
from lumi.http.routing import endpoint
from lumi.http.validation import Field, Query, q_integer
from lumi.http.views import offset_page

CHATS_DISABLED = (
    "Using the /chats routes requires enabling the `chat completions` experimental feature. "
    "See https://github.com/orgs/meilisearch/discussions/835"
)
UNSUPPORTED = "Chat completions are not supported by Lumi: it does not call language models."
PAGE_QUERY = Query(
    [
        Field("offset", q_integer(), "bad_request", default=0),
        Field("limit", q_integer(), "bad_request", default=20),
    ]
)
_WORKSPACE = "/chats/{workspace_uid}"


def _gate(request: Request) -> None:
    require_feature(request, "chatCompletions", CHATS_DISABLED)


def _not_found(request: Request) -> LumiError:
    uid = request.path_params["workspace_uid"]
    return LumiError("chat_not_found", f"Chat `{uid}` not found.")


@endpoint("GET", "/chats", "chats.get")
async def list_chats(request: Request) -> Response:
    _gate(request)
    params = PAGE_QUERY.parse(request.query_params.multi_items())
    return json(offset_page([], params["offset"], params["limit"], 0))


@endpoint("GET", _WORKSPACE, "chats.get")
async def get_chat(request: Request) -> Response:
    _gate(request)
    raise _not_found(request)


@endpoint("DELETE", _WORKSPACE, "chats.delete")
async def delete_chat(request: Request) -> Response:
    _gate(request)
    raise _not_found(request)


@endpoint("GET", _WORKSPACE + "/settings", "chatsSettings.get")
async def get_chat_settings(request: Request) -> Response:
    _gate(request)
    raise _not_found(request)


@endpoint("PATCH", _WORKSPACE + "/settings", "chatsSettings.update")
async def patch_chat_settings(request: Request) -> Response:
    _gate(request)
    raise LumiError("bad_request", UNSUPPORTED)


@endpoint("DELETE", _WORKSPACE + "/settings", "chatsSettings.update")
async def reset_chat_settings(request: Request) -> Response:
    _gate(request)
    raise _not_found(request)


@endpoint("POST", _WORKSPACE + "/chat/completions", "chatCompletions", tenant_token=True)
async def chat_completions(request: Request) -> Response:
    _gate(request)
    raise _not_found(request)


ENDPOINTS = [
    list_chats,
    get_chat,
    delete_chat,
    get_chat_settings,
    patch_chat_settings,
    reset_chat_settings,
    chat_completions,
]
