"""``/keys`` over HTTP on a real ``lumi serve --master-key``: the default keys, creating,
reading (by uid and by key string), listing with pagination, updating and deleting keys,
every validation error, and key strings that survive restarts and follow the master key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import meilisearch
import pytest
from meilisearch.errors import MeilisearchApiError

from tests.support.server import LumiServer

pytestmark = pytest.mark.api

MASTER_KEY = "keys-api-master-key-0123456789"
OTHER_MASTER_KEY = "keys-api-another-master-key-42"
VIEW_FIELDS = [
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
DEFAULT_KEYS = [
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
]
CREATE_FIELDS = "expected one of `description`, `name`, `uid`, `actions`, `indexes`, `expiresAt`"
BAD_DATE = (
    "is not a valid date. It should follow the RFC 3339 format to represents a date or datetime "
    "in the future or specified as a null value. e.g. 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS'.\n"
)
BAD_PATTERN = (
    "is not a valid index uid pattern. Index uid patterns can be an integer or a string "
    "containing only alphanumeric characters, hyphens (-), underscores (_), and optionally end "
    "with a star (*)."
)
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z")
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def derived(uid: str, master_key: str = MASTER_KEY) -> str:
    """The key string the reference derives: hex HMAC-SHA256 of the uid, keyed by the master
    key."""
    return hmac.new(master_key.encode(), uid.encode(), hashlib.sha256).hexdigest()


def error_body(code: str, message: str, kind: str = "invalid_request") -> dict[str, str]:
    return {
        "message": message,
        "code": code,
        "type": kind,
        "link": f"https://docs.meilisearch.com/errors#{code}",
    }


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def new_uid() -> str:
    return str(uuid.uuid4())


def body(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"actions": ["search"], "indexes": ["*"], "expiresAt": None}
    base.update(fields)
    return base


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LumiServer]:
    data_dir: Path = tmp_path_factory.mktemp("keys") / "data"
    lumi = LumiServer(data_dir, "--master-key", MASTER_KEY).start()
    yield lumi
    lumi.stop()


@pytest.fixture(scope="module")
def admin(secured: LumiServer) -> meilisearch.Client:
    return meilisearch.Client(secured.url, MASTER_KEY, timeout=30)


@pytest.fixture(scope="module")
def api(secured: LumiServer) -> Iterator[httpx.Client]:
    """Raw HTTP holding the master key."""
    with httpx.Client(base_url=secured.url, headers=bearer(MASTER_KEY), timeout=30) as session:
        yield session


def create(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = api.post("/keys", json=body(**fields))
    assert response.status_code == 201, response.text
    return response.json()


# --- default keys ----------------------------------------------------------------------------


def test_default_keys_exist_with_the_reference_names(tmp_path: Path) -> None:
    lumi = LumiServer(tmp_path / "data", "--master-key", MASTER_KEY).start()
    try:
        listed = httpx.get(f"{lumi.url}/keys", headers=bearer(MASTER_KEY)).json()
    finally:
        lumi.stop()
    assert (listed["offset"], listed["limit"], listed["total"]) == (0, 20, 4)
    results = listed["results"]
    assert [(k["name"], k["description"], k["actions"]) for k in results] == DEFAULT_KEYS
    for key in results:
        assert list(key) == VIEW_FIELDS
        assert key["indexes"] == ["*"]
        assert key["expiresAt"] is None
        assert UUID4.fullmatch(key["uid"])
        assert key["key"] == derived(key["uid"])
        assert RFC3339.fullmatch(key["createdAt"])
        assert key["createdAt"] == key["updatedAt"]
    assert len({k["uid"] for k in results}) == 4


def test_the_sdk_reads_the_default_keys(admin: meilisearch.Client) -> None:
    names = [k.name for k in admin.get_keys({"limit": 100}).results]
    assert names[-4:] == [name for name, _description, _actions in DEFAULT_KEYS]


# --- create, read, update, delete ------------------------------------------------------------


def test_create_with_every_field(api: httpx.Client) -> None:
    uid = new_uid()
    response = api.post(
        "/keys",
        json={
            "description": "Indexing products",
            "name": "Products",
            "uid": uid,
            "actions": ["documents.add", "documents.get"],
            "indexes": ["products", "reviews*"],
            "expiresAt": "2042-01-02T03:04:05.678Z",
        },
    )
    assert response.status_code == 201
    created = response.json()
    assert list(created) == VIEW_FIELDS
    assert created == {
        "name": "Products",
        "description": "Indexing products",
        "key": derived(uid),
        "uid": uid,
        "actions": ["documents.add", "documents.get"],
        "indexes": ["products", "reviews*"],
        "expiresAt": "2042-01-02T03:04:05.678Z",
        "createdAt": created["createdAt"],
        "updatedAt": created["createdAt"],
    }
    assert RFC3339.fullmatch(created["createdAt"])


def test_create_with_the_sdk_generates_a_uuid_v4(admin: meilisearch.Client) -> None:
    key = admin.create_key({"actions": ["search"], "indexes": ["movies"], "expiresAt": None})
    assert UUID4.fullmatch(key.uid)
    assert key.key == derived(key.uid)
    assert (key.name, key.description, key.expires_at) == (None, None, None)
    assert (key.actions, key.indexes) == (["search"], ["movies"])


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("2042-01-02", "2042-01-02T00:00:00Z"),
        ("2042-01-02 03:04:05", "2042-01-02T03:04:05Z"),
        ("2042-01-02T03:04:05Z", "2042-01-02T03:04:05Z"),
        ("2042-01-02T03:04:05.000000001Z", "2042-01-02T03:04:05.000000001Z"),
    ],
)
def test_expiry_date_forms(api: httpx.Client, sent: str, shown: str) -> None:
    assert create(api, expiresAt=sent)["expiresAt"] == shown


@pytest.mark.parametrize(
    "form",
    [
        lambda u: u.upper(),
        lambda u: u.replace("-", ""),
        lambda u: "{" + u + "}",
        lambda u: "urn:uuid:" + u,
    ],
    ids=["upper", "simple", "braced", "urn"],
)
def test_uids_in_any_uuid_form_are_stored_hyphenated(api: httpx.Client, form: Any) -> None:
    uid = new_uid()
    created = create(api, uid=form(uid))
    assert (created["uid"], created["key"]) == (uid, derived(uid))
    assert api.get(f"/keys/{form(uid)}").json() == created


def test_get_by_uid_and_by_key_string(admin: meilisearch.Client, api: httpx.Client) -> None:
    created = create(api, name="lookup")
    assert api.get(f"/keys/{created['uid']}").json() == created
    assert api.get(f"/keys/{created['key']}").json() == created
    by_key = admin.get_key(created["key"])
    assert (by_key.uid, by_key.key, by_key.name) == (created["uid"], created["key"], "lookup")


@pytest.mark.parametrize(
    "missing",
    ["1f1e0b5a-7b5e-4a39-9d9e-9c3c1f0a2b7c", "not-a-key", MASTER_KEY, "0" * 64],
    ids=["unknown-uid", "garbage", "master-key", "hex-string"],
)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_keys_are_not_found(api: httpx.Client, method: str, missing: str) -> None:
    payload = {"name": "x"} if method == "PATCH" else None
    response = api.request(method, f"/keys/{missing}", json=payload)
    assert response.status_code == 404
    assert response.json() == error_body("api_key_not_found", f"API key `{missing}` not found.")


def test_update_name_and_description(api: httpx.Client, admin: meilisearch.Client) -> None:
    created = create(api, name="before", description="old")
    response = api.patch(f"/keys/{created['uid']}", json={"name": "after"})
    assert response.status_code == 200
    updated = response.json()
    assert updated == {
        **created,
        "name": "after",
        "updatedAt": updated["updatedAt"],
    }
    assert updated["updatedAt"] > created["updatedAt"]
    cleared = api.patch(f"/keys/{created['key']}", json={"description": None}).json()
    assert (cleared["name"], cleared["description"]) == ("after", None)
    via_sdk = admin.update_key(created["uid"], {"name": "sdk", "description": "desc"})
    assert (via_sdk.name, via_sdk.description) == ("sdk", "desc")
    stored = api.get(f"/keys/{created['uid']}").json()
    assert {k: stored[k] for k in ("key", "actions", "indexes", "expiresAt", "createdAt")} == {
        k: created[k] for k in ("key", "actions", "indexes", "expiresAt", "createdAt")
    }


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
def test_immutable_fields(api: httpx.Client, field: str, code: str) -> None:
    created = create(api)
    response = api.patch(f"/keys/{created['uid']}", json={"name": "n", field: created.get(field)})
    assert response.status_code == 400
    message = f"Immutable field `{field}`: expected one of `description`, `name`"
    assert response.json() == error_body(code, message)
    assert api.get(f"/keys/{created['uid']}").json()["name"] is None


@pytest.mark.parametrize(
    ("payload", "code", "message"),
    [
        (
            {"foo": 1},
            "bad_request",
            "Unknown field `foo`: expected one of `description`, `name`",
        ),
        (
            {"name": 12},
            "invalid_api_key_name",
            "Invalid value type at `.name`: expected a string, but found a positive integer: `12`",
        ),
        (
            {"description": False},
            "invalid_api_key_description",
            "Invalid value type at `.description`: expected a string, but found a boolean: `false`",
        ),
        (
            ["name"],
            "bad_request",
            'Invalid value type: expected an object, but found an array: `["name"]`',
        ),
    ],
)
def test_update_validation(api: httpx.Client, payload: Any, code: str, message: str) -> None:
    created = create(api)
    response = api.patch(f"/keys/{created['uid']}", json=payload)
    assert response.status_code == 400
    assert response.json() == error_body(code, message)


@pytest.mark.parametrize("by", ["uid", "key"])
def test_delete(api: httpx.Client, admin: meilisearch.Client, by: str) -> None:
    created = create(api)
    response = api.delete(f"/keys/{created[by]}")
    assert response.status_code == 204
    assert response.content == b""
    for lookup in (created["uid"], created["key"]):
        gone = api.get(f"/keys/{lookup}")
        assert gone.json() == error_body("api_key_not_found", f"API key `{lookup}` not found.")
    with pytest.raises(MeilisearchApiError) as raised:
        admin.delete_key(created["uid"])
    assert (raised.value.status_code, raised.value.code) == (404, "api_key_not_found")


def test_create_twice_with_the_same_uid(api: httpx.Client) -> None:
    uid = new_uid()
    create(api, uid=uid)
    response = api.post("/keys", json=body(uid=uid, actions=["version"]))
    assert response.status_code == 409
    message = f"`uid` field value `{uid}` is already an existing API key."
    assert response.json() == error_body("api_key_already_exists", message)
    assert api.get(f"/keys/{uid}").json()["actions"] == ["search"]


# --- listing ---------------------------------------------------------------------------------


def test_pagination(api: httpx.Client, admin: meilisearch.Client) -> None:
    made = [create(api, name=f"page-{i}")["uid"] for i in range(3)]
    everything = api.get("/keys", params={"limit": 1000}).json()
    total = everything["total"]
    uids = [k["uid"] for k in everything["results"]]
    assert len(uids) == total >= 7
    assert uids[:3] == made[::-1], "newest first"
    created = [k["createdAt"] for k in everything["results"]]
    assert created == sorted(created, reverse=True)
    page = api.get("/keys", params={"offset": 1, "limit": 2}).json()
    assert (page["offset"], page["limit"], page["total"]) == (1, 2, total)
    assert [k["uid"] for k in page["results"]] == uids[1:3]
    beyond = api.get("/keys", params={"offset": total + 5}).json()
    assert (beyond["results"], beyond["total"]) == ([], total)
    assert api.get("/keys", params={"limit": 0}).json()["results"] == []
    assert api.get("/keys").json()["limit"] == 20
    sdk_page = admin.get_keys({"offset": 1, "limit": 2})
    assert [k.uid for k in sdk_page.results] == uids[1:3]
    assert (sdk_page.offset, sdk_page.limit, sdk_page.total) == (1, 2, total)


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        (
            {"offset": "x"},
            "invalid_api_key_offset",
            "Invalid value in parameter `offset`: could not parse `x` as a positive integer",
        ),
        (
            {"offset": "-1"},
            "invalid_api_key_offset",
            "Invalid value in parameter `offset`: could not parse `-1` as a positive integer",
        ),
        (
            {"limit": "1.5"},
            "invalid_api_key_limit",
            "Invalid value in parameter `limit`: could not parse `1.5` as a positive integer",
        ),
        (
            {"from": "1"},
            "bad_request",
            "Unknown parameter `from`: expected one of `offset`, `limit`",
        ),
    ],
)
def test_list_parameter_errors(
    api: httpx.Client, params: dict[str, str], code: str, message: str
) -> None:
    response = api.get("/keys", params=params)
    assert response.status_code == 400
    assert response.json() == error_body(code, message)


# --- creation errors -------------------------------------------------------------------------

CREATE_ERRORS: list[tuple[str, Any, str, str]] = [
    (
        "actions-not-array",
        body(actions="search"),
        "invalid_api_key_actions",
        'Invalid value type at `.actions`: expected an array, but found a string: `"search"`',
    ),
    (
        "action-not-string",
        body(actions=["search", 3]),
        "invalid_api_key_actions",
        "Invalid value type at `.actions[1]`: expected a string, but found a positive integer: `3`",
    ),
    (
        "unknown-action",
        body(actions=["documents.ad"]),
        "invalid_api_key_actions",
        "Unknown value `documents.ad` at `.actions[0]`: did you mean `documents.add`? expected "
        "one of ",
    ),
    (
        "indexes-not-array",
        body(indexes="movies"),
        "invalid_api_key_indexes",
        'Invalid value type at `.indexes`: expected an array, but found a string: `"movies"`',
    ),
    (
        "index-not-string",
        body(indexes=[None]),
        "invalid_api_key_indexes",
        "Invalid value type at `.indexes[0]`: expected a string, but found null",
    ),
    (
        "index-pattern",
        body(indexes=["mov ies"]),
        "invalid_api_key_indexes",
        f"Invalid value at `.indexes[0]`: `mov ies` {BAD_PATTERN}",
    ),
    (
        "index-star-first",
        body(indexes=["movies", "*movies"]),
        "invalid_api_key_indexes",
        f"Invalid value at `.indexes[1]`: `*movies` {BAD_PATTERN}",
    ),
    (
        "expires-past",
        body(expiresAt="2001-01-01T00:00:00Z"),
        "invalid_api_key_expires_at",
        f"Invalid value at `.expiresAt`: `2001-01-01T00:00:00Z` {BAD_DATE}",
    ),
    (
        "expires-garbage",
        body(expiresAt="tomorrow"),
        "invalid_api_key_expires_at",
        f"Invalid value at `.expiresAt`: `tomorrow` {BAD_DATE}",
    ),
    (
        "expires-number",
        body(expiresAt=1234567890),
        "invalid_api_key_expires_at",
        "Invalid value type at `.expiresAt`: expected a string, but found a positive integer: "
        "`1234567890`",
    ),
    (
        "uid-not-uuid",
        body(uid="abc"),
        "invalid_api_key_uid",
        "Invalid value at `.uid`: invalid length: expected length 32 for simple format, found 3",
    ),
    (
        "uid-not-string",
        body(uid=7),
        "invalid_api_key_uid",
        "Invalid value type at `.uid`: expected a string, but found a positive integer: `7`",
    ),
    (
        "name-type",
        body(name=["n"]),
        "invalid_api_key_name",
        'Invalid value type at `.name`: expected a string, but found an array: `["n"]`',
    ),
    (
        "description-type",
        body(description={"a": 1}),
        "invalid_api_key_description",
        'Invalid value type at `.description`: expected a string, but found an object: `{"a":1}`',
    ),
    (
        "missing-actions",
        {"indexes": ["*"], "expiresAt": None},
        "missing_api_key_actions",
        "Missing field `actions`",
    ),
    (
        "missing-indexes",
        {"actions": ["search"], "expiresAt": None},
        "missing_api_key_indexes",
        "Missing field `indexes`",
    ),
    (
        "missing-expires-at",
        {"actions": ["search"], "indexes": ["*"]},
        "missing_api_key_expires_at",
        "Missing field `expiresAt`",
    ),
    (
        "first-problem-wins",
        {"name": 1, "actions": "x"},
        "invalid_api_key_name",
        "Invalid value type at `.name`: expected a string, but found a positive integer: `1`",
    ),
    (
        "present-before-missing",
        {"actions": ["nope"]},
        "invalid_api_key_actions",
        "Unknown value `nope` at `.actions[0]`: expected one of ",
    ),
    (
        "unknown-field",
        body(key="abc"),
        "bad_request",
        f"Unknown field `key`: {CREATE_FIELDS}",
    ),
    (
        "not-an-object",
        [],
        "bad_request",
        "Invalid value type: expected an object, but found an array: `[]`",
    ),
    *[
        (
            f"scoped-{action}",
            body(actions=["search", action], indexes=["movies"]),
            "index_scoped_api_key_with_global_action",
            f'cannot create index-scoped API key with global action `"{action}"`\n  - Hint: '
            f'remove action `"{action}"` from the action list, or remove `indexes` to make the '
            "key global",
        )
        for action in ("version", "keys.get", "webhooks.*", "dumps.create", "tasks.compact")
    ],
]


@pytest.mark.parametrize(
    ("payload", "code", "message"),
    [case[1:] for case in CREATE_ERRORS],
    ids=[case[0] for case in CREATE_ERRORS],
)
def test_create_validation(api: httpx.Client, payload: Any, code: str, message: str) -> None:
    before = api.get("/keys", params={"limit": 0}).json()["total"]
    response = api.post("/keys", json=payload)
    assert response.status_code == 400, response.text
    error = response.json()
    if message.endswith("expected one of "):
        assert error["message"].startswith(message)
        assert error["message"].endswith("`dynamicSearchRules.*`")
        error["message"] = message
    assert error == error_body(code, message)
    assert api.get("/keys", params={"limit": 0}).json()["total"] == before


def test_index_scoped_keys_may_hold_index_actions(api: httpx.Client) -> None:
    actions = ["search", "documents.*", "indexes.*", "settings.*", "tasks.*", "stats.*", "*.get"]
    assert create(api, actions=actions, indexes=["movies", "books*"])["actions"] == actions


@pytest.mark.parametrize(
    ("content", "headers", "status", "code"),
    [
        (b"", {"content-type": "application/json"}, 400, "missing_payload"),
        (b"{", {"content-type": "application/json"}, 400, "malformed_payload"),
        (b"{}", {"content-type": "text/plain"}, 415, "invalid_content_type"),
        (b"{}", {}, 415, "missing_content_type"),
    ],
)
def test_create_body_format_errors(
    api: httpx.Client, content: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    response = api.post("/keys", content=content, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code


def test_sdk_create_error(admin: meilisearch.Client) -> None:
    with pytest.raises(MeilisearchApiError) as raised:
        admin.create_key({"actions": ["search"], "indexes": ["*"]})
    error = raised.value
    assert (error.status_code, error.code, error.type) == (
        400,
        "missing_api_key_expires_at",
        "invalid_request",
    )


# --- restarts and the master key -------------------------------------------------------------


def _listing(url: str, master_key: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{url}/keys", params={"limit": 100}, headers=bearer(master_key))
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_keys_survive_restarts_and_follow_the_master_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    uid = new_uid()
    first = LumiServer(data, "--master-key", MASTER_KEY).start()
    try:
        made = httpx.post(
            f"{first.url}/keys",
            json=body(uid=uid, name="kept", actions=["version"]),
            headers=bearer(MASTER_KEY),
        ).json()
        before = _listing(first.url, MASTER_KEY)
    finally:
        assert first.stop() == 0
    assert made["key"] == derived(uid)

    same = LumiServer(data, "--master-key", MASTER_KEY).start()
    try:
        assert _listing(same.url, MASTER_KEY) == before
        assert httpx.get(f"{same.url}/version", headers=bearer(made["key"])).status_code == 200
    finally:
        assert same.stop() == 0

    rotated = LumiServer(data, "--master-key", OTHER_MASTER_KEY).start()
    try:
        after = _listing(rotated.url, OTHER_MASTER_KEY)
        assert [k["uid"] for k in after] == [k["uid"] for k in before]
        assert [k["key"] for k in after] == [derived(k["uid"], OTHER_MASTER_KEY) for k in after]
        new_key = derived(uid, OTHER_MASTER_KEY)
        assert httpx.get(f"{rotated.url}/version", headers=bearer(new_key)).status_code == 200
        old = httpx.get(f"{rotated.url}/version", headers=bearer(made["key"]))
        assert old.status_code == 403
        assert httpx.get(f"{rotated.url}/version", headers=bearer(MASTER_KEY)).status_code == 403
    finally:
        assert rotated.stop() == 0

    stored = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    for secret in (MASTER_KEY, OTHER_MASTER_KEY, made["key"], new_key):
        assert secret.encode() not in stored, "the data directory must not reveal a secret"


def test_deleted_default_keys_stay_deleted_after_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = LumiServer(data, "--master-key", MASTER_KEY).start()
    try:
        for key in _listing(first.url, MASTER_KEY):
            deleted = httpx.delete(f"{first.url}/keys/{key['uid']}", headers=bearer(MASTER_KEY))
            assert deleted.status_code == 204
    finally:
        assert first.stop() == 0
    again = LumiServer(data, "--master-key", MASTER_KEY).start()
    try:
        assert _listing(again.url, MASTER_KEY) == []
    finally:
        assert again.stop() == 0


def test_an_instance_first_started_open_gets_default_keys_with_a_master_key(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    open_server = LumiServer(data).start()
    assert open_server.stop() == 0
    protected = LumiServer(data, "--master-key", MASTER_KEY).start()
    try:
        names = [k["name"] for k in _listing(protected.url, MASTER_KEY)]
        assert names == [name for name, _description, _actions in DEFAULT_KEYS]
    finally:
        assert protected.stop() == 0
