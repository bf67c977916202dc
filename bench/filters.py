"""Filters, facets and sort on the PyPI dataset, against SQLite FTS5 and tantivy (issue 4).

    .venv/bin/python -m bench.filters build [--dir DIR] [--limit N]
    .venv/bin/python -m bench.filters query [--dir DIR] [--repeat 3]
    .venv/bin/python -m bench.filters all   (build, then query)

``build`` indexes the documents in-process as the scheduler does (``Index`` +
``DocumentWriter`` + every registered extractor, chunks of 10 000) with ``year`` and
``rank`` filterable and sortable, timing each extractor family: the facet structures'
share is their time over the rest of the indexing (target: under 30 %). The same documents
go into an SQLite FTS5 table (with ``year``/``rank`` columns and B-tree indexes) and a
tantivy index (text fields plus fast ``year``/``rank`` fields).

``query`` runs three workloads through Lumi's whole search path (``perform_search``, hits
formatted as the HTTP layer returns them) and the same questions on SQLite and tantivy, in
this process, and prints p50/p95 per engine (targets, Lumi p95: text + range filter
< 30 ms; ``facets: ["year"]`` on a placeholder search < 50 ms; sort by ``rank`` on a common
word < 50 ms):

- ``text + range``: a common word with a numeric range on ``year`` or ``rank``;
- ``facets year``: the ``year`` distribution of every document (and of a filter);
- ``sort rank``: a common word, sorted by ``rank``, ascending.

Each engine returns the top 20 and the number of matches.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tantivy

from bench.common import iter_documents, print_table, summarize, write_results
from lumi.index.index import Index
from lumi.index.indexer import build as build_module
from lumi.index.indexer.build import BuildContext
from lumi.index.indexer.write import DocumentWriter
from lumi.index.settings import apply_patch
from lumi.search.perform import SearchTarget, perform_search
from lumi.search.request import SearchRequest

CHUNK = 10_000
SETTINGS = {"filterableAttributes": ["year", "rank"], "sortableAttributes": ["year", "rank"]}
WORDS = ["python", "django", "api", "client", "data", "web", "tool", "library", "test", "cli"]
RANGES = [  # (Lumi filter, field, low, high): inclusive bounds, None = open
    ("year > 2020", "year", 2021, None),
    ("year 2015 TO 2018", "year", 2015, 2018),
    ("year < 2012", "year", None, 2011),
    ("rank < 1000", "rank", None, 999),
    ("rank 2000 TO 9000", "rank", 2000, 9000),
]


# ---------------------------------------------------------------- build


def build(directory: Path, limit: int | None) -> dict[str, Any]:
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    timings = {"lumi": _build_lumi(directory / "lumi", limit)}
    began = time.perf_counter()
    _build_sqlite(directory / "sqlite.db", limit)
    timings["sqlite"] = {"total_s": time.perf_counter() - began}
    began = time.perf_counter()
    _build_tantivy(directory / "tantivy", limit)
    timings["tantivy"] = {"total_s": time.perf_counter() - began}
    lumi = timings["lumi"]
    rows = [
        ["lumi", lumi["documents"], lumi["total_s"], lumi["facets_s"], lumi["facet_share"]],
        ["sqlite fts5", lumi["documents"], timings["sqlite"]["total_s"], "", ""],
        ["tantivy", lumi["documents"], timings["tantivy"]["total_s"], "", ""],
    ]
    headers = ["engine", "documents", "seconds", "facets s", "facets / rest %"]
    print_table(headers, rows, "indexing")
    return timings


def _build_lumi(directory: Path, limit: int | None) -> dict[str, Any]:
    index = Index(directory)
    spent: dict[str, float] = {}
    for extractor in build_module.EXTRACTORS:
        extractor.apply = _timed(extractor.apply, extractor.family, spent)  # type: ignore[method-assign]
    began = time.perf_counter()
    txn = index.write()
    settings = apply_patch({}, SETTINGS)
    index.set_settings(txn, settings)
    ctx = BuildContext(index, txn, settings, lambda: None, max_workers=2)
    writer = DocumentWriter(index, txn, lambda changes: build_module.apply_changes(ctx, changes))
    count = 0
    for document in iter_documents(limit):
        writer.put(str(document["id"]), document)
        count += 1
        if writer.pending >= CHUNK:
            writer.flush()
    writer.finish()
    index.set_primary_key(txn, "id")
    txn.commit()
    total = time.perf_counter() - began
    index.close()
    facets = spent.get("facets", 0.0)
    return {
        "documents": count,
        "total_s": total,
        "by_family_s": spent,
        "facets_s": facets,
        "facet_share": 100 * facets / (total - facets),
    }


def _timed(apply: Callable[..., None], family: str, spent: dict[str, float]) -> Callable[..., None]:
    def run(*args: Any) -> None:
        began = time.perf_counter()
        apply(*args)
        spent[family] = spent.get(family, 0.0) + time.perf_counter() - began

    return run


def _build_sqlite(path: Path, limit: int | None) -> None:
    db = sqlite3.connect(path)
    db.executescript(
        """
        PRAGMA journal_mode = OFF;
        PRAGMA synchronous = OFF;
        CREATE TABLE docs (id INTEGER PRIMARY KEY, name TEXT, summary TEXT, year INT, rank INT);
        CREATE VIRTUAL TABLE fts USING fts5(name, summary, content='docs', content_rowid='id');
        """
    )
    rows = (
        (d["id"], d["name"], d.get("summary") or "", d.get("year"), d.get("rank"))
        for d in iter_documents(limit)
    )
    db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", rows)
    db.executescript(
        """
        INSERT INTO fts (rowid, name, summary) SELECT id, name, summary FROM docs;
        CREATE INDEX docs_year ON docs (year);
        CREATE INDEX docs_rank ON docs (rank);
        """
    )
    db.commit()
    db.close()


def _tantivy_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True)
    builder.add_text_field("name", stored=False)
    builder.add_text_field("summary", stored=False)
    builder.add_integer_field("year", indexed=True, fast=True)
    builder.add_integer_field("rank", indexed=True, fast=True)
    return builder.build()


def _build_tantivy(path: Path, limit: int | None) -> None:
    path.mkdir(parents=True)
    index = tantivy.Index(_tantivy_schema(), path=str(path))
    writer = index.writer(heap_size=512 * 1024**2, num_threads=2)
    for d in iter_documents(limit):
        fields: dict[str, Any] = {
            "id": d["id"],
            "name": d["name"],
            "summary": d.get("summary") or "",
        }
        for name in ("year", "rank"):
            if d.get(name) is not None:
                fields[name] = d[name]
        writer.add_document(tantivy.Document(**fields))
    writer.commit()
    writer.wait_merging_threads()


# ---------------------------------------------------------------- queries


def workloads() -> dict[str, list[dict[str, Any]]]:
    """The three workloads as Lumi search parameters (the other engines translate them)."""
    text_range = [{"q": word, "filter": flt[0]} for word in WORDS for flt in RANGES]
    facets = [{"q": "", "facets": ["year"]}] + [
        {"q": "", "facets": ["year"], "filter": flt[0]} for flt in RANGES
    ]
    sort = [{"q": word, "sort": ["rank:asc"]} for word in WORDS]
    return {"text + range": text_range, "facets year": facets, "sort rank": sort}


class Lumi:
    name = "lumi"

    def __init__(self, directory: Path) -> None:
        self.index = Index(directory / "lumi")
        self.target = SearchTarget("pypi", "id", self.index)

    def run(self, params: dict[str, Any]) -> int:
        body = perform_search(self.target, SearchRequest.of(params))
        return len(body["hits"])


class Sqlite:
    name = "sqlite fts5"

    def __init__(self, directory: Path) -> None:
        self.db = sqlite3.connect(directory / "sqlite.db")

    def run(self, params: dict[str, Any]) -> int:
        where, args = self._where(params)
        if params.get("facets"):
            sql = f"SELECT year, COUNT(*) FROM docs d WHERE {where or '1'} GROUP BY year"
            return len(self.db.execute(sql, args).fetchall())
        order = "d.rank IS NULL, d.rank" if params.get("sort") else "fts.rank"
        source = "fts JOIN docs d ON d.id = fts.rowid"
        match = "fts MATCH ?" + (f" AND {where}" if where else "")
        rows = self.db.execute(
            f"SELECT d.id FROM {source} WHERE {match} ORDER BY {order} LIMIT 20",
            [params["q"], *args],
        ).fetchall()
        self.db.execute(f"SELECT COUNT(*) FROM {source} WHERE {match}", [params["q"], *args])
        return len(rows)

    @staticmethod
    def _where(params: dict[str, Any]) -> tuple[str, list[Any]]:
        for text, field, low, high in RANGES:
            if params.get("filter") == text:
                parts, args = [], []
                if low is not None:
                    parts.append(f"d.{field} >= ?")
                    args.append(low)
                if high is not None:
                    parts.append(f"d.{field} <= ?")
                    args.append(high)
                return " AND ".join(parts), args
        return "", []


class Tantivy:
    name = "tantivy"

    def __init__(self, directory: Path) -> None:
        self.schema = _tantivy_schema()
        self.index = tantivy.Index.open(str(directory / "tantivy"))
        self.index.reload()
        self.searcher = self.index.searcher()

    def run(self, params: dict[str, Any]) -> int:
        query = self._query(params)
        if params.get("facets"):
            aggregation = {"years": {"terms": {"field": "year", "size": 100}}}
            result = self.searcher.aggregate(query, aggregation)
            return len(result["years"]["buckets"])
        if params.get("sort"):
            found = self.searcher.search(
                query, 20, count=True, order_by_field="rank", order=tantivy.Order.Asc
            )
        else:
            found = self.searcher.search(query, 20, count=True)
        return len(found.hits)

    def _query(self, params: dict[str, Any]) -> tantivy.Query:
        parts: list[tantivy.Query] = []
        if params.get("q"):
            parts.append(self.index.parse_query(params["q"], ["name", "summary"]))
        for text, field, low, high in RANGES:
            if params.get("filter") == text:
                parts.append(
                    tantivy.Query.range_query(
                        self.schema,
                        field,
                        tantivy.FieldType.Integer,
                        -(2**62) if low is None else low,
                        2**62 if high is None else high,
                    )
                )
        if not parts:
            return tantivy.Query.all_query()
        if len(parts) == 1:
            return parts[0]
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, part) for part in parts])


def query(directory: Path, repeat: int) -> dict[str, Any]:
    engines = [Lumi(directory), Sqlite(directory), Tantivy(directory)]
    results: dict[str, Any] = {}
    rows = []
    for workload, queries in workloads().items():
        for engine in engines:
            timings = []
            for _ in range(repeat):
                for params in queries:
                    began = time.perf_counter()
                    engine.run(params)
                    timings.append((time.perf_counter() - began) * 1000)
            stats = summarize(timings)
            results.setdefault(workload, {})[engine.name] = stats
            rows.append([workload, engine.name, stats["count"], stats["p50"], stats["p95"]])
    print_table(["workload", "engine", "queries", "p50 ms", "p95 ms"], rows, "query latency")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["build", "query", "all"])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/lumi-bench-filters"))
    parser.add_argument("--limit", type=int, default=None, help="index only the first N docs")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    payload: dict[str, Any] = {"limit": args.limit}
    if args.command in ("build", "all"):
        payload["build"] = build(args.dir, args.limit)
    if args.command in ("query", "all"):
        payload["query"] = query(args.dir, args.repeat)
    write_results("filters", payload)


if __name__ == "__main__":
    main()
