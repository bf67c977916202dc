"""Tasks and batches as stored, and their JSON views as clients see them.

A task is stored as one orjson document with camelCase keys close to its view, times in
integer nanoseconds, and an internal ``params`` object holding what the scheduler needs to
run it (never shown). ``processing`` is not a stored status: the scheduler publishes the
batch it is running and readers overlay it (see ``runtime.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lumi.timefmt import iso_duration, rfc3339

# Task types in the order the reference lists them in error messages.
TASK_TYPES: tuple[str, ...] = (
    "documentAdditionOrUpdate",
    "documentEdition",
    "documentDeletion",
    "settingsUpdate",
    "indexCreation",
    "indexDeletion",
    "indexUpdate",
    "indexSwap",
    "taskCancelation",
    "taskDeletion",
    "dumpCreation",
    "snapshotCreation",
    "export",
    "upgradeDatabase",
    "indexCompaction",
    "networkTopologyChange",
    "dsrUpdate",
    "dsrClear",
)
TYPES_BY_LOWER = {t.lower(): t for t in TASK_TYPES}

STATUSES: tuple[str, ...] = ("enqueued", "processing", "succeeded", "failed", "canceled")
FINISHED = ("succeeded", "failed", "canceled")

# Tasks that are not tied to one index show ``indexUid: null``.
GLOBAL_TYPES = frozenset(
    {
        "indexSwap",
        "taskCancelation",
        "taskDeletion",
        "dumpCreation",
        "snapshotCreation",
        "export",
        "upgradeDatabase",
        "networkTopologyChange",
    }
)


@dataclass(slots=True)
class Task:
    uid: int
    type: str
    index_uid: str | None
    enqueued_at: int
    status: str = "enqueued"
    details: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    canceled_by: int | None = None
    batch_uid: int | None = None
    started_at: int | None = None
    finished_at: int | None = None
    custom_metadata: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "uid": self.uid,
            "type": self.type,
            "indexUid": self.index_uid,
            "status": self.status,
            "enqueuedAt": self.enqueued_at,
        }
        for key, value in (
            ("details", self.details),
            ("error", self.error),
            ("canceledBy", self.canceled_by),
            ("batchUid", self.batch_uid),
            ("startedAt", self.started_at),
            ("finishedAt", self.finished_at),
            ("customMetadata", self.custom_metadata),
            ("params", self.params or None),
        ):
            if value is not None:
                record[key] = value
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Task:
        return cls(
            uid=record["uid"],
            type=record["type"],
            index_uid=record["indexUid"],
            enqueued_at=record["enqueuedAt"],
            status=record["status"],
            details=record.get("details"),
            error=record.get("error"),
            canceled_by=record.get("canceledBy"),
            batch_uid=record.get("batchUid"),
            started_at=record.get("startedAt"),
            finished_at=record.get("finishedAt"),
            custom_metadata=record.get("customMetadata"),
            params=record.get("params") or {},
        )

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    def view(self) -> dict[str, Any]:
        """The full task object of ``GET /tasks/{uid}``, keys in the reference's order."""
        out: dict[str, Any] = {
            "uid": self.uid,
            "batchUid": self.batch_uid,
            "indexUid": self.index_uid,
            "status": self.status,
            "type": self.type,
            "canceledBy": self.canceled_by,
        }
        if self.details is not None:
            out["details"] = self.details
        duration = None
        if self.finished_at is not None and self.started_at is not None:
            duration = iso_duration(self.finished_at - self.started_at)
        out["error"] = self.error
        out["duration"] = duration
        out["enqueuedAt"] = rfc3339(self.enqueued_at)
        out["startedAt"] = rfc3339(self.started_at)
        out["finishedAt"] = rfc3339(self.finished_at)
        if self.custom_metadata is not None:
            out["customMetadata"] = self.custom_metadata
        return out

    def summary(self) -> dict[str, Any]:
        """The summarized task every write route answers with."""
        out: dict[str, Any] = {
            "taskUid": self.uid,
            "indexUid": self.index_uid,
            "status": self.status,
            "type": self.type,
            "enqueuedAt": rfc3339(self.enqueued_at),
        }
        if self.custom_metadata is not None:
            out["customMetadata"] = self.custom_metadata
        return out


@dataclass(slots=True)
class Batch:
    uid: int
    started_at: int
    task_uids: list[int]
    details: dict[str, Any]
    stats: dict[str, Any]
    strategy: str
    finished_at: int | None = None
    progress: dict[str, Any] | None = None

    def to_record(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "startedAt": self.started_at,
            "finishedAt": self.finished_at,
            "taskUids": self.task_uids,
            "details": self.details,
            "stats": self.stats,
            "batchStrategy": self.strategy,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Batch:
        return cls(
            uid=record["uid"],
            started_at=record["startedAt"],
            finished_at=record.get("finishedAt"),
            task_uids=record["taskUids"],
            details=record["details"],
            stats=record["stats"],
            strategy=record["batchStrategy"],
            progress=record.get("progress"),
        )

    def view(self) -> dict[str, Any]:
        duration = None
        if self.finished_at is not None:
            duration = iso_duration(self.finished_at - self.started_at)
        return {
            "uid": self.uid,
            "progress": self.progress,
            "details": self.details,
            "stats": self.stats,
            "duration": duration,
            "startedAt": rfc3339(self.started_at),
            "finishedAt": rfc3339(self.finished_at),
            "batchStrategy": self.strategy,
        }
