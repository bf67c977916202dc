"""The actions an API key can be granted, their wildcard families, and the checks on a list.

Names and their order are the API's: clients send them in ``POST /keys`` and read them back,
and the order is the one error messages list them in. A key stores the names it was given;
routes ask for one concrete action, so a granted list is expanded once (cached) into the set
of concrete names it covers and every check after that is a set lookup.

The JSON-message helpers at the bottom produce the wording clients see for a rejected request
body (value kinds, "did you mean" hints); ``keys`` reuses them for the other key fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from lumi.errors import LumiError
from lumi.messages import compact_json, did_you_mean, kind_of

# Every action name, in the order the API lists them.
ACTIONS: tuple[str, ...] = (
    "*",
    "search",
    "documents.*",
    "documents.add",
    "documents.get",
    "documents.delete",
    "indexes.*",
    "indexes.create",
    "indexes.get",
    "indexes.update",
    "indexes.delete",
    "indexes.swap",
    "tasks.*",
    "tasks.cancel",
    "tasks.delete",
    "tasks.get",
    "settings.*",
    "settings.get",
    "settings.update",
    "stats.*",
    "stats.get",
    "metrics.*",
    "metrics.get",
    "dumps.*",
    "dumps.create",
    "snapshots.*",
    "snapshots.create",
    "version",
    "keys.create",
    "keys.get",
    "keys.update",
    "keys.delete",
    "experimental.get",
    "experimental.update",
    "export",
    "network.get",
    "network.update",
    "chatCompletions",
    "chats.*",
    "chats.get",
    "chats.delete",
    "chatsSettings.*",
    "chatsSettings.get",
    "chatsSettings.update",
    "*.get",
    "webhooks.get",
    "webhooks.update",
    "webhooks.delete",
    "webhooks.create",
    "webhooks.*",
    "indexes.compact",
    "fields.post",
    "tasks.compact",
    "dynamicSearchRules.get",
    "dynamicSearchRules.create",
    "dynamicSearchRules.update",
    "dynamicSearchRules.delete",
    "dynamicSearchRules.*",
)

KNOWN: frozenset[str] = frozenset(ACTIONS)
WILDCARDS: frozenset[str] = frozenset(a for a in ACTIONS if "*" in a)
CONCRETE: tuple[str, ...] = tuple(a for a in ACTIONS if "*" not in a)

# Key management stays behind the master key's presence: without one these routes are closed.
KEYS_ACTIONS: frozenset[str] = frozenset(("keys.create", "keys.get", "keys.update", "keys.delete"))

# Actions whose routes never touch an index, so a key limited to some indexes cannot hold
# them (its index list would mean nothing for them).
GLOBAL_ONLY: frozenset[str] = frozenset(
    (
        "version",
        "dumps.*",
        "dumps.create",
        "snapshots.*",
        "snapshots.create",
        "metrics.*",
        "metrics.get",
        "experimental.get",
        "experimental.update",
        "network.get",
        "network.update",
        "webhooks.*",
        "webhooks.get",
        "webhooks.update",
        "webhooks.delete",
        "webhooks.create",
        "tasks.compact",
        *KEYS_ACTIONS,
    )
)


def _family(wildcard: str) -> frozenset[str]:
    """Concrete actions a wildcard name covers.

    ``*.get`` is every read action except reading keys: the read-only admin key lists
    ``keys.get`` separately for that reason.
    """
    if wildcard == "*":
        return frozenset(CONCRETE)
    if wildcard == "*.get":
        return frozenset(a for a in CONCRETE if a.endswith(".get") and a != "keys.get")
    prefix = wildcard[:-1]
    return frozenset(a for a in CONCRETE if a.startswith(prefix))


_FAMILIES: dict[str, frozenset[str]] = {w: _family(w) for w in WILDCARDS}


@lru_cache(maxsize=1024)
def _expand(actions: tuple[str, ...]) -> frozenset[str]:
    if "*" in actions:
        return KNOWN
    out: set[str] = set(actions)
    for action in actions:
        family = _FAMILIES.get(action)
        if family is not None:
            out |= family
    return frozenset(out)


def expand(actions: Iterable[str]) -> frozenset[str]:
    """Every action name a granted list covers, itself included (``*`` covers all names)."""
    return _expand(tuple(actions))


def allows(granted: frozenset[str], needed: str) -> bool:
    """Whether an expanded grant (see ``expand``) covers the action a route needs."""
    return needed in granted


def validate_actions(value: Any) -> list[str]:
    """The ``actions`` field of a key creation body, or ``invalid_api_key_actions``."""
    if not isinstance(value, list):
        raise LumiError("invalid_api_key_actions", type_error(".actions", "an array", value))
    for i, action in enumerate(value):
        path = f".actions[{i}]"
        if not isinstance(action, str):
            raise LumiError("invalid_api_key_actions", type_error(path, "a string", action))
        if action not in KNOWN:
            raise LumiError("invalid_api_key_actions", unknown_value(action, path, ACTIONS))
    return list(value)


def global_action_in(actions: Sequence[str]) -> str | None:
    """The first action of the list that only makes sense on a key valid for every index."""
    for action in actions:
        if action in GLOBAL_ONLY:
            return action
    return None


def global_action_message(action: str) -> str:
    quoted = json.dumps(action)
    return (
        f"cannot create index-scoped API key with global action `{quoted}`\n"
        f"  - Hint: remove action `{quoted}` from the action list, or remove `indexes` to "
        "make the key global"
    )


# --- JSON body messages ------------------------------------------------------------------


def type_error(path: str, expected: str, value: Any) -> str:
    """``Invalid value type at `.x`: expected a string, but found ...`` (no path at the root)."""
    where = f" at `{path}`" if path else ""
    found = "null" if value is None else f"{kind_of(value)}: `{compact_json(value)}`"
    return f"Invalid value type{where}: expected {expected}, but found {found}"


def _one_of(accepted: Sequence[str]) -> str:
    return ", ".join(f"`{a}`" for a in accepted)


def unknown_value(value: str, path: str, accepted: Sequence[str]) -> str:
    hint = did_you_mean(value, accepted)
    return f"Unknown value `{value}` at `{path}`: {hint}expected one of {_one_of(accepted)}"


def unknown_field(field: str, accepted: Sequence[str]) -> str:
    hint = did_you_mean(field, accepted)
    return f"Unknown field `{field}`: {hint}expected one of {_one_of(accepted)}"
