"""Dumps end to end: ``POST /dumps`` on one server, ``--import-dump`` into a second one, and
the start-up refusals of ``lumi serve``.

The second server must show the same indexes, documents, settings, keys (same key strings:
same master key), tasks and experimental features, and answer searches.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import meilisearch
import pytest

from tests.api.conftest import wait_ok
from tests.support.server import LumiServer

pytestmark = pytest.mark.api

MASTER_KEY = "dumps-master-key-0123456789"
MOVIES = [
    {"id": 1, "title": "Carol", "genres": ["Romance", "Drama"], "year": 2015},
    {"id": 2, "title": "Wall-E", "genres": ["Animation"], "year": 2008},
    {"id": 3, "title": "Mad Max: Fury Road", "genres": ["Action"], "year": 2015},
    {"id": 4, "title": "Paddington", "genres": ["Family"], "year": 2014},
]
SETTINGS = {
    "filterableAttributes": ["genres", "year"],
    "sortableAttributes": ["year"],
    "synonyms": {"robot": ["wall-e"]},
}


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A server with data, a custom key and a feature switched on, and the dump it made."""
    root = tmp_path_factory.mktemp("dumps")
    server = LumiServer(
        root / "source", "--master-key", MASTER_KEY, "--dump-dir", str(root / "dumps")
    ).start()
    try:
        client = meilisearch.Client(server.url, MASTER_KEY, timeout=30)
        movies = client.index("movies")
        wait_ok(client, client.create_index("movies", {"primaryKey": "id"}))
        wait_ok(client, movies.update_settings(SETTINGS))
        wait_ok(client, movies.add_documents(MOVIES))
        key = client.create_key(
            {"actions": ["search"], "indexes": ["movies"], "expiresAt": None, "name": "Movies"}
        )
        with httpx.Client(base_url=server.url, headers=_auth(MASTER_KEY)) as http:
            http.patch("/experimental-features", json={"containsFilter": True}).raise_for_status()
            answer = http.post("/dumps")
        assert answer.status_code == 202
        summary = answer.json()
        done = wait_ok(client, summary["taskUid"])
        tasks = [t.uid for t in client.get_tasks({"limit": 100}).results]
        settings = movies.get_settings()
    finally:
        server.stop()
    yield {
        "root": root,
        "summary": summary,
        "task": done,
        "key": key,
        "tasks": tasks,
        "settings": settings,
    }


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_post_dumps_answers_the_summarized_task(source: dict[str, Any]) -> None:
    summary = source["summary"]
    assert list(summary) == ["taskUid", "indexUid", "status", "type", "enqueuedAt"]
    assert (summary["indexUid"], summary["status"], summary["type"]) == (
        None,
        "enqueued",
        "dumpCreation",
    )


def test_the_dump_file_is_named_after_its_dump_uid(source: dict[str, Any]) -> None:
    uid = source["task"].details["dumpUid"]
    assert re.fullmatch(r"\d{8}-\d{9}", uid)
    assert [p.name for p in (source["root"] / "dumps").iterdir()] == [f"{uid}.dump"]


@pytest.fixture(scope="module")
def imported(source: dict[str, Any]) -> Iterator[LumiServer]:
    dump = next((source["root"] / "dumps").iterdir())
    server = LumiServer(
        source["root"] / "imported", "--master-key", MASTER_KEY, "--import-dump", str(dump)
    ).start()
    yield server
    server.stop()


def test_the_imported_server_has_the_same_data(
    source: dict[str, Any], imported: LumiServer
) -> None:
    client = meilisearch.Client(imported.url, MASTER_KEY, timeout=30)
    movies = client.index("movies")
    assert movies.fetch_info().primary_key == "id"
    assert movies.get_settings() == source["settings"]
    assert [t.uid for t in client.get_tasks({"limit": 100}).results] == source["tasks"]
    restored = client.get_task(source["task"].uid)
    assert restored.status == "succeeded"
    assert restored.details == source["task"].details
    with httpx.Client(base_url=imported.url, headers=_auth(MASTER_KEY)) as http:
        assert http.get("/indexes/movies/documents").json()["results"] == MOVIES
        assert http.get("/experimental-features").json()["containsFilter"] is True


def test_keys_keep_their_uid_and_key_string(source: dict[str, Any], imported: LumiServer) -> None:
    key = source["key"]
    client = meilisearch.Client(imported.url, MASTER_KEY, timeout=30)
    restored = client.get_key(key.uid)
    assert (restored.key, restored.name, restored.actions) == (key.key, "Movies", ["search"])
    search = httpx.post(
        f"{imported.url}/indexes/movies/search", json={"q": "fury"}, headers=_auth(key.key)
    )
    assert search.status_code == 200
    assert [hit["id"] for hit in search.json()["hits"]] == [3]


def test_the_imported_indexes_answer_searches(imported: LumiServer) -> None:
    movies = meilisearch.Client(imported.url, MASTER_KEY, timeout=30).index("movies")
    assert [hit["id"] for hit in movies.search("robot")["hits"]] == [2]
    found = movies.search("", {"filter": "genres = Drama OR year < 2010", "sort": ["year:asc"]})
    assert [hit["id"] for hit in found["hits"]] == [2, 1]
    facets = movies.search("", {"facets": ["year"]})["facetDistribution"]
    assert facets == {"year": {"2008": 1, "2014": 1, "2015": 2}}
    assert [h["id"] for h in movies.search("", {"filter": "genres CONTAINS ami"})["hits"]] == [4]


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lumi", "serve", "--http-addr", "127.0.0.1:0", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_server_refuses_to_import_over_an_existing_database(
    source: dict[str, Any], imported: LumiServer
) -> None:
    imported.stop()
    dump = next((source["root"] / "dumps").iterdir())
    data = source["root"] / "imported"
    refused = _serve("--db-path", str(data), "--import-dump", str(dump))
    assert refused.returncode == 2
    assert refused.stderr.strip().endswith(
        f"error: cannot import the dump `{dump}`: a database already exists in `{data}`. "
        "Remove it or start with `--ignore-dump-if-db-exists` to keep it"
    )


def test_a_missing_dump_file_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "missing.dump"
    refused = _serve("--db-path", str(tmp_path / "data"), "--import-dump", str(missing))
    assert refused.returncode == 2
    assert refused.stderr.strip().endswith(f"error: the dump `{missing}` does not exist")
