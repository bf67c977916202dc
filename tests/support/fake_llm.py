"""A fake OpenAI-compatible chat completions server for tests.

It answers each POST with the next scripted reply: either a list of chunks streamed as
server-sent events (ending with ``[DONE]``), or an HTTP error ``(status, body)``. Every
request is recorded (path, headers, decoded JSON body) so tests can check what was sent.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = list[dict[str, Any]] | tuple[int, str]


def text_chunk(text: str, finish: str | None = None) -> dict[str, Any]:
    """A streamed chunk carrying assistant text."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "fake-model",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}],
    }


def tool_call_chunks(call_id: str, name: str, arguments: str) -> list[dict[str, Any]]:
    """Chunks calling one tool, its arguments split in two deltas, then the finish chunk."""
    half = len(arguments) // 2
    deltas = [
        {
            "index": 0,
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": arguments[:half]},
        },
        {"index": 0, "function": {"arguments": arguments[half:]}},
    ]
    chunks = [
        {
            "id": "chatcmpl-fake",
            "choices": [{"index": 0, "delta": {"tool_calls": [d]}, "finish_reason": None}],
        }
        for d in deltas
    ]
    chunks.append(
        {
            "id": "chatcmpl-fake",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}],
        }
    )
    return chunks


class FakeLLM:
    """Serves scripted replies on 127.0.0.1; use as a context manager."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeLLM:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(request)
            return self.replies.pop(0) if self.replies else [text_chunk("", "stop")]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(size) or b"null")
                reply = fake._next({"path": self.path, "headers": dict(self.headers), "body": body})
                if isinstance(reply, tuple):
                    status, text = reply
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(text.encode())
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for chunk in reply:
                    self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")

            def log_message(self, *_args: Any) -> None:
                return

        return Handler
