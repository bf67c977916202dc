"""Talking to the language model: where a workspace's source is reached, with which
headers, and reading its streamed chat completion chunks.

Every supported source speaks the OpenAI chat completions protocol; they differ only in the
default address and in how the key and the deployment are given. Provider failures become
``ProviderError`` so the completion loop can relay them in the stream it already started.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

DEFAULT_BASE_URLS = {
    "openAi": "https://api.openai.com/v1",
    "mistral": "https://api.mistral.ai/v1",
}
# Connecting should be quick; a model may think for a long while between chunks.
TIMEOUT = httpx.Timeout(300.0, connect=10.0)


class ProviderError(Exception):
    """The provider could not be reached or answered with an error. ``error`` has the
    OpenAI error shape (``message``, ``type``, ``code``, ``param``)."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message"))
        self.error = error


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where to post a chat completion request, and the headers it needs."""

    url: str
    headers: dict[str, str]


def endpoint_for(settings: dict[str, Any]) -> Endpoint:
    """The chat completions address of a workspace's source; raises ``ProviderError`` when
    the settings do not say where the model is."""
    source = settings["source"]
    base = settings.get("baseUrl") or DEFAULT_BASE_URLS.get(source)
    if base is None:
        raise ProviderError(_error(f"The `baseUrl` setting is required for the `{source}` source."))
    base = base.rstrip("/")
    key = settings.get("apiKey")
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    if source == "azureOpenAi":
        if key:
            headers["api-key"] = key
        url = f"{base}/openai/deployments/{settings.get('deploymentId') or ''}/chat/completions"
        if settings.get("apiVersion"):
            url += f"?api-version={settings['apiVersion']}"
        return Endpoint(url, headers)
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if settings.get("orgId"):
        headers["OpenAI-Organization"] = settings["orgId"]
    if settings.get("projectId"):
        headers["OpenAI-Project"] = settings["projectId"]
    return Endpoint(f"{base}/chat/completions", headers)


def _error(message: str, kind: str = "api_error", code: Any = None) -> dict[str, Any]:
    return {"message": message, "type": kind, "code": code, "param": None}


async def stream_chunks(
    client: httpx.AsyncClient, endpoint: Endpoint, request: dict[str, Any]
) -> AsyncIterator[dict[str, Any]]:
    """The decoded ``data:`` events of one streamed completion, until ``[DONE]``."""
    try:
        async with client.stream(
            "POST", endpoint.url, headers=endpoint.headers, content=orjson.dumps(request)
        ) as response:
            if response.status_code >= 400:
                raise ProviderError(_response_error(response.status_code, await response.aread()))
            async for line in response.aiter_lines():
                chunk = parse_event_line(line)
                if is_done(chunk):
                    return
                if chunk is not None:
                    yield chunk
    except httpx.HTTPError as exc:
        raise ProviderError(_error(f"Could not reach the LLM provider: {exc}")) from None


_DONE: dict[str, Any] = {}


def parse_event_line(line: str) -> dict[str, Any] | None:
    """One line of a server-sent event stream: the JSON of a ``data:`` line, the ``_DONE``
    marker, or None for blank lines, comments and other fields."""
    if not line.startswith("data:"):
        return None
    data = line[5:].strip()
    if data == "[DONE]":
        return _DONE
    if not data:
        return None
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise ProviderError(_error(f"The LLM provider sent an invalid event: {data}")) from None
    if isinstance(value, dict) and isinstance(value.get("error"), dict):
        raise ProviderError(value["error"])
    return value if isinstance(value, dict) else None


def is_done(chunk: dict[str, Any] | None) -> bool:
    """Whether ``chunk`` is the end-of-stream marker returned by ``parse_event_line``."""
    return chunk is _DONE


def _response_error(status: int, body: bytes) -> dict[str, Any]:
    """The provider's own error object when it sent one, else a description of the reply."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        value = None
    if isinstance(value, dict) and isinstance(value.get("error"), dict):
        return {**_error(""), **value["error"]}
    text = body.decode("utf-8", "replace").strip()[:500]
    return _error(f"The LLM provider answered with status {status}: {text}", code=status)
