"""Chat workspaces and chat completions over the API, with the official SDK where it has chat
methods and httpx elsewhere; completions talk to a fake OpenAI-compatible server.

The API server is shared by the tests of a worker, so every test uses its own workspace
and index uids, and the ``chatCompletions`` feature is switched off again afterwards.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import meilisearch
import pytest

from lumi.chats.workspaces import DEFAULT_PROMPTS
from lumi.http.chats import CHATS_DISABLED, MULTI_CHOICE, NON_STREAMING
from tests.api.conftest import wait_ok
from tests.api.test_errors_api import assert_error
from tests.support.fake_llm import FakeLLM, text_chunk, tool_call_chunks

pytestmark = pytest.mark.api

MOVIES = [
    {"id": 1, "title": "Carol", "genre": "drama"},
    {"id": 2, "title": "Wall-E", "genre": "animation"},
    {"id": 3, "title": "Carol of the bells", "genre": "animation"},
]
CLIENT_TOOLS = ["_meiliSearchProgress", "_meiliAppendConversationMessage", "_meiliSearchSources"]


@pytest.fixture
def chats(http: httpx.Client) -> Iterator[None]:
    http.patch("/experimental-features", json={"chatCompletions": True}).raise_for_status()
    yield
    http.patch("/experimental-features", json={"chatCompletions": False}).raise_for_status()


@pytest.fixture
def workspace() -> str:
    return f"ws_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as fake:
        yield fake


def _events(response: httpx.Response) -> list[Any]:
    """The ``data:`` payloads of an event stream (``[DONE]`` kept as the string)."""
    events = []
    for line in response.text.splitlines():
        if line.startswith("data: "):
            data = line[6:]
            events.append(data if data == "[DONE]" else json.loads(data))
    return events


def _complete(http: httpx.Client, workspace: str, **extra: Any) -> httpx.Response:
    body = {"model": "fake-model", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    return http.post(f"/chats/{workspace}/chat/completions", json={**body, **extra})


# ---- workspaces ---------------------------------------------------------------------------


def test_routes_need_the_feature(http: httpx.Client) -> None:
    assert_error(http.get("/chats"), 400, "feature_not_enabled", CHATS_DISABLED)


@pytest.mark.usefixtures("chats")
def test_patch_creates_a_workspace_and_masks_its_key(
    client: meilisearch.Client, http: httpx.Client, workspace: str
) -> None:
    settings = {"source": "mistral", "apiKey": "sk-test-placeholder-api-key", "orgId": "org"}
    shown = client.update_chat_workspace_settings(workspace, settings)
    expected = {
        "source": "mistral",
        "orgId": "org",
        "projectId": None,
        "apiVersion": None,
        "deploymentId": None,
        "baseUrl": None,
        "apiKey": "sk-XXXXX...",
        "prompts": DEFAULT_PROMPTS,
    }
    assert shown == expected
    assert client.get_chat_workspace_settings(workspace) == expected
    assert http.get(f"/chats/{workspace}").json() == {"uid": workspace}
    listed = client.get_chat_workspaces(limit=1000)
    assert {"uid": workspace} in listed["results"]
    assert listed["total"] == len(listed["results"])


@pytest.mark.usefixtures("chats")
def test_patch_merges_and_null_resets(http: httpx.Client, workspace: str) -> None:
    path = f"/chats/{workspace}/settings"
    http.patch(path, json={"baseUrl": "http://x", "prompts": {"system": "S", "searchQParam": "Q"}})
    shown = http.patch(path, json={"baseUrl": None, "prompts": {"searchQParam": None}}).json()
    assert shown["baseUrl"] is None
    assert shown["prompts"] == {**DEFAULT_PROMPTS, "system": "S"}


@pytest.mark.usefixtures("chats")
def test_reset_keeps_the_workspace_and_delete_removes_it(
    http: httpx.Client, workspace: str
) -> None:
    http.patch(f"/chats/{workspace}/settings", json={"source": "vLlm", "apiKey": "short"})
    reset = http.delete(f"/chats/{workspace}/settings")
    assert reset.status_code == 200
    assert reset.json()["source"] == "openAi" and reset.json()["apiKey"] is None
    assert http.get(f"/chats/{workspace}").status_code == 200
    assert http.delete(f"/chats/{workspace}").status_code == 204
    message = f"Chat `{workspace}` not found."
    for method, suffix in [
        ("GET", ""),
        ("DELETE", ""),
        ("GET", "/settings"),
        ("DELETE", "/settings"),
    ]:
        assert_error(
            http.request(method, f"/chats/{workspace}{suffix}"), 404, "chat_not_found", message
        )


@pytest.mark.usefixtures("chats")
def test_listing_is_paginated(http: httpx.Client) -> None:
    uids = sorted(f"page_{uuid.uuid4().hex[:8]}" for _ in range(3))
    for uid in uids:
        http.patch(f"/chats/{uid}/settings", json={})
    listed = http.get("/chats", params={"offset": 0, "limit": 1000}).json()
    mine = [r["uid"] for r in listed["results"] if r["uid"] in uids]
    assert mine == uids
    page = http.get("/chats", params={"offset": 1, "limit": 1}).json()
    assert page["offset"] == 1 and page["limit"] == 1 and len(page["results"]) == 1
    assert page["total"] == listed["total"]


@pytest.mark.usefixtures("chats")
@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {"source": "claude"},
            "invalid_chat_completion_source",
            "Unknown value `claude` at `.source`: expected one of `openAi`, `mistral`, "
            "`azureOpenAi`, `vLlm`",
        ),
        (
            {"apiKey": 3},
            "invalid_chat_completion_api_key",
            "Invalid value type at `.apiKey`: expected a string, but found a positive integer: `3`",
        ),
        (
            {"baseUrl": True},
            "invalid_chat_completion_base_api",
            "Invalid value type at `.baseUrl`: expected a string, but found a boolean: `true`",
        ),
        (
            {"prompts": {"system": 1}},
            "invalid_chat_completion_system_prompt",
            "Invalid value type at `.prompts.system`: expected a string, but found a positive "
            "integer: `1`",
        ),
        (
            {"prompts": []},
            "invalid_chat_completion_prompts",
            "Invalid value type at `.prompts`: expected an object, but found an array: `[]`",
        ),
    ],
)
def test_invalid_settings(
    http: httpx.Client, workspace: str, body: dict[str, Any], code: str, message: str
) -> None:
    assert_error(http.patch(f"/chats/{workspace}/settings", json=body), 400, code, message)
    assert http.get(f"/chats/{workspace}").status_code == 404


# ---- completions --------------------------------------------------------------------------


@pytest.mark.usefixtures("chats")
@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        ({"stream": False}, "unimplemented_non_streaming_chat_completions", NON_STREAMING),
        ({"n": 2}, "unimplemented_multi_choice_chat_completions", MULTI_CHOICE),
    ],
)
def test_unimplemented_completions(
    http: httpx.Client, workspace: str, extra: dict[str, Any], code: str, message: str
) -> None:
    assert_error(_complete(http, workspace, **extra), 501, code, message)


@pytest.mark.usefixtures("chats")
def test_external_tools_are_refused(http: httpx.Client, workspace: str) -> None:
    tools = [{"type": "function", "function": {"name": "weather"}}]
    response = _complete(http, workspace, tools=tools)
    assert response.status_code == 501
    assert response.json()["code"] == "unimplemented_external_function_calling"


@pytest.mark.usefixtures("chats")
def test_completion_of_an_unknown_workspace(http: httpx.Client, workspace: str) -> None:
    message = f"Chat `{workspace}` not found."
    assert_error(_complete(http, workspace), 404, "chat_not_found", message)


@pytest.mark.usefixtures("chats")
def test_plain_answer_is_relayed(
    client: meilisearch.Client, http: httpx.Client, workspace: str, llm: FakeLLM
) -> None:
    settings = {
        "source": "vLlm",
        "baseUrl": llm.url,
        "apiKey": "k-123",
        "prompts": {"system": "Be brief."},
    }
    client.update_chat_workspace_settings(workspace, settings)
    llm.replies.append([text_chunk("Hel"), text_chunk("lo", "stop")])
    chunks = list(
        client.create_chat_completion(workspace, [{"role": "user", "content": "hi"}], model="m")
    )
    assert [c["choices"][0]["delta"]["content"] for c in chunks] == ["Hel", "lo"]
    sent = llm.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["Authorization"] == "Bearer k-123"
    assert sent["body"]["model"] == "m" and sent["body"]["stream"] is True
    assert sent["body"]["messages"][:2] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi"},
    ]


@pytest.mark.usefixtures("chats")
def test_search_tool_round_trip(
    client: meilisearch.Client, http: httpx.Client, workspace: str, index_uid: str, llm: FakeLLM
) -> None:
    wait_ok(client, client.index(index_uid).add_documents(MOVIES))
    http.patch(f"/chats/{workspace}/settings", json={"source": "vLlm", "baseUrl": llm.url})
    arguments = json.dumps({"index_uid": index_uid, "q": "carol", "filter": None})
    llm.replies += [
        tool_call_chunks("call_1", "_meiliSearchInIndex", arguments),
        [text_chunk("Found", "stop")],
    ]
    tools = [{"type": "function", "function": {"name": name}} for name in CLIENT_TOOLS]
    response = _complete(http, workspace, tools=tools)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = _events(response)
    assert events[-1] == "[DONE]"
    calls = [e["choices"][0]["delta"]["tool_calls"][0]["function"] for e in events[:-2]]
    assert [c["name"] for c in calls] == [
        "_meiliAppendConversationMessage",
        "_meiliSearchProgress",
        "_meiliAppendConversationMessage",
        "_meiliSearchSources",
    ]
    sources = json.loads(calls[3]["arguments"])
    assert sources["call_id"] == "call_1"
    assert sorted(d["id"] for d in sources["documents"]) == [1, 3]
    assert events[-2]["choices"][0]["delta"]["content"] == "Found"
    first, second = (r["body"] for r in llm.requests)
    assert (
        index_uid in first["tools"][0]["function"]["parameters"]["properties"]["index_uid"]["enum"]
    )
    tool_message = second["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_1"
    assert "title: Carol" in tool_message["content"]
    assert second["messages"][-2]["tool_calls"][0]["function"]["arguments"] == arguments


@pytest.mark.usefixtures("chats")
def test_provider_errors_end_the_stream(http: httpx.Client, workspace: str, llm: FakeLLM) -> None:
    http.patch(f"/chats/{workspace}/settings", json={"source": "vLlm", "baseUrl": llm.url})
    error = {
        "message": "Incorrect API key provided",
        "type": "invalid_request_error",
        "code": "invalid_api_key",
    }
    llm.replies.append((401, json.dumps({"error": error, "param": None})))
    response = _complete(http, workspace)
    assert response.status_code == 200
    (event,) = _events(response)
    assert event["type"] == "error"
    assert {k: event["error"][k] for k in ("message", "type", "code")} == error
