"""The dashboard's pure rules, run in Chromium on the modules exactly as they are shipped:
durations, which live task belongs to a filtered list, highlight tags turned into ``<mark>``
without parsing document text as HTML, and which filterable attributes become facets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.support.server import LumiServer

pytestmark = pytest.mark.e2e

PRE, POST = "\ue000", "\ue001"


@pytest.fixture(scope="module")
def modules(browser: Any, server: LumiServer) -> Iterator[Page]:
    """A tab on the dashboard's origin, so its modules can be imported."""
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(f"{server.url}/")
    yield tab
    context.close()


def call(tab: Page, module: str, function: str, *args: Any) -> Any:
    return tab.evaluate(
        """async ([module, fn, args]) => {
            const imported = await import(`/_dashboard/js/${module}`);
            return imported[fn](...args);
        }""",
        [module, function, list(args)],
    )


@pytest.mark.parametrize(
    ("duration", "shown"),
    [
        ("PT0.119768193S", "120 ms"),
        ("PT0.0004S", "1 ms"),
        ("PT0S", "0 ms"),
        ("PT2.5S", "2.50 s"),
        ("PT12.25S", "12.3 s"),
        ("PT75.2S", "1 min 15 s"),
        ("PT1H2M3S", "1 h 2 min"),
        ("P1DT2H", "26 h 0 min"),
        (None, "—"),
        ("not a duration", "not a duration"),
    ],
)
def test_durations_read_as_people_say_them(modules: Page, duration: str | None, shown: str) -> None:
    assert call(modules, "format.js", "formatDuration", duration) == shown


TASK = {"uid": 7, "status": "failed", "type": "settingsUpdate", "indexUid": "movies", "batchUid": 3}


@pytest.mark.parametrize(
    ("filters", "belongs"),
    [
        ({}, True),
        ({"statuses": "failed"}, True),
        ({"statuses": "succeeded,failed"}, True),
        ({"statuses": "succeeded"}, False),
        ({"types": "settingsUpdate"}, True),
        ({"types": "documentDeletion"}, False),
        ({"indexUids": "books,movies"}, True),
        ({"indexUids": "books"}, False),
        ({"batchUids": "3"}, True),
        ({"batchUids": "4"}, False),
        ({"statuses": "failed", "indexUids": "books"}, False),
    ],
)
def test_live_tasks_join_only_the_lists_they_match(
    modules: Page, filters: dict[str, str], belongs: bool
) -> None:
    assert call(modules, "tasks.js", "matchesFilters", TASK, filters) is belongs


@pytest.mark.parametrize(
    ("task", "filters"),
    [
        ({**TASK, "indexUid": None, "type": "taskDeletion"}, {"indexUids": "movies"}),
        ({**TASK, "batchUid": None, "status": "enqueued"}, {"batchUids": "3"}),
    ],
)
def test_tasks_without_index_or_batch_leave_lists_filtered_on_them(
    modules: Page, task: dict[str, Any], filters: dict[str, str]
) -> None:
    assert call(modules, "tasks.js", "matchesFilters", task, filters) is False


@pytest.mark.parametrize(
    ("text", "html"),
    [
        (f"{PRE}Car{POST}ol", "<mark>Car</mark>ol"),
        (f"A {PRE}Christmas{POST} {PRE}Carol{POST}", "A <mark>Christmas</mark> <mark>Carol</mark>"),
        (f"<b>{PRE}bold{POST}</b> & co", "&lt;b&gt;<mark>bold</mark>&lt;/b&gt; &amp; co"),
        ("no match at all", "no match at all"),
        (f"unclosed {PRE}tag", "unclosed tag"),
    ],
)
def test_highlights_become_marks_and_document_text_stays_text(
    modules: Page, text: str, html: str
) -> None:
    shown = modules.evaluate(
        """async (text) => {
            const { highlighted } = await import("/_dashboard/js/search.js");
            const box = document.createElement("div");
            box.append(highlighted(text));
            return box.innerHTML;
        }""",
        text,
    )
    assert shown == html


@pytest.mark.parametrize(
    ("filterable", "facets"),
    [
        ([], []),
        (["genre", "year"], ["genre", "year"]),
        ([{"attributePatterns": ["genre", "tags.*"], "features": {}}], ["genre"]),
        (["*"], []),
    ],
)
def test_plain_filterable_attributes_become_facets(
    modules: Page, filterable: list[Any], facets: list[str]
) -> None:
    settings = {"filterableAttributes": filterable}
    assert call(modules, "search.js", "facetNames", settings) == facets
