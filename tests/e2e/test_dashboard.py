"""The dashboard as a user sees it, in headless Chromium against a real ``lumi serve``.

Covers: a task added through the API appearing on the tasks page and turning ``succeeded``
without a reload; a failed task's error one click away; the status, index and type filters
(and that they survive a reload); the search preview with highlighted hits and facet counts;
a batch's progress bar and its switch to finished; the API key dialog showing the API's own
error for a wrong key; and every page at laptop and phone widths.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Page, Request, Route, expect

from tests.e2e.conftest import LAPTOP, MASTER_KEY, Api, screenshot_path
from tests.support.server import LumiServer

pytestmark = pytest.mark.e2e

MISSING_HEADER = "The Authorization header is missing. It must use the bearer authorization method."
INVALID_KEY = "The provided API key is invalid."
PHONE = {"width": 390, "height": 844}
MOVIES = [
    {"id": 1, "title": "Carol", "genre": "drama", "overview": "Carol meets Therese in a store."},
    {"id": 2, "title": "Wonder Woman", "genre": "action", "overview": "An Amazon princess."},
    {"id": 3, "title": "Christmas Carol", "genre": "drama", "overview": "Three ghosts visit."},
]


def open_tasks(page: Page, server: LumiServer, hash_: str = "#/tasks") -> None:
    """Load a tasks page and wait until its list is shown and its live stream requested."""
    with page.expect_request(lambda request: request.url.endswith("/tasks/stream")):
        page.goto(f"{server.url}/{hash_}")
    expect(page.locator(".results table, .results .empty").first).to_be_visible()


def task_row(page: Page, uid: int) -> Any:
    return page.locator(f'table.tasks tr[data-uid="{uid}"]')


def test_new_task_appears_and_turns_succeeded_without_reload(
    page: Page, server: LumiServer, api: Api, index_uid: str
) -> None:
    open_tasks(page, server)
    page.evaluate("window.sameDocument = true")

    task = api.add_documents(index_uid, [{"id": 1, "title": "Carol"}])

    row = task_row(page, task["taskUid"])
    expect(row).to_be_visible()
    expect(row.get_by_role("link", name=index_uid)).to_be_visible()
    expect(row).to_contain_text("documentAdditionOrUpdate")
    expect(row.locator(".pill")).to_have_text("succeeded")
    expect(row.get_by_role("link", name=re.compile(r"^Batch \d+$"))).to_be_visible()
    assert page.evaluate("window.sameDocument") is True


def test_failed_task_error_opens_from_its_row(
    page: Page, server: LumiServer, api: Api, index_uid: str
) -> None:
    failed = api.wait(api.add_documents(index_uid, [{"name": "no identifier anywhere"}]))
    assert failed["status"] == "failed"

    open_tasks(page, server, f"#/tasks?indexUids={index_uid}")
    row = task_row(page, failed["uid"])
    expect(row.locator(".pill")).to_have_text("failed")
    expect(row).to_contain_text(failed["error"]["code"])
    row.get_by_role("link", name=f"Task {failed['uid']}").click()

    expect(page).to_have_url(re.compile(rf"#/tasks/{failed['uid']}$"))
    expect(page.get_by_role("heading", name=f"Task {failed['uid']}", level=1)).to_be_focused()
    error = page.get_by_role("region", name="Error")
    expect(error).to_contain_text(failed["error"]["message"])
    expect(error).to_contain_text(failed["error"]["code"])
    expect(error).to_contain_text(failed["error"]["type"])
    expect(page.get_by_role("region", name="Details")).to_contain_text('"indexedDocuments": 0')


def test_filters_map_to_the_query_and_survive_a_reload(
    page: Page, server: LumiServer, api: Api, index_uid: str
) -> None:
    ok = api.wait(api.add_documents(index_uid, [{"id": 1}]))
    bad = api.wait(api.add_documents(index_uid, [{"id": "not a valid id!"}]))
    assert (ok["status"], bad["status"]) == ("succeeded", "failed")
    open_tasks(page, server)
    rows = page.locator("table.tasks tbody tr")

    page.get_by_label("Index", exact=True).fill(index_uid)
    page.get_by_label("Index", exact=True).press("Enter")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(rf"indexUids={index_uid}"))

    page.get_by_role("checkbox", name="failed", exact=True).check()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-uid", str(bad["uid"]))
    expect(page).to_have_url(re.compile(r"statuses=failed"))

    page.reload()
    expect(page.get_by_role("checkbox", name="failed", exact=True)).to_be_checked()
    expect(page.get_by_label("Index", exact=True)).to_have_value(index_uid)
    expect(rows).to_have_count(1)

    page.get_by_label("Type").select_option("settingsUpdate")
    expect(page.get_by_text("No tasks match these filters.")).to_be_visible()
    page.get_by_role("button", name="Clear filters").last.click()
    expect(page.get_by_role("checkbox", name="failed", exact=True)).not_to_be_checked()
    expect(task_row(page, ok["uid"])).to_be_visible()


def test_search_preview_highlights_hits_and_counts_facets(
    page: Page, server: LumiServer, api: Api, index_uid: str
) -> None:
    settings = api.call(
        "PATCH", f"/indexes/{index_uid}/settings", {"filterableAttributes": ["genre"]}
    )
    assert api.wait(settings)["status"] == "succeeded"
    assert api.wait(api.add_documents(index_uid, MOVIES))["status"] == "succeeded"

    page.goto(f"{server.url}/#/indexes/{index_uid}")
    expect(page.get_by_role("heading", name=index_uid, level=1)).to_be_visible()
    expect(page.locator(".tile").first).to_contain_text("3")
    expect(page.get_by_role("region", name="Settings")).to_contain_text('"filterableAttributes"')

    page.get_by_label(f"Search {index_uid}").fill("carol")
    hits = page.locator(".hit")
    expect(hits).to_have_count(2)
    expect(page.locator(".search-summary")).to_have_text(re.compile(r"^2 results for “carol”"))
    expect(hits.first.locator(".hit-title mark")).to_have_text("Carol")
    genre = page.get_by_role("group", name="genre")
    expect(genre.locator(".facet-value", has_text="drama")).to_contain_text("2")

    page.get_by_label(f"Search {index_uid}").fill("")
    expect(hits).to_have_count(3)
    genre.get_by_role("checkbox", name=re.compile("^action")).check()
    expect(hits).to_have_count(1)
    expect(hits.first).to_contain_text("Wonder Woman")
    # The other values of a narrowed attribute stay listed, with their own counts.
    expect(genre.locator(".facet-value", has_text="drama")).to_contain_text("2")


def test_search_requests_and_renders_the_documented_shape(
    page: Page, server: LumiServer, api: Api, index_uid: str
) -> None:
    """The preview against a stand-in search answer, so the request it sends and the way it
    shows ``_formatted`` and ``facetDistribution`` are checked whatever the engine returns."""
    settings = api.call(
        "PATCH", f"/indexes/{index_uid}/settings", {"filterableAttributes": ["genre"]}
    )
    assert api.wait(settings)["status"] == "succeeded"
    sent: list[dict[str, Any]] = []

    def search(route: Route) -> None:
        body = route.request.post_data_json
        sent.append(body)
        pre, post = body.get("highlightPreTag", "<em>"), body.get("highlightPostTag", "</em>")
        hit = {"id": 7, "title": "Carol <b>&</b> co", "genre": "drama", "year": 2015}
        formatted = {**hit, "id": "7", "title": f"{pre}Carol{post} <b>&</b> co", "year": "2015"}
        route.fulfill(
            json={
                "hits": [{**hit, "_formatted": formatted}],
                "query": body["q"],
                "processingTimeMs": 3,
                "limit": body["limit"],
                "offset": 0,
                "estimatedTotalHits": 1,
                "facetDistribution": {"genre": {"drama": 1, "action": 4}},
                "facetStats": {},
            }
        )

    page.route(re.compile(r"/indexes/[^/]+/search$"), search)
    page.goto(f"{server.url}/#/indexes/{index_uid}")
    page.get_by_label(f"Search {index_uid}").fill("carol")

    hit = page.locator(".hit")
    expect(hit.locator(".hit-title")).to_have_text("Carol <b>&</b> co")
    expect(hit.locator(".hit-title mark")).to_have_text("Carol")
    expect(hit).to_contain_text("2015")
    expect(page.locator(".search-summary")).to_have_text("1 result for “carol” in 3 ms")
    genre = page.get_by_role("group", name="genre")
    expect(genre.locator(".facet-value", has_text="action")).to_contain_text("4")
    last = sent[-1]
    assert last["q"] == "carol"
    assert last["attributesToHighlight"] == ["*"]
    assert last["facets"] == ["genre"]
    assert "filter" not in last

    def narrowed(request: Request) -> bool:
        return request.url.endswith("/search") and "filter" in (request.post_data_json or {})

    with page.expect_request(narrowed) as narrowing:
        genre.get_by_role("checkbox", name=re.compile("^action")).check()
    body = narrowing.value.post_data_json
    assert (body["filter"], body["facets"], body["limit"]) == (
        [['genre = "action"']],
        ["genre"],
        20,
    )
    expect(genre.get_by_role("checkbox", name=re.compile("^action"))).to_be_checked()


def _batch(progress: dict[str, Any] | None) -> dict[str, Any]:
    running = progress is not None
    return {
        "uid": 41,
        "progress": progress,
        "details": {"receivedDocuments": 1000, "indexedDocuments": None if running else 1000},
        "stats": {
            "totalNbTasks": 1,
            "status": {"processing" if running else "succeeded": 1},
            "types": {"documentAdditionOrUpdate": 1},
            "indexUids": {"movies": 1},
        },
        "duration": None if running else "PT1.5S",
        "startedAt": "2026-01-02T03:04:05.123456Z",
        "finishedAt": None if running else "2026-01-02T03:04:06.623456Z",
        "batchStrategy": "batched all enqueued tasks for index `movies`",
    }


def test_batch_shows_a_progress_bar_then_its_duration(page: Page, server: LumiServer) -> None:
    running = _batch(
        {
            "steps": [{"currentStep": "indexing documents", "finished": 500, "total": 1000}],
            "percentage": 50.0,
        }
    )
    current = {"batch": running}

    def batches(route: Route) -> None:
        page_ = {"results": [current["batch"]], "total": 1, "limit": 10, "from": 41, "next": None}
        route.fulfill(json=page_)

    def stream(route: Route) -> None:
        if current["batch"] is running:
            route.abort()
        else:
            route.fulfill(
                body=f"{json.dumps(current['batch'])}\n", content_type="application/x-ndjson"
            )

    page.route(re.compile(r"/batches\?"), batches)
    page.route(re.compile(r"/batches/stream$"), stream)
    page.goto(f"{server.url}/#/batches")

    card = page.get_by_role("article", name="Batch 41")
    bar = card.get_by_role("progressbar", name="indexing documents (500 / 1,000)")
    expect(bar).to_have_attribute("value", "50")
    expect(card.locator(".pill")).to_have_text("1 processing")
    page.screenshot(path=screenshot_path("batch_running"), full_page=True)

    current["batch"] = _batch(None)
    expect(card.locator(".pill")).to_have_text("1 succeeded")
    expect(card.get_by_role("progressbar")).to_have_count(0)
    expect(card).to_contain_text("1.50 s")


def test_wrong_api_key_shows_the_api_error_then_the_right_one_works(
    page: Page, secured_server: LumiServer
) -> None:
    page.goto(f"{secured_server.url}/")
    dialog = page.get_by_role("dialog", name="API key")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("alert")).to_contain_text(MISSING_HEADER)

    dialog.get_by_label("Key").fill("certainly-not-the-key")
    dialog.get_by_role("button", name="Use key").click()
    expect(dialog.get_by_role("alert")).to_contain_text(INVALID_KEY)
    expect(dialog.get_by_role("alert")).to_contain_text("invalid_api_key")
    page.screenshot(path=screenshot_path("wrong_key_dialog"), full_page=True)

    dialog.get_by_label("Key").fill(MASTER_KEY)
    dialog.get_by_role("button", name="Use key").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(".results table, .results .empty").first).to_be_visible()
    expect(page.locator("main .notice.error")).to_have_count(0)

    page.reload()
    expect(page.locator(".results table, .results .empty").first).to_be_visible()
    expect(dialog).to_be_hidden()

    page.get_by_role("button", name="API key").click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("alert")).to_be_hidden()
    dialog.get_by_role("button", name="Forget key").click()
    expect(dialog.get_by_role("alert")).to_contain_text(MISSING_HEADER)


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_every_page_renders_and_fits_the_width(
    page: Page, server: LumiServer, api: Api, index_uid: str, viewport: dict[str, int]
) -> None:
    page.set_viewport_size(viewport)
    done = api.wait(api.add_documents(index_uid, MOVIES))
    width = viewport["width"]
    pages = [
        ("tasks", "#/tasks", "Tasks"),
        ("task", f"#/tasks/{done['uid']}", f"Task {done['uid']}"),
        ("batches", "#/batches", "Batches"),
        ("batch", f"#/batches/{done['batchUid']}", f"Batch {done['batchUid']}"),
        ("indexes", "#/indexes", "Indexes"),
        ("index", f"#/indexes/{index_uid}", index_uid),
    ]
    for name, hash_, heading in pages:
        page.goto(f"{server.url}/{hash_}")
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        if name == "indexes":
            row = page.locator(f'table.indexes tr[data-uid="{index_uid}"]')
            expect(row.get_by_role("cell").first).to_have_text("3")
            expect(row).to_contain_text("idle")
        if name == "batch":
            expect(page.locator("table.tasks")).to_contain_text(str(done["uid"]))
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} page is {overflow}px wider than a {width}px screen"
        page.screenshot(path=screenshot_path(f"page_{name}_{width}"), full_page=True)
