from __future__ import annotations

from typing import Any

import pytest

from lumi.auth import actions as act
from lumi.errors import LumiError
from lumi.messages import edit_distance

EVERY_ACTION = (
    "`*`, `search`, `documents.*`, `documents.add`, `documents.get`, `documents.delete`, "
    "`indexes.*`, `indexes.create`, `indexes.get`, `indexes.update`, `indexes.delete`, "
    "`indexes.swap`, `tasks.*`, `tasks.cancel`, `tasks.delete`, `tasks.get`, `settings.*`, "
    "`settings.get`, `settings.update`, `stats.*`, `stats.get`, `metrics.*`, `metrics.get`, "
    "`dumps.*`, `dumps.create`, `snapshots.*`, `snapshots.create`, `version`, `keys.create`, "
    "`keys.get`, `keys.update`, `keys.delete`, `experimental.get`, `experimental.update`, "
    "`export`, `network.get`, `network.update`, `chatCompletions`, `chats.*`, `chats.get`, "
    "`chats.delete`, `chatsSettings.*`, `chatsSettings.get`, `chatsSettings.update`, `*.get`, "
    "`webhooks.get`, `webhooks.update`, `webhooks.delete`, `webhooks.create`, `webhooks.*`, "
    "`indexes.compact`, `fields.post`, `tasks.compact`, `dynamicSearchRules.get`, "
    "`dynamicSearchRules.create`, `dynamicSearchRules.update`, `dynamicSearchRules.delete`, "
    "`dynamicSearchRules.*`"
)


def test_the_action_list_is_the_api_list_in_order() -> None:
    assert ", ".join(f"`{a}`" for a in act.ACTIONS) == EVERY_ACTION
    assert len(set(act.ACTIONS)) == 58


@pytest.mark.parametrize("action", act.CONCRETE)
def test_each_action_is_granted_by_itself_and_by_star(action: str) -> None:
    assert act.allows(act.expand([action]), action)
    assert act.allows(act.expand(["*"]), action)


@pytest.mark.parametrize("action", act.CONCRETE)
def test_each_action_is_denied_by_every_other_concrete_action(action: str) -> None:
    others = [a for a in act.CONCRETE if a != action]
    assert not act.allows(act.expand(others), action)


@pytest.mark.parametrize(
    ("granted", "needed", "expected"),
    [
        (["documents.*"], "documents.add", True),
        (["documents.*"], "documents.get", True),
        (["documents.*"], "documents.delete", True),
        (["documents.*"], "indexes.get", False),
        (["indexes.*"], "indexes.swap", True),
        (["indexes.*"], "indexes.compact", True),
        (["tasks.*"], "tasks.compact", True),
        (["tasks.*"], "tasks.cancel", True),
        (["settings.*"], "settings.update", True),
        (["stats.*"], "stats.get", True),
        (["metrics.*"], "metrics.get", True),
        (["dumps.*"], "dumps.create", True),
        (["snapshots.*"], "snapshots.create", True),
        (["chats.*"], "chats.delete", True),
        (["chats.*"], "chatsSettings.get", False),
        (["chatsSettings.*"], "chatsSettings.update", True),
        (["webhooks.*"], "webhooks.create", True),
        (["dynamicSearchRules.*"], "dynamicSearchRules.update", True),
        (["*.get"], "documents.get", True),
        (["*.get"], "settings.get", True),
        (["*.get"], "tasks.get", True),
        (["*.get"], "webhooks.get", True),
        (["*.get"], "keys.get", False),
        (["*.get"], "search", False),
        (["*.get"], "version", False),
        (["*.get"], "documents.add", False),
        (["*.get", "keys.get"], "keys.get", True),
        (["search"], "chatCompletions", False),
        ([], "search", False),
    ],
)
def test_wildcard_families(granted: list[str], needed: str, expected: bool) -> None:
    assert act.allows(act.expand(granted), needed) is expected


def test_expand_keeps_the_granted_names() -> None:
    assert act.expand(["documents.*"]) == {
        "documents.*",
        "documents.add",
        "documents.get",
        "documents.delete",
    }
    assert act.expand(["*"]) == act.KNOWN


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            ["serch"],
            f"Unknown value `serch` at `.actions[0]`: did you mean `search`? expected one of "
            f"{EVERY_ACTION}",
        ),
        (
            ["search", "documents.ad"],
            "Unknown value `documents.ad` at `.actions[1]`: did you mean `documents.add`? "
            f"expected one of {EVERY_ACTION}",
        ),
        (["foo"], f"Unknown value `foo` at `.actions[0]`: expected one of {EVERY_ACTION}"),
        (["keys.*"], f"Unknown value `keys.*` at `.actions[0]`: expected one of {EVERY_ACTION}"),
        (
            "search",
            'Invalid value type at `.actions`: expected an array, but found a string: `"search"`',
        ),
        (None, "Invalid value type at `.actions`: expected an array, but found null"),
        (
            ["search", 1],
            "Invalid value type at `.actions[1]`: expected a string, but found a positive "
            "integer: `1`",
        ),
    ],
)
def test_invalid_actions(value: Any, message: str) -> None:
    with pytest.raises(LumiError) as err:
        act.validate_actions(value)
    assert err.value.code == "invalid_api_key_actions"
    assert err.value.status == 400
    assert err.value.message == message


def test_valid_actions_are_kept_as_given() -> None:
    assert act.validate_actions(["search", "*.get", "search"]) == ["search", "*.get", "search"]


@pytest.mark.parametrize(
    ("received", "accepted", "hint"),
    [
        ("nam", ["name"], ""),
        ("nme", ["name"], ""),
        ("nmae", ["name"], "did you mean `name`? "),
        ("naem", ["name", "names"], "did you mean `name`? "),
        ("abcd", ["wxyz"], ""),
        ("indexs", ["indexes", "actions"], "did you mean `indexes`? "),
        ("expireAt", ["expiresAt"], "did you mean `expiresAt`? "),
        ("expAt", ["expiresAt"], ""),
        ("descriptoin", ["description"], "did you mean `description`? "),
        ("x" * 30, ["x" * 25], "did you mean `" + "x" * 25 + "`? "),
        ("x" * 30, ["x" * 24], ""),
    ],
)
def test_did_you_mean(received: str, accepted: list[str], hint: str) -> None:
    assert act.did_you_mean(received, accepted) == hint


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("a", "a", 0), ("", "ab", 2), ("abc", "acb", 1), ("ca", "abc", 2), ("kitten", "sitting", 3)],
)
def test_damerau_levenshtein(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance


@pytest.mark.parametrize(
    ("value", "found"),
    [
        (None, "null"),
        (True, "a boolean: `true`"),
        (3, "a positive integer: `3`"),
        (-3, "a negative integer: `-3`"),
        (1.5, "a number: `1.5`"),
        ("é", 'a string: `"é"`'),
        ([1, "a"], 'an array: `[1,"a"]`'),
        ({"a": None}, 'an object: `{"a":null}`'),
    ],
)
def test_type_error_describes_the_value(value: Any, found: str) -> None:
    assert act.type_error(".name", "a string", value) == (
        f"Invalid value type at `.name`: expected a string, but found {found}"
    )


def test_global_action_message() -> None:
    assert act.global_action_message("version") == (
        'cannot create index-scoped API key with global action `"version"`\n'
        '  - Hint: remove action `"version"` from the action list, or remove `indexes` to make '
        "the key global"
    )


@pytest.mark.parametrize(
    ("granted", "first_global"),
    [
        (["search", "version"], "version"),
        (["dumps.create", "version"], "dumps.create"),
        (["keys.get"], "keys.get"),
        (["*", "*.get", "documents.*", "search", "tasks.get", "stats.get"], None),
    ],
)
def test_global_action_in(granted: list[str], first_global: str | None) -> None:
    assert act.global_action_in(granted) == first_global
