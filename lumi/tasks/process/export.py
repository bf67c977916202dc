"""Export batches: push indexes (settings and documents) to another Meilisearch-compatible
server over its HTTP API.

For every local index whose uid matches one of the task's patterns (the first matching
pattern decides its options): the index is created on the remote when missing, its settings
are sent when it was created or ``overrideSettings`` asks for it, then its documents (all,
or those the pattern's filter selects) are posted as NDJSON payloads of at most
``payloadSize`` bytes. The remote processes them as its own tasks; the export does not wait
for them. Any failure of the remote fails the export task with the remote's answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import orjson
from pyroaring import BitMap

from lumi.auth.keys import index_pattern_matches
from lumi.errors import LumiError
from lumi.index.index import Index
from lumi.index.registry import IndexMeta
from lumi.index.settings import settings_view
from lumi.search.filters.evaluate import FilterEvaluator
from lumi.search.filters.parameter import parse_filter
from lumi.tasks.process.base import BatchContext, BatchOutcome, TaskResult

_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


class ExportFailed(Exception):
    """The remote could not be reached or refused a request."""


def run_export(ctx: BatchContext) -> BatchOutcome:
    task = ctx.tasks[0]
    params = task.params
    details = _details_with_counts(task.details or {})
    headers = {"Content-Type": "application/json"}
    if params.get("apiKey"):
        headers["Authorization"] = f"Bearer {params['apiKey']}"
    try:
        with httpx.Client(base_url=params["url"], headers=headers, timeout=_TIMEOUT) as remote:
            for meta, pattern in _targets(ctx, params["indexes"]):
                options = params["indexes"][pattern]
                exported = _export_index(ctx, remote, meta, options, params["payloadSize"])
                details["indexes"][pattern]["matchedDocuments"] += exported
    except ExportFailed as failure:
        error = LumiError("internal", f"Exporting to `{params['url']}` failed: {failure}")
        return BatchOutcome({task.uid: TaskResult.failed(error, details)})
    except LumiError as error:
        return BatchOutcome({task.uid: TaskResult.failed(error, details)})
    return BatchOutcome({task.uid: TaskResult("succeeded", details)})


def _details_with_counts(details: dict[str, Any]) -> dict[str, Any]:
    out = dict(details)
    out["indexes"] = {
        pattern: {**options, "matchedDocuments": 0}
        for pattern, options in details.get("indexes", {}).items()
    }
    return out


def _targets(ctx: BatchContext, patterns: dict[str, Any]) -> Iterator[tuple[IndexMeta, str]]:
    with ctx.store.read() as txn:
        metas = ctx.registry.all_meta(txn)
    for meta in metas:
        pattern = next((p for p in patterns if index_pattern_matches(p, meta.uid)), None)
        if pattern is not None:
            yield meta, pattern


def _export_index(
    ctx: BatchContext,
    remote: httpx.Client,
    meta: IndexMeta,
    options: dict[str, Any],
    payload_size: int,
) -> int:
    index = ctx.registry.open(meta.dir)
    uid = meta.uid
    with index.read() as txn:
        settings = index.settings(txn)
        primary_key = index.primary_key(txn)
        created = _ensure_index(remote, uid, primary_key)
        if created or options.get("overrideSettings"):
            _send(
                remote,
                "PATCH",
                f"/indexes/{uid}/settings",
                json=settings_view(settings, masked=False),
            )
        docids = _selected(index, txn, settings, uid, options.get("filter"))
        count = 0
        query = {"primaryKey": primary_key} if primary_key else {}
        for payload, n in _payloads(index, txn, docids, payload_size):
            ctx.check_abort()
            _send(
                remote,
                "POST",
                f"/indexes/{uid}/documents",
                content=payload,
                params=query,
                headers={"Content-Type": "application/x-ndjson"},
            )
            count += n
    return count


def _ensure_index(remote: httpx.Client, uid: str, primary_key: str | None) -> bool:
    """Create the index on the remote unless it exists; True when it was created."""
    found = _request(remote, "GET", f"/indexes/{uid}")
    if found.status_code == 200:
        return False
    if found.status_code != 404:
        raise ExportFailed(_refusal("GET", f"/indexes/{uid}", found))
    _send(remote, "POST", "/indexes", json={"uid": uid, "primaryKey": primary_key})
    return True


def _selected(
    index: Index, txn: Any, settings: dict[str, Any], uid: str, filter_value: Any
) -> BitMap | None:
    node = parse_filter(filter_value, code="invalid_export_index_filter")
    if node is None:
        return None
    evaluator = FilterEvaluator(
        index, txn, settings, code="invalid_export_index_filter", contains_filter=True
    )
    try:
        return evaluator.docids(node)
    except LumiError as error:
        raise error.prefixed(f"Index `{uid}`: ") from None


def _payloads(
    index: Index, txn: Any, docids: BitMap | None, limit: int
) -> Iterator[tuple[bytes, int]]:
    """NDJSON payloads of at most ``limit`` bytes (a larger document travels alone)."""
    lines: list[bytes] = []
    size = 0
    for _docid, document in index.iter_documents(txn, docids):
        line = orjson.dumps(document) + b"\n"
        if lines and size + len(line) > limit:
            yield b"".join(lines), len(lines)
            lines, size = [], 0
        lines.append(line)
        size += len(line)
    if lines:
        yield b"".join(lines), len(lines)


def _request(remote: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    try:
        return remote.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        raise ExportFailed(
            f"the server could not be reached ({exc or type(exc).__name__})"
        ) from None


def _send(remote: httpx.Client, method: str, path: str, **kwargs: Any) -> None:
    response = _request(remote, method, path, **kwargs)
    if response.status_code >= 300:
        raise ExportFailed(_refusal(method, path, response))


def _refusal(method: str, path: str, response: httpx.Response) -> str:
    try:
        message = response.json().get("message") or response.text
    except ValueError:
        message = response.text
    return f"`{method} {path}` answered {response.status_code}: {message}"
