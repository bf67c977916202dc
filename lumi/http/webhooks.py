"""``/webhooks``: the API webhooks stored with the tasks, plus the read-only one from the
command line. ``Authorization`` header values are masked when shown.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from lumi.errors import LumiError
from lumi.http.enqueue import engine_of
from lumi.http.indexes import json_body
from lumi.http.responses import json, no_content
from lumi.http.routing import endpoint
from lumi.http.validation import WrongType, dict_of, nullable, parse_value, string
from lumi.messages import mask_secret
from lumi.tasks.webhooks import CLI_WEBHOOK_UUID, MAX_WEBHOOKS

MAX_HEADERS = 200
# Header values may be null: in a PATCH, null removes the header.
_HEADERS = nullable(dict_of(nullable(string())))
_FIELDS = ("url", "headers")


def _mask_authorization(value: str) -> str:
    """An ``Authorization`` header value masked after its ``Bearer `` scheme, if any."""
    prefix = "Bearer " if value.startswith("Bearer ") else ""
    return prefix + mask_secret(value[len(prefix) :])


def _view(uid: str, record: dict[str, Any], editable: bool) -> dict[str, Any]:
    headers = {
        name: _mask_authorization(value) if name.lower() == "authorization" else value
        for name, value in (record.get("headers") or {}).items()
    }
    return {"uuid": uid, "url": record["url"], "headers": headers, "isEditable": editable}


def _cli_webhook(request: Request) -> dict[str, Any] | None:
    config = request.app.state.config
    if not config.task_webhook_url:
        return None
    headers = {}
    if config.task_webhook_authorization_header:
        headers["Authorization"] = config.task_webhook_authorization_header
    return {"url": config.task_webhook_url, "headers": headers}


def _parse_uuid(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError as exc:
        raise LumiError("invalid_webhook_uuid", f"Invalid UUID: {_uuid_error(raw, exc)}") from None


def _uuid_error(raw: str, _exc: ValueError) -> str:
    hexdigits = "".join(c for c in raw if c != "-")
    bad = next((c for c in hexdigits if c not in "0123456789abcdefABCDEF"), None)
    if bad is not None:
        return (
            "invalid character: expected an optional prefix of `urn:uuid:` followed by "
            f"[0-9a-fA-F-], found `{bad}` at {raw.index(bad) + 1}"
        )
    return f"invalid length: expected length 32 for simple format, found {len(hexdigits)}"


def _check_url(uid: str, url: Any) -> str:
    if url is None:
        raise LumiError("invalid_webhook_url", f"The URL for the webhook `{uid}` is missing.")
    url = parse_value(string(), url, "invalid_webhook_url", ".url")
    parts = urlsplit(url)
    if not parts.scheme:
        raise LumiError("invalid_webhook_url", f"Invalid URL `{url}`: relative URL without a base")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise LumiError("invalid_webhook_url", f"Invalid URL `{url}`: empty host")
    return url


def _check_body(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise WrongType("an object", raw).to_error()
    for key in raw:
        if key == "uuid":
            raise LumiError(
                "immutable_webhook_uuid", "Immutable field `uuid`: expected one of `url`, `headers`"
            )
        if key == "isEditable":
            raise LumiError(
                "immutable_webhook_is_editable",
                "Immutable field `isEditable`: expected one of `url`, `headers`",
            )
        if key not in _FIELDS:
            raise LumiError(
                "bad_request", f"Unknown field `{key}`: expected one of `url`, `headers`"
            )
    if "headers" in raw:
        parse_value(_HEADERS, raw["headers"], "invalid_webhook_headers", ".headers")
    return raw


def _merge_headers(uid: str, current: dict[str, str], patch: Any) -> dict[str, str]:
    if patch is None:
        return {}
    merged = dict(current)
    for name, value in patch.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    if len(merged) > MAX_HEADERS:
        raise LumiError(
            "invalid_webhook_headers",
            f"Too many headers for the webhook `{uid}`. Please limit the number of headers to 200. "
            "Hint: To remove an already defined header set its value to `null`",
        )
    return merged


@endpoint("GET", "/webhooks", "webhooks.get")
async def list_webhooks(request: Request) -> Response:
    store = engine_of(request).store
    results = []
    cli = _cli_webhook(request)
    if cli is not None:
        results.append(_view(CLI_WEBHOOK_UUID, cli, False))
    with store.read() as txn:
        results.extend(_view(uid, record, True) for uid, record in store.records(txn, "webhooks"))
    return json({"results": results})


@endpoint("POST", "/webhooks", "webhooks.create")
async def create_webhook(request: Request) -> Response:
    body = _check_body(await json_body(request))
    uid = str(uuid.uuid4())
    url = _check_url(uid, body.get("url"))
    record = {"url": url, "headers": _merge_headers(uid, {}, body.get("headers") or {})}
    store = engine_of(request).store

    def write() -> None:
        with store.write() as txn:
            if sum(1 for _ in store.records(txn, "webhooks")) >= MAX_WEBHOOKS:
                raise LumiError(
                    "invalid_webhooks",
                    "Defining too many webhooks would crush the server. Please limit the number of "
                    "webhooks to 20. You may use a third-party proxy server to dispatch events to "
                    "more than 20 endpoints.",
                )
            store.put_record(txn, "webhooks", uid, record)

    await asyncio.to_thread(write)
    return json(_view(uid, record, True), 201)


def _immutable(uid: str) -> LumiError:
    return LumiError(
        "immutable_webhook",
        f"Webhook `{uid}` is immutable. The webhook defined from the command line cannot be "
        "modified using the API.",
    )


def _not_found(uid: str) -> LumiError:
    return LumiError("webhook_not_found", f"Webhook `{uid}` not found.")


@endpoint("GET", "/webhooks/{uuid}", "webhooks.get")
async def get_webhook(request: Request) -> Response:
    uid = _parse_uuid(request.path_params["uuid"])
    if uid == CLI_WEBHOOK_UUID:
        cli = _cli_webhook(request)
        if cli is None:
            raise _not_found(uid)
        return json(_view(uid, cli, False))
    store = engine_of(request).store
    with store.read() as txn:
        record = store.get_record(txn, "webhooks", uid)
    if record is None:
        raise _not_found(uid)
    return json(_view(uid, record, True))


@endpoint("PATCH", "/webhooks/{uuid}", "webhooks.update")
async def update_webhook(request: Request) -> Response:
    uid = _parse_uuid(request.path_params["uuid"])
    if uid == CLI_WEBHOOK_UUID:
        raise _immutable(uid)
    body = _check_body(await json_body(request))
    store = engine_of(request).store

    def write() -> dict[str, Any]:
        with store.write() as txn:
            record = store.get_record(txn, "webhooks", uid)
            if record is None:
                raise _not_found(uid)
            if "url" in body:
                record["url"] = _check_url(uid, body["url"])
            if "headers" in body:
                record["headers"] = _merge_headers(
                    uid, record.get("headers") or {}, body["headers"]
                )
            store.put_record(txn, "webhooks", uid, record)
            return record

    record = await asyncio.to_thread(write)
    return json(_view(uid, record, True))


@endpoint("DELETE", "/webhooks/{uuid}", "webhooks.delete")
async def delete_webhook(request: Request) -> Response:
    uid = _parse_uuid(request.path_params["uuid"])
    if uid == CLI_WEBHOOK_UUID:
        raise _immutable(uid)
    store = engine_of(request).store

    def write() -> bool:
        with store.write() as txn:
            return store.delete_record(txn, "webhooks", uid)

    if not await asyncio.to_thread(write):
        raise _not_found(uid)
    return no_content()


ENDPOINTS = [list_webhooks, create_webhook, get_webhook, update_webhook, delete_webhook]
