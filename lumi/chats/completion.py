"""The chat completion loop: the model's stream relayed to the client as server-sent events,
with Lumi running the model's search calls in between.

Each round streams one completion from the provider. Text deltas go straight to the client;
calls of the search tool are gathered, run, and appended to the conversation (the assistant
message with its calls, then one tool message per call) before the next round. A round
without search calls ends the loop. The client learns about the searches only through the
tools it declared (progress, conversation messages to keep, sources), sent as tool-call
deltas of those tools. A provider failure becomes an ``error`` event and ends the stream:
by then the response status has long been sent.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson

from lumi.chats import provider
from lumi.chats.tools import (
    APPEND_TOOL,
    PROGRESS_TOOL,
    SEARCH_TOOL,
    SOURCES_TOOL,
    IndexSearcher,
    ToolResult,
    search_tool,
)

# Rounds of searching before the model must answer with what it has.
MAX_ROUNDS = 8
DONE_EVENT = b"data: [DONE]\n\n"


def sse(value: Any) -> bytes:
    """One ``data:`` event."""
    return b"data: " + orjson.dumps(value) + b"\n\n"


def error_event(error: dict[str, Any]) -> bytes:
    """The event a failed completion ends with (the OpenAI error shape, with an event id)."""
    event_id = str(uuid.uuid4())
    body = {
        "type": error.get("type") or "api_error",
        "code": error.get("code"),
        "message": error.get("message") or "",
        "param": error.get("param"),
        "event_id": event_id,
    }
    return sse({"type": "error", "event_id": event_id, "error": body})


def declared_tools(body: dict[str, Any]) -> set[str]:
    """Names of the functions the client declared in ``tools``."""
    names = set()
    for tool in body.get("tools") or ():
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.add(function["name"])
    return names


class Conversation:
    """One completion request in progress."""

    def __init__(
        self,
        body: dict[str, Any],
        settings: dict[str, Any],
        searcher: IndexSearcher,
        client: httpx.AsyncClient,
    ) -> None:
        self.body = body
        self.settings = settings
        self.searcher = searcher
        self.client = client
        self.client_tools = declared_tools(body)
        self.messages = [{"role": "system", "content": settings["prompts"]["system"]}]
        self.messages.extend(body.get("messages") or ())
        self.chunk_id = f"chatcmpl-{uuid.uuid4().hex}"

    async def events(self) -> AsyncIterator[bytes]:
        """The whole response stream."""
        try:
            endpoint = provider.endpoint_for(self.settings)
            descriptions = await asyncio.to_thread(self.searcher.index_descriptions)
            tools = [search_tool(self.settings["prompts"], descriptions)] if descriptions else []
            for _ in range(MAX_ROUNDS):
                calls: dict[int, dict[str, Any]] = {}
                async for event in self._round(endpoint, tools, calls):
                    yield event
                if not calls:
                    break
                async for event in self._answer_calls(list(calls.values())):
                    yield event
        except provider.ProviderError as failure:
            yield error_event(failure.error)
            return
        yield DONE_EVENT

    def _request(self, tools: list[dict[str, Any]]) -> dict[str, Any]:
        request = {k: v for k, v in self.body.items() if k not in ("tools", "tool_choice")}
        request["messages"] = self.messages
        request["stream"] = True
        if tools:
            request["tools"] = tools
        return request

    async def _round(
        self,
        endpoint: provider.Endpoint,
        tools: list[dict[str, Any]],
        calls: dict[int, dict[str, Any]],
    ) -> AsyncIterator[bytes]:
        """Stream one completion; text is relayed, tool-call deltas are gathered in ``calls``."""
        async for chunk in provider.stream_chunks(self.client, endpoint, self._request(tools)):
            if gather_tool_calls(chunk, calls):
                continue
            yield sse(chunk)

    async def _answer_calls(self, calls: list[dict[str, Any]]) -> AsyncIterator[bytes]:
        assistant = {"role": "assistant", "content": None, "tool_calls": calls}
        self.messages.append(assistant)
        if APPEND_TOOL in self.client_tools:
            yield self._client_call(APPEND_TOOL, {**assistant, "tool_call_id": None})
        for call in calls:
            name, arguments = call["function"]["name"], call["function"]["arguments"]
            if PROGRESS_TOOL in self.client_tools:
                progress = {
                    "call_id": call["id"],
                    "function_name": name,
                    "function_parameters": arguments,
                }
                yield self._client_call(PROGRESS_TOOL, progress)
            if name == SEARCH_TOOL:
                result = await asyncio.to_thread(self.searcher.run, arguments)
            else:
                result = ToolResult(f"Error: there is no tool named `{name}`.", [], {})
            message = {"role": "tool", "tool_call_id": call["id"], "content": result.content}
            self.messages.append(message)
            if APPEND_TOOL in self.client_tools:
                yield self._client_call(APPEND_TOOL, {**message, "tool_calls": None})
            if SOURCES_TOOL in self.client_tools and name == SEARCH_TOOL:
                sources = {"call_id": call["id"], "documents": result.documents}
                yield self._client_call(SOURCES_TOOL, sources)

    def _client_call(self, name: str, arguments: dict[str, Any]) -> bytes:
        """A chunk calling one of the client's declared tools."""
        call = {
            "index": 0,
            "id": f"call_{uuid.uuid4().hex}",
            "type": "function",
            "function": {"name": name, "arguments": orjson.dumps(arguments).decode()},
        }
        return sse(
            {
                "id": self.chunk_id,
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": self.body.get("model"),
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "tool_calls": [call]},
                        "finish_reason": None,
                    }
                ],
            }
        )


def gather_tool_calls(chunk: dict[str, Any], calls: dict[int, dict[str, Any]]) -> bool:
    """Add the tool-call deltas of ``chunk`` to ``calls`` (by call index, arguments
    concatenated); True when the chunk is about tool calls only and must not be relayed."""
    choices = chunk.get("choices") or []
    if not choices or not isinstance(choices[0], dict):
        return False
    choice = choices[0]
    delta = choice.get("delta") or {}
    deltas = delta.get("tool_calls") or []
    for item in deltas:
        call = calls.setdefault(
            item.get("index", len(calls)),
            {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
        )
        call["id"] = item.get("id") or call["id"]
        function = item.get("function") or {}
        call["function"]["name"] += function.get("name") or ""
        call["function"]["arguments"] += function.get("arguments") or ""
    if deltas:
        del delta["tool_calls"]
        return not delta.get("content")
    return choice.get("finish_reason") == "tool_calls" and not delta.get("content")
