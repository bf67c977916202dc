"""Enqueue throughput: small document additions per second through HTTP, while the scheduler
indexes them, and proof that every ``202`` was durable.

Concurrent keep-alive connections send ``POST /indexes/{uid}/documents`` bodies of 1-5 PyPI
documents for a fixed time against a real ``lumi serve``, each sending its next request as
soon as the previous one was answered. The default load generator is a minimal HTTP/1.1
client on asyncio streams (about 70 us of CPU per request); ``--client httpx`` uses httpx,
which costs about ten times more here and, on 2 cores, takes that CPU from the server. The
load runs in separate processes so that the parent can sample the server's CPU use and, at
the deadline, ``kill -9`` the whole server while requests are in flight. The server is then
restarted on the same data: every task uid answered with ``202`` must exist, each
connection's uids must be strictly increasing and the store's uids must have no gaps.

Target (issue 2): at least 2,000 requests/s on a 2-core machine. Run from the repository
root::

    .venv/bin/python -m bench.enqueue                    # --workers 1,2, 50 clients, 20 s, x2
    .venv/bin/python -m bench.enqueue --client httpx     # what a Python user's client costs
    .venv/bin/python -m bench.enqueue --pause-scheduler  # diagnostic: the HTTP front alone
    .venv/bin/python -m bench.enqueue --quick            # a few seconds, smoke run
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import random
import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    best_and_typical,
    cpu_delta,
    group_cpu_seconds,
    group_pids,
    iter_lines,
    print_table,
    process_role,
    start_server,
    summarize,
    write_results,
)
from bench.enqueue_client import ClientPlan, ClientResults, run_load
from tests.support.server import LumiServer

TARGET_RPS = 2000.0


@dataclass(slots=True)
class RunOutcome:
    workers: int
    rps: float
    latency: dict[str, float]
    record: dict[str, Any] = field(default_factory=dict)


def build_bodies(count: int, low: int, high: int, seed: int) -> list[bytes]:
    """JSON array bodies of ``low``-``high`` documents each, taken in dataset order."""
    rng = random.Random(seed)
    sizes = [rng.randint(low, high) for _ in range(count)]
    lines = iter_lines(sum(sizes))
    return [b"[" + b",".join(next(lines) for _ in range(size)) + b"]" for size in sizes]


def _finished_count(url: str) -> int | None:
    """Tasks the scheduler has finished so far (a one-off read, never fails the run)."""
    with contextlib.suppress(httpx.HTTPError, KeyError, ValueError):
        response = httpx.get(f"{url}/tasks?statuses=succeeded,failed&limit=1", timeout=5.0)
        return int(response.json()["total"])
    return None


def existing_task_uids(url: str) -> list[int]:
    """Every task uid the server knows, paging newest first."""
    uids: list[int] = []
    cursor: int | None = None
    with httpx.Client(base_url=url, timeout=60.0) as client:
        while True:
            params: dict[str, Any] = {"limit": 10000}
            if cursor is not None:
                params["from"] = cursor
            page = client.get("/tasks", params=params).raise_for_status().json()
            uids.extend(task["uid"] for task in page["results"])
            cursor = page["next"]
            if cursor is None:
                return uids


def verify(url: str, results: list[ClientResults]) -> dict[str, Any]:
    """Check that the 202s survived: every uid exists, no duplicates, no gaps, ordered."""
    answered = [uid for r in results for uid in r.uids if uid >= 0]
    existing = set(existing_task_uids(url))
    out_of_order = 0
    for r in results:
        last: dict[int, int] = {}
        for client, uid in zip(r.clients, r.uids, strict=True):
            if uid < 0:
                continue
            if uid <= last.get(client, -1):
                out_of_order += 1
            last[client] = uid
    answered_set = set(answered)
    gaps = (max(existing) + 1 - len(existing)) if existing else 0
    report = {
        "answered_202": len(answered),
        "tasks_in_store": len(existing),
        "missing_after_restart": len(answered_set - existing),
        "duplicate_uids": len(answered) - len(answered_set),
        "uid_gaps_in_store": gaps + (min(existing) if existing else 0),
        "out_of_order_per_client": out_of_order,
        "registered_without_answer": len(existing - answered_set),
    }
    report["durable"] = not (
        report["missing_after_restart"]
        or report["duplicate_uids"]
        or report["uid_gaps_in_store"]
        or report["out_of_order_per_client"]
    )
    return report


def run_once(workers: int, bodies: list[bytes], opts: argparse.Namespace) -> RunOutcome:
    with tempfile.TemporaryDirectory(prefix="lumi-bench-enqueue-", dir=opts.tmp_dir) as tmp:
        data_dir = Path(tmp) / "data"
        server = LumiServer(data_dir, "--workers", str(workers)).start(60.0)
        try:
            if opts.scheduler_nice:
                _signal_scheduler(server, lambda pid: os.setpriority(0, pid, opts.scheduler_nice))
            if opts.pause_scheduler:
                _signal_scheduler(server, lambda pid: os.kill(pid, signal.SIGSTOP))
            measured = _drive(server, bodies, opts)
            if opts.pause_scheduler:
                _signal_scheduler(server, lambda pid: os.kill(pid, signal.SIGCONT))
        finally:
            if server.process is not None and server.process.poll() is None:
                server.stop()
        with start_server(data_dir) as restarted:
            check = verify(restarted.url, measured["clients"])
    return _summarize(workers, measured, check, opts)


def _drive(server: LumiServer, bodies: list[bytes], opts: argparse.Namespace) -> dict[str, Any]:
    assert server.process is not None
    pgid = server.process.pid
    start = time.monotonic() + 1.0
    warm_end = start + opts.warmup
    end = warm_end + opts.duration
    plans = [
        ClientPlan(
            port=server.port,
            first_client=i * opts.clients_per_proc,
            clients=opts.clients_per_proc,
            indexes=opts.indexes,
            kind=opts.client,
            start=start,
            warm_end=warm_end,
            end=end,
            total_clients=opts.clients,
        )
        for i in range(opts.client_procs)
    ]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(len(plans), initializer=_share_bodies, initargs=(bodies,)) as pool:
        pending = pool.map_async(run_load, plans)
        _sleep_until(warm_end)
        cpu_before = group_cpu_seconds(pgid)
        finished_before = _finished_count(server.url)
        _sleep_until(end)
        cpu_after = group_cpu_seconds(pgid)
        finished_after = _finished_count(server.url)
        if opts.crash_check:
            server.kill()
        clients = pending.get(timeout=opts.duration + 120)
    return {
        "clients": clients,
        "server_cpu": cpu_delta(cpu_before, cpu_after),
        "finished": (finished_before, finished_after),
        "window": (warm_end, end),
    }


def _signal_scheduler(server: LumiServer, action: Callable[[int], None]) -> None:
    """Apply ``action`` to the scheduler process: the experiments renice it (its indexing
    pool inherits the priority) or pause it to measure the HTTP front alone."""
    assert server.process is not None
    for pid in group_pids(server.process.pid):
        if process_role(pid) == "scheduler":
            action(pid)


def _share_bodies(bodies: list[bytes]) -> None:
    import bench.enqueue_client as client

    client.BODIES = bodies


def _sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def _summarize(
    workers: int, measured: dict[str, Any], check: dict[str, Any], opts: argparse.Namespace
) -> RunOutcome:
    warm_end, end = measured["window"]
    latencies: list[float] = []
    errors = 0
    ok = 0
    for r in measured["clients"]:
        for started, latency, status in zip(r.starts, r.latencies, r.statuses, strict=True):
            if started < warm_end or started + latency > end:
                continue
            if status == 202:
                ok += 1
                latencies.append(latency * 1000.0)
            else:
                errors += 1
    rps = ok / opts.duration
    before, after = measured["finished"]
    scheduler_rate = (after - before) / opts.duration if before is not None and after else None
    client_cpu = sum(r.cpu_seconds for r in measured["clients"])
    cpu = {role: s / opts.duration for role, s in measured["server_cpu"].items()}
    cpu["load generator"] = client_cpu / opts.duration
    record = {
        "workers": workers,
        "requests_per_second": rps,
        "ok": ok,
        "errors": errors,
        "latency_ms": summarize(latencies),
        "scheduler_tasks_per_second": scheduler_rate,
        "cpu_cores_used": cpu,
        "verification": check,
    }
    return RunOutcome(workers, rps, record["latency_ms"], record)


def report(outcomes: list[RunOutcome], opts: argparse.Namespace) -> None:
    rows = []
    for o in outcomes:
        r = o.record
        cpu = r["cpu_cores_used"]
        rows.append(
            [
                o.workers,
                o.rps,
                r["errors"],
                o.latency.get("p50", 0.0),
                o.latency.get("p95", 0.0),
                o.latency.get("p99", 0.0),
                r["scheduler_tasks_per_second"] or 0.0,
                sum(v for k, v in cpu.items() if k.startswith("http")),
                sum(v for k, v in cpu.items() if k.startswith(("scheduler", "mp"))),
                cpu["load generator"],
                "yes" if r["verification"]["durable"] else "NO",
            ]
        )
    print_table(
        [
            "workers",
            "req/s",
            "errors",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "sched tasks/s",
            "http cpu",
            "sched cpu",
            "client cpu",
            "durable",
        ],
        rows,
        f"enqueue: {opts.clients} clients ({opts.client}), {opts.duration:g} s per run, "
        f"{opts.docs} docs per request, {opts.indexes} index(es)"
        + (f", scheduler niced +{opts.scheduler_nice}" if opts.scheduler_nice else "")
        + (", SCHEDULER PAUSED" if opts.pause_scheduler else ""),
    )
    summary = []
    for workers in opts.worker_counts:
        mine = [o for o in outcomes if o.workers == workers]
        best_rps, typical_rps = best_and_typical([o.rps for o in mine], higher_is_better=True)
        best_p95, typical_p95 = best_and_typical(
            [o.latency.get("p95", 0.0) for o in mine], higher_is_better=False
        )
        met = "no"
        if best_rps >= TARGET_RPS:
            met = "yes" if typical_rps >= TARGET_RPS else "best run only"
        summary.append([workers, best_rps, typical_rps, best_p95, typical_p95, met])
    print_table(
        ["workers", "best req/s", "typical req/s", "best p95 ms", "typical p95 ms", ">= 2,000"],
        summary,
        "best and typical over repeats (target: 2,000 req/s)",
    )
    for o in outcomes:
        check = o.record["verification"]
        if not check["durable"]:
            print(f"\nDURABILITY CHECK FAILED (workers={o.workers}): {check}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2", help="HTTP worker counts to compare")
    parser.add_argument("--clients", type=int, default=50, help="concurrent connections")
    parser.add_argument("--client-procs", type=int, default=1, help="load generator processes")
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="raw: minimal asyncio HTTP/1.1 client (default); httpx: ~10x its CPU per request",
    )
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first")
    parser.add_argument("--docs", default="1-5", help="documents per request, LOW-HIGH")
    parser.add_argument("--indexes", type=int, default=1, help="indexes written round-robin")
    parser.add_argument("--bodies", type=int, default=20000, help="distinct request bodies")
    parser.add_argument("--repeat", type=int, default=2, help="runs per worker count")
    parser.add_argument(
        "--no-crash-check",
        dest="crash_check",
        action="store_false",
        help="stop the server with SIGTERM instead of kill -9 before verifying",
    )
    parser.add_argument(
        "--scheduler-nice",
        type=int,
        default=0,
        help="experiment: renice the scheduler (and its indexing pool) by this much",
    )
    parser.add_argument(
        "--pause-scheduler",
        action="store_true",
        help="diagnostic: SIGSTOP the scheduler during the load to measure HTTP alone",
    )
    parser.add_argument("--tmp-dir", default=None, help="where data directories are created")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    opts = parser.parse_args(argv)
    if opts.quick:
        opts.duration, opts.warmup, opts.repeat = 3.0, 1.0, 1
        opts.clients, opts.bodies = min(opts.clients, 16), min(opts.bodies, 2000)
    low, _, high = opts.docs.partition("-")
    opts.doc_range = (int(low), int(high or low))
    opts.worker_counts = [int(w) for w in opts.workers.split(",") if w]
    opts.client_procs = max(1, min(opts.client_procs, opts.clients))
    opts.clients_per_proc = max(1, opts.clients // opts.client_procs)
    opts.clients = opts.clients_per_proc * opts.client_procs
    return opts


def main(argv: list[str] | None = None) -> None:
    opts = parse_args(argv)
    load_at_start = list(os.getloadavg())
    bodies = build_bodies(opts.bodies, *opts.doc_range, seed=opts.seed)
    outcomes = []
    for _ in range(opts.repeat):
        for workers in opts.worker_counts:
            outcome = run_once(workers, bodies, opts)
            print(
                f"workers={workers}: {outcome.rps:,.0f} req/s, "
                f"p95 {outcome.latency.get('p95', 0.0):.1f} ms, "
                f"durable={outcome.record['verification']['durable']}",
                flush=True,
            )
            outcomes.append(outcome)
    report(outcomes, opts)
    write_results(
        "enqueue",
        {
            "load_average_at_start": load_at_start,
            "options": {
                k: v for k, v in vars(opts).items() if isinstance(v, int | float | str | list)
            },
            "target_requests_per_second": TARGET_RPS,
            "runs": [o.record for o in outcomes],
        },
    )


if __name__ == "__main__":
    main()
