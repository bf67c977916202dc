"""Full-text search on the PyPI dataset through a real ``lumi serve``, against SQLite FTS5
and tantivy on the same documents and queries (issue 3).

    .venv/bin/python -m bench.search [--limit N] [--quick] [--queries 240] [--repeat 3]

Lumi: every document is imported over HTTP as NDJSON requests of ``--request-docs``
documents (well under the 100 MB payload limit), sent back to back so the autobatcher
groups them. Indexing time runs from the first POST to the ``finishedAt`` of the last task;
the memory of the whole server process tree is sampled meanwhile (RSS and PSS summed over
its processes, plus the sum of each process's own peak) and the index directory is
measured on disk. Then a fixed mixed query set (one-word, multi-word, prefix and typo
queries drawn reproducibly from the documents) is sent ``--repeat`` times over one
keep-alive connection: ``processingTimeMs`` and the HTTP round trip are reported, with the
slowest query, and a few adversarial queries that must also stay under 200 ms.

SQLite FTS5 (BM25 ``rank``, the last word of prefix queries as ``word*``, no typo
tolerance) and tantivy (fuzzy terms for typo queries, a prefix term for prefix queries) index
the same fields of the same documents in a child process each (so their peak RSS is their
own) and answer the same queries in this process, without HTTP: compare their latencies with
Lumi's ``processingTimeMs``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import multiprocessing
import os
import random
import re
import resource
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import tantivy

from bench.common import (
    cpu_delta,
    group_cpu_seconds,
    group_memory,
    iter_lines,
    print_table,
    start_server,
    summarize,
    write_results,
)

INDEX = "pypi"
FIELDS = ("name", "version", "released", "summary", "id", "year", "rank")
KINDS = ("one-word", "multi-word", "prefix", "typo")
# Queries built to be expensive: many frequent words, many typo-tolerant words, long words.
STRESS = [
    "a b c d e f g h i j",
    "the for and to of a with python library package",
    "pythn libary packge modle frameork aplication implmentation",
    "x" * 300,
    '"a python library for the"',
    "-a -b -c -d python",
    "0 1 2 3 4 5 6 7 8 9",
    "p",
]
_WORD = re.compile(r"[a-z0-9]+")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


# ---------------------------------------------------------------- queries


def make_queries(lines: list[bytes], per_kind: int, seed: int = 7) -> list[tuple[str, str]]:
    """``per_kind`` (kind, query) pairs of each kind, drawn from random documents' text."""
    rng = random.Random(seed)
    makers: dict[str, Callable[[random.Random, list[str]], str | None]] = {
        "one-word": _one_word,
        "multi-word": _multi_word,
        "prefix": _prefix,
        "typo": _typo,
    }
    out: list[tuple[str, str]] = []
    for kind, maker in makers.items():
        found: list[str] = []
        while len(found) < per_kind:
            document = orjson.loads(lines[rng.randrange(len(lines))])
            text = f"{document.get('name') or ''} {document.get('summary') or ''}".lower()
            query = maker(rng, _WORD.findall(text))
            if query and query not in found:
                found.append(query)
        out.extend((kind, query) for query in found)
    return out


def _one_word(rng: random.Random, words: list[str]) -> str | None:
    usable = [w for w in words if len(w) >= 3 and w.isalpha()]
    return rng.choice(usable) if usable else None


def _multi_word(rng: random.Random, words: list[str]) -> str | None:
    size = rng.randint(2, 4)
    if len(words) < size:
        return None
    start = rng.randrange(len(words) - size + 1)
    return " ".join(words[start : start + size])


def _prefix(rng: random.Random, words: list[str]) -> str | None:
    """A word typed halfway, alone or after the word before it ("machine lea")."""
    spots = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not spots:
        return None
    spot = rng.choice(spots)
    typed = words[spot][: rng.randint(2, len(words[spot]) - 1)]
    if spot and rng.random() < 0.5:
        return f"{words[spot - 1]} {typed}"
    return typed


def _typo(rng: random.Random, words: list[str]) -> str | None:
    """One edit (two from nine letters, sometimes) away from a word, never on its first
    letter; sometimes after the word before it."""
    spots = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not spots:
        return None
    spot = rng.choice(spots)
    word = words[spot]
    edits = 2 if len(word) >= 9 and rng.random() < 0.3 else 1
    typo = word
    for _ in range(edits):
        typo = _edit(rng, typo)
    if typo == word:
        return None
    return f"{words[spot - 1]} {typo}" if spot and rng.random() < 0.3 else typo


def _edit(rng: random.Random, word: str) -> str:
    at = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:at] + rng.choice(_LETTERS) + word[at + 1 :]
    if kind == 1:
        return word[:at] + word[at + 1 :]
    if kind == 2:
        return word[:at] + rng.choice(_LETTERS) + word[at:]
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


# ---------------------------------------------------------------- Lumi over HTTP


def lumi(lines: list[bytes], queries: list[tuple[str, str]], args: argparse.Namespace) -> dict:
    data_dir = args.dir / "lumi"
    with start_server(data_dir, *args.server_arg, timeout=120) as server:
        pgid = server.process.pid
        sampler = _MemorySampler(pgid)
        cpu_before = group_cpu_seconds(pgid)
        sampler.start()
        indexing = _import(server.url, lines, args.request_docs)
        sampler.stop()
        indexing["cpu_s"] = cpu_delta(cpu_before, group_cpu_seconds(pgid))
        indexing["memory"] = sampler.report()
        indexing["disk"] = _disk(data_dir / "indexes")
        searching = _http_queries(server.port, queries, args.repeat)
        stress = _http_queries(server.port, [("stress", q) for q in STRESS], 1, warm=False)
        searching["stress"] = stress["all"]
        searching["stress_slowest"] = stress["slowest"]
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    return {"indexing": indexing, "search": searching}


def _import(url: str, lines: list[bytes], per_request: int) -> dict[str, Any]:
    headers = {"Content-Type": "application/x-ndjson"}
    with httpx.Client(base_url=url, timeout=600) as client:
        began = time.time()
        uids = []
        for start in range(0, len(lines), per_request):
            body = b"\n".join(lines[start : start + per_request])
            answer = client.post(
                f"/indexes/{INDEX}/documents?primaryKey=id", content=body, headers=headers
            )
            answer.raise_for_status()
            uids.append(answer.json()["taskUid"])
        sent = time.time() - began
        while client.get(f"/tasks/{uids[-1]}").json()["status"] in ("enqueued", "processing"):
            time.sleep(0.2)
        polled = time.time() - began
        found = client.get("/tasks", params={"uids": ",".join(map(str, uids)), "limit": 1000})
        tasks = found.json()["results"]
    failed = [t for t in tasks if t["status"] != "succeeded"]
    if failed:
        raise RuntimeError(f"{len(failed)} import tasks did not succeed: {failed[0]}")
    finished = max(_timestamp(t["finishedAt"]) for t in tasks)
    return {
        "documents": sum(t["details"]["indexedDocuments"] for t in tasks),
        "requests": len(uids),
        "batches": len({t["batchUid"] for t in tasks}),
        "upload_s": sent,
        "total_s": finished - began,
        "polled_s": polled,
    }


def _timestamp(value: str) -> float:
    """RFC 3339 with up to nine fraction digits, as seconds since the epoch."""
    head, _, fraction = value.rstrip("Z").partition(".")
    parsed = dt.datetime.fromisoformat(head).replace(tzinfo=dt.UTC)
    return parsed.timestamp() + (float(f"0.{fraction}") if fraction else 0.0)


class _MemorySampler:
    """Samples the memory of every process of the server's group twice a second."""

    def __init__(self, pgid: int) -> None:
        self.pgid = pgid
        self.peak_rss = self.peak_pss = self.peak_anon = 0
        self.hwm: dict[int, tuple[str, int]] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()
        self._sample()

    def _run(self) -> None:
        while not self._done.wait(0.5):
            self._sample()

    def _sample(self) -> None:
        processes = group_memory(self.pgid)
        self.peak_rss = max(self.peak_rss, sum(p.rss for p in processes))
        self.peak_pss = max(self.peak_pss, sum(p.pss for p in processes))
        self.peak_anon = max(self.peak_anon, sum(p.rss_anon for p in processes))
        for p in processes:
            self.hwm[p.pid] = (p.role, max(p.hwm, self.hwm.get(p.pid, ("", 0))[1]))

    def report(self) -> dict[str, Any]:
        return {
            "peak_tree_rss_mib": self.peak_rss / 1024,
            "peak_tree_pss_mib": self.peak_pss / 1024,
            "peak_tree_anon_mib": self.peak_anon / 1024,
            "sum_of_process_peaks_mib": sum(h for _, h in self.hwm.values()) / 1024,
            "process_peaks_mib": {f"{r} {pid}": h / 1024 for pid, (r, h) in self.hwm.items()},
        }


def _disk(path: Path) -> dict[str, float]:
    files = [f for f in path.rglob("*") if f.is_file()]
    return {
        "apparent_mib": sum(f.stat().st_size for f in files) / 1024**2,
        "allocated_mib": sum(f.stat().st_blocks * 512 for f in files) / 1024**2,
    }


def _http_queries(
    port: int, queries: list[tuple[str, str]], repeat: int, *, warm: bool = True
) -> dict[str, Any]:
    """Each query ``repeat`` times (after one unmeasured round) on one keep-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Content-Type": "application/json"}
    path = f"/indexes/{INDEX}/search"
    samples: list[tuple[str, str, float, float]] = []
    for round_ in range(repeat + (1 if warm else 0)):
        for kind, q in queries:
            began = time.perf_counter()
            connection.request("POST", path, orjson.dumps({"q": q}), headers)
            answer = connection.getresponse()
            body = answer.read()
            elapsed = (time.perf_counter() - began) * 1000
            if answer.status != 200:
                raise RuntimeError(f"search {q!r} answered {answer.status}: {body[:300]!r}")
            if round_ or not warm:
                samples.append((kind, q, float(orjson.loads(body)["processingTimeMs"]), elapsed))
    connection.close()
    out: dict[str, Any] = {"all": _latencies(samples)}
    for kind in sorted({s[0] for s in samples}):
        out[kind] = _latencies([s for s in samples if s[0] == kind])
    slowest = max(samples, key=lambda s: (s[2], s[3]))
    out["slowest"] = {"kind": slowest[0], "q": slowest[1], "processing_ms": slowest[2]}
    out["slowest_round_trip"] = max(s[3] for s in samples)
    return out


def _latencies(samples: list[tuple[str, str, float, float]]) -> dict[str, Any]:
    return {
        "processing_ms": summarize([s[2] for s in samples]),
        "round_trip_ms": summarize([s[3] for s in samples]),
    }


# ---------------------------------------------------------------- SQLite FTS5 and tantivy


def _text(document: dict[str, Any], name: str) -> str:
    value = document.get(name)
    return "" if value is None else str(value)


def _terms(q: str) -> list[str]:
    return _WORD.findall(q.lower())


def _build_sqlite(path: Path, lines: list[bytes]) -> None:
    db = sqlite3.connect(path)
    columns = ", ".join(f"f_{name}" for name in FIELDS)  # `rank` is reserved by FTS5
    db.execute(f"CREATE VIRTUAL TABLE fts USING fts5({columns})")
    with db:
        db.executemany(
            f"INSERT INTO fts (rowid, {columns}) VALUES (?{', ?' * len(FIELDS)})",
            (_sqlite_row(orjson.loads(line)) for line in lines),
        )
    db.close()


def _sqlite_row(document: dict[str, Any]) -> tuple[Any, ...]:
    return (document["id"], *(_text(document, name) for name in FIELDS))


class Sqlite:
    name = "sqlite fts5"

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)

    def run(self, kind: str, q: str) -> int:
        terms = [f'"{term}"' for term in _terms(q)]
        if not terms:
            return 0
        if kind == "prefix":
            terms[-1] += "*"
        sql = "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT 20"
        return len(self.db.execute(sql, (" ".join(terms),)).fetchall())


def _tantivy_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("docid", stored=True, fast=True)
    for name in FIELDS:
        builder.add_text_field(name, stored=False)
    return builder.build()


def _build_tantivy(path: Path, lines: list[bytes]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(_tantivy_schema(), path=str(path))
    writer = index.writer(heap_size=256 * 1024**2, num_threads=2)
    for line in lines:
        document = orjson.loads(line)
        fields = {name: _text(document, name) for name in FIELDS}
        writer.add_document(tantivy.Document(docid=document["id"], **fields))
    writer.commit()
    writer.wait_merging_threads()


class Tantivy:
    name = "tantivy"

    def __init__(self, path: Path) -> None:
        self.schema = _tantivy_schema()
        self.index = tantivy.Index.open(str(path))
        self.index.reload()
        self.searcher = self.index.searcher()

    def run(self, kind: str, q: str) -> int:
        terms = _terms(q)
        if not terms:
            return 0
        musts = []
        for position, term in enumerate(terms):
            last = position == len(terms) - 1
            shoulds = [self._term(kind, name, term, last) for name in FIELDS]
            musts.append((tantivy.Occur.Must, tantivy.Query.disjunction_max_query(shoulds)))
        query = tantivy.Query.boolean_query(musts)
        return len(self.searcher.search(query, 20, count=True).hits)

    def _term(self, kind: str, name: str, term: str, last: bool) -> tantivy.Query:
        schema = self.schema
        if kind == "prefix" and last:
            return tantivy.Query.fuzzy_term_query(schema, name, term, distance=0, prefix=True)
        if kind == "typo" and len(term) >= 5:
            distance = 2 if len(term) >= 9 else 1
            return tantivy.Query.fuzzy_term_query(schema, name, term, distance=distance)
        return tantivy.Query.term_query(schema, name, term)


def _build_in_child(builder: Callable[[Path, list[bytes]], None], path: Path, lines: list[bytes]):
    """Run ``builder`` in a forked process: its time and its own peak RSS."""
    reader, writer = multiprocessing.Pipe(duplex=False)

    def child() -> None:
        began = time.perf_counter()
        builder(path, lines)
        elapsed = time.perf_counter() - began
        writer.send((elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))

    process = multiprocessing.get_context("fork").Process(target=child)
    process.start()
    writer.close()
    try:
        elapsed, peak = reader.recv()
    except EOFError:
        raise RuntimeError(f"building with {builder.__name__} failed") from None
    finally:
        process.join()
    files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
    size = sum(f.stat().st_size for f in files) / 1024**2
    return {"total_s": elapsed, "peak_rss_mib": peak, "size_mib": size}


def others(lines: list[bytes], queries: list[tuple[str, str]], args: argparse.Namespace) -> dict:
    out: dict[str, Any] = {}
    for engine, builder, path in (
        (Sqlite, _build_sqlite, args.dir / "fts5.db"),
        (Tantivy, _build_tantivy, args.dir / "tantivy"),
    ):
        built = _build_in_child(builder, path, lines)
        searcher = engine(path)
        timings = []
        for round_ in range(args.repeat + 1):
            for kind, q in queries:
                began = time.perf_counter()
                searcher.run(kind, q)
                if round_:
                    timings.append((kind, (time.perf_counter() - began) * 1000))
        out[engine.name] = {
            "indexing": built,
            "search": {
                "all": summarize([ms for _, ms in timings]),
                **{k: summarize([ms for kind, ms in timings if kind == k]) for k in KINDS},
            },
        }
    return out


# ---------------------------------------------------------------- report


def report(lumi_result: dict[str, Any], other: dict[str, Any]) -> None:
    """The side-by-side table, the latency by query kind, and Lumi's details."""
    indexing, searching = lumi_result["indexing"], lumi_result["search"]
    fts5, tant = other.get("sqlite fts5"), other.get("tantivy")
    lumi_q, rtt = searching["all"]["processing_ms"], searching["all"]["round_trip_ms"]
    figures = [
        ("indexing s", indexing["total_s"], ("indexing", "total_s")),
        ("peak RSS MiB", indexing["memory"]["peak_tree_rss_mib"], ("indexing", "peak_rss_mib")),
        ("size on disk MiB", indexing["disk"]["apparent_mib"], ("indexing", "size_mib")),
    ]
    for stat in ("p50", "p95", "max"):
        figures.append((f"query {stat} ms", lumi_q[stat], ("search", "all", stat)))
        figures.append((f"  HTTP round trip {stat}", rtt[stat], ("search", "all", stat)))
    rows = []
    for label, mine, path in figures:
        theirs = [_dig(engine, path) for engine in (fts5, tant)]
        rows.append([label, mine, *theirs, *(_ratio(mine, value) for value in theirs)])
    headers = ["figure", "Lumi", "SQLite FTS5", "tantivy", "Lumi/FTS5", "Lumi/tantivy"]
    title = (
        f"{indexing['documents']:,} documents; Lumi queries: processingTimeMs (whole ms), then "
        "the HTTP round trip; the others in-process"
    )
    print_table(headers, rows, title)
    kinds = []
    for kind in (*KINDS, "all"):
        mine = searching[kind]
        kinds.append(
            [
                kind,
                mine["processing_ms"]["p50"],
                mine["processing_ms"]["p95"],
                mine["round_trip_ms"]["p50"],
                mine["round_trip_ms"]["p95"],
                *(_dig(engine, ("search", kind, "p50")) for engine in (fts5, tant)),
            ]
        )
    headers = ["queries", "Lumi p50", "p95", "HTTP p50", "HTTP p95", "FTS5 p50", "tantivy p50"]
    print_table(headers, kinds, "query latency by kind (ms)")
    memory = indexing["memory"]
    slowest = searching["slowest"]
    cpu = ", ".join(f"{role} {s:.0f}" for role, s in sorted(indexing["cpu_s"].items()) if s >= 1)
    print(
        f"\nLumi: {indexing['requests']} requests in {indexing['batches']} batches; indexing "
        f"{indexing['total_s']:.1f} s; peak tree RSS {memory['peak_tree_rss_mib']:.0f} MiB "
        f"(PSS {memory['peak_tree_pss_mib']:.0f}, sum of process peaks "
        f"{memory['sum_of_process_peaks_mib']:.0f}); CPU s: {cpu}"
    )
    print(
        f"slowest query {slowest['processing_ms']:.0f} ms ({slowest['kind']} {slowest['q']!r}), "
        f"slowest round trip {searching['slowest_round_trip']:.1f} ms; adversarial queries: "
        f"max {searching['stress']['processing_ms']['max']:.0f} ms "
        f"({searching['stress_slowest']['q'][:40]!r})"
    )


def _dig(engine: dict[str, Any] | None, path: tuple[str, ...]) -> float | str:
    value: Any = engine
    for step in path:
        if value is None:
            return ""
        value = value.get(step)
    return "" if value is None else value


def _ratio(mine: float, other: float | str) -> float | str:
    return mine / other if isinstance(other, float | int) and other else ""


def _clean(directory: Path) -> None:
    """Remove what an earlier run left in the work directory."""
    for leftover in (directory / "lumi", directory / "tantivy"):
        shutil.rmtree(leftover, ignore_errors=True)
    (directory / "fts5.db").unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N documents")
    parser.add_argument("--quick", action="store_true", help="20,000 documents, 60 queries")
    parser.add_argument("--queries", type=int, default=240, help="queries in the mixed set")
    parser.add_argument("--repeat", type=int, default=3, help="measured rounds of the set")
    parser.add_argument("--request-docs", type=int, default=50_000, help="documents a POST")
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default tmp)")
    parser.add_argument("--keep", action="store_true", help="keep the Lumi data directory")
    parser.add_argument("--lumi-only", action="store_true", help="skip SQLite and tantivy")
    parser.add_argument(
        "--server-arg", action="append", default=[], help="extra `lumi serve` argument"
    )
    args = parser.parse_args()
    if args.quick:
        args.limit, args.queries, args.repeat = args.limit or 20_000, 60, 1
    scratch = args.dir is None
    args.dir = args.dir or Path(tempfile.mkdtemp(prefix="lumi-bench-search-"))
    _clean(args.dir)
    load_before = list(os.getloadavg())
    lines = list(iter_lines(args.limit))
    queries = make_queries(lines, max(1, args.queries // len(KINDS)))
    payload: dict[str, Any] = {"limit": args.limit, "queries": queries, "load_before": load_before}
    payload["lumi"] = lumi(lines, queries, args)
    payload["others"] = {} if args.lumi_only else others(lines, queries, args)
    report(payload["lumi"], payload["others"])
    write_results("search", payload)
    if scratch and not args.keep:
        shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
