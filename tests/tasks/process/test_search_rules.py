"""Dynamic search rule batches: rules created, patched, deleted and cleared by the scheduler."""

from __future__ import annotations

from typing import Any

import pytest

from lumi.tasks import builders
from lumi.tasks.process.search_rules import load_rules, patched_rule, rule_view
from lumi.tasks.query import TaskQuery
from tests.tasks.conftest import Harness

PIN = {"selector": {"indexUid": "products", "id": "123"}, "action": {"type": "pin", "position": 1}}
RULE = {
    "description": "Black Friday products",
    "precedence": 10,
    "active": True,
    "conditions": {"query": {"words": "black friday"}},
    "actions": [PIN],
}


def rules(harness: Harness) -> dict[str, dict[str, Any]]:
    store = harness.engine.store
    with store.read() as txn:
        return load_rules(store, txn)


@pytest.mark.parametrize(
    ("current", "patch", "expected"),
    [
        (
            None,
            {},
            {"uid": "r", "active": True, "conditions": {}, "actions": [], "lastUpdatedAt": 7},
        ),
        (
            None,
            {"description": "d", "precedence": 0, "active": False},
            {
                "uid": "r",
                "active": False,
                "conditions": {},
                "actions": [],
                "description": "d",
                "precedence": 0,
                "lastUpdatedAt": 7,
            },
        ),
        (
            {"uid": "r", "description": "d", "precedence": 3, "active": False, "lastUpdatedAt": 1},
            {"description": None, "precedence": None, "active": None, "actions": None},
            {"uid": "r", "active": True, "actions": [], "lastUpdatedAt": 7},
        ),
        (
            {"uid": "r", "conditions": {"query": {"isEmpty": True}}, "lastUpdatedAt": 1},
            {"conditions": {"time": {"start": None, "end": "2030-01-01T00:00:00Z"}}},
            {
                "uid": "r",
                "conditions": {"time": {"end": "2030-01-01T00:00:00Z"}},
                "lastUpdatedAt": 7,
            },
        ),
        (
            None,
            {"actions": [{"selector": {"indexUid": None, "id": "1"}, "action": PIN["action"]}]},
            {
                "uid": "r",
                "active": True,
                "conditions": {},
                "actions": [{"selector": {"id": "1"}, "action": PIN["action"]}],
                "lastUpdatedAt": 7,
            },
        ),
    ],
)
def test_a_patch_replaces_the_fields_it_names(
    current: dict[str, Any] | None, patch: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert patched_rule(current, "r", patch, 7) == expected


def test_the_view_shows_every_field_in_order() -> None:
    rule = patched_rule(None, "r", {"actions": [PIN]}, 1_700_000_000_000_000_000)
    view = rule_view(rule)
    assert view == {
        "uid": "r",
        "description": None,
        "lastUpdatedAt": "2023-11-14T22:13:20Z",
        "precedence": None,
        "active": True,
        "conditions": {},
        "actions": [PIN],
    }
    assert list(view) == [
        "uid",
        "description",
        "lastUpdatedAt",
        "precedence",
        "active",
        "conditions",
        "actions",
    ]


def test_an_update_creates_then_merges_the_rule(harness: Harness) -> None:
    created = harness.register(builders.search_rule_update("black-friday", RULE, "create"))
    assert created.view()["indexUid"] == ".meili_dsr"
    assert created.view()["details"] == {"rule": RULE, "updatedRules": 1}
    harness.run_all()
    done = harness.task(created.uid)
    assert done.status == "succeeded"
    assert done.details == {"rule": RULE, "updatedRules": 1}
    assert done.custom_metadata == "create"
    patch = {"description": "Cyber Monday", "precedence": 5}
    updated = harness.register(builders.search_rule_update("black-friday", patch))
    harness.run_all()
    stored = rules(harness)["black-friday"]
    assert stored == {**RULE, **patch, "uid": "black-friday", "lastUpdatedAt": updated.enqueued_at}


def test_deletion_removes_the_rule_and_tolerates_unknown_ones(harness: Harness) -> None:
    harness.register(builders.search_rule_update("a", RULE))
    harness.register(builders.search_rule_update("b", RULE))
    harness.run_all()
    gone = harness.register(builders.search_rule_deletion("a"))
    unknown = harness.register(builders.search_rule_deletion("nothing"))
    harness.run_all()
    assert list(rules(harness)) == ["b"]
    for task in (gone, unknown):
        done = harness.task(task.uid)
        assert (done.status, done.details) == ("succeeded", {"updatedRules": 1})


def test_updates_and_clears_of_one_batch_apply_in_order(harness: Harness) -> None:
    tasks = [
        harness.register(builders.search_rule_update("a", RULE)),
        harness.register(builders.search_rule_update("b", RULE)),
        harness.register(builders.search_rules_clear()),
        harness.register(builders.search_rules_clear()),
    ]
    later = harness.register(builders.search_rule_update("c", RULE))
    assert harness.task(tasks[2].uid).view()["details"] == {"deletedDocuments": None}
    assert harness.scheduler.tick()
    batch = {harness.task(task.uid).batch_uid for task in tasks}
    assert len(batch) == 1
    assert [harness.task(task.uid).details for task in tasks[2:]] == [
        {"deletedDocuments": 2},
        {"deletedDocuments": 0},
    ]
    assert harness.task(later.uid).status == "enqueued"
    assert rules(harness) == {}
    harness.run_all()
    assert list(rules(harness)) == ["c"]


def test_a_canceled_clear_counts_nothing_and_keeps_the_rules(harness: Harness) -> None:
    harness.register(builders.search_rule_update("a", RULE))
    harness.run_all()
    clear = harness.register(builders.search_rules_clear())
    engine = harness.engine
    query = TaskQuery(uids=[clear.uid])
    harness.register(
        builders.task_filter_task("taskCancelation", f"uids={clear.uid}"),
        matcher=lambda txn, below: engine.matching_tasks(txn, query, below, None),
    )
    harness.run_all()
    done = harness.task(clear.uid)
    assert (done.status, done.details) == ("canceled", {"deletedDocuments": 0})
    assert list(rules(harness)) == ["a"]
