"""Webhooks over the API: the command-line webhook, CRUD of API webhooks and their errors,
header redaction, and deliveries to a small receiver running on a thread: gzip NDJSON of the
finished task views, custom headers, retries, and receivers that fail or hang without ever
holding up the queue.
"""

from __future__ import annotations

import gzip
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import meilisearch
import orjson
import pytest

from tests.api.conftest import wait_ok
from tests.api.test_errors_api import assert_error
from tests.support.server import LumiServer

CLI_UUID = "00000000-0000-0000-0000-000000000000"
CLI_SECRET = "Bearer cli-secret-token-1"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
UNKNOWN = "5b6d5bd5-7b7e-4a53-9a55-0e8f0a1d2c3b"
DELIVERY_TIMEOUT = 15.0


@dataclass(frozen=True)
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes

    def tasks(self) -> list[dict[str, Any]]:
        text = gzip.decompress(self.body)
        assert text.endswith(b"\n")
        return [orjson.loads(line) for line in text.split(b"\n")[:-1]]


class Receiver:
    """An HTTP server on a thread that records every POST. The path picks the answer:
    ``/fail`` answers 500, ``/hang`` waits until released, anything else answers 200."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.changed = threading.Condition()
        self.released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.changed:
                    receiver.deliveries.append(Delivery(self.path, dict(self.headers), body))
                    receiver.changed.notify_all()
                if self.path == "/hang":
                    receiver.released.wait(60)
                self.send_response(500 if self.path == "/fail" else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def wait_for(self, accept: Callable[[list[Delivery]], bool]) -> list[Delivery]:
        """Block until ``accept`` approves the deliveries received so far."""
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        with self.changed:
            while not accept(self.deliveries):
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"no matching delivery; got {self.deliveries}"
                self.changed.wait(remaining)
            return list(self.deliveries)

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def mentions(path: str, uid: int) -> Callable[[Delivery], bool]:
    return lambda d: d.path == path and any(t["uid"] == uid for t in d.tasks())


@dataclass
class Hooked:
    server: LumiServer
    receiver: Receiver
    client: meilisearch.Client
    http: httpx.Client


@pytest.fixture(scope="session")
def hooked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hooked]:
    """A server whose command-line webhook points at a local receiver."""
    receiver = Receiver()
    data_dir: Path = tmp_path_factory.mktemp("hooked") / "data"
    server = LumiServer(
        data_dir,
        "--task-webhook-url",
        receiver.url("/cli"),
        "--task-webhook-authorization-header",
        CLI_SECRET,
    ).start()
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield Hooked(server, receiver, meilisearch.Client(server.url, timeout=30), http)
    receiver.close()
    server.stop()


@pytest.fixture
def hooks(hooked: Hooked) -> Iterator[Hooked]:
    """The hooked server, with every API webhook a test created removed afterwards."""
    yield hooked
    for webhook in hooked.http.get("/webhooks").json()["results"]:
        if webhook["isEditable"]:
            assert hooked.http.delete(f"/webhooks/{webhook['uuid']}").status_code == 204


# --------------------------------------------------------------------------- the CLI webhook


def test_command_line_webhook_is_listed_and_redacted(hooks: Hooked) -> None:
    expected = {
        "uuid": CLI_UUID,
        "url": hooks.receiver.url("/cli"),
        "headers": {"Authorization": "Bearer clXXXX..."},
        "isEditable": False,
    }
    assert hooks.http.get("/webhooks").json() == {"results": [expected]}
    assert hooks.http.get(f"/webhooks/{CLI_UUID}").json() == expected
    assert hooks.client.get_webhook(CLI_UUID).isEditable is False


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_command_line_webhook_is_immutable(hooks: Hooked, method: str) -> None:
    response = hooks.http.request(method, f"/webhooks/{CLI_UUID}", json={"url": "http://x.y"})
    assert_error(
        response,
        400,
        "immutable_webhook",
        f"Webhook `{CLI_UUID}` is immutable. The webhook defined from the command line cannot "
        "be modified using the API.",
    )


def test_no_command_line_webhook_without_the_flag(http: httpx.Client) -> None:
    assert_error(
        http.get(f"/webhooks/{CLI_UUID}"),
        404,
        "webhook_not_found",
        f"Webhook `{CLI_UUID}` not found.",
    )
    assert all(hook["uuid"] != CLI_UUID for hook in http.get("/webhooks").json()["results"])


# --------------------------------------------------------------------------- CRUD


def test_create_read_update_delete(hooks: Hooked) -> None:
    http = hooks.http
    response = http.post(
        "/webhooks", json={"url": "https://example.com/a", "headers": {"X-One": "1", "X-Two": "2"}}
    )
    assert response.status_code == 201
    created = response.json()
    assert list(created) == ["uuid", "url", "headers", "isEditable"]
    assert UUID.match(created["uuid"])
    assert created == {
        "uuid": created["uuid"],
        "url": "https://example.com/a",
        "headers": {"X-One": "1", "X-Two": "2"},
        "isEditable": True,
    }
    uid = created["uuid"]
    assert http.get(f"/webhooks/{uid}").json() == created
    assert created in http.get("/webhooks").json()["results"]

    patched = http.patch(f"/webhooks/{uid}", json={"headers": {"X-One": None, "X-Three": "3"}})
    assert patched.status_code == 200
    assert patched.json()["headers"] == {"X-Two": "2", "X-Three": "3"}
    moved = http.patch(f"/webhooks/{uid}", json={"url": "http://example.org/b"}).json()
    assert (moved["url"], moved["headers"]) == (
        "http://example.org/b",
        {"X-Two": "2", "X-Three": "3"},
    )
    cleared = http.patch(f"/webhooks/{uid}", json={"headers": None}).json()
    assert cleared["headers"] == {}

    assert http.delete(f"/webhooks/{uid}").status_code == 204
    for method in ("GET", "PATCH", "DELETE"):
        response = http.request(method, f"/webhooks/{uid}", json={})
        assert_error(response, 404, "webhook_not_found", f"Webhook `{uid}` not found.")


def test_crud_with_the_sdk(hooks: Hooked) -> None:
    client = hooks.client
    hook = client.create_webhook({"url": "https://example.com/sdk"})
    assert hook.isEditable is True and hook.headers == {}
    updated = client.update_webhook(hook.uuid, {"headers": {"X-A": "a"}})
    assert updated.headers == {"X-A": "a"}
    assert [h.uuid for h in client.get_webhooks().results] == [CLI_UUID, hook.uuid]
    assert client.delete_webhook(hook.uuid) == 204


@pytest.mark.parametrize(
    "value, shown",
    [
        ("Bearer abc", "Bearer XXX..."),
        ("Bearer abcdefghijkl", "Bearer abXXXX..."),
        ("Bearer abcdefghijklmnopqrstu", "Bearer abcXXXXX..."),
        ("Bearer " + "k" * 40, "Bearer kkkkkXXXXXX..."),
        ("Basic 1234567890abc", "BaXXXX..."),
    ],
)
def test_authorization_header_is_redacted(hooks: Hooked, value: str, shown: str) -> None:
    body = {"url": "https://example.com", "headers": {"authorization": value, "X-Keep": value}}
    created = hooks.http.post("/webhooks", json=body).json()
    assert created["headers"] == {"authorization": shown, "X-Keep": value}
    assert hooks.http.get(f"/webhooks/{created['uuid']}").json()["headers"] == created["headers"]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "body, code, message",
    [
        (
            {"url": "not a url"},
            "invalid_webhook_url",
            "Invalid URL `not a url`: relative URL without a base",
        ),
        (
            {"url": 12},
            "invalid_webhook_url",
            "Invalid value type at `.url`: expected a string, but found a positive integer: `12`",
        ),
        (
            {"url": "https://example.com", "headers": "x"},
            "invalid_webhook_headers",
            'Invalid value type at `.headers`: expected an object, but found a string: `"x"`',
        ),
        (
            {"url": "https://example.com", "headers": {"X-A": 1}},
            "invalid_webhook_headers",
            "Invalid value type at `.headers.X-A`: expected a string, but found a positive "
            "integer: `1`",
        ),
        (
            {"url": "https://example.com", "uuid": UNKNOWN},
            "immutable_webhook_uuid",
            "Immutable field `uuid`: expected one of `url`, `headers`",
        ),
        (
            {"url": "https://example.com", "isEditable": False},
            "immutable_webhook_is_editable",
            "Immutable field `isEditable`: expected one of `url`, `headers`",
        ),
        (
            {"url": "https://example.com", "header": {}},
            "bad_request",
            "Unknown field `header`: expected one of `url`, `headers`",
        ),
        (
            ["https://example.com"],
            "bad_request",
            'Invalid value type: expected an object, but found an array: `["https://example.com"]`',
        ),
    ],
)
def test_create_errors(hooks: Hooked, body: Any, code: str, message: str) -> None:
    assert_error(hooks.http.post("/webhooks", json=body), 400, code, message)
    assert len(hooks.http.get("/webhooks").json()["results"]) == 1


def test_missing_url_names_the_webhook(hooks: Hooked) -> None:
    response = hooks.http.post("/webhooks", json={"headers": {}})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_webhook_url"
    match = re.fullmatch(r"The URL for the webhook `(.+)` is missing\.", body["message"])
    assert match and UUID.match(match[1])
    created = hooks.http.post("/webhooks", json={"url": "https://example.com"}).json()
    assert_error(
        hooks.http.patch(f"/webhooks/{created['uuid']}", json={"url": None}),
        400,
        "invalid_webhook_url",
        f"The URL for the webhook `{created['uuid']}` is missing.",
    )


def test_update_errors(hooks: Hooked) -> None:
    uid = hooks.http.post("/webhooks", json={"url": "https://example.com"}).json()["uuid"]
    assert_error(
        hooks.http.patch(f"/webhooks/{uid}", json={"uuid": UNKNOWN}),
        400,
        "immutable_webhook_uuid",
        "Immutable field `uuid`: expected one of `url`, `headers`",
    )
    assert_error(
        hooks.http.patch(f"/webhooks/{uid}", json={"url": "/relative"}),
        400,
        "invalid_webhook_url",
        "Invalid URL `/relative`: relative URL without a base",
    )
    assert hooks.http.get(f"/webhooks/{uid}").json()["url"] == "https://example.com"


@pytest.mark.parametrize(
    "raw, detail",
    [
        (
            "not-a-uuid",
            "invalid character: expected an optional prefix of `urn:uuid:` followed by "
            "[0-9a-fA-F-], found `n` at 1",
        ),
        ("abc", "invalid length: expected length 32 for simple format, found 3"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_invalid_uuid_in_the_path(hooks: Hooked, method: str, raw: str, detail: str) -> None:
    response = hooks.http.request(method, f"/webhooks/{raw}", json={})
    assert_error(response, 400, "invalid_webhook_uuid", f"Invalid UUID: {detail}")


def test_at_most_twenty_webhooks(hooks: Hooked) -> None:
    for n in range(20):
        response = hooks.http.post("/webhooks", json={"url": f"https://example.com/{n}"})
        assert response.status_code == 201
    assert_error(
        hooks.http.post("/webhooks", json={"url": "https://example.com/21"}),
        400,
        "invalid_webhooks",
        "Defining too many webhooks would crush the server. Please limit the number of webhooks "
        "to 20. You may use a third-party proxy server to dispatch events to more than 20 "
        "endpoints.",
    )
    assert len(hooks.http.get("/webhooks").json()["results"]) == 21


def test_at_most_two_hundred_headers(hooks: Hooked) -> None:
    headers = {f"X-H{n}": "v" for n in range(200)}
    uid = hooks.http.post("/webhooks", json={"url": "https://e.com", "headers": headers}).json()[
        "uuid"
    ]
    too_many = (
        f"Too many headers for the webhook `{uid}`. Please limit the number of headers to 200. "
        "Hint: To remove an already defined header set its value to `null`"
    )
    response = hooks.http.patch(f"/webhooks/{uid}", json={"headers": {"X-One-More": "v"}})
    assert_error(response, 400, "invalid_webhook_headers", too_many)
    swap = {"X-H0": None, "X-One-More": "v"}
    assert (
        len(hooks.http.patch(f"/webhooks/{uid}", json={"headers": swap}).json()["headers"]) == 200
    )
    response = hooks.http.post(
        "/webhooks", json={"url": "https://e.com", "headers": {**headers, "X-Last": "v"}}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_webhook_headers"


# --------------------------------------------------------------------------- deliveries


def wait_briefly(client: meilisearch.Client, uid: int) -> int:
    """Wait for a task far less long than a delivery to a hanging receiver takes to time out
    (30 s), so a queue that waited for its webhooks would fail here."""
    task = client.wait_for_task(uid, timeout_in_ms=10_000, interval_in_ms=20)
    assert task.status == "succeeded", task.error
    return uid


def test_finished_tasks_are_delivered_as_gzip_ndjson(hooks: Hooked, index_uid: str) -> None:
    api = hooks.http.post(
        "/webhooks",
        json={"url": hooks.receiver.url("/api"), "headers": {"X-Pipeline": "nightly"}},
    ).json()
    index = hooks.client.index(index_uid)
    first = index.add_documents([{"id": 1}], metadata="run-1").task_uid
    second = index.add_documents([{"id": "bad id"}]).task_uid
    for uid in (first, second):
        hooks.client.wait_for_task(uid, timeout_in_ms=30_000, interval_in_ms=20)
    deliveries = hooks.receiver.wait_for(
        lambda got: all(
            any(mentions(path, uid)(d) for d in got)
            for path in ("/cli", "/api")
            for uid in (first, second)
        )
    )
    for path, header, value in (
        ("/cli", "Authorization", CLI_SECRET),
        ("/api", "X-Pipeline", "nightly"),
    ):
        ours = [
            d
            for d in deliveries
            if d.path == path and (mentions(path, first)(d) or mentions(path, second)(d))
        ]
        for delivery in ours:
            assert delivery.headers["Content-Encoding"] == "gzip"
            assert delivery.headers["Content-Type"] == "application/x-ndjson"
            assert delivery.headers[header] == value
            lines = delivery.tasks()
            assert len({line["batchUid"] for line in lines}) == 1
            for line in lines:
                assert line == hooks.http.get(f"/tasks/{line['uid']}").json()
        received = [line for d in ours for line in d.tasks() if line["uid"] in (first, second)]
        assert sorted(line["uid"] for line in received) == [first, second]
        by_uid = {line["uid"]: line for line in received}
        assert by_uid[first]["customMetadata"] == "run-1"
        assert by_uid[second]["status"] == "failed"
    assert "X-Pipeline" not in next(d for d in deliveries if d.path == "/cli").headers
    assert hooks.http.delete(f"/webhooks/{api['uuid']}").status_code == 204


def test_failing_receiver_is_retried_and_does_not_block_the_queue(
    hooks: Hooked, index_uid: str
) -> None:
    hooks.http.post("/webhooks", json={"url": hooks.receiver.url("/fail")})
    task = wait_ok(hooks.client, hooks.client.index(index_uid).add_documents([{"id": 1}]))
    attempts = hooks.receiver.wait_for(
        lambda got: sum(mentions("/fail", task.uid)(d) for d in got) >= 2
    )
    bodies = {d.body for d in attempts if mentions("/fail", task.uid)(d)}
    assert len(bodies) == 1
    assert wait_ok(hooks.client, hooks.client.index(index_uid).add_documents([{"id": 2}]))


def test_hanging_or_unreachable_receivers_never_hold_the_queue(
    hooks: Hooked, index_uid: str
) -> None:
    hooks.http.post("/webhooks", json={"url": hooks.receiver.url("/hang")})
    hooks.http.post("/webhooks", json={"url": "http://127.0.0.1:9/unreachable"})
    index = hooks.client.index(index_uid)
    hooks.receiver.released.clear()
    try:
        first = wait_briefly(hooks.client, index.add_documents([{"id": 0}]).task_uid)
        hooks.receiver.wait_for(lambda got: any(mentions("/hang", first)(d) for d in got))
        for n in range(1, 4):
            wait_briefly(hooks.client, index.add_documents([{"id": n}]).task_uid)
        assert index.get_documents().total == 4
    finally:
        hooks.receiver.released.set()
