"""Fifty clients enqueueing and reading tasks at once: no 5xx, no lost task, no uid gap."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import httpx
import pytest

from tests.support.server import LumiServer

pytestmark = pytest.mark.crash

CLIENTS = 50
DURATION = float(os.environ.get("LUMI_CONCURRENCY_SECONDS", "30"))


async def _client(url: str, n: int, deadline: float, uids: list[int], errors: list[str]) -> None:
    index = f"conc_{n % 5}"
    async with httpx.AsyncClient(base_url=url, timeout=60) as session:
        i = 0
        while time.monotonic() < deadline:
            i += 1
            if i % 3:
                response = await session.post(
                    f"/indexes/{index}/documents", json=[{"id": f"{n}-{i}", "n": i}]
                )
                if response.status_code == 202:
                    uids.append(response.json()["taskUid"])
                else:
                    errors.append(f"POST {response.status_code} {response.text}")
            else:
                response = await session.get("/tasks", params={"indexUids": index, "limit": 5})
                if response.status_code != 200:
                    errors.append(f"GET {response.status_code} {response.text}")


async def _run(url: str) -> tuple[list[int], list[str]]:
    uids: list[int] = []
    errors: list[str] = []
    deadline = time.monotonic() + DURATION
    await asyncio.gather(*(_client(url, n, deadline, uids, errors) for n in range(CLIENTS)))
    return uids, errors


def test_fifty_concurrent_clients(tmp_path: Path) -> None:
    server = LumiServer(tmp_path / "data").start()
    try:
        uids, errors = asyncio.run(_run(server.url))
        assert errors == []
        assert len(uids) > CLIENTS
        assert sorted(uids) == list(range(len(uids))), "task uids must have no gaps"
        with httpx.Client(base_url=server.url, timeout=60) as session:
            listed = session.get("/tasks", params={"limit": 0}).json()["total"]
            assert listed == len(uids)
            newest = session.get(f"/tasks/{max(uids)}")
            assert newest.status_code == 200
    finally:
        server.stop()
