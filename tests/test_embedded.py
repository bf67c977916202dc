"""The embedded API: the same engine and task queue in-process, without a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from lumi.config import ConfigError
from lumi.embedded import Lumi
from lumi.errors import LumiError


def test_add_search_and_settings_in_process(tmp_path: Path) -> None:
    with Lumi(tmp_path / "data") as lumi:
        movies = lumi.index("movies")
        task = movies.add_documents(
            [{"id": 1, "title": "Carol"}, {"id": 2, "title": "Wall-E"}, {"id": 3, "title": "Up"}]
        )
        assert task["status"] == "enqueued"
        assert lumi.wait_for_task(task["taskUid"])["status"] == "succeeded"
        hits = movies.search("caro")["hits"]
        assert [h["title"] for h in hits] == ["Carol"]
        settings = movies.update_settings({"displayedAttributes": ["title"]})
        lumi.wait_for_task(settings["taskUid"])
        assert movies.get_settings()["displayedAttributes"] == ["title"]
        assert movies.search("wall")["hits"] == [{"title": "Wall-E"}]
        assert movies.get_document(2) == {"id": 2, "title": "Wall-E"}
        assert [i["uid"] for i in lumi.get_indexes()] == ["movies"]


def test_errors_are_the_api_errors(tmp_path: Path) -> None:
    with Lumi(tmp_path / "data") as lumi:
        with pytest.raises(LumiError) as missing:
            lumi.index("nothing").search("x")
        assert missing.value.code == "index_not_found"
        with pytest.raises(LumiError) as bad:
            lumi.index("nothing").search("x", limit=-1)
        assert bad.value.code == "invalid_search_limit"
        failed = lumi.wait_for_task(lumi.index("pk").add_documents([{"title": "x"}])["taskUid"])
        assert failed["error"]["code"] == "index_primary_key_no_candidate_found"


def test_a_data_dir_is_used_by_one_instance_at_a_time(tmp_path: Path) -> None:
    with Lumi(tmp_path / "data"), pytest.raises(ConfigError):
        Lumi(tmp_path / "data")


def test_tasks_survive_reopening(tmp_path: Path) -> None:
    with Lumi(tmp_path / "data") as lumi:
        uid = lumi.index("m").add_documents([{"id": 1}])["taskUid"]
        lumi.wait_for_task(uid)
    with Lumi(tmp_path / "data") as lumi:
        assert lumi.get_task(uid)["status"] == "succeeded"
        assert lumi.get_tasks(index_uids=["m"])["total"] == 1
