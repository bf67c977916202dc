"""The tasks each write operation registers, built in one place for HTTP and embedded use.

Each function returns a ``Task`` with the ``details`` clients see while it is enqueued and
the internal ``params`` its processor needs; the store gives it a uid and an enqueue time.
"""

from __future__ import annotations

from typing import Any

import orjson

from lumi.index.settings import details_view
from lumi.tasks.models import Task


def _task(kind: str, index_uid: str | None, **fields: Any) -> Task:
    return Task(uid=0, type=kind, index_uid=index_uid, enqueued_at=0, **fields)


def index_creation(uid: str, primary_key: str | None) -> Task:
    return _task(
        "indexCreation",
        uid,
        details={"primaryKey": primary_key},
        params={"primaryKey": primary_key},
    )


def index_update(uid: str, primary_key: str | None, new_uid: str | None) -> Task:
    details: dict[str, Any] = {"primaryKey": primary_key}
    params: dict[str, Any] = {"primaryKey": primary_key}
    if new_uid is not None and new_uid != uid:
        details.update(oldIndexUid=uid, newIndexUid=new_uid)
        params["newUid"] = new_uid
    return _task("indexUpdate", uid, details=details, params=params)


def index_deletion(uid: str) -> Task:
    return _task("indexDeletion", uid, details={"deletedDocuments": None})


def index_swap(swaps: list[dict[str, Any]]) -> Task:
    return _task("indexSwap", None, details={"swaps": swaps}, params={"swaps": swaps})


def document_addition(
    uid: str,
    *,
    count: int,
    method: str,
    fmt: str,
    payload_size: int,
    primary_key: str | None = None,
    csv_delimiter: str | None = None,
    skip_creation: bool = False,
    allow_index_creation: bool = True,
    custom_metadata: str | None = None,
) -> Task:
    """``method`` is ``replace`` (POST) or ``update`` (PUT, merging top-level fields)."""
    return _task(
        "documentAdditionOrUpdate",
        uid,
        details={"receivedDocuments": count, "indexedDocuments": None},
        custom_metadata=custom_metadata,
        params={
            "method": method,
            "primaryKey": primary_key,
            "format": fmt,
            "csvDelimiter": csv_delimiter,
            "skipCreation": skip_creation,
            "payloadSize": payload_size,
            "allowIndexCreation": allow_index_creation,
        },
    )


def document_deletion_by_ids(uid: str, ids: list[str], custom_metadata: str | None = None) -> Task:
    return _task(
        "documentDeletion",
        uid,
        details={"providedIds": len(ids), "deletedDocuments": None, "originalFilter": None},
        custom_metadata=custom_metadata,
        params={"operation": "ids", "ids": ids},
    )


def document_deletion_by_filter(
    uid: str, filter_value: Any, custom_metadata: str | None = None
) -> Task:
    return _task(
        "documentDeletion",
        uid,
        details={
            "providedIds": 0,
            "deletedDocuments": None,
            "originalFilter": orjson.dumps(filter_value).decode(),
        },
        custom_metadata=custom_metadata,
        params={"operation": "filter", "filter": filter_value},
    )


def documents_clear(uid: str, custom_metadata: str | None = None) -> Task:
    return _task(
        "documentDeletion",
        uid,
        details={"deletedDocuments": None},
        custom_metadata=custom_metadata,
        params={"operation": "clear"},
    )


def settings_update(
    uid: str,
    patch: dict[str, Any],
    *,
    allow_index_creation: bool,
    custom_metadata: str | None = None,
) -> Task:
    """``patch`` is a validated settings patch (``None`` values reset)."""
    return _task(
        "settingsUpdate",
        uid,
        details=details_view(patch),
        custom_metadata=custom_metadata,
        params={"settings": patch, "allowIndexCreation": allow_index_creation},
    )


def task_filter_task(kind: str, raw_query: str) -> Task:
    """A ``taskCancelation`` or ``taskDeletion``; its matches are computed at registration."""
    counter = "canceledTasks" if kind == "taskCancelation" else "deletedTasks"
    return _task(
        kind, None, details={"matchedTasks": 0, counter: None, "originalFilter": f"?{raw_query}"}
    )


def dump_creation() -> Task:
    return _task("dumpCreation", None, details={"dumpUid": None})


def snapshot_creation() -> Task:
    """Snapshot tasks show no ``details`` key at all."""
    return _task("snapshotCreation", None)


def index_compaction(uid: str) -> Task:
    """Both sizes appear once the compaction ran: ``details`` is ``{}`` until then."""
    return _task("indexCompaction", uid, details={})


def export(
    url: str,
    indexes: dict[str, Any],
    *,
    api_key: str | None,
    masked_api_key: str | None,
    payload_size: int,
    payload_size_text: str | None,
) -> Task:
    """Details show the key masked and the size as sent; ``None`` ones are left out."""
    details: dict[str, Any] = {"url": url}
    if masked_api_key is not None:
        details["apiKey"] = masked_api_key
    if payload_size_text is not None:
        details["payloadSize"] = payload_size_text
    details["indexes"] = indexes
    params = {"url": url, "apiKey": api_key, "payloadSize": payload_size, "indexes": indexes}
    return _task("export", None, details=details, params=params)


# Dynamic search rule tasks report this reserved index uid.
SEARCH_RULES_INDEX = ".meili_dsr"


def search_rule_update(uid: str, rule: dict[str, Any], custom_metadata: str | None = None) -> Task:
    """Create rule ``uid`` or replace the fields ``rule`` names (a validated ``PATCH`` body)."""
    return _task(
        "dsrUpdate",
        SEARCH_RULES_INDEX,
        details={"rule": rule, "updatedRules": 1},
        custom_metadata=custom_metadata,
        params={"uid": uid, "rule": rule},
    )


def search_rule_deletion(uid: str, custom_metadata: str | None = None) -> Task:
    """Delete rule ``uid``; deleting a rule that does not exist is not an error."""
    return _task(
        "dsrUpdate",
        SEARCH_RULES_INDEX,
        details={"updatedRules": 1},
        custom_metadata=custom_metadata,
        params={"uid": uid},
    )


def search_rules_clear(custom_metadata: str | None = None) -> Task:
    """Delete every rule; ``deletedDocuments`` counts them once done."""
    return _task(
        "dsrClear",
        SEARCH_RULES_INDEX,
        details={"deletedDocuments": None},
        custom_metadata=custom_metadata,
    )


def document_edition(
    uid: str,
    function: str,
    *,
    filter_value: Any = None,
    context: dict[str, Any] | None = None,
    custom_metadata: str | None = None,
) -> Task:
    """Run the Rhai ``function`` over the documents ``filter_value`` selects (all if None)."""
    original = None if filter_value is None else orjson.dumps(filter_value).decode()
    return _task(
        "documentEdition",
        uid,
        details={
            "editedDocuments": None,
            "deletedDocuments": None,
            "originalFilter": original,
            "context": context,
            "function": function,
        },
        custom_metadata=custom_metadata,
        params={"function": function, "filter": filter_value, "context": context},
    )
