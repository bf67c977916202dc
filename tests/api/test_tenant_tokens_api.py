"""Tenant tokens end to end: JWTs made with the official SDK's helper and with PyJWT, checked
by a real ``lumi serve --master-key``.

Every token case runs against two targets. ``server`` is the real server's search route (the
case is skipped while the build does not serve search yet). ``probe`` is the real application
in-process, with its real key store and authorization, plus one extra route declared like a
search route (action ``search``, tenant tokens accepted) that answers with the filter the
token imposes on the index - so the decision and the filter a search would apply are both
visible whatever the state of the search code.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import jwt
import meilisearch
import pytest
from starlette.requests import Request
from starlette.responses import Response

from lumi.auth.store import KeyStore
from lumi.config import load_config
from lumi.engine import Engine
from lumi.http.app import create_app, routes
from lumi.http.auth import access_of
from lumi.http.responses import json as json_response
from lumi.http.routing import endpoint
from lumi.timefmt import now_ns
from tests.support.server import LumiServer

pytestmark = pytest.mark.api

MASTER_KEY = "tenant-api-master-key-0123456789"
TASK_TIMEOUT_MS = 30_000
INVALID_KEY = "The provided API key is invalid."
INVALID_SIGNATURE = "Could not decode tenant token, InvalidSignature."
MOVIES = "tt_movies"
BOOKS = "tt_books"
ALGORITHMS = ", ".join(
    f"`{a}`"
    for a in [
        "HS256",
        "HS384",
        "HS512",
        "ES256",
        "ES384",
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
        "EdDSA",
    ]
)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def refused(message: str) -> dict[str, str]:
    return {
        "message": message,
        "code": "invalid_api_key",
        "type": "auth",
        "link": "https://docs.meilisearch.com/errors#invalid_api_key",
    }


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def sign(claims: dict[str, Any], secret: str, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


# --- targets ---------------------------------------------------------------------------------


@endpoint("POST", "/probe/{index_uid}/search", "search", tenant_token=True)
async def _probe(request: Request) -> Response:
    access = access_of(request)
    index_uid = request.path_params["index_uid"]
    return json_response({"filter": access.search_filter(index_uid), "keyUid": access.key_uid})


class Target:
    """Where tokens are sent: the real server or the in-process application."""

    def __init__(self, name: str, session: httpx.Client, search_path: str | None) -> None:
        self.name = name
        self.session = session
        self.search_path = search_path

    def make_key(
        self, actions: list[str], indexes: list[str], expires_at: str | None = None
    ) -> dict[str, Any]:
        response = self.session.post(
            "/keys",
            json={"actions": actions, "indexes": indexes, "expiresAt": expires_at},
            headers=bearer(MASTER_KEY),
        )
        assert response.status_code == 201, response.text
        return response.json()

    def delete_key(self, uid: str) -> None:
        assert self.session.delete(f"/keys/{uid}", headers=bearer(MASTER_KEY)).status_code == 204

    def search(self, token: str, index: str) -> httpx.Response:
        if self.search_path is None:
            pytest.skip("the search route is not served by this build yet")
        path = self.search_path.format(index=index)
        return self.session.post(path, json={"q": ""}, headers=bearer(token))

    def assert_allowed(self, token: str, index: str) -> Any:
        """The filter the token imposes on ``index`` (probe only; None on the server)."""
        response = self.search(token, index)
        assert response.status_code not in (401, 403), response.text
        if self.name == "probe":
            assert response.status_code == 200, response.text
            return response.json()["filter"]
        return None

    def assert_refused(self, token: str, index: str, message: str) -> None:
        response = self.search(token, index)
        assert response.status_code == 403, response.text
        assert response.json() == refused(message)


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LumiServer]:
    data_dir: Path = tmp_path_factory.mktemp("tenant") / "data"
    lumi = LumiServer(data_dir, "--master-key", MASTER_KEY).start()
    yield lumi
    lumi.stop()


@pytest.fixture(scope="module")
def admin(secured: LumiServer) -> meilisearch.Client:
    return meilisearch.Client(secured.url, MASTER_KEY, timeout=30)


@pytest.fixture(scope="module")
def server_target(secured: LumiServer, admin: meilisearch.Client) -> Iterator[Target]:
    """The real server, with the two indexes the token cases search."""
    for uid in (MOVIES, BOOKS):
        task = admin.index(uid).add_documents(
            [{"id": 1, "tenant": 1}, {"id": 2, "tenant": 2}], primary_key="id"
        )
        done = admin.wait_for_task(task.task_uid, timeout_in_ms=TASK_TIMEOUT_MS, interval_in_ms=20)
        assert done.status == "succeeded", done.error
    with httpx.Client(base_url=secured.url, timeout=30) as session:
        probe = session.post(f"/indexes/{MOVIES}/search", json={}, headers=bearer(MASTER_KEY))
        served = probe.status_code != 404 or bool(probe.content)
        yield Target("server", session, "/indexes/{index}/search" if served else None)


@pytest.fixture(scope="module")
def probe_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    data_dir = tmp_path_factory.mktemp("tenant-probe") / "data"
    config = load_config(
        ["--db-path", str(data_dir), "--master-key", MASTER_KEY], {}, read_file=False
    )
    engine = Engine(config.data_dir)
    KeyStore(engine.store, config.master_key).prepare(now_ns())
    app = create_app(config, engine)
    app.router.routes.extend(routes([SimpleNamespace(ENDPOINTS=[_probe])]))
    with warnings.catch_warnings():
        # Starlette announces a future client package; the current one works the same.
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    with TestClient(app) as session:
        yield Target("probe", session, "/probe/{index}/search")


@pytest.fixture(params=["server", "probe"])
def target(request: pytest.FixtureRequest) -> Target:
    return request.getfixturevalue(f"{request.param}_target")


@pytest.fixture
def search_key(target: Target) -> dict[str, Any]:
    return target.make_key(["search"], ["*"])


# --- valid tokens ----------------------------------------------------------------------------


def test_sdk_token_with_an_index_list(target: Target, search_key: dict[str, Any]) -> None:
    sdk = meilisearch.Client("http://unused")
    token = sdk.generate_tenant_token(search_key["uid"], [MOVIES], api_key=search_key["key"])
    assert target.assert_allowed(token, MOVIES) is None
    message = (
        f"The provided tenant token cannot acces the index `{BOOKS}`, allowed indexes are "
        f'["{MOVIES}"].'
    )
    target.assert_refused(token, BOOKS, message)


def test_sdk_token_signed_with_the_clients_own_key(target: Target) -> None:
    listed = target.session.get("/keys", headers=bearer(MASTER_KEY)).json()["results"]
    default = next(k for k in listed if k["name"] == "Default Search API Key")
    sdk = meilisearch.Client("http://unused", default["key"])
    expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    token = sdk.generate_tenant_token(default["uid"], ["*"], expires_at=expires)
    target.assert_allowed(token, MOVIES)
    target.assert_allowed(token, BOOKS)


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
def test_hmac_algorithms(target: Target, search_key: dict[str, Any], algorithm: str) -> None:
    claims = {"apiKeyUid": search_key["uid"], "searchRules": {MOVIES: None}}
    token = sign(claims, search_key["key"], algorithm)
    target.assert_allowed(token, MOVIES)
    if target.name == "probe":
        answer = target.search(token, MOVIES).json()
        assert answer["keyUid"] == search_key["uid"]


def test_search_rules_filters(target: Target, search_key: dict[str, Any]) -> None:
    rules = {
        "*": {"filter": "genre = comedy"},
        "tt_movies": {"filter": "year > 2000"},
        "tt_docs": None,
        "tt_books*": {},
        "tt_list": {"filter": [["a = 1", "b = 2"], "c = 3"]},
    }
    sdk = meilisearch.Client("http://unused")
    token = sdk.generate_tenant_token(search_key["uid"], rules, api_key=search_key["key"])
    expected = {
        "tt_movies": "year > 2000",
        "tt_other": "genre = comedy",
        "tt_docs": None,
        "tt_books_2": None,
        "tt_list": [["a = 1", "b = 2"], "c = 3"],
    }
    for index, wanted in expected.items():
        applied = target.assert_allowed(token, index)
        if target.name == "probe":
            assert applied == wanted, index


def test_a_token_reaches_only_the_parent_keys_indexes(target: Target) -> None:
    key = target.make_key(["search"], [MOVIES])
    token = sign({"apiKeyUid": key["uid"], "searchRules": ["*"]}, key["key"])
    target.assert_allowed(token, MOVIES)
    message = f"The API key used to generate this tenant token cannot acces the index `{BOOKS}`."
    target.assert_refused(token, BOOKS, message)


# --- refused tokens --------------------------------------------------------------------------


def test_expired_token(target: Target, search_key: dict[str, Any]) -> None:
    exp = int(time.time()) - 100
    token = sign(
        {"apiKeyUid": search_key["uid"], "searchRules": ["*"], "exp": exp}, search_key["key"]
    )
    response = target.search(token, MOVIES)
    assert response.status_code == 403
    found = re.fullmatch(
        rf"Tenant token expired\. Was valid up to `{exp}` and we're now `(\d+)`\.",
        response.json()["message"],
    )
    assert found is not None, response.text
    assert int(found[1]) >= exp + 100


def test_tokens_and_keys_stop_working_when_they_expire(target: Target) -> None:
    """A token past its ``exp``, and a token whose parent key passed its ``expiresAt``."""
    permanent = target.make_key(["search"], ["*"])
    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=2)
    expiring = target.make_key(["search"], ["*"], soon.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    exp = int(time.time()) + 1
    short_lived = sign(
        {"apiKeyUid": permanent["uid"], "searchRules": ["*"], "exp": exp}, permanent["key"]
    )
    from_expiring = sign({"apiKeyUid": expiring["uid"], "searchRules": ["*"]}, expiring["key"])
    target.assert_allowed(short_lived, MOVIES)
    target.assert_allowed(from_expiring, MOVIES)
    pending = {short_lived: "Tenant token expired.", from_expiring: INVALID_KEY}
    deadline = time.monotonic() + 15
    while pending:
        assert time.monotonic() < deadline, "tokens never expired"
        for token, message in list(pending.items()):
            response = target.search(token, MOVIES)
            if response.status_code == 403:
                assert response.json()["message"].startswith(message), response.text
                del pending[token]
        time.sleep(0.05)
    assert time.time() > exp
    assert datetime.datetime.now(datetime.UTC) >= soon


def test_tampered_payload(target: Target, search_key: dict[str, Any]) -> None:
    token = sign({"apiKeyUid": search_key["uid"], "searchRules": [MOVIES]}, search_key["key"])
    header, _payload, signature = token.split(".")
    widened = json.dumps({"apiKeyUid": search_key["uid"], "searchRules": ["*"]}).encode()
    target.assert_refused(f"{header}.{b64(widened)}.{signature}", BOOKS, INVALID_SIGNATURE)


def test_tampered_signature(target: Target, search_key: dict[str, Any]) -> None:
    token = sign({"apiKeyUid": search_key["uid"], "searchRules": ["*"]}, search_key["key"])
    head, signature = token.rsplit(".", 1)
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    tampered = f"{head}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"
    target.assert_refused(tampered, MOVIES, INVALID_SIGNATURE)


def test_token_signed_with_the_wrong_secret(target: Target, search_key: dict[str, Any]) -> None:
    other = target.make_key(["search"], ["*"])
    claims = {"apiKeyUid": search_key["uid"], "searchRules": ["*"]}
    for secret in (other["key"], MASTER_KEY, search_key["uid"]):
        target.assert_refused(sign(claims, secret), MOVIES, INVALID_SIGNATURE)
    unknown = {"apiKeyUid": str(uuid.uuid4()), "searchRules": ["*"]}
    target.assert_refused(sign(unknown, search_key["key"]), MOVIES, INVALID_SIGNATURE)


def test_token_of_a_deleted_key(target: Target) -> None:
    key = target.make_key(["search"], ["*"])
    token = sign({"apiKeyUid": key["uid"], "searchRules": ["*"]}, key["key"])
    target.assert_allowed(token, MOVIES)
    target.delete_key(key["uid"])
    target.assert_refused(token, MOVIES, INVALID_KEY)


def test_token_of_a_key_without_search(target: Target) -> None:
    key = target.make_key(["documents.get", "indexes.get"], ["*"])
    token = sign({"apiKeyUid": key["uid"], "searchRules": ["*"]}, key["key"])
    target.assert_refused(token, MOVIES, INVALID_KEY)


def test_undecodable_tokens(target: Target, search_key: dict[str, Any]) -> None:
    claims = {"apiKeyUid": search_key["uid"]}
    raw_claims = json.dumps(claims, separators=(",", ":"))
    missing = sign(claims, search_key["key"])
    target.assert_refused(
        missing,
        MOVIES,
        "Could not decode tenant token, JSON error: missing field `searchRules` at line 1 "
        f"column {len(raw_claims)}.",
    )
    unsigned = jwt.encode({"apiKeyUid": search_key["uid"], "searchRules": ["*"]}, None, "none")
    target.assert_refused(
        unsigned,
        MOVIES,
        f"Could not decode tenant token, JSON error: unknown variant `none`, expected one of "
        f"{ALGORITHMS} at line 1 column 13.",
    )


# --- tokens outside search routes ------------------------------------------------------------

NON_SEARCH_ROUTES = (
    ("GET", f"/indexes/{MOVIES}/documents"),
    ("POST", f"/indexes/{MOVIES}/documents"),
    ("GET", f"/indexes/{MOVIES}"),
    ("GET", f"/indexes/{MOVIES}/settings"),
    ("GET", "/indexes"),
    ("GET", "/tasks"),
    ("GET", "/stats"),
    ("GET", "/version"),
    ("GET", "/keys"),
)


@pytest.mark.parametrize(("method", "path"), NON_SEARCH_ROUTES)
def test_tokens_are_refused_outside_search_routes(target: Target, method: str, path: str) -> None:
    key = target.make_key(["*"], ["*"])
    token = sign({"apiKeyUid": key["uid"], "searchRules": ["*"]}, key["key"])
    payload = [{"id": 3}] if method == "POST" else None
    response = target.session.request(method, path, json=payload, headers=bearer(token))
    assert response.status_code == 403, response.text
    assert response.json() == refused(INVALID_KEY)
    # The parent key itself passes: only the token form is refused here.
    with_key = target.session.request(method, path, json=payload, headers=bearer(key["key"]))
    assert with_key.status_code not in (401, 403), with_key.text


# --- filters applied to real searches --------------------------------------------------------


def test_token_filters_restrict_real_searches(
    server_target: Target, secured: LumiServer, admin: meilisearch.Client
) -> None:
    if server_target.search_path is None:
        pytest.skip("the search route is not served by this build yet")
    task = admin.index(MOVIES).update_filterable_attributes(["tenant", "id"])
    done = admin.wait_for_task(task.task_uid, timeout_in_ms=TASK_TIMEOUT_MS, interval_in_ms=20)
    assert done.status == "succeeded", done.error
    key = server_target.make_key(["search"], ["*"])
    token = admin.generate_tenant_token(
        key["uid"], {MOVIES: {"filter": "tenant = 1"}}, api_key=key["key"]
    )
    tenant = meilisearch.Client(secured.url, token).index(MOVIES)
    assert [hit["id"] for hit in tenant.search("")["hits"]] == [1]
    assert tenant.search("", {"filter": "id = 2"})["hits"] == []
