"""``POST /export``: register an ``export`` task that pushes indexes to another server.

The body is checked completely here (URL, key, payload size, index patterns, filters), so
the task only fails for reasons that depend on the remote. The answer is the summarized
task with status 200, as in the reference. Details show the API key masked and the payload
size in human form.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from lumi.auth.keys import is_index_pattern
from lumi.config import parse_size
from lumi.http.enqueue import enqueue
from lumi.http.indexes import json_body
from lumi.http.routing import endpoint
from lumi.http.validation import (
    Body,
    Failure,
    Field,
    Invalid,
    WrongType,
    any_json,
    boolean,
    custom,
    nullable,
    obj,
    string,
)
from lumi.index.payloads.sizes import format_byte_size
from lumi.messages import mask_secret
from lumi.search.filters.parameter import parse_filter
from lumi.tasks import builders


def _url(value: str) -> str:
    parts = urlsplit(value)
    if not parts.scheme:
        raise Invalid("relative URL without a base")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid("empty host")
    return value


def _payload_size(value: Any) -> int:
    if type(value) is int and value > 0:
        return value
    if type(value) is str:
        try:
            size = parse_size(value)
        except ValueError:
            size = 0
        if size > 0:
            return size
        raise Invalid(f"`{value}` is not a valid payload size, such as `24MiB` or `100 MB`")
    raise WrongType("a string or a positive integer", value)


def _filter(value: Any) -> Any:
    parse_filter(value, code="invalid_export_index_filter")
    return value


_INDEX_OPTIONS = Body(
    [
        Field("filter", custom(_filter, any_json()), "invalid_export_index_filter", default=None),
        Field(
            "overrideSettings",
            boolean(),
            "invalid_export_index_override_settings",
            default=False,
        ),
    ],
    code="invalid_export_indexes_patterns",
)
_OPTIONS = obj(_INDEX_OPTIONS)


def _indexes(value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        raise WrongType("an object", value)
    out: dict[str, Any] = {}
    for pattern, options in value.items():
        if not is_index_pattern(pattern):
            raise Invalid(
                f"`{pattern}` is not a valid index uid pattern. Index uid patterns can be an "
                "integer or a string containing only alphanumeric characters, hyphens (-), "
                "underscores (_), and optionally end with a star (*)."
            )
        try:
            out[pattern] = _OPTIONS(options)
        except Failure as failure:
            failure.within(pattern, None)
            raise
    return out


EXPORT_BODY = Body(
    [
        Field(
            "url",
            custom(_url, string()),
            "invalid_export_url",
            required=True,
            missing_code="invalid_export_url",
        ),
        Field("apiKey", nullable(string()), "invalid_export_api_key"),
        Field("payloadSize", nullable(_payload_size), "invalid_export_payload_size"),
        Field("indexes", nullable(_indexes), "invalid_export_indexes_patterns"),
    ]
)


@endpoint("POST", "/export", "export")
async def export(request: Request) -> Response:
    body = EXPORT_BODY.parse(await json_body(request))
    indexes = body.get("indexes") or {"*": {"filter": None, "overrideSettings": False}}
    api_key = body.get("apiKey")
    size = body.get("payloadSize")
    task = builders.export(
        body["url"],
        indexes,
        api_key=api_key,
        masked_api_key=None if api_key is None else mask_secret(api_key),
        payload_size=size or request.app.state.config.http_payload_size_limit,
        payload_size_text=None if size is None else format_byte_size(size),
    )
    return await enqueue(request, task, status=200)


ENDPOINTS = [export]
