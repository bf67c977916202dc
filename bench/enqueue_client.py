"""The load generator of ``bench.enqueue``: one process driving many keep-alive connections.

Each connection sends its next request as soon as the previous answer arrived (closed loop),
so the request rate is what the server sustains at that concurrency. Two clients exist:
httpx, what a Python user would run, and a minimal HTTP/1.1 client on asyncio streams that
costs far less CPU per request, so that on a 2-core machine the figure describes the server
rather than the load generator.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx
import orjson

# Request bodies, set in each load process by the pool initializer (shared through fork).
BODIES: list[bytes] = []

_HEADERS = {"Content-Type": "application/json"}


@dataclass(frozen=True, slots=True)
class ClientPlan:
    port: int
    first_client: int
    clients: int
    indexes: int
    kind: str
    start: float
    warm_end: float
    end: float
    total_clients: int = 0


@dataclass(slots=True)
class ClientResults:
    """One entry per request: start (monotonic s), latency (s), status (0: failed), uid."""

    starts: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    uids: list[int] = field(default_factory=list)
    clients: list[int] = field(default_factory=list)
    cpu_seconds: float = 0.0

    def record(self, client: int, started: float, status: int, uid: int) -> None:
        self.starts.append(started)
        self.latencies.append(time.monotonic() - started)
        self.statuses.append(status)
        self.uids.append(uid)
        self.clients.append(client)


def run_load(plan: ClientPlan) -> ClientResults:
    return asyncio.run(_load(plan))


async def _load(plan: ClientPlan) -> ClientResults:
    results = ClientResults()
    cpu: dict[str, float] = {}
    loop = asyncio.get_running_loop()

    def mark(name: str) -> None:
        cpu[name] = time.process_time()

    for name, moment in (("start", plan.warm_end), ("end", plan.end)):
        loop.call_later(max(0.0, moment - time.monotonic()), mark, name)
    await asyncio.sleep(max(0.0, plan.start - time.monotonic()))
    ids = range(plan.first_client, plan.first_client + plan.clients)
    if plan.kind == "httpx":
        await asyncio.gather(*(_httpx_connection(c, plan, results) for c in ids))
    else:
        await asyncio.gather(*(_raw_connection(c, plan, results) for c in ids))
    if "start" in cpu:
        results.cpu_seconds = cpu.get("end", time.process_time()) - cpu["start"]
    return results


def _paths(plan: ClientPlan) -> list[str]:
    return [f"/indexes/bench-{i}/documents" for i in range(max(1, plan.indexes))]


def _body(client: int, k: int, plan: ClientPlan) -> bytes:
    """Connections walk the pool on interleaved strides so they rarely send the same body."""
    total = plan.total_clients or plan.clients
    return BODIES[(client + k * total) % len(BODIES)]


async def _httpx_connection(cid: int, plan: ClientPlan, results: ClientResults) -> None:
    """One client per connection: httpx's pool rescans every connection on each request."""
    paths = _paths(plan)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    base = f"http://127.0.0.1:{plan.port}"
    k = 0
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60.0) as client:
        while (started := time.monotonic()) < plan.end:
            body = _body(cid, k, plan)
            path = paths[(cid + k) % len(paths)]
            k += 1
            try:
                response = await client.post(path, content=body, headers=_HEADERS)
            except httpx.HTTPError:
                results.record(cid, started, 0, -1)
                return
            status = response.status_code
            uid = orjson.loads(response.content)["taskUid"] if status == 202 else -1
            results.record(cid, started, status, uid)


async def _raw_connection(cid: int, plan: ClientPlan, results: ClientResults) -> None:
    heads = [
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{plan.port}\r\n"
            "Content-Type: application/json\r\nContent-Length: "
        ).encode()
        for path in _paths(plan)
    ]
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", plan.port)
    except OSError:
        results.record(cid, time.monotonic(), 0, -1)
        return
    k = 0
    try:
        while (started := time.monotonic()) < plan.end:
            body = _body(cid, k, plan)
            head = heads[(cid + k) % len(heads)]
            k += 1
            writer.write(b"%s%d\r\n\r\n%s" % (head, len(body), body))
            header = await reader.readuntil(b"\r\n\r\n")
            status = int(header[9:12])
            payload = await reader.readexactly(_content_length(header))
            uid = orjson.loads(payload)["taskUid"] if status == 202 else -1
            results.record(cid, started, status, uid)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
        results.record(cid, started, 0, -1)
    finally:
        writer.close()


def _content_length(header: bytes) -> int:
    lower = header.lower()
    at = lower.find(b"\r\ncontent-length:")
    if at < 0:
        raise ValueError("response without Content-Length")
    end = lower.find(b"\r\n", at + 2)
    return int(lower[at + 17 : end])
