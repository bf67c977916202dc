"""Provider addresses and headers, and reading their event streams."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from lumi.chats.provider import (
    ProviderError,
    endpoint_for,
    is_done,
    parse_event_line,
    stream_chunks,
)
from lumi.chats.workspaces import default_settings


def _settings(**values: Any) -> dict[str, Any]:
    return {**default_settings(), **values}


@pytest.mark.parametrize(
    ("values", "url", "headers"),
    [
        (
            {"apiKey": "k", "orgId": "o", "projectId": "p"},
            "https://api.openai.com/v1/chat/completions",
            {"Authorization": "Bearer k", "OpenAI-Organization": "o", "OpenAI-Project": "p"},
        ),
        (
            {"source": "mistral", "apiKey": "k"},
            "https://api.mistral.ai/v1/chat/completions",
            {"Authorization": "Bearer k"},
        ),
        (
            {"source": "vLlm", "baseUrl": "http://h:8000/v1/"},
            "http://h:8000/v1/chat/completions",
            {},
        ),
        (
            {
                "source": "azureOpenAi",
                "baseUrl": "https://r.azure.com",
                "apiKey": "k",
                "deploymentId": "d",
                "apiVersion": "2024-02-01",
            },
            "https://r.azure.com/openai/deployments/d/chat/completions?api-version=2024-02-01",
            {"api-key": "k"},
        ),
    ],
)
def test_endpoint_for(values: dict[str, Any], url: str, headers: dict[str, str]) -> None:
    endpoint = endpoint_for(_settings(**values))
    assert endpoint.url == url
    extra = {k: v for k, v in endpoint.headers.items() if k not in ("Content-Type", "Accept")}
    assert extra == headers


def test_sources_without_a_default_address_need_a_base_url() -> None:
    with pytest.raises(ProviderError) as caught:
        endpoint_for(_settings(source="vLlm"))
    assert (
        caught.value.error["message"] == "The `baseUrl` setting is required for the `vLlm` source."
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("", None),
        (": ping", None),
        ("event: x", None),
        ('data: {"a": 1}', {"a": 1}),
        ("data:[1]", None),
    ],
)
def test_parse_event_line(line: str, expected: Any) -> None:
    assert parse_event_line(line) == expected


def test_done_and_error_events() -> None:
    assert is_done(parse_event_line("data: [DONE]"))
    with pytest.raises(ProviderError) as caught:
        parse_event_line('data: {"error": {"message": "boom"}}')
    assert caught.value.error == {"message": "boom"}


async def _collect(handler: Any) -> list[dict[str, Any]]:
    endpoint = endpoint_for(_settings(source="vLlm", baseUrl="http://llm/v1"))
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        return [chunk async for chunk in stream_chunks(client, endpoint, {"model": "m"})]


def test_stream_chunks_stops_at_done() -> None:
    body = b'data: {"n": 1}\n\ndata: [DONE]\n\ndata: {"n": 2}\n\n'
    chunks = asyncio.run(_collect(lambda _request: httpx.Response(200, content=body)))
    assert chunks == [{"n": 1}]


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (429, b'{"error": {"message": "slow down", "type": "rate_limit"}}', "slow down"),
        (
            502,
            b"<html>bad gateway</html>",
            "The LLM provider answered with status 502: <html>bad gateway</html>",
        ),
    ],
)
def test_stream_chunks_reports_http_errors(status: int, body: bytes, message: str) -> None:
    with pytest.raises(ProviderError) as caught:
        asyncio.run(_collect(lambda _request: httpx.Response(status, content=body)))
    assert caught.value.error["message"] == message
