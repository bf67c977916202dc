"""The ``details`` and ``stats`` of a batch, computed from its tasks.

Details merge the tasks' details: counts are summed, settings merged, original filters
joined with ``&``, swaps concatenated, and single-valued fields take the first value seen.
A finished batch's stats also carry its ``progressTrace``: how long each step took, keyed by
the step's path (``processing tasks > indexing documents``) and written like ``33.71s``,
``1.25ms``, ``840.00µs`` or ``12.00ns`` (two decimals in the largest unit that fits).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
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
        "updatedRules",
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


def batch_stats(tasks: list[Task], trace: Mapping[str, int] | None = None) -> dict[str, Any]:
    """Counts of the batch's tasks by status, type and index; with ``trace`` (nanoseconds
    per step path), its ``progressTrace`` too."""
    statuses = Counter(t.status for t in tasks)
    types = Counter(t.type for t in tasks)
    indexes = Counter(t.index_uid for t in tasks if t.index_uid is not None)
    stats: dict[str, Any] = {
        "totalNbTasks": len(tasks),
        "status": dict(statuses),
        "types": dict(types),
        "indexUids": dict(indexes),
    }
    if trace is not None:
        stats["progressTrace"] = {step: step_duration(ns) for step, ns in trace.items()}
    return stats


_UNITS = (("s", 1_000_000_000), ("ms", 1_000_000), ("µs", 1_000))


def step_duration(ns: int) -> str:
    """``ns`` with two decimals in the largest unit it reaches, rounded half up."""
    unit, size = "ns", 1
    for name, length in _UNITS:
        if ns >= length:
            unit, size = name, length
            break
    hundredths, rest = divmod(ns * 100, size)
    if rest * 2 >= size:
        hundredths += 1
    return f"{hundredths // 100}.{hundredths % 100:02d}{unit}"
