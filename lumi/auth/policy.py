"""Who may call a route: the decision made for every request before anything else runs.

Without a master key the instance is open, except the key routes, which have nothing to
protect with and stay closed. With one, a request must carry ``Authorization: Bearer <key>``
where the key is the master key (every route), an API key granted the route's action, or -
on search and chat routes only - a tenant token signed by such a key. The result, ``Access``,
travels with the request so that list routes (indexes, tasks, batches, stats) can drop what
the caller may not see and searches can apply a tenant token's filters.

Which message a refused request gets is part of the API: an index the key does not cover is
named (with the key's own list, which its holder already knows), but a tenant token never
reveals the index list of the key that signed it.
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from lumi.auth import actions as act
from lumi.auth import keys, tenant_tokens
from lumi.errors import LumiError

MISSING_HEADER = "The Authorization header is missing. It must use the bearer authorization method."
MISSING_MASTER_KEY = (
    "Meilisearch is running without a master key. To access this API endpoint, you must have "
    "set a master key at launch."
)
INVALID_API_KEY = tenant_tokens.INVALID_API_KEY
MIN_MASTER_KEY_BYTES = 16


@dataclass(frozen=True, slots=True)
class Access:
    """What an authorized request may touch.

    ``key_uid`` is None for the master key and on an open instance; ``None`` actions or
    indexes mean "all of them"; ``token`` is set when a tenant token was used.
    """

    key_uid: str | None = None
    actions: frozenset[str] | None = None
    indexes: tuple[str, ...] | None = None
    token: tenant_tokens.TenantToken | None = None

    def allowed_indexes(self, index_uid: str) -> bool:
        """Whether ``index_uid`` may appear to this caller (in lists, stats, multi-search)."""
        if self.indexes is not None and not keys.allows_index(self.indexes, index_uid):
            return False
        return self.token is None or tenant_tokens.rules_for_index(self.token, index_uid)[0]

    def search_filter(self, index_uid: str) -> Any:
        """The tenant token's filter for searches on ``index_uid`` (None when there is none)."""
        if self.token is None:
            return None
        return tenant_tokens.rules_for_index(self.token, index_uid)[1]

    def allows_action(self, action: str) -> bool:
        """Whether the same credentials also grant ``action`` (e.g. creating a missing index
        while adding documents)."""
        return self.actions is None or action in self.actions

    @property
    def global_tasks_visible(self) -> bool:
        """Tasks tied to no index (dumps, swaps, task deletions...) are only shown to callers
        allowed on every index."""
        if self.indexes is not None and "*" not in self.indexes:
            return False
        return self.token is None or "*" in tenant_tokens.allowed_patterns(self.token)


FULL_ACCESS = Access()


def authorize(
    master_key: str | None,
    header: str | None,
    action: str,
    index_uid: str | None,
    *,
    find_key: keys.KeyLookup,
    now_ns: int,
    accepts_tenant_token: bool,
) -> Access:
    """Decide whether a request may run, or raise the error it must get.

    ``header`` is the raw ``Authorization`` value; ``index_uid`` is the index named in the
    route's path (None for routes without one, such as ``/multi-search`` or ``/tasks``, which
    filter with ``Access.allowed_indexes`` instead); ``find_key`` returns the record for a key
    uid or a key string; ``accepts_tenant_token`` is true for search and chat routes only.
    """
    if master_key is None:
        if action in act.KEYS_ACTIONS:
            raise LumiError("missing_master_key", MISSING_MASTER_KEY)
        return FULL_ACCESS
    token = bearer_token(header)
    if hmac.compare_digest(token.encode(), master_key.encode()):
        return FULL_ACCESS
    if accepts_tenant_token and tenant_tokens.looks_like_jwt(token):
        return _tenant_access(token, master_key, action, index_uid, find_key, now_ns)
    return _key_access(token, master_key, action, index_uid, find_key, now_ns)


def bearer_token(header: str | None) -> str:
    """The credential of an ``Authorization: Bearer <credential>`` header.

    A missing header, another scheme, or a value with characters outside visible ASCII is a
    missing header (401); ``Bearer`` with nothing after it is an invalid key (403).
    """
    if header is None or not _visible_ascii(header):
        raise LumiError("missing_authorization_header", MISSING_HEADER)
    scheme, space, token = header.partition(" ")
    if scheme != "Bearer":
        raise LumiError("missing_authorization_header", MISSING_HEADER)
    if not space:
        raise LumiError("invalid_api_key", INVALID_API_KEY)
    return token


def _visible_ascii(value: str) -> bool:
    return value.isascii() and (value.isprintable() or value.replace("\t", "").isprintable())


def _key_access(
    token: str,
    master_key: str,
    action: str,
    index_uid: str | None,
    find_key: keys.KeyLookup,
    now_ns: int,
) -> Access:
    record = find_key(token) if token else None
    if (
        record is None
        or not keys.matches_key(record, token, master_key)
        or keys.is_expired(record, now_ns)
    ):
        raise LumiError("invalid_api_key", INVALID_API_KEY)
    if index_uid is not None and not keys.allows_index(record["indexes"], index_uid):
        raise LumiError(
            "invalid_api_key",
            f"The API key cannot acces the index `{index_uid}`, authorized indexes are "
            f"{_debug_list(record['indexes'])}.",
        )
    return _with_action(record, action, None)


def _tenant_access(
    token: str,
    master_key: str,
    action: str,
    index_uid: str | None,
    find_key: keys.KeyLookup,
    now_ns: int,
) -> Access:
    tenant = tenant_tokens.decode_tenant_token(token, find_key, master_key, now_ns)
    if index_uid is not None:
        if not tenant_tokens.rules_for_index(tenant, index_uid)[0]:
            raise LumiError(
                "invalid_api_key",
                f"The provided tenant token cannot acces the index `{index_uid}`, allowed "
                f"indexes are {_debug_list(tenant_tokens.allowed_patterns(tenant))}.",
            )
        if not keys.allows_index(tenant.key["indexes"], index_uid):
            raise LumiError(
                "invalid_api_key",
                "The API key used to generate this tenant token cannot acces the index "
                f"`{index_uid}`.",
            )
    return _with_action(tenant.key, action, tenant)


def _with_action(
    record: keys.KeyRecord, action: str, token: tenant_tokens.TenantToken | None
) -> Access:
    granted = act.expand(record["actions"])
    if not act.allows(granted, action):
        raise LumiError("invalid_api_key", INVALID_API_KEY)
    return Access(
        key_uid=record["uid"], actions=granted, indexes=tuple(record["indexes"]), token=token
    )


def _debug_list(items: list[str]) -> str:
    """A list of names printed as ``["a", "b"]``."""
    return "[" + ", ".join(json.dumps(item) for item in items) + "]"


# --- startup checks --------------------------------------------------------------------------


def _suggestion() -> str:
    return secrets.token_urlsafe(32)


def check_master_key_for_env(env: str, master_key: str | None) -> str | None:
    """The error that stops a production launch without a master key of at least 16 bytes
    (with a freshly generated key to use instead), or None when the launch may go on."""
    if env != "production":
        return None
    if master_key is None:
        problem = (
            "You must provide a master key to secure your instance in a production "
            "environment. It can be specified via the MEILI_MASTER_KEY environment variable "
            "or the --master-key launch option."
        )
    else:
        size = len(master_key.encode())
        if size >= MIN_MASTER_KEY_BYTES:
            return None
        problem = (
            "The master key must be at least 16 bytes in a production environment. The "
            f"provided key is only {size} bytes."
        )
    return (
        f"{problem}\n\nWe generated a secure master key for you (you can safely use this "
        f"token):\n\n>> --master-key {_suggestion()} <<"
    )


def master_key_warning(env: str, master_key: str | None) -> str | None:
    """The warning printed when a development instance starts unprotected or with a short
    master key (with a generated key to use instead), or None."""
    if env == "production":
        return None
    if master_key is None:
        opening = (
            "No master key was found. The server will accept unidentified requests.\n\n"
            "A master key of at least 16 bytes will be required when switching to a "
            "production environment.\n\nIf you need protection in a development environment, "
            "we generated a secure master key for you (you can safely use this token):"
        )
    elif len(master_key.encode()) < MIN_MASTER_KEY_BYTES:
        opening = (
            "Lumi started with a master key considered unsafe for use in a production "
            "environment.\n\nA master key of at least 16 bytes will be required when switching "
            "to a production environment.\n\nWe generated a new secure master key for you (you "
            "can safely use this token):"
        )
    else:
        return None
    return (
        f"{opening}\n\n>> --master-key {_suggestion()} <<\n\n"
        "Restart Lumi with the argument above to use this new and secure master key."
    )
