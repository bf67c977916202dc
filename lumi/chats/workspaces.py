"""Chat workspaces: their settings, how a PATCH changes them, how they are shown, and where
they are kept.

A workspace is an instance record (like webhooks or the network), stored in the task
store's ``meta_json`` database under a prefixed key, so listing them is a prefix scan in
uid order. The web worker writes them in short transactions: the routes are synchronous.
Settings are stored complete (defaults filled in) so readers never merge anything.
"""

from __future__ import annotations

import copy
from typing import Any

from lumi.messages import mask_secret
from lumi.storage.env import Txn
from lumi.tasks.store import TaskStore

SOURCES = ("openAi", "mistral", "azureOpenAi", "vLlm")
TEXT_FIELDS = ("orgId", "projectId", "apiVersion", "deploymentId", "baseUrl", "apiKey")
PROMPT_FIELDS = (
    "system",
    "searchDescription",
    "searchQParam",
    "searchFilterParam",
    "searchIndexUidParam",
)
DEFAULT_PROMPTS: dict[str, str] = {
    "system": (
        "You answer questions using the documents found by the search tool. Search before "
        "answering, try several phrasings when the first search finds little, and base the "
        "answer on what the searches returned. Say so when nothing relevant was found."
    ),
    "searchDescription": (
        "Search an index of this database for JSON documents matching an optional query "
        "and an optional filter."
    ),
    "searchQParam": (
        "Keywords or a short phrase describing what to look for. Precise words give "
        "precise results; null lists documents without ranking them by a query."
    ),
    "searchFilterParam": (
        "A filter expression restricting the documents, for example `genre = drama AND "
        "year > 2000`. It accepts parentheses, AND, OR, NOT, comparisons, TO, IN, EXISTS, "
        "IS NULL and IS EMPTY on filterable attributes. Use null for no filter."
    ),
    "searchIndexUidParam": (
        "The uid of the index to search. Each index holds one kind of document; pick the "
        "one whose description fits the question."
    ),
}
DEFAULT_SETTINGS: dict[str, Any] = {
    "source": "openAi",
    **dict.fromkeys(TEXT_FIELDS),
    "prompts": DEFAULT_PROMPTS,
}
_PREFIX = "chat_workspace:"
_DB = "meta_json"


def default_settings() -> dict[str, Any]:
    """A fresh copy of the settings of a new or reset workspace."""
    return copy.deepcopy(DEFAULT_SETTINGS)


def merge(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """``current`` changed by a validated PATCH body: absent fields stay, ``null`` resets a
    field to its default, and ``prompts`` merges field by field the same way."""
    merged = copy.deepcopy(current)
    for name, value in patch.items():
        if name == "prompts":
            merged["prompts"] = _merge_prompts(merged["prompts"], value)
        else:
            merged[name] = DEFAULT_SETTINGS[name] if value is None else value
    return merged


def _merge_prompts(current: dict[str, str], patch: dict[str, Any] | None) -> dict[str, str]:
    if patch is None:
        return dict(DEFAULT_PROMPTS)
    merged = dict(current)
    for name, value in patch.items():
        merged[name] = DEFAULT_PROMPTS[name] if value is None else value
    return merged


def shown(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings as the API returns them: the provider key is write-only, so it is masked."""
    view = copy.deepcopy(settings)
    if view.get("apiKey") is not None:
        view["apiKey"] = mask_secret(view["apiKey"])
    return view


# ---------------------------------------------------------------- storage


def list_uids(store: TaskStore, txn: Txn) -> list[str]:
    """Every workspace uid, in byte order."""
    return [key[len(_PREFIX) :] for key, _ in store.records(txn, _DB) if key.startswith(_PREFIX)]


def load(store: TaskStore, txn: Txn, uid: str) -> dict[str, Any] | None:
    """The stored settings of workspace ``uid``; None when it does not exist."""
    record = store.get_record(txn, _DB, _PREFIX + uid)
    return None if record is None else dict(record)


def save(store: TaskStore, txn: Txn, uid: str, settings: dict[str, Any]) -> None:
    store.put_record(txn, _DB, _PREFIX + uid, settings)


def delete(store: TaskStore, txn: Txn, uid: str) -> bool:
    """Remove workspace ``uid``; False when there was none."""
    return store.delete_record(txn, _DB, _PREFIX + uid)
