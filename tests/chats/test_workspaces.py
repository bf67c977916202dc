"""Workspace settings: PATCH merging, masking, and storage in the task store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lumi.chats import workspaces
from lumi.chats.workspaces import DEFAULT_PROMPTS, default_settings, merge, shown
from lumi.tasks.store import TaskStore


@pytest.mark.parametrize(
    ("patch", "changed"),
    [
        ({}, {}),
        ({"source": "mistral"}, {"source": "mistral"}),
        ({"source": None}, {}),
        ({"apiKey": "k", "baseUrl": "http://b"}, {"apiKey": "k", "baseUrl": "http://b"}),
        ({"prompts": {"system": "S"}}, {"prompts": {**DEFAULT_PROMPTS, "system": "S"}}),
        ({"prompts": None}, {}),
    ],
)
def test_merge_from_defaults(patch: dict[str, Any], changed: dict[str, Any]) -> None:
    assert merge(default_settings(), patch) == {**default_settings(), **changed}


def test_null_resets_a_field_and_a_prompt() -> None:
    current = merge(
        default_settings(), {"orgId": "o", "prompts": {"system": "S", "searchQParam": "Q"}}
    )
    merged = merge(current, {"orgId": None, "prompts": {"searchQParam": None}})
    assert merged["orgId"] is None
    assert merged["prompts"] == {**DEFAULT_PROMPTS, "system": "S"}
    assert current["prompts"]["searchQParam"] == "Q"


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        ("short", "XXX..."),
        ("sk-1234567890", "skXXXX..."),
        ("sk-test-placeholder-api-key", "sk-XXXXX..."),
        ("sk-proj-0123456789abcdefghijklmn", "sk-prXXXXXX..."),
        (None, None),
    ],
)
def test_shown_masks_the_key(key: str | None, masked: str | None) -> None:
    settings = {**default_settings(), "apiKey": key}
    assert shown(settings)["apiKey"] == masked
    assert settings["apiKey"] == key


def test_storage_round_trip(tmp_path: Path) -> None:
    store = TaskStore(tmp_path / "tasks")
    try:
        with store.write() as txn:
            store.put_record(txn, "meta_json", "experimental_features", {"chatCompletions": True})
            workspaces.save(store, txn, "b", default_settings())
            workspaces.save(store, txn, "a", {**default_settings(), "source": "vLlm"})
        with store.read() as txn:
            assert workspaces.list_uids(store, txn) == ["a", "b"]
            assert workspaces.load(store, txn, "a") == {**default_settings(), "source": "vLlm"}
            assert workspaces.load(store, txn, "c") is None
        with store.write() as txn:
            assert workspaces.delete(store, txn, "a") is True
            assert workspaces.delete(store, txn, "a") is False
        with store.read() as txn:
            assert workspaces.list_uids(store, txn) == ["b"]
    finally:
        store.close()
