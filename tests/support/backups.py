"""A scheduler harness that writes dumps and snapshots under a temporary directory, and a
small instance to back up: two indexes with settings, an API key, a webhook, a feature."""

from __future__ import annotations

from pathlib import Path

from lumi.auth.keys import KeyRecord
from lumi.tasks import builders
from lumi.tasks.scheduler import SchedulerOptions
from tests.tasks.conftest import Harness

MOVIES = [
    {"id": 1, "title": "Carol", "genre": "drama", "year": 2015},
    {"id": 2, "title": "Wall-E", "genre": "animation", "year": 2008},
    {"id": 3, "title": "Mad Max: Fury Road", "genre": "action", "year": 2015},
    {"id": 4, "title": "Paddington", "genre": "family", "year": 2014},
]
SETTINGS = {
    "filterableAttributes": ["genre", "year"],
    "sortableAttributes": ["year"],
    "searchableAttributes": ["title"],
    "synonyms": {"robot": ["wall-e"]},
}
KEY: KeyRecord = {
    "uid": "4f0b4a1e-9f4d-4c5a-8a57-2f3c7d1d2e10",
    "name": "Search movies",
    "description": None,
    "actions": ["search"],
    "indexes": ["movies"],
    "expires_at": None,
    "created_at": 1_700_000_000_000_000_000,
    "updated_at": 1_700_000_000_000_000_000,
}
WEBHOOK = {"url": "http://127.0.0.1:9/hook", "headers": {"x-team": "search"}}


def backup_harness(root: Path) -> Harness:
    harness = Harness(root / "data")
    harness.scheduler.options = SchedulerOptions(
        dump_dir=root / "dumps", snapshot_dir=root / "snapshots"
    )
    return harness


def seed(harness: Harness) -> None:
    """Documents and settings in ``movies``, an empty ``songs`` index, instance records."""
    harness.add_documents("movies", MOVIES)
    harness.register(builders.settings_update("movies", SETTINGS, allow_index_creation=True))
    harness.create_index("songs", "isrc")
    harness.run_all()
    store = harness.engine.store
    with store.write() as txn:
        store.put_record(txn, "keys", KEY["uid"], KEY)
        store.put_record(txn, "webhooks", "6b2a2f3e-07a6-4c36-b8a4-6a5ff1a1c0de", WEBHOOK)
    harness.engine.set_experimental_features({"containsFilter": True})
