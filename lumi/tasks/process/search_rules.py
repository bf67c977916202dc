"""Dynamic search rules (``dsrUpdate`` and ``dsrClear`` batches), and how they are stored.

All rules live in one instance record of the task store, ``{uid: rule}``, so a search reads
them with a single lookup and a dump carries them with the other instance records. Only the
scheduler writes that record, in the transaction that finishes the batch: a rule is visible
exactly when its task shows as finished, and a crash before that commit leaves the previous
rules and re-runs the tasks.

A stored rule is ``{"uid", "description"?, "precedence"?, "active", "conditions", "actions",
"lastUpdatedAt"}`` with ``lastUpdatedAt`` the enqueue time (ns) of the last task that changed
it. ``PATCH`` replaces the top-level fields it names; a field sent as ``null`` goes back to
its default (no description, no precedence, active, no conditions, no actions).
"""

from __future__ import annotations

from typing import Any

from lumi.storage.env import Txn
from lumi.tasks.models import Task
from lumi.tasks.process.base import BatchContext, BatchOutcome, TaskResult
from lumi.tasks.store import TaskStore
from lumi.timefmt import rfc3339

RECORD = "dynamicSearchRules"
_DEFAULTS: dict[str, Any] = {"active": True, "conditions": {}, "actions": []}
_VIEW_ORDER = ("description", "lastUpdatedAt", "precedence", "active", "conditions", "actions")

Rules = dict[str, dict[str, Any]]


def load_rules(store: TaskStore, txn: Txn) -> Rules:
    """Every stored rule by uid (a new dict the caller may change)."""
    return dict(store.get_record(txn, "meta_json", RECORD) or {})


def raw_rules(store: TaskStore, txn: Txn) -> bytes | None:
    """The stored record as bytes, so searches can reuse rules compiled from equal bytes."""
    raw = txn.get(RECORD.encode(), db=store.db["meta_json"])
    return None if raw is None else bytes(raw)


def rule_view(rule: dict[str, Any]) -> dict[str, Any]:
    """A rule as ``GET /dynamic-search-rules/{uid}`` shows it; absent options show as null."""
    out: dict[str, Any] = {"uid": rule["uid"]}
    for key in _VIEW_ORDER:
        value = rule.get(key)
        out[key] = rfc3339(value) if key == "lastUpdatedAt" else value
    return out


def patched_rule(
    current: dict[str, Any] | None, uid: str, patch: dict[str, Any], updated_at: int
) -> dict[str, Any]:
    """``current`` (or a new rule) with the fields of ``patch`` replaced."""
    rule: dict[str, Any] = dict(current) if current is not None else {"uid": uid, **_DEFAULTS}
    for key, value in patch.items():
        if value is None:
            rule.pop(key, None)
            if key in _DEFAULTS:
                rule[key] = _DEFAULTS[key]
        else:
            rule[key] = _compact(value)
    rule["lastUpdatedAt"] = updated_at
    return rule


def _compact(value: Any) -> Any:
    """``value`` without the object keys set to null: an absent option and a null one mean
    the same, and the stored rule shows only what is set."""
    if isinstance(value, dict):
        return {key: _compact(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_compact(item) for item in value]
    return value


def run_search_rules(ctx: BatchContext) -> BatchOutcome:
    """Apply the batch's rule updates, deletions and clears in uid order."""
    with ctx.store.read() as txn:
        rules = load_rules(ctx.store, txn)
    results: dict[int, TaskResult] = {}
    for task in sorted(ctx.tasks, key=lambda t: t.uid):
        results[task.uid] = TaskResult("succeeded", _apply(rules, task))
    store = ctx.store

    def change(txn: Txn) -> None:
        if rules:
            store.put_record(txn, "meta_json", RECORD, rules)
        else:
            store.delete_record(txn, "meta_json", RECORD)

    return BatchOutcome(results, store_changes=[change])


def _apply(rules: Rules, task: Task) -> dict[str, Any] | None:
    """Apply one task to ``rules`` in place; return the task's final details."""
    details = dict(task.details or {})
    if task.type == "dsrClear":
        details["deletedDocuments"] = len(rules)
        rules.clear()
        return details
    uid = task.params["uid"]
    patch = task.params.get("rule")
    if patch is None:
        rules.pop(uid, None)
    else:
        rules[uid] = patched_rule(rules.get(uid), uid, patch, task.enqueued_at)
    return details
