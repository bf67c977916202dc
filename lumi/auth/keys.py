"""API keys: the stored record, the key string derived from it, and the checks on request bodies.

A record holds only the uid and metadata. The key string clients send is an HMAC-SHA256 of
the hyphenated uid keyed with the master key, derived when needed; so a copy of the store
(dump, snapshot) reveals no usable key, and a new master key turns every key string into a
new one. A store finds a record from a key string through ``key_lookup_digest`` (a hash of
the key string, recomputed for every record when the master key changes) and the caller then
confirms the match in constant time, so the digest index never has to be trusted.

Bodies are checked field by field in the order the client wrote them, so the first problem
reported is the first one in the body, and missing fields are reported after every present
field passed; messages and codes are the API's own.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypedDict

from lumi import timefmt
from lumi.auth import actions as act
from lumi.errors import LumiError


class KeyRecord(TypedDict):
    """What a store keeps per key (dates are integer nanoseconds since the epoch, UTC)."""

    uid: str
    name: str | None
    description: str | None
    actions: list[str]
    indexes: list[str]
    expires_at: int | None
    created_at: int
    updated_at: int


# Finds a record from a key uid or a key string; None when nothing matches.
KeyLookup = Callable[[str], KeyRecord | None]

CREATE_FIELDS: tuple[str, ...] = ("description", "name", "uid", "actions", "indexes", "expiresAt")
UPDATE_FIELDS: tuple[str, ...] = ("description", "name")
_IMMUTABLE: dict[str, str] = {
    "uid": "immutable_api_key_uid",
    "key": "immutable_api_key_key",
    "actions": "immutable_api_key_actions",
    "indexes": "immutable_api_key_indexes",
    "expiresAt": "immutable_api_key_expires_at",
    "createdAt": "immutable_api_key_created_at",
    "updatedAt": "immutable_api_key_updated_at",
}
_MISSING: tuple[tuple[str, str], ...] = (
    ("actions", "missing_api_key_actions"),
    ("indexes", "missing_api_key_indexes"),
    ("expiresAt", "missing_api_key_expires_at"),
)


# --- key strings -----------------------------------------------------------------------------


def derive_key(uid: str, master_key: str) -> str:
    """The key string of ``uid``: lowercase hex HMAC-SHA256 of the hyphenated uid, keyed with
    the master key (so it is the same on every instance sharing that master key)."""
    return hmac.new(master_key.encode(), uid.encode(), hashlib.sha256).hexdigest()


def key_lookup_digest(key: str) -> bytes:
    """The index entry a store keeps for a key string (SHA-256 of it, 32 bytes)."""
    return hashlib.sha256(key.encode()).digest()


def matches_key(record: KeyRecord, key: str, master_key: str) -> bool:
    """Whether ``key`` is the key string of ``record``, compared in constant time."""
    return hmac.compare_digest(derive_key(record["uid"], master_key).encode(), key.encode())


def is_expired(record: KeyRecord, now_ns: int) -> bool:
    expires_at = record["expires_at"]
    return expires_at is not None and expires_at <= now_ns


# --- index patterns --------------------------------------------------------------------------

_INDEX_UID = re.compile(r"[A-Za-z0-9_-]{1,400}")


def is_index_pattern(pattern: str) -> bool:
    """``*``, an index uid, or an index uid followed by ``*`` (a prefix)."""
    if pattern == "*":
        return True
    prefix = pattern[:-1] if pattern.endswith("*") else pattern
    return _INDEX_UID.fullmatch(prefix) is not None


def index_pattern_matches(pattern: str, index_uid: str) -> bool:
    if pattern.endswith("*"):
        return index_uid.startswith(pattern[:-1])
    return pattern == index_uid


def allows_index(patterns: Iterable[str], index_uid: str) -> bool:
    return any(index_pattern_matches(p, index_uid) for p in patterns)


def _pattern_error(pattern: str, path: str) -> LumiError:
    return LumiError(
        "invalid_api_key_indexes",
        f"Invalid value at `{path}`: `{pattern}` is not a valid index uid pattern. Index uid "
        "patterns can be an integer or a string containing only alphanumeric characters, "
        "hyphens (-), underscores (_), and optionally end with a star (*).",
    )


# --- uids ------------------------------------------------------------------------------------

_HEX32 = re.compile(r"[0-9a-fA-F]{32}")
_GROUP_STARTS = (0, 9, 14, 19, 24)
_GROUP_SIZES = (8, 4, 4, 4, 12)


def parse_uid(text: str) -> str | None:
    """The hyphenated lowercase form of a UUID in any form clients may send (simple,
    hyphenated, braced, ``urn:uuid:``), else None."""
    n = len(text)
    inner = text
    if n == 38 and text[0] == "{" and text[-1] == "}":
        inner = text[1:-1]
    elif n == 45 and text.startswith("urn:uuid:"):
        inner = text[9:]
    if len(inner) == 32:
        hex_digits = inner
    elif len(inner) == 36 and inner[8] == inner[13] == inner[18] == inner[23] == "-":
        hex_digits = inner[:8] + inner[9:13] + inner[14:18] + inner[19:23] + inner[24:]
    else:
        return None
    if not _HEX32.fullmatch(hex_digits):
        return None
    return str(uuid.UUID(hex_digits))


def parse_uuid(text: str) -> str:
    """Like ``parse_uid``, but the ValueError says what is wrong with the text."""
    uid = parse_uid(text)
    if uid is not None:
        return uid
    # A wrapped form of the right size is described without its wrapper.
    size = len(text.encode())
    if size == 38 and text[0] == "{" and text[-1] == "}":
        text = text[1:-1]
    elif size == 45 and text.startswith("urn:uuid:"):
        text = text[9:]
    raise ValueError(_uuid_problem(text))


def _uuid_problem(text: str) -> str:
    """Describe why ``text`` is not a UUID: first bad character, then length, group count,
    and finally the first group of the wrong length."""
    offset, simple, body = 0, True, text
    if text.startswith("{") and text.endswith("}") and len(text) >= 2:
        offset, simple, body = 1, False, text[1:-1]
    elif text.startswith("urn:uuid:"):
        offset, simple, body = 9, False, text[9:]
    hyphens: list[int] = []
    index = 0
    for char in body:
        if char == "-":
            hyphens.append(index)
        elif len(char.encode()) > 1 or char not in "0123456789abcdefABCDEF":
            return (
                "invalid character: expected an optional prefix of `urn:uuid:` followed by "
                f"[0-9a-fA-F-], found `{char}` at {index + offset + 1}"
            )
        index += len(char.encode())
    if not hyphens and simple:
        return f"invalid length: expected length 32 for simple format, found {len(text.encode())}"
    if len(hyphens) != 4:
        return f"invalid group count: expected 5, found {len(hyphens) + 1}"
    for group in range(4):
        if hyphens[group] != _GROUP_STARTS[group + 1] - 1:
            found = (hyphens[group] - _GROUP_STARTS[group]) % (1 << 64)
            return _group_length(group, found)
    return _group_length(4, len(text.encode()) - _GROUP_STARTS[4])


def _group_length(group: int, found: int) -> str:
    return f"invalid group length in group {group}: expected {_GROUP_SIZES[group]}, found {found}"


# --- expiry dates ----------------------------------------------------------------------------

_NAIVE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2}))?")


def _parse_expires_at(text: str, now_ns: int) -> int:
    """Nanoseconds of a future date given as RFC 3339, as ``YYYY-MM-DD[THH:MM:SS]`` or as
    ``YYYY-MM-DD HH:MM:SS`` (the last three read as UTC)."""
    ns = timefmt.parse_rfc3339(text) if text[10:11] in ("T", "t") else None
    if ns is None:
        ns = _parse_naive(text)
    if ns is None or ns <= now_ns:
        raise LumiError(
            "invalid_api_key_expires_at",
            f"Invalid value at `.expiresAt`: `{text}` is not a valid date. It should follow the "
            "RFC 3339 format to represents a date or datetime in the future or specified as a "
            "null value. e.g. 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS'.\n",
        )
    return ns


def _parse_naive(text: str) -> int | None:
    m = _NAIVE.fullmatch(text)
    if m is None:
        return None
    day = timefmt.parse_date(text[:10])
    if day is None:
        return None
    if m[4] is None:
        return day
    hour, minute, second = int(m[4]), int(m[5]), int(m[6])
    if hour > 23 or minute > 59 or second > 59:
        return None
    return day + ((hour * 60 + minute) * 60 + second) * 1_000_000_000


# --- request bodies --------------------------------------------------------------------------


def _optional_text(value: Any, field: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    code = "invalid_api_key_name" if field == "name" else "invalid_api_key_description"
    raise LumiError(code, act.type_error(f".{field}", "a string", value))


def _check_uid(value: Any) -> str:
    if not isinstance(value, str):
        raise LumiError("invalid_api_key_uid", act.type_error(".uid", "a string", value))
    try:
        return parse_uuid(value)
    except ValueError as exc:
        raise LumiError("invalid_api_key_uid", f"Invalid value at `.uid`: {exc}") from None


def _check_indexes(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise LumiError("invalid_api_key_indexes", act.type_error(".indexes", "an array", value))
    for i, pattern in enumerate(value):
        path = f".indexes[{i}]"
        if not isinstance(pattern, str):
            raise LumiError("invalid_api_key_indexes", act.type_error(path, "a string", pattern))
        if not is_index_pattern(pattern):
            raise _pattern_error(pattern, path)
    return list(value)


def _check_expires_at(value: Any, now_ns: int) -> int | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise LumiError(
            "invalid_api_key_expires_at", act.type_error(".expiresAt", "a string", value)
        )
    return _parse_expires_at(value, now_ns)


def _root_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise LumiError("bad_request", act.type_error("", "an object", body))
    return body


def validate_create(body: Any, *, now_ns: int | None = None) -> KeyRecord:
    """The record a ``POST /keys`` body describes (uid generated when absent), or the error
    the client must see. Whether the uid is already taken is for the store to check."""
    now = timefmt.now_ns() if now_ns is None else now_ns
    fields: dict[str, Any] = {}
    for field, value in _root_object(body).items():
        if field == "description" or field == "name":
            fields[field] = _optional_text(value, field)
        elif field == "uid":
            fields[field] = _check_uid(value)
        elif field == "actions":
            fields[field] = act.validate_actions(value)
        elif field == "indexes":
            fields[field] = _check_indexes(value)
        elif field == "expiresAt":
            fields[field] = _check_expires_at(value, now)
        else:
            raise LumiError("bad_request", act.unknown_field(field, CREATE_FIELDS))
    for field, code in _MISSING:
        if field not in fields:
            raise LumiError(code, f"Missing field `{field}`")
    if "*" not in fields["indexes"]:
        global_action = act.global_action_in(fields["actions"])
        if global_action is not None:
            raise LumiError(
                "index_scoped_api_key_with_global_action",
                act.global_action_message(global_action),
            )
    return KeyRecord(
        uid=fields.get("uid") or str(uuid.uuid4()),
        name=fields.get("name"),
        description=fields.get("description"),
        actions=fields["actions"],
        indexes=fields["indexes"],
        expires_at=fields["expiresAt"],
        created_at=now,
        updated_at=now,
    )


def validate_update(body: Any) -> dict[str, str | None]:
    """The changes a ``PATCH /keys/{key}`` body asks for: only ``name`` and ``description``
    (present means set, ``null`` means clear, absent means unchanged)."""
    patch: dict[str, str | None] = {}
    for field, value in _root_object(body).items():
        if field in UPDATE_FIELDS:
            patch[field] = _optional_text(value, field)
        elif field in _IMMUTABLE:
            raise LumiError(
                _IMMUTABLE[field],
                f"Immutable field `{field}`: expected one of `description`, `name`",
            )
        else:
            raise LumiError("bad_request", act.unknown_field(field, UPDATE_FIELDS))
    return patch


def apply_update(record: KeyRecord, patch: dict[str, str | None], now_ns: int) -> KeyRecord:
    """A copy of ``record`` with the patch applied and ``updated_at`` set to now."""
    updated = record.copy()
    if "name" in patch:
        updated["name"] = patch["name"]
    if "description" in patch:
        updated["description"] = patch["description"]
    updated["updated_at"] = now_ns
    return updated


# --- default keys and the client's view ------------------------------------------------------

_DEFAULTS: tuple[tuple[str, str, list[str]], ...] = (
    ("Default Search API Key", "Use it to search from the frontend", ["search"]),
    (
        "Default Admin API Key",
        "Use it for anything that is not a search operation. Caution! Do not expose it on a "
        "public frontend",
        ["*"],
    ),
    (
        "Default Read-Only Admin API Key",
        "Use it to read information across the whole database. Caution! Do not expose this key "
        "on a public frontend",
        ["*.get", "keys.get"],
    ),
    (
        "Default Chat API Key",
        "Use it to chat and search from the frontend",
        ["chatCompletions", "search"],
    ),
)


def default_keys(now_ns: int) -> list[KeyRecord]:
    """The four keys created with a new protected instance, newest first.

    Each is a microsecond older than the previous one so that listing keys by creation date
    (newest first) always shows them in this order.
    """
    return [
        KeyRecord(
            uid=str(uuid.uuid4()),
            name=name,
            description=description,
            actions=list(key_actions),
            indexes=["*"],
            expires_at=None,
            created_at=now_ns - i * 1_000,
            updated_at=now_ns - i * 1_000,
        )
        for i, (name, description, key_actions) in enumerate(_DEFAULTS)
    ]


def key_view(record: KeyRecord, master_key: str) -> dict[str, Any]:
    """The key as clients see it, fields in the API's order."""
    return {
        "name": record["name"],
        "description": record["description"],
        "key": derive_key(record["uid"], master_key),
        "uid": record["uid"],
        "actions": list(record["actions"]),
        "indexes": list(record["indexes"]),
        "expiresAt": timefmt.rfc3339(record["expires_at"]),
        "createdAt": timefmt.rfc3339(record["created_at"]),
        "updatedAt": timefmt.rfc3339(record["updated_at"]),
    }
