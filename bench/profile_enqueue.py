"""Where an enqueue request's CPU time goes inside the application, without the HTTP server.

``lumi.http.app.create_app`` is built in this process over a temporary data directory and
called directly as an ASGI app (no network, no granian, no scheduler) by concurrent
coroutines sending the same document-addition bodies as ``bench.enqueue``. cProfile runs in
the event-loop thread (routing, authorization, body parsing, validation, JSON) and,
separately, in the group-commit thread (LMDB writes and syncs). The figures are the
application's own cost per request; ``bench.enqueue`` shows what the whole server adds.

    .venv/bin/python -m bench.profile_enqueue                 # 20,000 requests, 50 at once
    .venv/bin/python -m bench.profile_enqueue --quick
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import write_results
from bench.enqueue import build_bodies
from lumi.config import load_config
from lumi.engine import Engine
from lumi.http.app import create_app


def _thread_profiler(profiles: dict[str, cProfile.Profile]) -> Any:
    """A ``threading.setprofile`` hook that starts cProfile inside each new thread."""

    def hook(_frame: Any, _event: str, _arg: Any) -> None:
        sys.setprofile(None)
        profile = cProfile.Profile()
        profiles[threading.current_thread().name] = profile
        profile.enable()

    return hook


async def _call(app: Any, path: str, body: bytes) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 7700),
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _drive(app: Any, bodies: list[bytes], opts: argparse.Namespace) -> list[int]:
    statuses: list[int] = []
    per_client = opts.requests // opts.concurrency

    async def client(cid: int) -> None:
        for k in range(per_client):
            body = bodies[(cid + k * opts.concurrency) % len(bodies)]
            statuses.append(await _call(app, "/indexes/bench-0/documents", body))

    await asyncio.gather(*(client(c) for c in range(opts.concurrency)))
    return statuses


def _top(profile: cProfile.Profile, limit: int) -> str:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(limit)
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--top", type=int, default=30, help="functions shown per thread")
    parser.add_argument("--no-profile", action="store_true", help="only time, no cProfile")
    parser.add_argument("--quick", action="store_true")
    opts = parser.parse_args(argv)
    if opts.quick:
        opts.requests = 2000
    bodies = build_bodies(min(opts.requests, 20000), 1, 5, seed=7)
    profiles: dict[str, cProfile.Profile] = {}
    with tempfile.TemporaryDirectory(prefix="lumi-bench-profile-") as tmp:
        config = load_config(["--db-path", str(Path(tmp) / "data")], {}, read_file=False)
        if not opts.no_profile:
            threading.setprofile(_thread_profiler(profiles))
        engine = Engine(config.data_dir)
        threading.setprofile(None)  # type: ignore[arg-type]
        app = create_app(config, engine)
        loop_profile = cProfile.Profile()
        wall = time.perf_counter()
        cpu = time.process_time()
        if not opts.no_profile:
            loop_profile.enable()
        statuses = asyncio.run(_drive(app, bodies, opts))
        loop_profile.disable()
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - wall
        engine.close()
    for profile in profiles.values():
        profile.disable()
    done = len(statuses)
    print(f"{done:,} requests ({statuses.count(202):,} answered 202) in {wall:.2f} s")
    print(f"  {done / wall:,.0f} req/s in-process, {cpu / done * 1e6:,.0f} us CPU per request")
    if not opts.no_profile:
        print("  (both threads, with the profiler's own overhead)")
        print("\n== event-loop thread: routing, auth, body, validation, JSON ==")
        print(_top(loop_profile, opts.top))
        for name, profile in profiles.items():
            print(f"\n== thread {name} ==")
            print(_top(profile, opts.top))
    write_results(
        "profile_enqueue",
        {
            "requests": done,
            "profiled": not opts.no_profile,
            "wall_seconds": wall,
            "cpu_us_per_request": cpu / done * 1e6,
        },
    )


if __name__ == "__main__":
    main()
