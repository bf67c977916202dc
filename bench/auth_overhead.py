"""What authorization costs a request: p50 latency with and without a master key, and the
in-process cost of ``lumi.auth.policy.authorize``.

Two real ``lumi serve`` instances hold the same small index, one open (no master key) and one
protected. The same route is requested over one keep-alive connection per credential, the
credentials interleaved request by request so that noise on a shared machine spreads evenly:
none (open server), the master key, an API key limited to the index, and - when the build
serves search - a tenant token. The route is ``POST /indexes/{uid}/search`` when served,
otherwise ``GET /indexes/{uid}/documents?limit=1`` (authorized the same way, with an index in
the path). The in-process figures time ``authorize`` itself with a real key store (LMDB), so
they show the cost without the HTTP noise around it.

Target (issue 5): authorization adds under 0.2 ms to a search request (p50).
Run from the repository root::

    .venv/bin/python -m bench.auth_overhead
    .venv/bin/python -m bench.auth_overhead --iterations 500 --repeats 1   # smoke run
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
import timeit
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt

from bench.common import best_and_typical, print_table, start_server, summarize, write_results
from lumi.auth import keys
from lumi.auth.policy import authorize
from lumi.auth.store import KeyStore
from lumi.tasks.store import TaskStore
from lumi.timefmt import now_ns

TARGET_ADDED_MS = 0.2
MASTER_KEY = "bench-auth-master-key-0123456789"
INDEX = "bench_auth"
DOCUMENTS = [{"id": i, "title": f"document {i}", "body": "lorem ipsum " * 5} for i in range(200)]


# ---- servers -------------------------------------------------------------------------------


def _prepare(url: str, master_key: str | None) -> None:
    headers = {} if master_key is None else {"Authorization": f"Bearer {master_key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as session:
        task = session.post(f"/indexes/{INDEX}/documents", json=DOCUMENTS).json()
        deadline = time.monotonic() + 60
        while session.get(f"/tasks/{task['taskUid']}").json()["status"] != "succeeded":
            if time.monotonic() > deadline:
                raise RuntimeError("the benchmark's documents were not indexed in time")
            time.sleep(0.05)


def _route(url: str) -> tuple[str, str, Any]:
    """The search route when served, else the documents route (same authorization path)."""
    probe = httpx.post(f"{url}/indexes/{INDEX}/search", json={"q": "document"})
    if probe.json().get("code") != "not_found":
        return "POST", f"/indexes/{INDEX}/search", {"q": "document", "limit": 1}
    return "GET", f"/indexes/{INDEX}/documents?limit=1", None


def _credentials(url: str, searchable: bool) -> dict[str, str]:
    """Authorization headers to compare on the protected server, by label."""
    with httpx.Client(base_url=url, timeout=30) as session:
        created = session.post(
            "/keys",
            json={
                "actions": ["search", "documents.get"],
                "indexes": [f"{INDEX}*"],
                "expiresAt": None,
            },
            headers={"Authorization": f"Bearer {MASTER_KEY}"},
        ).json()
    out = {"master key": MASTER_KEY, "API key": created["key"]}
    if searchable:
        claims = {"apiKeyUid": created["uid"], "searchRules": {INDEX: {"filter": None}}}
        out["tenant token"] = jwt.encode(claims, created["key"], algorithm="HS256")
    return out


@contextlib.contextmanager
def _sessions(
    open_url: str, protected_url: str, credentials: dict[str, str]
) -> Iterator[dict[str, httpx.Client]]:
    with contextlib.ExitStack() as stack:
        sessions = {"no master key": stack.enter_context(httpx.Client(base_url=open_url))}
        for label, secret in credentials.items():
            headers = {"Authorization": f"Bearer {secret}"}
            session = httpx.Client(base_url=protected_url, headers=headers)
            sessions[label] = stack.enter_context(session)
        yield sessions


def _measure(
    sessions: dict[str, httpx.Client], route: tuple[str, str, Any], iterations: int
) -> dict[str, list[float]]:
    """Milliseconds per request, per credential, requests interleaved one by one."""
    method, path, body = route
    timings: dict[str, list[float]] = {label: [] for label in sessions}
    clock = time.perf_counter
    for _ in range(iterations):
        for label, session in sessions.items():
            start = clock()
            response = session.request(method, path, json=body)
            elapsed = clock() - start
            if response.status_code != 200:
                raise RuntimeError(f"{label}: {response.status_code} {response.text}")
            timings[label].append(elapsed * 1000)
    return timings


# ---- in process ----------------------------------------------------------------------------


def _in_process(loops: int) -> dict[str, float]:
    """Microseconds per ``authorize`` call with a real key store, by credential."""
    with tempfile.TemporaryDirectory() as tmp:
        store = TaskStore(Path(tmp) / "tasks")
        try:
            key_store = KeyStore(store, MASTER_KEY)
            record = keys.validate_create(
                {"actions": ["search"], "indexes": [f"{INDEX}*"], "expiresAt": None}
            )
            key_store.create(record)
            api_key = keys.derive_key(record["uid"], MASTER_KEY)
            token = jwt.encode(
                {"apiKeyUid": record["uid"], "searchRules": [INDEX]}, api_key, algorithm="HS256"
            )
            cases: dict[str, Callable[[], Any]] = {
                "no master key": _call(None, None, key_store),
                "master key": _call(MASTER_KEY, MASTER_KEY, key_store),
                "API key": _call(MASTER_KEY, api_key, key_store),
                "tenant token": _call(MASTER_KEY, token, key_store),
                "key store lookup only": lambda: key_store.find(api_key),
            }
            out = {}
            for label, run in cases.items():
                run()
                best = min(timeit.repeat(run, number=loops, repeat=5))
                out[label] = best / loops * 1e6
            return out
        finally:
            store.close()


def _call(master_key: str | None, secret: str | None, key_store: KeyStore) -> Callable[[], Any]:
    header = None if secret is None else f"Bearer {secret}"

    def run() -> Any:
        return authorize(
            master_key,
            header,
            "search",
            INDEX,
            find_key=key_store.find,
            now_ns=now_ns(),
            accepts_tenant_token=True,
        )

    return run


# ---- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=3000, help="requests per credential")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--loops", type=int, default=20_000, help="in-process calls per timing")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with (
            start_server(root / f"open-{uuid.uuid4().hex[:6]}") as open_server,
            start_server(root / "protected", "--master-key", MASTER_KEY) as protected,
        ):
            _prepare(open_server.url, None)
            _prepare(protected.url, MASTER_KEY)
            route = _route(open_server.url)
            credentials = _credentials(protected.url, route[0] == "POST")
            print(f"route: {route[0]} {route[1]}")
            p50s: dict[str, list[float]] = {}
            last: dict[str, dict[str, float]] = {}
            with _sessions(open_server.url, protected.url, credentials) as sessions:
                _measure(sessions, route, max(50, args.iterations // 10))  # warm-up
                for _ in range(args.repeats):
                    for label, values in _measure(sessions, route, args.iterations).items():
                        last[label] = summarize(values)
                        p50s.setdefault(label, []).append(last[label]["p50"])

    baseline = best_and_typical(p50s["no master key"], higher_is_better=False)[1]
    rows = []
    for label, values in p50s.items():
        best, typical = best_and_typical(values, higher_is_better=False)
        rows.append([label, best, typical, typical - baseline, last[label]["p95"]])
    print_table(
        ["credential", "best p50 ms", "median p50 ms", "added ms", "p95 ms (last)"],
        rows,
        title=f"HTTP, {args.iterations} requests per credential x {args.repeats}",
    )
    in_process = _in_process(args.loops)
    print_table(
        ["credential", "µs per call"],
        [[label, micros] for label, micros in in_process.items()],
        title="authorize() in process",
    )
    worst = max(row[3] for row in rows if row[0] != "no master key")
    verdict = "met" if worst < TARGET_ADDED_MS else "NOT met"
    print(f"\nworst added p50: {worst:.3f} ms (target < {TARGET_ADDED_MS} ms): {verdict}")
    write_results(
        "auth_overhead",
        {
            "route": f"{route[0]} {route[1]}",
            "iterations": args.iterations,
            "repeats": args.repeats,
            "http_p50_ms": p50s,
            "in_process_us": in_process,
            "target_added_ms": TARGET_ADDED_MS,
        },
    )


if __name__ == "__main__":
    main()
