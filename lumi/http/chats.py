"""``/chats``: conversational search workspaces (``chatCompletions`` feature).

Workspace routes are synchronous: settings are validated here, then read or written in one
short transaction of the task store (``lumi.chats.workspaces``). A PATCH creates the
workspace it names; a settings reset keeps the workspace. Chat completions are streamed
only: the response is a server-sent event stream produced by ``lumi.chats.completion``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from lumi.chats import workspaces
from lumi.chats.completion import Conversation
from lumi.chats.provider import TIMEOUT
from lumi.chats.tools import CLIENT_TOOLS, IndexSearcher
from lumi.errors import LumiError
from lumi.http.auth import access_of
from lumi.http.enqueue import engine_of
from lumi.http.features import require_feature
from lumi.http.indexes import json_body
from lumi.http.responses import json, no_content
from lumi.http.routing import endpoint
from lumi.http.validation import (
    Body,
    Field,
    Query,
    any_json,
    array,
    nullable,
    obj,
    one_of,
    q_integer,
    string,
)
from lumi.http.views import offset_page

CHATS_DISABLED = (
    "Using the /chats routes requires enabling the `chat completions` experimental feature. "
    "See https://github.com/orgs/meilisearch/discussions/835"
)
NON_STREAMING = "Non-streamed chat completions are not implemented: set `stream` to `true`."
MULTI_CHOICE = "Chat completions with more than one choice (`n` > 1) are not implemented."
EXTERNAL_TOOL = "Function calling with tools other than `{}` is not implemented: found `{}`."
PAGE_QUERY = Query(
    [
        Field("offset", q_integer(), "bad_request", default=0),
        Field("limit", q_integer(), "bad_request", default=20),
    ]
)
_TEXT = nullable(string())
_PROMPT_CODES = {
    "system": "invalid_chat_completion_system_prompt",
    "searchDescription": "invalid_chat_completion_search_description_prompt",
    "searchQParam": "invalid_chat_completion_search_query_param_prompt",
    "searchFilterParam": "invalid_chat_completion_search_filter_param_prompt",
    "searchIndexUidParam": "invalid_chat_completion_search_index_uid_param_prompt",
}
PROMPTS_BODY = Body(
    [Field(name, _TEXT, code) for name, code in _PROMPT_CODES.items()],
    code="invalid_chat_completion_prompts",
)
SETTINGS_BODY = Body(
    [
        Field("source", nullable(one_of(*workspaces.SOURCES)), "invalid_chat_completion_source"),
        Field("orgId", _TEXT, "invalid_chat_completion_org_id"),
        Field("projectId", _TEXT, "invalid_chat_completion_project_id"),
        Field("apiVersion", _TEXT, "invalid_chat_completion_api_version"),
        Field("deploymentId", _TEXT, "invalid_chat_completion_deployment_id"),
        Field("baseUrl", _TEXT, "invalid_chat_completion_base_api"),
        Field("apiKey", _TEXT, "invalid_chat_completion_api_key"),
        Field("prompts", nullable(obj(PROMPTS_BODY)), "invalid_chat_completion_prompts"),
    ]
)
# The fields of a completion request Lumi itself reads; the rest goes to the provider.
COMPLETION_BODY = Body(
    [
        Field("model", string(), required=True),
        Field("messages", array(any_json()), required=True),
    ]
)
_WORKSPACE = "/chats/{workspace_uid}"


def _gate(request: Request) -> None:
    require_feature(request, "chatCompletions", CHATS_DISABLED)


def _uid(request: Request) -> str:
    return str(request.path_params["workspace_uid"])


def _not_found(uid: str) -> LumiError:
    return LumiError("chat_not_found", f"Chat `{uid}` not found.")


def _load(request: Request) -> dict[str, Any]:
    """The stored settings of the workspace in the path; 404 when it does not exist."""
    uid = _uid(request)
    store = engine_of(request).store
    with store.read() as txn:
        settings = workspaces.load(store, txn, uid)
    if settings is None:
        raise _not_found(uid)
    return settings


@endpoint("GET", "/chats", "chats.get")
async def list_chats(request: Request) -> Response:
    _gate(request)
    params = PAGE_QUERY.parse(request.query_params.multi_items())
    store = engine_of(request).store
    with store.read() as txn:
        uids = workspaces.list_uids(store, txn)
    offset, limit = params["offset"], params["limit"]
    page = [{"uid": uid} for uid in uids[offset : offset + limit]]
    return json(offset_page(page, offset, limit, len(uids)))


@endpoint("GET", _WORKSPACE, "chats.get")
async def get_chat(request: Request) -> Response:
    _gate(request)
    _load(request)
    return json({"uid": _uid(request)})


@endpoint("DELETE", _WORKSPACE, "chats.delete")
async def delete_chat(request: Request) -> Response:
    _gate(request)
    uid = _uid(request)
    store = engine_of(request).store

    def write() -> bool:
        with store.write() as txn:
            return workspaces.delete(store, txn, uid)

    if not await asyncio.to_thread(write):
        raise _not_found(uid)
    return no_content()


@endpoint("GET", _WORKSPACE + "/settings", "chatsSettings.get")
async def get_chat_settings(request: Request) -> Response:
    _gate(request)
    return json(workspaces.shown(_load(request)))


@endpoint("PATCH", _WORKSPACE + "/settings", "chatsSettings.update")
async def patch_chat_settings(request: Request) -> Response:
    _gate(request)
    patch = SETTINGS_BODY.parse(await json_body(request))
    uid = _uid(request)
    store = engine_of(request).store

    def write() -> dict[str, Any]:
        with store.write() as txn:
            current = workspaces.load(store, txn, uid) or workspaces.default_settings()
            settings = workspaces.merge(current, patch)
            workspaces.save(store, txn, uid, settings)
            return settings

    return json(workspaces.shown(await asyncio.to_thread(write)))


@endpoint("DELETE", _WORKSPACE + "/settings", "chatsSettings.update")
async def reset_chat_settings(request: Request) -> Response:
    _gate(request)
    uid = _uid(request)
    store = engine_of(request).store

    def write() -> dict[str, Any]:
        with store.write() as txn:
            if workspaces.load(store, txn, uid) is None:
                raise _not_found(uid)
            settings = workspaces.default_settings()
            workspaces.save(store, txn, uid, settings)
            return settings

    return json(workspaces.shown(await asyncio.to_thread(write)))


def check_completion_body(body: Any) -> dict[str, Any]:
    """Refuse what Lumi does not implement, then check the fields it reads itself."""
    if type(body) is dict:
        if body.get("stream") is not True:
            raise LumiError("unimplemented_non_streaming_chat_completions", NON_STREAMING)
        n = body.get("n")
        if isinstance(n, int) and n > 1:
            raise LumiError("unimplemented_multi_choice_chat_completions", MULTI_CHOICE)
        for tool in body.get("tools") or ():
            function = tool.get("function") if isinstance(tool, dict) else None
            name = function.get("name") if isinstance(function, dict) else None
            if name not in CLIENT_TOOLS:
                known = "`, `".join(sorted(CLIENT_TOOLS))
                raise LumiError(
                    "unimplemented_external_function_calling", EXTERNAL_TOOL.format(known, name)
                )
        COMPLETION_BODY.parse({k: body[k] for k in ("model", "messages") if k in body})
        return body
    return COMPLETION_BODY.parse(body)


@endpoint("POST", _WORKSPACE + "/chat/completions", "chatCompletions", tenant_token=True)
async def chat_completions(request: Request) -> Response:
    _gate(request)
    body = check_completion_body(await json_body(request))
    settings = _load(request)
    access = access_of(request)
    can_search = access.allows_action("search")

    def allowed(uid: str) -> bool:
        return can_search and access.allowed_indexes(uid)

    searcher = IndexSearcher(engine_of(request), allowed, access.search_filter)

    async def stream() -> AsyncIterator[bytes]:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            conversation = Conversation(body, settings, searcher, client)
            async for event in conversation.events():
                yield event

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


ENDPOINTS = [
    list_chats,
    get_chat,
    delete_chat,
    get_chat_settings,
    patch_chat_settings,
    reset_chat_settings,
    chat_completions,
]
