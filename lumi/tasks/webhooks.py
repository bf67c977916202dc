"""Delivering finished tasks to webhooks without ever slowing the queue.

After each batch the scheduler hands its finished tasks here. The body is the tasks' full
views as NDJSON, gzip-compressed. Deliveries run on background threads with a bounded
queue; a failing receiver is retried with exponential backoff, and failures are logged.
The webhook given on the command line has a fixed nil uuid and is never stored.
"""

from __future__ import annotations

import gzip
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from lumi.tasks.models import Task
from lumi.tasks.store import TaskStore

log = logging.getLogger("lumi.webhooks")

CLI_WEBHOOK_UUID = "00000000-0000-0000-0000-000000000000"
MAX_WEBHOOKS = 20
_ATTEMPTS = 5
_FIRST_DELAY = 0.5
_TIMEOUT = 30.0
_QUEUE_SIZE = 1000
_THREADS = 2


@dataclass(frozen=True, slots=True)
class Delivery:
    url: str
    headers: dict[str, str]
    body: bytes


def ndjson_body(tasks: list[Task]) -> bytes:
    lines = b"".join(orjson.dumps(task.view()) + b"\n" for task in tasks)
    return gzip.compress(lines)


class WebhookDispatcher:
    def __init__(
        self, store: TaskStore, cli_url: str | None, cli_authorization: str | None
    ) -> None:
        self.store = store
        self.cli_url = cli_url
        self.cli_authorization = cli_authorization
        self._queue: queue.Queue[tuple[Delivery, int, float]] = queue.Queue(_QUEUE_SIZE)
        self._threads = [
            threading.Thread(target=self._run, name=f"lumi-webhook-{i}", daemon=True)
            for i in range(_THREADS)
        ]
        for thread in self._threads:
            thread.start()

    def targets(self) -> list[tuple[str, dict[str, str]]]:
        out: list[tuple[str, dict[str, str]]] = []
        if self.cli_url:
            headers = {"Authorization": self.cli_authorization} if self.cli_authorization else {}
            out.append((self.cli_url, headers))
        with self.store.read() as txn:
            for _uuid, record in self.store.records(txn, "webhooks"):
                out.append((record["url"], record.get("headers") or {}))
        return out

    def batch_done(self, tasks: list[Task]) -> None:
        """Queue one delivery per webhook; never blocks."""
        targets = self.targets()
        if not targets or not tasks:
            return
        body = ndjson_body(sorted(tasks, key=lambda t: t.uid))
        for url, headers in targets:
            self._enqueue(Delivery(url, headers, body), 0, 0.0)

    def _enqueue(self, delivery: Delivery, attempt: int, not_before: float) -> None:
        try:
            self._queue.put_nowait((delivery, attempt, not_before))
        except queue.Full:
            log.error("webhook queue full, dropping a delivery to %s", delivery.url)

    def _run(self) -> None:
        with httpx.Client(timeout=_TIMEOUT) as client:
            while True:
                delivery, attempt, not_before = self._queue.get()
                wait = not_before - time.monotonic()
                if wait > 0:
                    time.sleep(min(wait, 1.0))
                    if not_before - time.monotonic() > 0:
                        self._enqueue(delivery, attempt, not_before)
                        continue
                self._send(client, delivery, attempt)

    def _send(self, client: httpx.Client, delivery: Delivery, attempt: int) -> None:
        headers: dict[str, Any] = {
            "Content-Type": "application/x-ndjson",
            "Content-Encoding": "gzip",
            **delivery.headers,
        }
        try:
            response = client.post(delivery.url, content=delivery.body, headers=headers)
            if response.status_code < 400:
                return
            reason = f"status {response.status_code}"
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
        if attempt + 1 >= _ATTEMPTS:
            log.error("webhook %s failed after %d attempts: %s", delivery.url, attempt + 1, reason)
            return
        delay = _FIRST_DELAY * 2**attempt
        log.warning("webhook %s failed (%s), retrying in %.1fs", delivery.url, reason, delay)
        self._enqueue(delivery, attempt + 1, time.monotonic() + delay)
