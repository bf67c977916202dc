"""Engine objects rendered as the JSON clients expect."""

from __future__ import annotations

from typing import Any

from lumi.index.registry import IndexMeta
from lumi.timefmt import rfc3339


def index_view(meta: IndexMeta) -> dict[str, Any]:
    return {
        "uid": meta.uid,
        "createdAt": rfc3339(meta.created_at),
        "updatedAt": rfc3339(meta.updated_at),
        "primaryKey": meta.primary_key,
    }


def offset_page(results: list[Any], offset: int, limit: int, total: int) -> dict[str, Any]:
    return {"results": results, "offset": offset, "limit": limit, "total": total}
