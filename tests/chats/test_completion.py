"""The completion loop against a scripted provider and a fake searcher."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from lumi.chats.completion import Conversation, declared_tools, gather_tool_calls
from lumi.chats.tools import ToolResult
from lumi.chats.workspaces import default_settings


class FakeSearcher:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def index_descriptions(self) -> dict[str, str]:
        return {"movies": "Films"}

    def run(self, arguments: str) -> ToolResult:
        self.calls.append(arguments)
        return ToolResult("title: Carol", [{"id": 1}], json.loads(arguments))


def _sse(*chunks: dict[str, Any]) -> bytes:
    return (
        b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"
    )


def _delta(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def _run(
    replies: list[httpx.Response], body: dict[str, Any]
) -> tuple[list[Any], list[Any], FakeSearcher]:
    sent: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return replies.pop(0)

    searcher = FakeSearcher()
    settings = {**default_settings(), "source": "vLlm", "baseUrl": "http://llm/v1"}

    async def collect() -> list[bytes]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            conversation = Conversation(body, settings, searcher, client)  # type: ignore[arg-type]
            return [event async for event in conversation.events()]

    raw = b"".join(asyncio.run(collect())).decode()
    events = [
        line[6:] if line == "data: [DONE]" else json.loads(line[6:])
        for line in raw.splitlines()
        if line.startswith("data: ")
    ]
    return events, sent, searcher


BODY = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "q"}]}


def test_text_is_relayed_and_the_system_prompt_comes_first() -> None:
    events, sent, _ = _run(
        [httpx.Response(200, content=_sse(_delta({"content": "hi"}, "stop")))], BODY
    )
    assert events == [_delta({"content": "hi"}, "stop"), "[DONE]"]
    assert sent[0]["messages"][0] == {
        "role": "system",
        "content": default_settings()["prompts"]["system"],
    }
    assert sent[0]["tools"][0]["function"]["name"] == "_meiliSearchInIndex"


def test_search_calls_are_run_and_the_conversation_continues() -> None:
    arguments = '{"index_uid": "movies", "q": "carol", "filter": null}'
    call = {
        "index": 0,
        "id": "c1",
        "type": "function",
        "function": {"name": "_meiliSearchInIndex", "arguments": arguments},
    }
    first = _sse(_delta({"tool_calls": [call]}), _delta({}, "tool_calls"))
    second = _sse(_delta({"content": "Carol"}, "stop"))
    body = {**BODY, "tools": [{"type": "function", "function": {"name": "_meiliSearchSources"}}]}
    events, sent, searcher = _run(
        [httpx.Response(200, content=first), httpx.Response(200, content=second)], body
    )
    assert searcher.calls == [arguments]
    sources = events[0]["choices"][0]["delta"]["tool_calls"][0]["function"]
    assert sources["name"] == "_meiliSearchSources"
    assert json.loads(sources["arguments"]) == {"call_id": "c1", "documents": [{"id": 1}]}
    assert events[1:] == [_delta({"content": "Carol"}, "stop"), "[DONE]"]
    assert sent[1]["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "c1",
        "content": "title: Carol",
    }
    assert "_meiliSearchSources" not in json.dumps(sent[1]["tools"])


def test_a_provider_error_becomes_an_error_event() -> None:
    error = {
        "message": "bad key",
        "type": "invalid_request_error",
        "code": "invalid_api_key",
        "param": None,
    }
    events, _, _ = _run([httpx.Response(401, json={"error": error})], BODY)
    (event,) = events
    assert event["type"] == "error"
    assert {k: event["error"][k] for k in error} == error
    assert event["error"]["event_id"] == event["event_id"]


@pytest.mark.parametrize(
    ("deltas", "swallowed", "gathered"),
    [
        ([{"content": "x"}], [False], {}),
        (
            [
                {
                    "tool_calls": [
                        {"index": 0, "id": "a", "function": {"name": "f", "arguments": '{"q'}}
                    ]
                },
                {"tool_calls": [{"index": 0, "function": {"arguments": '": 1}'}}]},
            ],
            [True, True],
            {
                0: {
                    "id": "a",
                    "type": "function",
                    "function": {"name": "f", "arguments": '{"q": 1}'},
                }
            },
        ),
    ],
)
def test_gather_tool_calls(
    deltas: list[dict[str, Any]], swallowed: list[bool], gathered: dict[int, Any]
) -> None:
    calls: dict[int, dict[str, Any]] = {}
    assert [gather_tool_calls(_delta(d), calls) for d in deltas] == swallowed
    assert calls == gathered


def test_declared_tools() -> None:
    body = {"tools": [{"function": {"name": "a"}}, {"function": {}}, "junk"]}
    assert declared_tools(body) == {"a"}
