"""The ``details`` and ``stats`` of a batch, computed from its tasks.

Details merge the tasks' details: counts are summed, settings merged, original filters
joined with ``&``, swaps concatenated, and single-valued fields take the first value seen.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from lumi.tasks.models import Task

_SUMMED = frozenset(
    {
        "receivedDocuments",
        "indexedDocuments",
        "providedIds",
        "deletedDocuments",
        "editedDocuments",
        "matchedTasks",
        "canceledTasks",
        "deletedTasks",
    }
)


def merge_details(tasks: list[Task]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for task in tasks:
        for key, value in (task.details or {}).items():
            if key in _SUMMED:
                if value is not None or key not in out:
                    out[key] = (out.get(key) or 0) + value if value is not None else out.get(key)
            elif key == "originalFilter":
                if value is not None:
                    out[key] = f"{out[key]}&{value}" if out.get(key) else value
                else:
                    out.setdefault(key, None)
            elif key == "swaps":
                out[key] = [*out.get(key, []), *value]
            elif key not in out or task.type == "settingsUpdate":
                out[key] = value
    return out


def batch_stats(tasks: list[Task]) -> dict[str, Any]:
    statuses = Counter(t.status for t in tasks)
    types = Counter(t.type for t in tasks)
    indexes = Counter(t.index_uid for t in tasks if t.index_uid is not None)
    return {
        "totalNbTasks": len(tasks),
        "status": dict(statuses),
        "types": dict(types),
        "indexUids": dict(indexes),
    }
