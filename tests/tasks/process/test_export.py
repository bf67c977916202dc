"""Export batches against a small fake remote that records what it receives."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest

from lumi.tasks import builders
from lumi.tasks.models import Task
from tests.tasks.conftest import Harness


class Remote:
    """Answers like a Meilisearch server with the given indexes; records every request."""

    def __init__(self, existing: set[str], fail: str | None = None) -> None:
        self.existing = existing
        self.fail = fail
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        remote = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                remote.requests.append((self.command, self.path, dict(self.headers), body))
                status, payload = remote.answer(self.command, self.path)
                data = orjson.dumps(payload)
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = _answer

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, method: str, path: str) -> tuple[int, Any]:
        if self.fail is not None and path.startswith(self.fail):
            return 403, {"message": "The provided API key is invalid.", "code": "invalid_api_key"}
        if method == "GET":
            uid = path.rsplit("/", 1)[-1]
            return (200, {"uid": uid}) if uid in self.existing else (404, {"message": "nope"})
        return 202, {"taskUid": len(self.requests)}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def seeded(harness: Harness) -> Harness:
    harness.add_documents("movies", [{"id": n, "genre": ["a", "b"][n % 2]} for n in range(10)])
    harness.register(
        builders.settings_update(
            "movies", {"filterableAttributes": ["genre"]}, allow_index_creation=True
        )
    )
    harness.add_documents("music", [{"id": 1}])
    harness.add_documents("other", [{"id": 1}])
    harness.run_all()
    return harness


@pytest.fixture
def remote() -> Iterator[Remote]:
    fake = Remote(existing={"music"})
    yield fake
    fake.close()


def _export(
    url: str, indexes: dict[str, Any], payload_size: int = 10**6, key: str | None = "k"
) -> Task:
    details = {"url": url, "indexes": indexes}
    params = {"url": url, "apiKey": key, "payloadSize": payload_size, "indexes": indexes}
    return Task(uid=0, type="export", index_uid=None, enqueued_at=0, details=details, params=params)


def test_matching_indexes_are_created_configured_and_filled(
    seeded: Harness, remote: Remote
) -> None:
    indexes = {
        "mov*": {"filter": "genre = a", "overrideSettings": False},
        "music": {"filter": None, "overrideSettings": False},
    }
    task = seeded.register(_export(remote.url, indexes, payload_size=40))
    seeded.run_all()
    done = seeded.task(task.uid)
    assert done.status == "succeeded", done.error
    assert done.details == {
        "url": remote.url,
        "indexes": {
            "mov*": {"filter": "genre = a", "overrideSettings": False, "matchedDocuments": 5},
            "music": {"filter": None, "overrideSettings": False, "matchedDocuments": 1},
        },
    }
    calls = [(method, path) for method, path, _h, _b in remote.requests]
    assert calls[:4] == [
        ("GET", "/indexes/movies"),
        ("POST", "/indexes"),
        ("PATCH", "/indexes/movies/settings"),
        ("POST", "/indexes/movies/documents?primaryKey=id"),
    ]
    assert calls[-2:] == [
        ("GET", "/indexes/music"),
        ("POST", "/indexes/music/documents?primaryKey=id"),
    ]
    movies = [
        body for method, path, _h, body in remote.requests if path.startswith("/indexes/movies/doc")
    ]
    sent = [orjson.loads(line) for body in movies for line in body.splitlines()]
    assert sent == [{"id": n, "genre": "a"} for n in range(0, 10, 2)]
    assert all(len(body) <= 40 for body in movies) and len(movies) > 1
    assert orjson.loads(remote.requests[1][3]) == {"uid": "movies", "primaryKey": "id"}
    settings = orjson.loads(remote.requests[2][3])
    assert settings["filterableAttributes"] == ["genre"]
    assert all(h.get("Authorization") == "Bearer k" for _m, _p, h, _b in remote.requests)


def test_an_unreachable_remote_fails_the_task(seeded: Harness) -> None:
    task = seeded.register(_export("http://127.0.0.1:9", {"*": {"filter": None}}))
    seeded.run_all()
    failed = seeded.task(task.uid)
    assert failed.status == "failed"
    assert failed.error is not None and failed.error["code"] == "internal"
    assert failed.error["message"].startswith(
        "Exporting to `http://127.0.0.1:9` failed: the server could not be reached"
    )


def test_a_refusing_remote_fails_the_task_with_its_answer(seeded: Harness) -> None:
    fake = Remote(existing=set(), fail="/indexes/movies/documents")
    try:
        task = seeded.register(_export(fake.url, {"movies": {"filter": None}}))
        seeded.run_all()
    finally:
        fake.close()
    failed = seeded.task(task.uid)
    assert failed.status == "failed"
    assert failed.error is not None
    assert failed.error["message"] == (
        f"Exporting to `{fake.url}` failed: `POST /indexes/movies/documents` answered 403: "
        "The provided API key is invalid."
    )
    assert failed.details["indexes"]["movies"]["matchedDocuments"] == 0  # type: ignore[index]
