"""Rules every document obeys before it is stored: its primary key, its id and its ``_geo``.

Pure functions over parsed documents (dicts). The scheduler calls them per document while
applying an addition, the HTTP layer calls ``validate_external_id`` for ids given in routes.
Error messages print values as compact JSON because that is how clients see documents.
"""

from __future__ import annotations

import json
import math
import re

import orjson

from lumi.errors import LumiError

_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,511}")
_I64_MIN, _U64_END = -(2**63), 2**64
_FLOAT_TEXT = re.compile(
    r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:inf|infinity|nan)", re.I
)


def _json(value: object) -> str:
    """Compact JSON the way error messages print values."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # integers beyond 64 bits
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# ------------------------------------------------------------------------------- primary key


def infer_primary_key(document: dict) -> str:
    """The only top-level field whose lowercased name ends with ``id``.

    Inference looks at the first document of a batch only; several candidates fail even
    when one of them is exactly ``id``, so that the choice is never a guess.
    """
    candidates = sorted(key for key in document if key.lower().endswith("id"))
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise LumiError(
            "index_primary_key_no_candidate_found",
            "The primary key inference failed as the engine did not find any field ending "
            "with `id` in its name. Please specify the primary key manually using the "
            "`primaryKey` query parameter.",
        )
    raise LumiError(
        "index_primary_key_multiple_candidates_found",
        f"The primary key inference failed as the engine found {len(candidates)} fields ending "
        f"with `id` in their names: '{candidates[0]}' and '{candidates[1]}'. Please specify "
        "the primary key manually using the `primaryKey` query parameter.",
    )


# ---------------------------------------------------------------------------------------- ids


def document_id(document: dict, primary_key: str) -> str:
    """The external id of ``document``: its primary-key value as canonical text.

    Integers and their decimal text are the same id (``1`` and ``"1"``). A dotted key such as
    ``info.id`` is looked up through nested objects as well as as a literal flat key; finding
    it more than once is an error rather than a silent pick.
    """
    if "." not in primary_key:
        if primary_key not in document:
            raise _missing_id(document, primary_key)
        return _id_from_value(document[primary_key])
    values: list[object] = []
    _collect(document, primary_key, values)
    if not values:
        raise _missing_id(document, primary_key)
    if len(values) > 1:
        raise LumiError(
            "invalid_document_id",
            f"Document have too many matching `{primary_key}` attribute: `{_json(document)}`.",
        )
    return _id_from_value(values[0])


def _collect(obj: dict, path: str, out: list[object]) -> None:
    """Every value reachable as ``path``, splitting it at any dot into nested objects."""
    for key, value in obj.items():
        if key == path:
            out.append(value)
        elif path.startswith(key) and path[len(key)] == "." and type(value) is dict:
            _collect(value, path[len(key) + 1 :], out)


def _id_from_value(value: object) -> str:
    if type(value) is str:
        if _ID_PATTERN.fullmatch(value) is None:
            raise _invalid_id(value)
        return value
    if type(value) is int and _I64_MIN <= value < _U64_END:
        return str(value)
    raise _invalid_id(value)


def validate_external_id(value: str) -> str:
    """An id given in a route (``GET /documents/{id}``, ``delete-batch`` where numbers arrive
    already stringified): returned unchanged when valid, else ``invalid_document_id``.
    """
    if _ID_PATTERN.fullmatch(value) is None:
        raise _invalid_id(value)
    return value


def is_valid_document_id(value: str) -> bool:
    """Whether ``value`` could be the id of a stored document (a lookup can skip it if not)."""
    return _ID_PATTERN.fullmatch(value) is not None


def _missing_id(document: dict, primary_key: str) -> LumiError:
    return LumiError(
        "missing_document_id",
        f"Document doesn't have a `{primary_key}` attribute: `{_json(document)}`.",
    )


def _invalid_id(value: object) -> LumiError:
    return LumiError(
        "invalid_document_id",
        f"Document identifier `{_json(value)}` is invalid. A document identifier can be of "
        "type integer or string, only composed of alphanumeric characters (a-z A-Z 0-9), "
        "hyphens (-) and underscores (_), and can not be more than 511 bytes.",
    )


# ---------------------------------------------------------------------------------- updates


def merge_documents(old: dict, new: dict) -> dict:
    """``PUT`` semantics: top-level fields of ``new`` win; a nested object is replaced whole.

    Fields keep the stored document's order, new fields come after them.
    """
    return {**old, **new}


# -------------------------------------------------------------------------------------- _geo


def validate_geo(document: dict, doc_id: str) -> tuple[float, float] | None:
    """The ``(lat, lng)`` of a document's ``_geo`` field, None when absent or null.

    ``lat`` and ``lng`` may be numbers or numeric strings and must be finite; no other key
    is allowed. Coordinates are not range-checked: the reference engine accepts any finite
    value and leaves the meaning to distance computations.
    """
    geo = document.get("_geo")
    if geo is None:
        return None
    shown_id = _json(doc_id)
    if type(geo) is not dict:
        raise _geo_error(
            f"The `_geo` field in the document with the id: `{shown_id}` is not an object. "
            "Was expecting an object with the `_geo.lat` and `_geo.lng` fields but instead "
            f"got `{_json(geo)}`."
        )
    if "lat" not in geo or "lng" not in geo:
        raise _geo_error(_missing_coordinates(geo, shown_id))
    extra = {key: value for key, value in geo.items() if key not in ("lat", "lng")}
    if extra:
        raise _geo_error(
            f"The `_geo` field in the document with the id: `{shown_id}` contains the "
            f"following unexpected fields: `{_json(extra)}`."
        )
    lat, lng = _finite_float(geo["lat"]), _finite_float(geo["lng"])
    if lat is not None and lng is not None:
        return lat, lng
    if lat is None and lng is None:
        raise _geo_error(
            "Could not parse latitude nor longitude in the document with the id: "
            f"`{shown_id}`. Was expecting finite numbers but instead got "
            f"`{_json(geo['lat'])}` and `{_json(geo['lng'])}`."
        )
    which, key = ("latitude", "lat") if lat is None else ("longitude", "lng")
    raise _geo_error(
        f"Could not parse {which} in the document with the id: `{shown_id}`. Was expecting "
        f"a finite number but instead got `{_json(geo[key])}`."
    )


def _missing_coordinates(geo: dict, shown_id: str) -> str:
    if "lat" not in geo and "lng" not in geo:
        return (
            f"Could not find latitude nor longitude in the document with the id: `{shown_id}`. "
            "Was expecting `_geo.lat` and `_geo.lng` fields."
        )
    which, key = ("latitude", "lat") if "lat" not in geo else ("longitude", "lng")
    return (
        f"Could not find {which} in the document with the id: `{shown_id}`. "
        f"Was expecting a `_geo.{key}` field."
    )


def _finite_float(value: object) -> float | None:
    """A finite float from a JSON number or a numeric string; None when there is none."""
    if type(value) is str:
        if _FLOAT_TEXT.fullmatch(value) is None:
            return None
        number = float(value)
    elif type(value) is int or type(value) is float:
        number = float(value)
    else:
        return None
    return number if math.isfinite(number) else None


def _geo_error(message: str) -> LumiError:
    return LumiError("invalid_document_geo_field", message)
