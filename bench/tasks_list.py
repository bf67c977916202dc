"""``GET /tasks`` with two filters over a million finished tasks, and the idle server's memory.

The task history is written in-process into a fresh data directory (see ``task_history``:
the store's own ``register``/``put_task``/``put_batch``, large transactions, about a minute
for a million tasks), then a real ``lumi serve`` is started on it and measured over HTTP
with one keep-alive client, requests sent one after another and the query mix interleaved
so that noise from a shared machine spreads evenly. Memory is read from /proc for every
process of the server's process group, once idle after start and again after the queries.

The default size is 999,999 tasks: the millionth task makes the scheduler enqueue the
automatic deletion of the oldest 100,000, which would then run during the measurement.

Targets (issue 2): p95 under 20 ms; idle RSS under 300 MB for the whole process tree.
Run from the repository root::

    .venv/bin/python -m bench.tasks_list                          # 999,999 tasks, x2
    .venv/bin/python -m bench.tasks_list --data-dir /tmp/tasks1m  # build once, reuse after
    .venv/bin/python -m bench.tasks_list --quick                  # 50,000 tasks, smoke run
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.common import (
    best_and_typical,
    group_memory,
    memory_record,
    memory_table,
    print_table,
    start_server,
    summarize,
    write_results,
)
from bench.task_history import build_history

TARGET_P95_MS = 20.0
TARGET_RSS_MB = 300.0
TARGET_RSS_MIB = TARGET_RSS_MB * 1e6 / 2**20
_MARKER = "bench-history.json"

QUERIES = (
    "statuses=succeeded&types=documentAdditionOrUpdate",
    "indexUids=products&statuses=failed",
    "indexUids=movies&types=settingsUpdate",
    "statuses=canceled&types=documentAdditionOrUpdate",
    "types=documentDeletion&statuses=failed",
    "indexUids=geo&afterEnqueuedAt={week_ago}",
    "statuses=succeeded&types=documentAdditionOrUpdate&from={middle}",
)


@contextlib.contextmanager
def history_dir(opts: argparse.Namespace) -> Iterator[Path]:
    """A data directory holding the history: reused when its marker matches, else built."""
    if opts.data_dir is None:
        with tempfile.TemporaryDirectory(prefix="lumi-bench-tasks-", dir=opts.tmp_dir) as tmp:
            data_dir = Path(tmp) / "data"
            _build(data_dir, opts)
            yield data_dir
        return
    data_dir = Path(opts.data_dir)
    marker = data_dir / _MARKER
    wanted = {"tasks": opts.tasks, "seed": opts.seed}
    if marker.exists():
        built = orjson.loads(marker.read_bytes())
        if {k: built.get(k) for k in wanted} != wanted:
            raise SystemExit(f"{data_dir} holds another history ({built}); use another path")
        print(f"reusing the history in {data_dir} ({built['tasks']:,} tasks)")
        opts.build = built
    elif data_dir.exists() and any(data_dir.iterdir()):
        raise SystemExit(f"{data_dir} is not empty and was not built by this benchmark")
    else:
        _build(data_dir, opts)
        marker.write_bytes(orjson.dumps({**wanted, **opts.build}))
    yield data_dir


def _build(data_dir: Path, opts: argparse.Namespace) -> None:
    print(f"writing {opts.tasks:,} finished tasks into {data_dir} ...", flush=True)
    started = time.perf_counter()
    batches = build_history(data_dir, opts.tasks, seed=opts.seed)
    seconds = time.perf_counter() - started
    size = sum(f.stat().st_size for f in (data_dir / "tasks").iterdir())
    opts.build = {"batches": batches, "build_seconds": seconds, "task_store_bytes": size}
    print(f"  {batches:,} batches in {seconds:.1f} s, task store {size / 1024**2:,.0f} MiB")


def resolve_queries(client: httpx.Client) -> list[str]:
    """Fill in the date and ``from`` placeholders from the newest task."""
    newest = client.get("/tasks", params={"limit": 1}).raise_for_status().json()["results"][0]
    enqueued = dt.datetime.fromisoformat(newest["enqueuedAt"].replace("Z", "+00:00")[:26])
    week_ago = (enqueued - dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [q.format(week_ago=week_ago, middle=newest["uid"] // 2) for q in QUERIES]


def measure(url: str, opts: argparse.Namespace) -> dict[str, Any]:
    latencies: dict[str, list[float]] = {}
    totals: dict[str, int] = {}
    with httpx.Client(base_url=url, timeout=30.0) as client:
        queries = resolve_queries(client)
        for round_ in range(opts.warmup + opts.iterations):
            for query in queries:
                started = time.perf_counter()
                response = client.get(f"/tasks?{query}")
                elapsed = (time.perf_counter() - started) * 1000.0
                if response.status_code != 200:
                    raise SystemExit(f"GET /tasks?{query} answered {response.status_code}")
                if round_ >= opts.warmup:
                    latencies.setdefault(query, []).append(elapsed)
                    totals[query] = response.json()["total"]
    return {
        "queries": {q: {"total": totals[q], **summarize(v)} for q, v in latencies.items()},
        "all": summarize([x for v in latencies.values() for x in v]),
    }


def run_once(data_dir: Path, opts: argparse.Namespace) -> dict[str, Any]:
    with start_server(data_dir, "--workers", str(opts.workers), timeout=120.0) as server:
        assert server.process is not None
        pgid = server.process.pid
        time.sleep(opts.settle)
        idle = group_memory(pgid)
        figures = measure(server.url, opts)
        time.sleep(opts.settle)
        after = group_memory(pgid)
    return {
        "latency": figures,
        "memory_idle": memory_record(idle),
        "memory_after_queries": memory_record(after),
        "_tables": (idle, after),
    }


def report(runs: list[dict[str, Any]], opts: argparse.Namespace) -> None:
    last = runs[-1]
    rows = [
        [q, s["total"], s["p50"], s["p95"], s["p99"], s["max"]]
        for q, s in last["latency"]["queries"].items()
    ]
    overall = last["latency"]["all"]
    rows.append(["all queries", "", overall["p50"], overall["p95"], overall["p99"], overall["max"]])
    print_table(
        ["GET /tasks?...", "total", "p50 ms", "p95 ms", "p99 ms", "max ms"],
        rows,
        f"GET /tasks over {opts.tasks:,} finished tasks, limit 20, "
        f"{opts.iterations} requests per query (last run)",
    )
    idle, after = last["_tables"]
    print_table(*memory_table(idle), "memory of the idle server (MiB)")
    print_table(*memory_table(after), "memory after the queries (MiB)")
    p95s = [r["latency"]["all"]["p95"] for r in runs]
    rss = [max(r[k]["total_rss_kib"] for k in _MEMORY_KEYS) / 1024 for r in runs]
    pss = [max(r[k]["total_pss_kib"] for k in _MEMORY_KEYS) / 1024 for r in runs]
    best_p95, typical_p95 = best_and_typical(p95s, higher_is_better=False)
    best_rss, typical_rss = best_and_typical(rss, higher_is_better=False)
    best_pss, typical_pss = best_and_typical(pss, higher_is_better=False)
    print_table(
        ["figure", "best", "typical", "target", "met"],
        [
            ["p95 all queries (ms)", best_p95, typical_p95, TARGET_P95_MS, _yes(typical_p95, 20)],
            ["tree RSS (MiB)", best_rss, typical_rss, TARGET_RSS_MIB, _yes(typical_rss, 286.1)],
            ["tree PSS (MiB)", best_pss, typical_pss, TARGET_RSS_MIB, _yes(typical_pss, 286.1)],
        ],
        f"over {len(runs)} run(s)",
    )


_MEMORY_KEYS = ("memory_idle", "memory_after_queries")


def _yes(value: float, limit: float) -> str:
    return "yes" if value < limit else "no"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=999_999, help="finished tasks to write")
    parser.add_argument("--iterations", type=int, default=200, help="measured requests/query")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured rounds first")
    parser.add_argument("--workers", type=int, default=1, help="HTTP worker processes")
    parser.add_argument("--repeat", type=int, default=2, help="server starts to measure")
    parser.add_argument("--settle", type=float, default=2.0, help="idle seconds before memory")
    parser.add_argument("--data-dir", default=None, help="build here once and reuse later")
    parser.add_argument("--tmp-dir", default=None, help="parent of the temporary data dir")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="50,000 tasks, short smoke run")
    opts = parser.parse_args(argv)
    if opts.quick:
        opts.tasks = min(opts.tasks, 50_000)
        opts.iterations, opts.warmup, opts.repeat, opts.settle = 30, 2, 1, 0.5
    opts.build = {}
    return opts


def main(argv: list[str] | None = None) -> None:
    opts = parse_args(argv)
    load_at_start = list(os.getloadavg())
    with history_dir(opts) as data_dir:
        runs = []
        for i in range(opts.repeat):
            run = run_once(data_dir, opts)
            print(
                f"run {i + 1}: p95 {run['latency']['all']['p95']:.2f} ms, idle tree RSS "
                f"{run['memory_idle']['total_rss_kib'] / 1024:.0f} MiB",
                flush=True,
            )
            runs.append(run)
    report(runs, opts)
    write_results(
        "tasks_list",
        {
            "load_average_at_start": load_at_start,
            "options": {k: v for k, v in vars(opts).items() if isinstance(v, int | float | str)},
            "build": opts.build,
            "targets": {"p95_ms": TARGET_P95_MS, "rss_mb": TARGET_RSS_MB},
            "runs": [{k: v for k, v in r.items() if not k.startswith("_")} for r in runs],
        },
    )


if __name__ == "__main__":
    main()
