from __future__ import annotations

import re
from typing import Any

import jwt
import pytest

from lumi.auth import actions as act
from lumi.auth import keys, policy
from lumi.errors import LumiError

MASTER = "a-master-key-of-32-bytes-or-more!"
NOW_S = 1_790_139_910
NOW = NOW_S * 1_000_000_000
INVALID = "The provided API key is invalid."
MISSING_HEADER = "The Authorization header is missing. It must use the bearer authorization method."


class Store:
    """Finds records by uid or by key string, as the task store does."""

    def __init__(self) -> None:
        self.by_uid: dict[str, keys.KeyRecord] = {}
        self.by_digest: dict[bytes, str] = {}

    def add(self, key_actions: list[str], indexes: list[str], expires_at: int | None = None) -> str:
        record = keys.validate_create(
            {"actions": key_actions, "indexes": ["*"], "expiresAt": None}, now_ns=NOW - 10
        )
        record["indexes"] = indexes
        record["expires_at"] = expires_at
        self.by_uid[record["uid"]] = record
        key = keys.derive_key(record["uid"], MASTER)
        self.by_digest[keys.key_lookup_digest(key)] = record["uid"]
        return key

    def uid_of(self, key: str) -> str:
        return self.by_digest[keys.key_lookup_digest(key)]

    def find(self, uid_or_key: str) -> keys.KeyRecord | None:
        uid = keys.parse_uid(uid_or_key) or self.by_digest.get(keys.key_lookup_digest(uid_or_key))
        return self.by_uid.get(uid) if uid else None


def authorize(
    header: str | None,
    action: str = "search",
    index: str | None = "movies",
    *,
    store: Store | None = None,
    master_key: str | None = MASTER,
    tenant: bool | None = None,
) -> policy.Access:
    accepts = action in ("search", "chatCompletions") if tenant is None else tenant
    return policy.authorize(
        master_key,
        header,
        action,
        index,
        find_key=(store or Store()).find,
        now_ns=NOW,
        accepts_tenant_token=accepts,
    )


def refused(header: str | None, *args: Any, **kwargs: Any) -> tuple[str, int, str]:
    with pytest.raises(LumiError) as err:
        authorize(header, *args, **kwargs)
    return err.value.code, err.value.status, err.value.message


# --- open instance -------------------------------------------------------------------------------


@pytest.mark.parametrize("action", sorted(set(act.CONCRETE) - act.KEYS_ACTIONS))
@pytest.mark.parametrize("header", [None, "Bearer anything", "Basic abc"])
def test_without_master_key_everything_is_open(action: str, header: str | None) -> None:
    assert authorize(header, action, master_key=None) == policy.FULL_ACCESS


@pytest.mark.parametrize("action", sorted(act.KEYS_ACTIONS))
@pytest.mark.parametrize("header", [None, "Bearer anything"])
def test_without_master_key_key_routes_are_closed(action: str, header: str | None) -> None:
    assert refused(header, action, None, master_key=None) == (
        "missing_master_key",
        401,
        "Meilisearch is running without a master key. To access this API endpoint, you must "
        "have set a master key at launch.",
    )


# --- the header ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "code", "status", "message"),
    [
        (None, "missing_authorization_header", 401, MISSING_HEADER),
        ("", "missing_authorization_header", 401, MISSING_HEADER),
        ("Basic YWxhZGRpbjpvcGVu", "missing_authorization_header", 401, MISSING_HEADER),
        ("bearer " + MASTER, "missing_authorization_header", 401, MISSING_HEADER),
        (MASTER, "missing_authorization_header", 401, MISSING_HEADER),
        ("Bearer clé", "missing_authorization_header", 401, MISSING_HEADER),
        ("Bearer", "invalid_api_key", 403, INVALID),
        ("Bearer ", "invalid_api_key", 403, INVALID),
        ("Bearer  " + MASTER, "invalid_api_key", 403, INVALID),
        ("Bearer unknown-key", "invalid_api_key", 403, INVALID),
    ],
)
def test_header_parsing(header: str | None, code: str, status: int, message: str) -> None:
    assert refused(header) == (code, status, message)


@pytest.mark.parametrize("action", act.CONCRETE)
def test_the_master_key_passes_every_route(action: str) -> None:
    access = authorize(f"Bearer {MASTER}", action, "movies")
    assert access == policy.FULL_ACCESS
    assert access.key_uid is None
    assert access.allowed_indexes("anything")
    assert access.global_tasks_visible
    assert access.search_filter("movies") is None


def test_the_master_key_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(policy.hmac, "compare_digest", spy)
    authorize(f"Bearer {MASTER}")
    assert calls == [(MASTER.encode(), MASTER.encode())]


# --- API keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("granted", "action", "allowed"),
    [
        (["search"], "search", True),
        (["search"], "documents.get", False),
        (["documents.*"], "documents.add", True),
        (["documents.*"], "settings.update", False),
        (["*.get", "keys.get"], "keys.get", True),
        (["*.get"], "keys.get", False),
        (["*.get"], "tasks.get", True),
        (["*"], "keys.create", True),
        (["*"], "dynamicSearchRules.delete", True),
        (["version"], "version", True),
        (["chatCompletions"], "search", False),
        ([], "search", False),
    ],
)
def test_api_key_actions(granted: list[str], action: str, allowed: bool) -> None:
    store = Store()
    key = store.add(granted, ["*"])
    if allowed:
        access = authorize(f"Bearer {key}", action, store=store, tenant=False)
        assert access.key_uid == store.uid_of(key)
        assert access.allows_action(action)
    else:
        assert refused(f"Bearer {key}", action, store=store) == ("invalid_api_key", 403, INVALID)


def test_a_key_uid_is_not_a_key() -> None:
    store = Store()
    key = store.add(["search"], ["*"])
    assert refused(f"Bearer {store.uid_of(key)}", store=store) == ("invalid_api_key", 403, INVALID)


def test_a_key_of_another_master_key_is_refused() -> None:
    store = Store()
    key = store.add(["search"], ["*"])
    uid = store.uid_of(key)
    other = keys.derive_key(uid, "another-master-key-0123456789")
    store.by_digest[keys.key_lookup_digest(other)] = uid
    assert refused(f"Bearer {other}", store=store) == ("invalid_api_key", 403, INVALID)


@pytest.mark.parametrize(("expires_at", "valid"), [(NOW + 1, True), (NOW, False), (NOW - 1, False)])
def test_expired_keys_are_refused(expires_at: int, valid: bool) -> None:
    store = Store()
    key = store.add(["search"], ["*"], expires_at=expires_at)
    if valid:
        assert authorize(f"Bearer {key}", store=store).key_uid == store.uid_of(key)
    else:
        assert refused(f"Bearer {key}", store=store) == ("invalid_api_key", 403, INVALID)


@pytest.mark.parametrize(
    ("indexes", "index", "allowed"),
    [
        (["*"], "movies", True),
        (["movies"], "movies", True),
        (["movies*"], "movies_2024", True),
        (["books", "movies*"], "movies", True),
        (["movies"], "movies_2024", False),
        (["movies*"], "books", False),
        ([], "movies", False),
    ],
)
def test_api_key_indexes(indexes: list[str], index: str, allowed: bool) -> None:
    store = Store()
    key = store.add(["search"], indexes)
    if allowed:
        assert authorize(f"Bearer {key}", "search", index, store=store).allowed_indexes(index)
    else:
        listed = "[" + ", ".join(f'"{p}"' for p in indexes) + "]"
        assert refused(f"Bearer {key}", "search", index, store=store) == (
            "invalid_api_key",
            403,
            f"The API key cannot acces the index `{index}`, authorized indexes are {listed}.",
        )


def test_the_index_is_checked_before_the_action() -> None:
    store = Store()
    key = store.add(["documents.add"], ["dog"])
    assert refused(f"Bearer {key}", "search", "cat", store=store)[2] == (
        'The API key cannot acces the index `cat`, authorized indexes are ["dog"].'
    )
    assert refused(f"Bearer {key}", "search", "dog", store=store)[2] == INVALID


def test_routes_without_an_index_filter_through_access() -> None:
    store = Store()
    key = store.add(["tasks.get", "search"], ["movies*"])
    access = authorize(f"Bearer {key}", "tasks.get", None, store=store)
    assert [i for i in ("movies", "movies_2", "books") if access.allowed_indexes(i)] == [
        "movies",
        "movies_2",
    ]
    assert not access.global_tasks_visible
    assert access.allows_action("search")
    assert not access.allows_action("indexes.create")
    assert access.search_filter("movies") is None


def test_keys_on_every_index_see_global_tasks() -> None:
    store = Store()
    key = store.add(["tasks.get"], ["*"])
    assert authorize(f"Bearer {key}", "tasks.get", None, store=store).global_tasks_visible


def test_api_keys_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store()
    key = store.add(["search"], ["*"])
    calls = []

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(policy.hmac, "compare_digest", spy)
    authorize(f"Bearer {key}", store=store)
    assert (key.encode(), key.encode()) in calls


# --- tenant tokens -------------------------------------------------------------------------------


def tenant(store: Store, key: str, rules: Any, **claims: Any) -> str:
    return jwt.encode({"searchRules": rules, "apiKeyUid": store.uid_of(key), **claims}, key)


def test_a_tenant_token_searches_with_its_filters() -> None:
    store = Store()
    key = store.add(["search"], ["*"])
    token = tenant(store, key, {"*": {"filter": "user = 1"}, "movies": {"filter": "user = 2"}})
    access = authorize(f"Bearer {token}", "search", "movies", store=store)
    assert access.key_uid == store.uid_of(key)
    assert access.search_filter("movies") == "user = 2"
    assert access.search_filter("books") == "user = 1"
    assert access.allowed_indexes("books")


def test_tenant_tokens_are_refused_where_not_accepted() -> None:
    store = Store()
    key = store.add(["*"], ["*"])
    token = tenant(store, key, ["*"])
    assert refused(f"Bearer {token}", "documents.get", "movies", store=store) == (
        "invalid_api_key",
        403,
        INVALID,
    )


def test_a_tenant_token_limits_the_indexes() -> None:
    store = Store()
    key = store.add(["search"], ["*"])
    token = tenant(store, key, ["movies", "series*"])
    assert refused(f"Bearer {token}", "search", "people", store=store)[2] == (
        'The provided tenant token cannot acces the index `people`, allowed indexes are ["movies", '
        '"series*"].'
    )
    access = authorize(f"Bearer {token}", "search", None, store=store)
    assert [i for i in ("movies", "series_1", "people") if access.allowed_indexes(i)] == [
        "movies",
        "series_1",
    ]
    assert not access.global_tasks_visible


def test_a_tenant_token_cannot_widen_its_key() -> None:
    store = Store()
    key = store.add(["search"], ["movies"])
    token = tenant(store, key, ["*"])
    assert refused(f"Bearer {token}", "search", "people", store=store)[2] == (
        "The API key used to generate this tenant token cannot acces the index `people`."
    )
    access = authorize(f"Bearer {token}", "search", None, store=store)
    assert access.allowed_indexes("movies")
    assert not access.allowed_indexes("people")


@pytest.mark.parametrize(
    ("granted", "action", "allowed"),
    [
        (["search"], "search", True),
        (["*"], "search", True),
        (["documents.get"], "search", False),
        (["search"], "chatCompletions", False),
        (["chatCompletions", "search"], "chatCompletions", True),
    ],
)
def test_a_tenant_token_needs_its_key_to_hold_the_action(
    granted: list[str], action: str, allowed: bool
) -> None:
    store = Store()
    key = store.add(granted, ["*"])
    token = tenant(store, key, ["*"])
    if allowed:
        assert authorize(f"Bearer {token}", action, None, store=store).token is not None
    else:
        assert refused(f"Bearer {token}", action, None, store=store) == (
            "invalid_api_key",
            403,
            INVALID,
        )


def test_tenant_token_errors_reach_the_client() -> None:
    store = Store()
    key = store.add(["search"], ["*"])
    expired = tenant(store, key, ["*"], exp=NOW_S - 1)
    assert refused(f"Bearer {expired}", store=store)[2] == (
        f"Tenant token expired. Was valid up to `{NOW_S - 1}` and we're now `{NOW_S}`."
    )
    deleted = tenant(store, key, ["*"])
    store.by_uid.clear()
    assert refused(f"Bearer {deleted}", store=store)[2] == INVALID


# --- startup checks ------------------------------------------------------------------------------

SUGGESTION = (
    r"\n\nWe generated a secure master key for you \(you can safely use this token\):\n\n"
    r">> --master-key [A-Za-z0-9_-]{43} <<"
)


@pytest.mark.parametrize(
    ("env", "master_key", "expected"),
    [
        (
            "production",
            None,
            "You must provide a master key to secure your instance in a production environment. "
            "It can be specified via the MEILI_MASTER_KEY environment variable or the "
            "--master-key launch option.",
        ),
        (
            "production",
            "short",
            "The master key must be at least 16 bytes in a production environment. The provided "
            "key is only 5 bytes.",
        ),
        (
            "production",
            "ééééééé",
            "The master key must be at least 16 bytes in a production environment. The provided "
            "key is only 14 bytes.",
        ),
        ("production", "0123456789abcdef", None),
        ("production", "éééééééé", None),
        ("development", None, None),
        ("development", "short", None),
    ],
)
def test_check_master_key_for_env(env: str, master_key: str | None, expected: str | None) -> None:
    message = policy.check_master_key_for_env(env, master_key)
    if expected is None:
        assert message is None
    else:
        assert message is not None
        assert re.fullmatch(re.escape(expected) + SUGGESTION, message)


@pytest.mark.parametrize(
    ("env", "master_key", "opening"),
    [
        (
            "development",
            None,
            "No master key was found. The server will accept unidentified requests.",
        ),
        (
            "development",
            "short",
            "Lumi started with a master key considered unsafe for use in a production environment.",
        ),
        ("development", "0123456789abcdef", None),
        ("production", None, None),
    ],
)
def test_master_key_warning(env: str, master_key: str | None, opening: str | None) -> None:
    message = policy.master_key_warning(env, master_key)
    if opening is None:
        assert message is None
    else:
        assert message is not None
        assert message.startswith(
            opening + "\n\nA master key of at least 16 bytes will be required"
        )
        assert re.search(r">> --master-key [A-Za-z0-9_-]{43} <<\n\nRestart Lumi", message)
