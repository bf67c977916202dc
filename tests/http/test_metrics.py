"""The Prometheus text of ``GET /metrics``."""

from __future__ import annotations

from pathlib import Path

from lumi.http.metrics import render_metrics
from lumi.tasks import builders
from tests.tasks.conftest import Harness


def test_gauges_count_indexes_documents_and_tasks(tmp_path: Path) -> None:
    harness = Harness(tmp_path / "data")
    harness.add_documents("movies", [{"id": 1}, {"id": 2}])
    harness.add_documents('say "hi"', [{"id": 1}])
    harness.run_all()
    harness.register(builders.dump_creation())
    lines = render_metrics(harness.engine).splitlines()
    assert lines[:3] == [
        "# HELP meilisearch_db_size_bytes Bytes the data directory uses on disk",
        "# TYPE meilisearch_db_size_bytes gauge",
        lines[2],
    ]
    assert int(lines[2].split()[1]) > 0
    for expected in (
        "meilisearch_index_count 2",
        'meilisearch_index_docs_count{index="movies"} 2',
        'meilisearch_index_docs_count{index="say \\"hi\\""} 1',
        "meilisearch_is_indexing 0",
        'meilisearch_nb_tasks{kind="statuses",value="succeeded"} 2',
        'meilisearch_nb_tasks{kind="statuses",value="enqueued"} 1',
        'meilisearch_nb_tasks{kind="statuses",value="processing"} 0',
        'meilisearch_nb_tasks{kind="types",value="dumpCreation"} 1',
        'meilisearch_nb_tasks{kind="types",value="indexSwap"} 0',
        'meilisearch_nb_tasks{kind="indexes",value="movies"} 1',
    ):
        assert expected in lines
    last_update = next(line for line in lines if line.startswith("meilisearch_last_update "))
    assert int(last_update.split()[1]) > 1_700_000_000
    harness.close()
