"""Who may call what, seen from outside: a real ``lumi serve --master-key`` driven with the
official SDK and raw HTTP.

Covers the open instance (no master key), the production start-up refusal, the missing and
invalid ``Authorization`` header, every action family allowed and refused on a representative
route, wildcard actions, index patterns, key expiry and deletion taking effect at once, lists
restricted to the key's indexes, and index creation while adding documents.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import meilisearch
import pytest
from meilisearch.errors import MeilisearchApiError

from tests.support.server import LumiServer, free_port

pytestmark = pytest.mark.api

MASTER_KEY = "auth-api-master-key-0123456789"
TASK_TIMEOUT_MS = 30_000
INVALID_KEY = "The provided API key is invalid."
MISSING_HEADER = "The Authorization header is missing. It must use the bearer authorization method."
MISSING_MASTER_KEY = (
    "Meilisearch is running without a master key. To access this API endpoint, you must have "
    "set a master key at launch."
)

# Every action of the reference except the wildcards: a key holding all of these but one must
# still be refused the route that needs the missing one.
CONCRETE_ACTIONS = (
    "search",
    "documents.add",
    "documents.get",
    "documents.delete",
    "indexes.create",
    "indexes.get",
    "indexes.update",
    "indexes.delete",
    "indexes.swap",
    "indexes.compact",
    "tasks.cancel",
    "tasks.delete",
    "tasks.get",
    "tasks.compact",
    "settings.get",
    "settings.update",
    "stats.get",
    "metrics.get",
    "dumps.create",
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
    "chats.get",
    "chats.delete",
    "chatsSettings.get",
    "chatsSettings.update",
    "webhooks.get",
    "webhooks.update",
    "webhooks.delete",
    "webhooks.create",
    "fields.post",
    "dynamicSearchRules.get",
    "dynamicSearchRules.create",
    "dynamicSearchRules.update",
    "dynamicSearchRules.delete",
)

# One representative request per action: (action, method, path, body, status when allowed).
# ``{index}`` is an index holding one document; each ``{fresh}`` is a new unused index uid.
ROUTES: tuple[tuple[str, str, str, Any, int], ...] = (
    ("search", "POST", "/indexes/{index}/search", {"q": ""}, 200),
    ("documents.add", "POST", "/indexes/{index}/documents", [{"id": 2}], 202),
    ("documents.get", "GET", "/indexes/{index}/documents", None, 200),
    ("documents.get", "GET", "/indexes/{index}/documents/1", None, 200),
    ("documents.delete", "DELETE", "/indexes/{index}/documents/999", None, 202),
    ("indexes.create", "POST", "/indexes", {"uid": "{fresh}"}, 202),
    ("indexes.get", "GET", "/indexes/{index}", None, 200),
    ("indexes.get", "GET", "/indexes", None, 200),
    ("indexes.update", "PATCH", "/indexes/{fresh}", {"primaryKey": "id"}, 202),
    ("indexes.delete", "DELETE", "/indexes/{fresh}", None, 202),
    ("indexes.swap", "POST", "/swap-indexes", [{"indexes": ["{fresh}", "{fresh}"]}], 202),
    ("tasks.get", "GET", "/tasks", None, 200),
    ("tasks.get", "GET", "/batches", None, 200),
    ("tasks.cancel", "POST", "/tasks/cancel?uids=999999999", None, 200),
    ("tasks.delete", "DELETE", "/tasks?uids=999999999", None, 200),
    ("settings.get", "GET", "/indexes/{index}/settings", None, 200),
    ("settings.update", "PATCH", "/indexes/{fresh}/settings", {"stopWords": ["the"]}, 202),
    ("stats.get", "GET", "/stats", None, 200),
    ("stats.get", "GET", "/indexes/{index}/stats", None, 200),
    ("version", "GET", "/version", None, 200),
    ("webhooks.get", "GET", "/webhooks", None, 200),
    ("webhooks.create", "POST", "/webhooks", {"url": "http://127.0.0.1:9/hook"}, 201),
    ("webhooks.update", "PATCH", "/webhooks/{uuid}", {"url": "http://127.0.0.1:9/x"}, 404),
    ("webhooks.delete", "DELETE", "/webhooks/{uuid}", None, 404),
    ("keys.get", "GET", "/keys", None, 200),
    ("keys.get", "GET", "/keys/{uuid}", None, 404),
    (
        "keys.create",
        "POST",
        "/keys",
        {"actions": ["search"], "indexes": ["*"], "expiresAt": None},
        201,
    ),
    ("keys.update", "PATCH", "/keys/{uuid}", {"name": "renamed"}, 404),
    ("keys.delete", "DELETE", "/keys/{uuid}", None, 404),
)
ROUTE_IDS = [f"{action}:{method} {path}" for action, method, path, _body, _status in ROUTES]


def error_body(code: str, message: str, kind: str = "auth") -> dict[str, str]:
    return {
        "message": message,
        "code": code,
        "type": kind,
        "link": f"https://docs.meilisearch.com/errors#{code}",
    }


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def unique(prefix: str = "auth") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def _fill(value: Any, index: str) -> Any:
    """The route table's placeholders replaced (each ``{fresh}`` by a distinct new uid)."""
    if isinstance(value, str):
        while "{fresh}" in value:
            value = value.replace("{fresh}", unique("fresh"), 1)
        return value.replace("{index}", index).replace("{uuid}", str(uuid.uuid4()))
    if isinstance(value, list):
        return [_fill(v, index) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, index) for k, v in value.items()}
    return value


# --- servers ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LumiServer]:
    data_dir: Path = tmp_path_factory.mktemp("auth") / "data"
    # Two HTTP workers: a key created or deleted through one must be seen at once by both.
    lumi = LumiServer(data_dir, "--master-key", MASTER_KEY, "--workers", "2").start()
    yield lumi
    lumi.stop()


@pytest.fixture(scope="module")
def admin(secured: LumiServer) -> meilisearch.Client:
    """The SDK holding the master key."""
    return meilisearch.Client(secured.url, MASTER_KEY, timeout=30)


@pytest.fixture(scope="module")
def raw(secured: LumiServer) -> Iterator[httpx.Client]:
    """Raw HTTP without any credentials."""
    with httpx.Client(base_url=secured.url, timeout=30) as session:
        yield session


def wait_task(admin: meilisearch.Client, uid: int) -> Any:
    return admin.wait_for_task(uid, timeout_in_ms=TASK_TIMEOUT_MS, interval_in_ms=20)


def add_documents(admin: meilisearch.Client, index: str, documents: list[dict[str, Any]]) -> Any:
    task = admin.index(index).add_documents(documents, primary_key="id")
    done = wait_task(admin, task.task_uid)
    assert done.status == "succeeded", done.error
    return done


@pytest.fixture(scope="module")
def base_index(admin: meilisearch.Client) -> str:
    """An index holding document 1, for routes that read an existing index."""
    index = unique("base")
    add_documents(admin, index, [{"id": 1, "title": "one"}])
    return index


@pytest.fixture(scope="module")
def search_served(raw: httpx.Client, base_index: str) -> bool:
    """Whether this build serves the search route (authorization checks need the route)."""
    response = raw.post(f"/indexes/{base_index}/search", json={"q": ""}, headers=bearer(MASTER_KEY))
    return response.status_code != 404 or bool(response.content)


def make_key(
    admin: meilisearch.Client,
    actions: list[str],
    indexes: list[str] | None = None,
    expires_at: str | None = None,
) -> dict[str, Any]:
    """A new key as the API shows it (``key``, ``uid``...)."""
    created = admin.create_key(
        {"actions": actions, "indexes": indexes or ["*"], "expiresAt": expires_at}
    )
    return {"key": created.key, "uid": created.uid}


def call(
    raw: httpx.Client, key: str | None, route: tuple[str, str, str, Any, int], index: str
) -> httpx.Response:
    _action, method, path, body, _status = route
    headers = {} if key is None else bearer(key)
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["json"] = _fill(body, index)
    response = raw.request(method, _fill(path, index), **kwargs)
    if response.status_code == 201 and path == "/webhooks":
        # Webhooks created by these checks would be called after every batch: remove them.
        raw.delete(f"/webhooks/{response.json()['uuid']}", headers=bearer(MASTER_KEY))
    return response


def _skip_missing_search(route: tuple[str, str, str, Any, int], served: bool) -> None:
    if route[0] == "search" and not served:
        pytest.skip("the search route is not served by this build yet")


# --- without a master key --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/version"),
        ("GET", "/indexes"),
        ("GET", "/tasks"),
        ("GET", "/batches"),
        ("GET", "/stats"),
        ("GET", "/webhooks"),
        ("GET", "/health"),
    ],
)
@pytest.mark.parametrize("credentials", [None, "Bearer whatever"])
def test_without_master_key_every_route_is_open(
    http: httpx.Client, method: str, path: str, credentials: str | None
) -> None:
    headers = {} if credentials is None else {"Authorization": credentials}
    response = http.request(method, path, headers=headers)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/keys", None),
        ("POST", "/keys", {"actions": ["*"], "indexes": ["*"], "expiresAt": None}),
        ("GET", "/keys/2a3a9e4a-6f0e-4e3c-9f38-2c1d5e6b7a80", None),
        ("PATCH", "/keys/2a3a9e4a-6f0e-4e3c-9f38-2c1d5e6b7a80", {"name": "x"}),
        ("DELETE", "/keys/2a3a9e4a-6f0e-4e3c-9f38-2c1d5e6b7a80", None),
    ],
)
@pytest.mark.parametrize("credentials", [None, "Bearer whatever"])
def test_without_master_key_the_key_routes_are_closed(
    http: httpx.Client, method: str, path: str, body: Any, credentials: str | None
) -> None:
    headers = {} if credentials is None else {"Authorization": credentials}
    response = http.request(method, path, json=body, headers=headers)
    assert response.status_code == 401
    assert response.json() == error_body("missing_master_key", MISSING_MASTER_KEY)


def test_without_master_key_the_sdk_cannot_list_keys(client: meilisearch.Client) -> None:
    with pytest.raises(MeilisearchApiError) as raised:
        client.get_keys()
    assert (raised.value.status_code, raised.value.code) == (401, "missing_master_key")


# --- production start-up ---------------------------------------------------------------------


def _serve_production(data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MEILI_MASTER_KEY", "LUMI_MASTER_KEY")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "lumi",
            "serve",
            "--env",
            "production",
            "--db-path",
            str(data_dir),
            "--http-addr",
            f"127.0.0.1:{free_port()}",
            *extra,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (
            (),
            "You must provide a master key to secure your instance in a production environment. "
            "It can be specified via the MEILI_MASTER_KEY environment variable or the "
            "--master-key launch option.",
        ),
        (
            ("--master-key", "fifteen-bytes!!"),
            "The master key must be at least 16 bytes in a production environment. The provided "
            "key is only 15 bytes.",
        ),
        (
            ("--master-key", "é" * 7),
            "The master key must be at least 16 bytes in a production environment. The provided "
            "key is only 14 bytes.",
        ),
    ],
    ids=["no-key", "15-bytes", "14-bytes-of-7-chars"],
)
def test_production_refuses_to_start_without_a_long_enough_master_key(
    tmp_path: Path, extra: tuple[str, ...], problem: str
) -> None:
    done = _serve_production(tmp_path / "data", *extra)
    assert done.returncode == 2
    assert problem in done.stderr
    assert "We generated a secure master key for you" in done.stderr
    assert "--master-key " in done.stderr.split(problem, 1)[1]


def test_production_starts_with_a_sixteen_byte_master_key(tmp_path: Path) -> None:
    key = "é" * 8  # 8 characters, 16 bytes: the limit is in bytes
    lumi = LumiServer(tmp_path / "data", "--env", "production", "--master-key", key).start()
    try:
        assert httpx.get(f"{lumi.url}/version").status_code == 401
        assert httpx.get(f"{lumi.url}/health").status_code == 200
        assert httpx.get(f"{lumi.url}/version", headers=bearer("x" * 16)).status_code == 403
    finally:
        assert lumi.stop() == 0


# --- the Authorization header ----------------------------------------------------------------

PROTECTED = (
    ("GET", "/version"),
    ("GET", "/indexes"),
    ("GET", "/indexes/anything/documents"),
    ("POST", "/indexes/anything/documents"),
    ("GET", "/indexes/anything/settings"),
    ("GET", "/tasks"),
    ("GET", "/tasks/0"),
    ("GET", "/batches"),
    ("GET", "/stats"),
    ("GET", "/webhooks"),
    ("GET", "/keys"),
    ("POST", "/keys"),
    ("DELETE", "/keys/2a3a9e4a-6f0e-4e3c-9f38-2c1d5e6b7a80"),
)


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_a_missing_header_is_refused_with_401(raw: httpx.Client, method: str, path: str) -> None:
    response = raw.request(method, path)
    assert response.status_code == 401
    assert response.json() == error_body("missing_authorization_header", MISSING_HEADER)


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_an_unknown_key_is_refused_with_403(raw: httpx.Client, method: str, path: str) -> None:
    response = raw.request(method, path, headers=bearer("not-a-key"))
    assert response.status_code == 403
    assert response.json() == error_body("invalid_api_key", INVALID_KEY)


@pytest.mark.parametrize(
    ("header", "status", "code"),
    [
        (f"Bearer {MASTER_KEY}", 200, None),
        (f"bearer {MASTER_KEY}", 401, "missing_authorization_header"),
        (f"Basic {MASTER_KEY}", 401, "missing_authorization_header"),
        (MASTER_KEY, 401, "missing_authorization_header"),
        ("Bearer", 403, "invalid_api_key"),
        (f"Bearer  {MASTER_KEY}", 403, "invalid_api_key"),
        (f"Bearer {MASTER_KEY}x", 403, "invalid_api_key"),
        (f"Bearer {MASTER_KEY[:-1]}", 403, "invalid_api_key"),
    ],
)
def test_authorization_header_forms(
    raw: httpx.Client, header: str, status: int, code: str | None
) -> None:
    response = raw.get("/version", headers={"Authorization": header})
    assert response.status_code == status, response.text
    if code is not None:
        assert response.json()["code"] == code


def test_health_needs_no_key(raw: httpx.Client) -> None:
    assert raw.get("/health").json() == {"status": "available"}
    assert raw.get("/health", headers=bearer("not-a-key")).status_code == 200


def test_sdk_errors_carry_the_auth_codes(secured: LumiServer) -> None:
    with pytest.raises(MeilisearchApiError) as raised:
        meilisearch.Client(secured.url, "not-a-key").get_version()
    error = raised.value
    assert (error.status_code, error.code, error.type) == (403, "invalid_api_key", "auth")
    assert error.message == INVALID_KEY


# --- actions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_the_master_key_passes_every_route(
    raw: httpx.Client, base_index: str, search_served: bool, route: tuple[Any, ...]
) -> None:
    _skip_missing_search(route, search_served)
    response = call(raw, MASTER_KEY, route, base_index)
    assert response.status_code == route[4], response.text


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_an_action_allows_its_route(
    admin: meilisearch.Client,
    raw: httpx.Client,
    base_index: str,
    search_served: bool,
    route: tuple[Any, ...],
) -> None:
    _skip_missing_search(route, search_served)
    key = make_key(admin, [route[0]])["key"]
    response = call(raw, key, route, base_index)
    assert response.status_code == route[4], response.text


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_every_other_action_is_refused_the_route(
    admin: meilisearch.Client,
    raw: httpx.Client,
    base_index: str,
    search_served: bool,
    route: tuple[Any, ...],
) -> None:
    _skip_missing_search(route, search_served)
    others = [a for a in CONCRETE_ACTIONS if a != route[0]]
    key = make_key(admin, others)["key"]
    response = call(raw, key, route, base_index)
    assert response.status_code == 403, response.text
    assert response.json() == error_body("invalid_api_key", INVALID_KEY)


def _routes_for(actions: set[str]) -> list[tuple[Any, ...]]:
    return [route for route in ROUTES if route[0] in actions]


WILDCARDS = (
    (
        "documents.*",
        {"documents.add", "documents.get", "documents.delete"},
        {"indexes.get", "settings.get", "search"},
    ),
    (
        "indexes.*",
        {"indexes.create", "indexes.get", "indexes.update", "indexes.delete", "indexes.swap"},
        {"documents.get", "stats.get"},
    ),
    ("tasks.*", {"tasks.get", "tasks.cancel", "tasks.delete"}, {"stats.get", "indexes.get"}),
    ("settings.*", {"settings.get", "settings.update"}, {"indexes.get", "documents.add"}),
    ("stats.*", {"stats.get"}, {"version", "indexes.get"}),
    (
        "webhooks.*",
        {"webhooks.get", "webhooks.create", "webhooks.update", "webhooks.delete"},
        {"keys.get", "version"},
    ),
    (
        "*.get",
        {"documents.get", "indexes.get", "tasks.get", "settings.get", "stats.get", "webhooks.get"},
        {
            "keys.get",
            "documents.add",
            "indexes.create",
            "settings.update",
            "tasks.delete",
            "search",
        },
    ),
    ("*", {action for action, *_rest in ROUTES}, set()),
)


@pytest.mark.parametrize(
    ("wildcard", "allowed", "refused"), WILDCARDS, ids=[w[0] for w in WILDCARDS]
)
def test_wildcard_actions(
    admin: meilisearch.Client,
    raw: httpx.Client,
    base_index: str,
    search_served: bool,
    wildcard: str,
    allowed: set[str],
    refused: set[str],
) -> None:
    key = make_key(admin, [wildcard])["key"]
    for route in _routes_for(allowed):
        if route[0] == "search" and not search_served:
            continue
        response = call(raw, key, route, base_index)
        assert response.status_code == route[4], (route, response.text)
    for route in _routes_for(refused):
        if route[0] == "search" and not search_served:
            continue
        response = call(raw, key, route, base_index)
        assert response.status_code == 403, (route, response.text)
        assert response.json() == error_body("invalid_api_key", INVALID_KEY)


def test_the_default_keys_work_as_named(
    admin: meilisearch.Client, raw: httpx.Client, base_index: str, search_served: bool
) -> None:
    by_name = {k.name: k.key for k in admin.get_keys({"limit": 100}).results}
    read_only = by_name["Default Read-Only Admin API Key"]
    assert raw.get("/keys", headers=bearer(read_only)).status_code == 200
    assert raw.get(f"/indexes/{base_index}/documents", headers=bearer(read_only)).status_code == 200
    refused = raw.post("/keys", json={}, headers=bearer(read_only))
    assert refused.status_code == 403
    admin_key = by_name["Default Admin API Key"]
    assert raw.get("/keys", headers=bearer(admin_key)).status_code == 200
    assert raw.get("/version", headers=bearer(admin_key)).status_code == 200
    search_key = by_name["Default Search API Key"]
    assert raw.get("/version", headers=bearer(search_key)).status_code == 403
    assert raw.get(f"/indexes/{base_index}", headers=bearer(search_key)).status_code == 403
    if search_served:
        search = raw.post(f"/indexes/{base_index}/search", json={}, headers=bearer(search_key))
        assert search.status_code == 200, search.text


# --- index patterns --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patterns", "allowed", "refused"),
    [
        (["{p}movies*"], ["{p}movies", "{p}movies_2024", "{p}movies-x"], ["{p}movie", "{p}books"]),
        (["{p}movies"], ["{p}movies"], ["{p}movies_2024", "{p}moviess", "{p}movie"]),
        (["{p}movies", "{p}books"], ["{p}movies", "{p}books"], ["{p}music"]),
        (["*"], ["{p}movies", "{p}anything"], []),
    ],
    ids=["prefix", "exact", "list", "all"],
)
def test_index_patterns(
    admin: meilisearch.Client,
    raw: httpx.Client,
    patterns: list[str],
    allowed: list[str],
    refused: list[str],
) -> None:
    prefix = unique("pat") + "_"
    granted = [p.replace("{p}", prefix) for p in patterns]
    key = make_key(admin, ["indexes.get", "documents.add"], granted)["key"]
    for name in allowed:
        uid = name.replace("{p}", prefix)
        response = raw.get(f"/indexes/{uid}", headers=bearer(key))
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "index_not_found"
        added = raw.post(f"/indexes/{uid}/documents", json=[{"id": 1}], headers=bearer(key))
        assert added.status_code == 202, added.text
    listed = "[" + ", ".join(f'"{p}"' for p in granted) + "]"
    for name in refused:
        uid = name.replace("{p}", prefix)
        for method, path, body in (
            ("GET", f"/indexes/{uid}", None),
            ("POST", f"/indexes/{uid}/documents", [{"id": 1}]),
        ):
            response = raw.request(method, path, json=body, headers=bearer(key))
            assert response.status_code == 403, response.text
            message = (
                f"The API key cannot acces the index `{uid}`, authorized indexes are {listed}."
            )
            assert response.json() == error_body("invalid_api_key", message)


def test_an_index_outside_the_key_is_named_before_a_missing_action(
    admin: meilisearch.Client, raw: httpx.Client
) -> None:
    key = make_key(admin, ["version"], ["*"])["key"]
    other = make_key(admin, ["indexes.get"], ["mine"])["key"]
    assert raw.get("/indexes/theirs", headers=bearer(key)).json()["message"] == INVALID_KEY
    message = raw.get("/indexes/theirs/documents", headers=bearer(other)).json()["message"]
    assert (
        message == 'The API key cannot acces the index `theirs`, authorized indexes are ["mine"].'
    )


def test_creating_an_index_outside_the_key_is_refused(
    admin: meilisearch.Client, raw: httpx.Client
) -> None:
    prefix = unique("own")
    key = make_key(admin, ["indexes.create"], [f"{prefix}*"])["key"]
    inside = raw.post("/indexes", json={"uid": f"{prefix}_a"}, headers=bearer(key))
    assert inside.status_code == 202, inside.text
    outside = raw.post("/indexes", json={"uid": unique("other")}, headers=bearer(key))
    assert outside.status_code == 403, outside.text
    assert outside.json() == error_body("invalid_api_key", INVALID_KEY)


def test_swapping_an_index_outside_the_key_is_refused(
    admin: meilisearch.Client, raw: httpx.Client
) -> None:
    prefix = unique("swap")
    key = make_key(admin, ["indexes.swap"], [f"{prefix}*"])["key"]
    inside = [{"indexes": [f"{prefix}_a", f"{prefix}_b"]}]
    assert raw.post("/swap-indexes", json=inside, headers=bearer(key)).status_code == 202
    outside = [{"indexes": [f"{prefix}_a", unique("other")]}]
    response = raw.post("/swap-indexes", json=outside, headers=bearer(key))
    assert response.status_code == 403
    assert response.json() == error_body("invalid_api_key", INVALID_KEY)


# --- expiry and deletion ---------------------------------------------------------------------


def test_a_key_stops_working_when_it_expires(admin: meilisearch.Client, raw: httpx.Client) -> None:
    # Two to three seconds ahead, with a fraction the SDK's date parser needs on the way back.
    expires = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=2)).replace(
        microsecond=500_000
    )
    key = make_key(admin, ["version"], expires_at=expires.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    assert raw.get("/version", headers=bearer(key["key"])).status_code == 200
    deadline = time.monotonic() + 15
    while True:
        response = raw.get("/version", headers=bearer(key["key"]))
        now = datetime.datetime.now(datetime.UTC)
        if response.status_code != 200:
            break
        assert time.monotonic() < deadline, "the key never expired"
        time.sleep(0.05)
    assert now >= expires
    assert response.status_code == 403
    assert response.json() == error_body("invalid_api_key", INVALID_KEY)
    # An expired key is still listed and readable.
    assert admin.get_key(key["uid"]).expires_at is not None


def test_a_deleted_key_is_refused_at_once(admin: meilisearch.Client, secured: LumiServer) -> None:
    key = make_key(admin, ["version"])
    # A new connection per request, so that both HTTP workers answer some of them.
    fresh = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=secured.url, headers=bearer(key["key"]), limits=fresh) as session:
        assert {session.get("/version").status_code for _ in range(12)} == {200}
        admin.delete_key(key["uid"])
        for _ in range(12):
            response = session.get("/version")
            assert response.status_code == 403
            assert response.json() == error_body("invalid_api_key", INVALID_KEY)


def test_a_key_deleted_by_its_key_string_is_refused_at_once(
    admin: meilisearch.Client, raw: httpx.Client
) -> None:
    key = make_key(admin, ["version"])
    admin.delete_key(key["key"])
    assert raw.get("/version", headers=bearer(key["key"])).status_code == 403


# --- lists restricted to the key's indexes ---------------------------------------------------


@pytest.fixture(scope="module")
def tenants(admin: meilisearch.Client) -> dict[str, Any]:
    """Three indexes (two matching ``<p>movies*``), their tasks, and one global task."""
    prefix = unique("lists") + "_"
    names = {"a": f"{prefix}movies_a", "b": f"{prefix}movies_b", "books": f"{prefix}books"}
    tasks = {label: add_documents(admin, uid, [{"id": 1}]) for label, uid in names.items()}
    deletion = admin.delete_tasks({"uids": ["999999999"]})
    global_task = wait_task(admin, deletion.task_uid)
    assert global_task.index_uid is None
    return {"prefix": prefix, "names": names, "tasks": tasks, "global": global_task}


def _client_for(secured: LumiServer, key: str) -> meilisearch.Client:
    return meilisearch.Client(secured.url, key, timeout=30)


def test_task_lists_show_only_the_keys_indexes(
    admin: meilisearch.Client, secured: LumiServer, tenants: dict[str, Any]
) -> None:
    pattern = f"{tenants['prefix']}movies*"
    key = make_key(admin, ["tasks.get"], [pattern])["key"]
    sdk = _client_for(secured, key)
    results = sdk.get_tasks({"limit": 1000}).results
    assert {t.uid for t in results} == {tenants["tasks"]["a"].uid, tenants["tasks"]["b"].uid}
    books_task = tenants["tasks"]["books"].uid
    with pytest.raises(MeilisearchApiError) as raised:
        sdk.get_task(books_task)
    assert (raised.value.status_code, raised.value.code) == (404, "task_not_found")
    assert raised.value.message == f"Task `{books_task}` not found."
    with pytest.raises(MeilisearchApiError):
        sdk.get_task(tenants["global"].uid)
    assert sdk.get_task(tenants["tasks"]["a"].uid).index_uid == tenants["names"]["a"]


def test_global_tasks_show_only_to_keys_on_every_index(
    admin: meilisearch.Client, secured: LumiServer, tenants: dict[str, Any]
) -> None:
    everywhere = _client_for(secured, make_key(admin, ["tasks.get"], ["*"])["key"])
    global_uid = tenants["global"].uid
    assert everywhere.get_task(global_uid).type == "taskDeletion"
    listed = everywhere.get_tasks({"types": ["taskDeletion"], "limit": 1000}).results
    assert global_uid in {t.uid for t in listed}
    listed_all = everywhere.get_tasks({"limit": 1000}).results
    assert {t.index_uid for t in listed_all} >= {None, *tenants["names"].values()}
    named = make_key(admin, ["tasks.get"], list(tenants["names"].values()))["key"]
    restricted = _client_for(secured, named).get_tasks({"limit": 1000}).results
    assert None not in {t.index_uid for t in restricted}


def test_batch_lists_show_only_the_keys_indexes(
    admin: meilisearch.Client, raw: httpx.Client, tenants: dict[str, Any]
) -> None:
    pattern = f"{tenants['prefix']}movies*"
    key = make_key(admin, ["tasks.get"], [pattern])["key"]
    response = raw.get("/batches", params={"limit": 1000}, headers=bearer(key))
    assert response.status_code == 200
    seen = {b["uid"] for b in response.json()["results"]}
    for batch in response.json()["results"]:
        assert all(uid.startswith(pattern[:-1]) for uid in batch["stats"]["indexUids"]), batch
    batch_of = {
        label: raw.get(f"/tasks/{task.uid}", headers=bearer(MASTER_KEY)).json()["batchUid"]
        for label, task in tenants["tasks"].items()
    }
    assert {batch_of["a"], batch_of["b"]} <= seen
    books_batch = batch_of["books"]
    assert books_batch not in seen
    refused = raw.get(f"/batches/{books_batch}", headers=bearer(key))
    assert refused.status_code == 404
    assert refused.json() == error_body(
        "batch_not_found", f"Batch `{books_batch}` not found.", "invalid_request"
    )


def test_index_lists_and_stats_show_only_the_keys_indexes(
    admin: meilisearch.Client, secured: LumiServer, raw: httpx.Client, tenants: dict[str, Any]
) -> None:
    names = tenants["names"]
    pattern = f"{tenants['prefix']}movies*"
    key = make_key(admin, ["indexes.get", "stats.get"], [pattern])["key"]
    sdk = _client_for(secured, key)
    listed = sdk.get_indexes({"limit": 1000})
    assert [i.uid for i in listed["results"]] == [names["a"], names["b"]]
    page = raw.get("/indexes", params={"limit": 1}, headers=bearer(key)).json()
    assert page["total"] == 2
    assert [i["uid"] for i in page["results"]] == [names["a"]]
    assert set(sdk.get_all_stats()["indexes"]) == {names["a"], names["b"]}
    refused = raw.get(f"/indexes/{names['books']}/stats", headers=bearer(key))
    assert refused.status_code == 403
    assert sdk.index(names["a"]).get_stats().number_of_documents == 1


def test_task_cancelation_matches_only_the_keys_indexes(
    admin: meilisearch.Client, secured: LumiServer, tenants: dict[str, Any]
) -> None:
    pattern = f"{tenants['prefix']}movies*"
    uids = [str(t.uid) for t in tenants["tasks"].values()]
    restricted = _client_for(secured, make_key(admin, ["tasks.cancel"], [pattern])["key"])
    for sdk, matched in ((restricted, 2), (admin, 3)):
        cancelation = wait_task(admin, sdk.cancel_tasks({"uids": uids}).task_uid)
        assert cancelation.status == "succeeded"
        assert cancelation.details["matchedTasks"] == matched


# --- creating the index while adding documents ------------------------------------------------


@pytest.mark.parametrize(
    ("actions", "created"),
    [
        (["documents.add"], False),
        (["documents.*"], False),
        (["documents.add", "indexes.create"], True),
        (["documents.add", "indexes.*"], True),
        (["*"], True),
    ],
)
def test_adding_documents_creates_the_index_only_with_indexes_create(
    admin: meilisearch.Client, secured: LumiServer, actions: list[str], created: bool
) -> None:
    uid = unique("adds")
    sdk = _client_for(secured, make_key(admin, actions, [uid])["key"])
    task = sdk.index(uid).add_documents([{"id": 1}])
    done = wait_task(admin, task.task_uid)
    if created:
        assert done.status == "succeeded", done.error
        assert admin.get_index(uid).uid == uid
    else:
        assert done.status == "failed"
        assert done.error == error_body(
            "index_not_found", f"Index `{uid}` not found.", "invalid_request"
        )


@pytest.mark.parametrize(
    ("actions", "created"),
    [
        (["settings.update"], False),
        (["settings.update", "indexes.create"], True),
    ],
)
def test_updating_settings_creates_the_index_only_with_indexes_create(
    admin: meilisearch.Client, secured: LumiServer, actions: list[str], created: bool
) -> None:
    uid = unique("sets")
    sdk = _client_for(secured, make_key(admin, actions, [uid])["key"])
    task = sdk.index(uid).update_stop_words(["the"])
    done = wait_task(admin, task.task_uid)
    if created:
        assert done.status == "succeeded", done.error
    else:
        assert done.status == "failed"
        assert done.error == error_body(
            "index_not_found", f"Index `{uid}` not found.", "invalid_request"
        )
