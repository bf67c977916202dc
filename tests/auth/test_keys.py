from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest

from lumi.auth import keys
from lumi.errors import LumiError

NOW = 1_700_000_000_000_000_000  # 2023-11-14T22:13:20Z
UID = "01b4bc42-eb33-4041-b481-254d00cce834"
EXPECTED_ONE_OF = "expected one of `description`, `name`, `uid`, `actions`, `indexes`, `expiresAt`"
BAD_DATE = (
    "is not a valid date. It should follow the RFC 3339 format to represents a date or datetime "
    "in the future or specified as a null value. e.g. 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS'.\n"
)


def body(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"actions": ["search"], "indexes": ["*"], "expiresAt": None}
    base.update(fields)
    return base


def create_error(payload: Any) -> LumiError:
    with pytest.raises(LumiError) as err:
        keys.validate_create(payload, now_ns=NOW)
    return err.value


# --- key strings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uid", "master_key", "expected"),
    [
        # echo -n $UID | openssl dgst -sha256 -hmac $MASTER_KEY
        (UID, "MASTER_KEY", "de29311340f0999d7bb7a3188f922ff6ffe813f8ba44388b53624e9949cf9a1c"),
        (
            "74c9c733-3368-4738-bbe5-1d18a5fecb37",
            "aSampleMasterKey",
            "d5d7045310e78ca5375d6187fe9ea790036ca9082108c8ac135412fde3feb555",
        ),
    ],
)
def test_derive_key_known_vectors(uid: str, master_key: str, expected: str) -> None:
    assert keys.derive_key(uid, master_key) == expected


def test_a_new_master_key_gives_new_key_strings() -> None:
    assert keys.derive_key(UID, "first-master-key") == keys.derive_key(UID, "first-master-key")
    assert keys.derive_key(UID, "first-master-key") != keys.derive_key(UID, "other-master-key")


def test_lookup_digest_is_the_sha256_of_the_key_string() -> None:
    key = keys.derive_key(UID, "MASTER_KEY")
    assert keys.key_lookup_digest(key) == hashlib.sha256(key.encode()).digest()
    assert len(keys.key_lookup_digest(key)) == 32


def test_matches_key() -> None:
    record = keys.validate_create(body(uid=UID), now_ns=NOW)
    assert keys.matches_key(
        record, keys.derive_key(UID, "mk-0123456789abcdef"), "mk-0123456789abcdef"
    )
    assert not keys.matches_key(record, keys.derive_key(UID, "other"), "mk-0123456789abcdef")
    assert not keys.matches_key(record, UID, "mk-0123456789abcdef")


def test_matches_key_compares_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(keys.hmac, "compare_digest", spy)
    record = keys.validate_create(body(uid=UID), now_ns=NOW)
    assert keys.matches_key(record, "whatever", "MASTER_KEY") is False
    assert calls == [(keys.derive_key(UID, "MASTER_KEY").encode(), b"whatever")]


@pytest.mark.parametrize(
    ("expires_at", "expired"), [(None, False), (NOW + 1, False), (NOW, True), (NOW - 1, True)]
)
def test_is_expired(expires_at: int | None, expired: bool) -> None:
    record = keys.validate_create(body(), now_ns=NOW - 10)
    record["expires_at"] = expires_at
    assert keys.is_expired(record, NOW) is expired


# --- creation --------------------------------------------------------------------------------


def test_create_minimal_body() -> None:
    record = keys.validate_create(body(), now_ns=NOW)
    assert uuid.UUID(record["uid"]).version == 4
    assert record == {
        "uid": record["uid"],
        "name": None,
        "description": None,
        "actions": ["search"],
        "indexes": ["*"],
        "expires_at": None,
        "created_at": NOW,
        "updated_at": NOW,
    }


def test_create_full_body() -> None:
    record = keys.validate_create(
        {
            "description": "Indexing products",
            "name": "Products",
            "uid": UID.upper(),
            "actions": ["documents.add", "documents.get"],
            "indexes": ["products", "reviews*"],
            "expiresAt": "2042-01-02T03:04:05.678Z",
        },
        now_ns=NOW,
    )
    assert record["uid"] == UID
    assert record["name"] == "Products"
    assert record["description"] == "Indexing products"
    assert record["actions"] == ["documents.add", "documents.get"]
    assert record["indexes"] == ["products", "reviews*"]
    assert record["expires_at"] == 2272244645678000000


@pytest.mark.parametrize(
    "written",
    [
        UID,
        UID.replace("-", ""),
        "{" + UID + "}",
        "urn:uuid:" + UID,
        UID.upper(),
    ],
)
def test_uid_forms_are_normalized(written: str) -> None:
    assert keys.validate_create(body(uid=written), now_ns=NOW)["uid"] == UID
    assert keys.parse_uid(written) == UID


@pytest.mark.parametrize(
    ("written", "ns"),
    [
        ("2042-01-02T03:04:05Z", 2272244645000000000),
        ("2042-01-02T03:04:05.5+01:00", 2272241045500000000),
        ("2042-01-02T03:04:05", 2272244645000000000),
        ("2042-01-02 03:04:05", 2272244645000000000),
        ("2042-01-02", 2272233600000000000),
    ],
)
def test_expires_at_forms(written: str, ns: int) -> None:
    assert keys.validate_create(body(expiresAt=written), now_ns=NOW)["expires_at"] == ns


@pytest.mark.parametrize(
    "written",
    [
        "2010-11-13T00:00:00Z",
        "2023-11-14T22:13:20Z",
        "tomorrow",
        "2042-13-01",
        "2042-01-02T25:00:00",
    ],
)
def test_expires_at_must_be_a_future_date(written: str) -> None:
    err = create_error(body(expiresAt=written))
    assert err.code == "invalid_api_key_expires_at"
    assert err.message == f"Invalid value at `.expiresAt`: `{written}` {BAD_DATE}"


@pytest.mark.parametrize(
    ("payload", "code", "message"),
    [
        (
            {"indexes": ["*"], "expiresAt": None},
            "missing_api_key_actions",
            "Missing field `actions`",
        ),
        ({"actions": [], "expiresAt": None}, "missing_api_key_indexes", "Missing field `indexes`"),
        ({"actions": [], "indexes": []}, "missing_api_key_expires_at", "Missing field `expiresAt`"),
        ({}, "missing_api_key_actions", "Missing field `actions`"),
        ({"foo": 1}, "bad_request", f"Unknown field `foo`: {EXPECTED_ONE_OF}"),
        (
            body(action=[]),
            "bad_request",
            f"Unknown field `action`: did you mean `actions`? {EXPECTED_ONE_OF}",
        ),
        (body(key="x"), "bad_request", f"Unknown field `key`: {EXPECTED_ONE_OF}"),
        (body(createdAt="x"), "bad_request", f"Unknown field `createdAt`: {EXPECTED_ONE_OF}"),
        ([], "bad_request", "Invalid value type: expected an object, but found an array: `[]`"),
        (
            body(expiresAt=42),
            "invalid_api_key_expires_at",
            "Invalid value type at `.expiresAt`: expected a string, but found a positive "
            "integer: `42`",
        ),
        (
            body(name=1),
            "invalid_api_key_name",
            "Invalid value type at `.name`: expected a string, but found a positive integer: `1`",
        ),
        (
            body(description=["x"]),
            "invalid_api_key_description",
            'Invalid value type at `.description`: expected a string, but found an array: `["x"]`',
        ),
        (
            body(uid=None),
            "invalid_api_key_uid",
            "Invalid value type at `.uid`: expected a string, but found null",
        ),
        (
            body(uid="aaaaabbbbbccc"),
            "invalid_api_key_uid",
            "Invalid value at `.uid`: invalid length: expected length 32 for simple format, "
            "found 13",
        ),
        (
            body(uid="xyz"),
            "invalid_api_key_uid",
            "Invalid value at `.uid`: invalid character: expected an optional prefix of "
            "`urn:uuid:` followed by [0-9a-fA-F-], found `x` at 1",
        ),
        (
            body(uid="01b4bc42-eb33-4041-b481"),
            "invalid_api_key_uid",
            "Invalid value at `.uid`: invalid group count: expected 5, found 4",
        ),
        (
            body(uid="01b4bc4-eb33-4041-b481-254d00cce834"),
            "invalid_api_key_uid",
            "Invalid value at `.uid`: invalid group length in group 0: expected 8, found 7",
        ),
        (
            body(uid="01b4bc42-eb33-4041-b481-254d00cce8345"),
            "invalid_api_key_uid",
            "Invalid value at `.uid`: invalid group length in group 4: expected 12, found 13",
        ),
        (
            body(uid="{01b4bc42-eb33-4041-b481-254d00cce83g}"),
            "invalid_api_key_uid",
            "Invalid value at `.uid`: invalid character: expected an optional prefix of "
            "`urn:uuid:` followed by [0-9a-fA-F-], found `g` at 36",
        ),
        (
            body(indexes="movies"),
            "invalid_api_key_indexes",
            'Invalid value type at `.indexes`: expected an array, but found a string: `"movies"`',
        ),
        (
            body(indexes=["movies", 3]),
            "invalid_api_key_indexes",
            "Invalid value type at `.indexes[1]`: expected a string, but found a positive "
            "integer: `3`",
        ),
    ],
)
def test_create_errors(payload: Any, code: str, message: str) -> None:
    err = create_error(payload)
    assert (err.code, err.message) == (code, message)
    assert err.status == 400


@pytest.mark.parametrize("pattern", ["good doggo", "mov*ies", "**", "", "*movies", "a" * 401, "é"])
def test_invalid_index_patterns(pattern: str) -> None:
    err = create_error(body(indexes=["movies", pattern]))
    assert err.code == "invalid_api_key_indexes"
    assert err.message == (
        f"Invalid value at `.indexes[1]`: `{pattern}` is not a valid index uid pattern. Index uid "
        "patterns can be an integer or a string containing only alphanumeric characters, "
        "hyphens (-), underscores (_), and optionally end with a star (*)."
    )


@pytest.mark.parametrize(
    "pattern", ["*", "movies", "movies*", "Movies_2024-b", "a" * 400, "a" * 400 + "*"]
)
def test_valid_index_patterns(pattern: str) -> None:
    assert keys.validate_create(body(indexes=[pattern]), now_ns=NOW)["indexes"] == [pattern]


def test_errors_follow_the_order_of_the_body() -> None:
    assert (
        create_error({"indexes": ["bad name"], "actions": ["nope"]}).code
        == "invalid_api_key_indexes"
    )
    assert (
        create_error({"actions": ["nope"], "indexes": ["bad name"]}).code
        == "invalid_api_key_actions"
    )
    assert create_error({"foo": 1, "actions": 5}).code == "bad_request"


@pytest.mark.parametrize(
    ("indexes", "key_actions", "refused"),
    [
        (["movies"], ["search", "version"], "version"),
        (["movies*"], ["dumps.create"], "dumps.create"),
        ([], ["keys.get"], "keys.get"),
        (["movies"], ["*", "*.get", "documents.*", "tasks.get", "stats.get"], None),
        (["*"], ["version", "keys.create"], None),
        (["movies", "*"], ["version"], None),
    ],
)
def test_index_scoped_keys_cannot_hold_global_actions(
    indexes: list[str], key_actions: list[str], refused: str | None
) -> None:
    payload = body(indexes=indexes, actions=key_actions)
    if refused is None:
        assert keys.validate_create(payload, now_ns=NOW)["actions"] == key_actions
        return
    err = create_error(payload)
    assert err.code == "index_scoped_api_key_with_global_action"
    assert err.message == (
        f'cannot create index-scoped API key with global action `"{refused}"`\n'
        f'  - Hint: remove action `"{refused}"` from the action list, or remove `indexes` to '
        "make the key global"
    )


# --- update ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "patch"),
    [
        ({}, {}),
        ({"name": "n"}, {"name": "n"}),
        ({"description": None, "name": "n"}, {"description": None, "name": "n"}),
    ],
)
def test_update_accepts_name_and_description(
    payload: dict[str, Any], patch: dict[str, Any]
) -> None:
    assert keys.validate_update(payload) == patch


@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("uid", "immutable_api_key_uid"),
        ("key", "immutable_api_key_key"),
        ("actions", "immutable_api_key_actions"),
        ("indexes", "immutable_api_key_indexes"),
        ("expiresAt", "immutable_api_key_expires_at"),
        ("createdAt", "immutable_api_key_created_at"),
        ("updatedAt", "immutable_api_key_updated_at"),
    ],
)
def test_update_refuses_immutable_fields(field: str, code: str) -> None:
    with pytest.raises(LumiError) as err:
        keys.validate_update({"name": "ok", field: None})
    assert err.value.code == code
    assert err.value.status == 400
    assert err.value.message == f"Immutable field `{field}`: expected one of `description`, `name`"


@pytest.mark.parametrize(
    ("payload", "code", "message"),
    [
        ({"nam": "x"}, "bad_request", "Unknown field `nam`: expected one of `description`, `name`"),
        (
            {"nmae": "x"},
            "bad_request",
            "Unknown field `nmae`: did you mean `name`? expected one of `description`, `name`",
        ),
        (
            {"name": False},
            "invalid_api_key_name",
            "Invalid value type at `.name`: expected a string, but found a boolean: `false`",
        ),
        ("x", "bad_request", 'Invalid value type: expected an object, but found a string: `"x"`'),
    ],
)
def test_update_errors(payload: Any, code: str, message: str) -> None:
    with pytest.raises(LumiError) as err:
        keys.validate_update(payload)
    assert (err.value.code, err.value.message) == (code, message)


def test_apply_update() -> None:
    record = keys.validate_create(body(name="old", description="kept"), now_ns=NOW)
    updated = keys.apply_update(record, {"name": None}, NOW + 5)
    assert updated == {**record, "name": None, "updated_at": NOW + 5}
    assert record["name"] == "old"


# --- defaults and views ----------------------------------------------------------------------


def test_default_keys() -> None:
    defaults = keys.default_keys(NOW)
    assert [(k["name"], k["description"], k["actions"]) for k in defaults] == [
        ("Default Search API Key", "Use it to search from the frontend", ["search"]),
        (
            "Default Admin API Key",
            "Use it for anything that is not a search operation. Caution! Do not expose it on a "
            "public frontend",
            ["*"],
        ),
        (
            "Default Read-Only Admin API Key",
            "Use it to read information across the whole database. Caution! Do not expose this "
            "key on a public frontend",
            ["*.get", "keys.get"],
        ),
        (
            "Default Chat API Key",
            "Use it to chat and search from the frontend",
            ["chatCompletions", "search"],
        ),
    ]
    assert all(k["indexes"] == ["*"] and k["expires_at"] is None for k in defaults)
    assert all(uuid.UUID(k["uid"]).version == 4 for k in defaults)
    assert len({k["uid"] for k in defaults}) == 4
    newest_first = sorted(defaults, key=lambda k: k["created_at"], reverse=True)
    assert newest_first == defaults
    assert defaults[0]["created_at"] == NOW


def test_key_view() -> None:
    record = keys.validate_create(
        body(uid=UID, name="n", expiresAt="2042-01-02T03:04:05Z"), now_ns=1_700_000_000_123_400_000
    )
    view = keys.key_view(record, "MASTER_KEY")
    assert list(view) == [
        "name",
        "description",
        "key",
        "uid",
        "actions",
        "indexes",
        "expiresAt",
        "createdAt",
        "updatedAt",
    ]
    assert view == {
        "name": "n",
        "description": None,
        "key": "de29311340f0999d7bb7a3188f922ff6ffe813f8ba44388b53624e9949cf9a1c",
        "uid": UID,
        "actions": ["search"],
        "indexes": ["*"],
        "expiresAt": "2042-01-02T03:04:05Z",
        "createdAt": "2023-11-14T22:13:20.1234Z",
        "updatedAt": "2023-11-14T22:13:20.1234Z",
    }


@pytest.mark.parametrize(
    ("pattern", "index", "matches"),
    [
        ("*", "movies", True),
        ("movies", "movies", True),
        ("movies", "movies2", False),
        ("movies*", "movies", True),
        ("movies*", "movies_2024", True),
        ("movies*", "movie", False),
        ("movies*", "old_movies", False),
    ],
)
def test_index_pattern_matches(pattern: str, index: str, matches: bool) -> None:
    assert keys.index_pattern_matches(pattern, index) is matches


@pytest.mark.parametrize("text", ["", "not-a-uuid", UID + "0", UID[:-1] + "g"])
def test_parse_uid_rejects(text: str) -> None:
    assert keys.parse_uid(text) is None
