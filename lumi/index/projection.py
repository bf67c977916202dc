"""Choosing which fields of a stored document a response shows.

``fields``/``attributesToRetrieve`` name top-level or dotted paths; ``*`` keeps everything.
Selecting ``a.b`` keeps only that branch of ``a``; selecting ``a`` keeps ``a`` whole.
Fields keep the order they have in the document.
"""

from __future__ import annotations

from typing import Any


def project(document: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    if fields is None or "*" in fields:
        return document
    return _select(document, fields, "")


def _select(obj: dict[str, Any], fields: list[str], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in obj.items():
        path = prefix + key
        if path in fields:
            out[key] = value
            continue
        deeper = path + "."
        if not any(f.startswith(deeper) for f in fields):
            continue
        if isinstance(value, dict):
            picked = _select(value, fields, deeper)
            if picked:
                out[key] = picked
        elif isinstance(value, list):
            items = [_select(v, fields, deeper) for v in value if isinstance(v, dict)]
            items = [i for i in items if i]
            if items:
                out[key] = items
    return out
