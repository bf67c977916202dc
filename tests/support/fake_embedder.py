"""A local embedding provider for tests: OpenAI, Ollama and a custom REST shape.

Embeddings are deterministic: each word of the text adds 1 to one of ``DIMENSIONS``
coordinates (chosen by a stable hash of the word), so texts sharing words point the same way.
Every request is recorded (path, headers, body) so tests can check what was sent.

Routes (all POST):
- ``/v1/embeddings``: OpenAI (``{"input": [...], "model", "dimensions"?}`` ->
  ``{"data": [{"embedding": [...]}]}``); ``dimensions`` shortens the vectors
- ``/api/embed``: Ollama batches (``{"input": [...]}`` -> ``{"embeddings": [...]}``)
- ``/api/embeddings``: Ollama single (``{"prompt": ...}`` -> ``{"embedding": [...]}``)
- ``/custom``: ``{"query": {"text": ...}}`` -> ``{"result": {"vector": [...]}}``
- ``/custom/batch``: ``{"texts": [...]}`` -> ``{"vectors": [{"values": [...]}]}``
- ``/broken``: HTTP 500; ``/garbage``: not JSON
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DIMENSIONS = 16
_WORD = re.compile(r"\w+")


def embedding(text: str, dimensions: int = DIMENSIONS) -> list[float]:
    """The fake embedding of ``text``."""
    vector = [0.0] * dimensions
    words = _WORD.findall(text.lower())
    for word in words:
        bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % dimensions
        vector[bucket] += 1.0
    if not words:
        vector[0] = 1.0
    return vector


@dataclass(frozen=True)
class Call:
    path: str
    headers: dict[str, str]
    body: Any


def _answer(path: str, body: Any) -> tuple[int, Any]:
    if path == "/v1/embeddings":
        size = body.get("dimensions") or DIMENSIONS
        return 200, {"data": [{"embedding": embedding(t, size)} for t in body["input"]]}
    if path == "/api/embed":
        return 200, {"embeddings": [embedding(t) for t in body["input"]]}
    if path == "/api/embeddings":
        return 200, {"embedding": embedding(body["prompt"])}
    if path == "/custom":
        return 200, {"result": {"vector": embedding(body["query"]["text"])}}
    if path == "/custom/batch":
        return 200, {"vectors": [{"values": embedding(t)} for t in body["texts"]]}
    if path == "/broken":
        return 500, {"error": "the model is not loaded"}
    return 404, {"error": f"no route {path}"}


class FakeEmbedder:
    """The provider, on a free local port, in a background thread."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw or b"null")
                owner.calls.append(Call(self.path, dict(self.headers), body))
                if self.path == "/garbage":
                    self._send(200, b"not json")
                    return
                status, payload = _answer(self.path, body)
                self._send(status, json.dumps(payload).encode())

            def _send(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: tests read ``calls`` instead."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeEmbedder:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def texts(self) -> list[str]:
        """Every text sent so far, in order."""
        found: list[str] = []
        for call in self.calls:
            body = call.body
            for key in ("input", "texts"):
                if isinstance(body, dict) and isinstance(body.get(key), list):
                    found += body[key]
            if isinstance(body, dict) and "prompt" in body:
                found.append(body["prompt"])
            if isinstance(body, dict) and isinstance(body.get("query"), dict):
                found.append(body["query"]["text"])
        return found
