"""Engine profile on the PyPI dataset: indexing speed and query latency, without HTTP.

    .venv/bin/python bench/engine_profile.py build --dir /tmp/pypi.lumi [--limit N] [--workers 2]
        [--chunk 10000] [--max-memory MiB] [--profile]
    .venv/bin/python bench/engine_profile.py query --dir /tmp/pypi.lumi [--repeat 3]

``build`` feeds the documents through ``Index`` + ``DocumentWriter`` + the registered
extractors in chunks of 10 000, in one deferred build completed by ``finish_changes`` (as
the scheduler does), and prints docs/s, wall time, CPU time, peak RSS (this process and its
workers) and the size on disk; ``--profile`` adds cProfile's top functions of this process
(the workers' extraction shows there as waiting). ``query`` runs a fixed mixed set
of one-word, multi-word, prefix and typo queries and prints p50/p95/max in milliseconds,
then the slowest of a set of queries built to be expensive.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import itertools
import pstats
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

import orjson

from lumi.index.index import Index
from lumi.index.indexer import words
from lumi.index.indexer.build import BuildContext, apply_changes, finish_changes
from lumi.index.indexer.write import DocumentWriter

DATASET = Path(__file__).resolve().parents[2] / "shared/datasets/pypi-packages.ndjson.gz"
CHUNK = 10_000

QUERIES = [
    # one word
    "django",
    "flask",
    "numpy",
    "requests",
    "pytest",
    "tensorflow",
    "kubernetes",
    "aws",
    "postgres",
    "redis",
    "async",
    "scraper",
    "telegram",
    "parser",
    "yaml",
    "jupyter",
    # multi-word
    "machine learning",
    "web framework",
    "django rest framework",
    "http client",
    "command line tool",
    "data validation",
    "image processing",
    "natural language processing",
    "aws lambda",
    "flask sqlalchemy",
    "google cloud storage",
    "json schema validation",
    "python wrapper for the api",
    "a simple library",
    # prefix (as typed)
    "dja",
    "tensorf",
    "mach",
    "machine lea",
    "web fra",
    "pyt",
    "sql",
    "re",
    "a",
    "kube",
    # typos
    "djnago",
    "reqests",
    "tensorflw",
    "kubernets",
    "matplotlb",
    "numpyy",
    "fastapi framwork",
    "beautifulsop",
    "scikit lern",
    "pandsa dataframe",
    # phrases, negatives
    '"machine learning"',
    '"command line" tool',
    "django -rest",
    "flask -sqlalchemy",
]

# Queries meant to be slow: many frequent terms, many typo-tolerant terms, long words.
STRESS = [
    "a b c d e f g h i j",
    "the for and to of a with python library package",
    "librari packag modul framewor applicatio implementatio configuratio",
    "pythn libary packge modle frameork aplication implmentation",
    "x" * 300,
    '"a python library for the"',
    "-a -b -c -d python",
    "0 1 2 3 4 5 6 7 8 9",
    "p",
]


def _usage() -> tuple[float, float, float, float]:
    """(parent CPU s, workers CPU s, parent peak RSS MB, largest worker peak RSS MB)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (
        own.ru_utime + own.ru_stime,
        children.ru_utime + children.ru_stime,
        own.ru_maxrss / 1024,
        children.ru_maxrss / 1024,
    )


def build(
    directory: Path,
    limit: int | None,
    workers: int,
    chunk: int = CHUNK,
    max_memory: int = 2 * 1024**3,
    profile: bool = False,
) -> None:
    shutil.rmtree(directory, ignore_errors=True)
    index = Index(directory)
    lines = itertools.islice(gzip.open(DATASET), limit)  # noqa: SIM115
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    start = time.perf_counter()
    txn = index.write()
    ctx = BuildContext(
        index,
        txn,
        index.settings(txn),
        lambda: None,
        max_workers=workers,
        max_memory=max_memory,
        deferred=True,
    )
    writer = DocumentWriter(index, txn, lambda changes: apply_changes(ctx, changes))
    count = 0
    for line in lines:
        document = orjson.loads(line)
        writer.put(str(document["id"]), document)
        count += 1
        if writer.pending >= chunk:
            writer.flush()
    writer.finish()
    finish_changes(ctx)
    index.set_primary_key(txn, "id")
    txn.commit()
    elapsed = time.perf_counter() - start
    if profiler is not None:
        profiler.disable()
    words.close_pool()  # workers' usage is only counted once they exit
    size = sum(f.stat().st_size for f in directory.iterdir()) / 1024**2
    cpu, worker_cpu, rss, worker_rss = _usage()
    print(f"documents      {count}")
    print(f"wall time      {elapsed:.1f} s  ({count / elapsed:.0f} docs/s)")
    print(f"CPU time       parent {cpu:.1f} s, workers {worker_cpu:.1f} s")
    print(f"peak RSS       parent {rss:.0f} MB, largest worker {worker_rss:.0f} MB")
    print(f"size on disk   {size:.0f} MB")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def query(directory: Path, repeat: int) -> None:
    from lumi.search.pipeline import EngineQuery, search

    index = Index(directory)
    timings: dict[str, list[float]] = {}
    for _ in range(repeat):
        for q in QUERIES:
            with index.read() as txn:
                began = time.perf_counter()
                result = search(index, txn, EngineQuery(q=q, limit=20))
                timings.setdefault(q, []).append((time.perf_counter() - began) * 1000)
                del result
    best = {q: min(values) for q, values in timings.items()}
    every = sorted(v for values in timings.values() for v in values)
    for q, ms in sorted(best.items(), key=lambda item: -item[1])[:12]:
        print(f"{ms:8.2f} ms  {q}")
    p50 = statistics.median(every)
    p95 = every[int(len(every) * 0.95) - 1]
    print(
        f"queries {len(QUERIES)} x {repeat}: p50 {p50:.2f} ms, p95 {p95:.2f} ms, "
        f"max {every[-1]:.2f} ms"
    )
    worst = 0.0
    for q in STRESS:
        with index.read() as txn:
            began = time.perf_counter()
            search(index, txn, EngineQuery(q=q, limit=20))
            worst = max(worst, (time.perf_counter() - began) * 1000)
    print(f"stress queries {len(STRESS)}: max {worst:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["build", "query"])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/pypi.lumi"))
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=CHUNK, help="documents per extractor call")
    parser.add_argument("--max-memory", type=int, default=2048, help="indexing memory, MiB")
    parser.add_argument("--profile", action="store_true", help="cProfile the build")
    args = parser.parse_args()
    if args.command == "build":
        build(
            args.dir, args.limit, args.workers, args.chunk, args.max_memory * 1024**2, args.profile
        )
    else:
        query(args.dir, args.repeat)


if __name__ == "__main__":
    sys.exit(main())
