"""The dashboard in a real browser: headless Chromium (Debian's ``chromium`` package, driven by
Playwright without a browser download) against a real ``lumi serve`` per test worker.

A missing browser or Playwright fails every test with the fix to apply: these tests must not
pass by skipping. Each test ends with a full-page screenshot in ``test-artifacts/screenshots``.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.server import LumiServer

CHROMIUM = Path(os.environ.get("LUMI_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
MASTER_KEY = "dashboard-e2e-master-key-0123456789"
LAPTOP = {"width": 1366, "height": 900}
TASK_TIMEOUT = 30.0
UI_TIMEOUT_MS = 15_000


class Api:
    """Plain HTTP calls to the server under test, for arranging data and checking answers."""

    def __init__(self, url: str, key: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.http = httpx.Client(base_url=url, headers=headers, timeout=30)

    def call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    def wait(self, task: dict[str, Any]) -> dict[str, Any]:
        """Poll a task until it is finished and return it."""
        deadline = time.monotonic() + TASK_TIMEOUT
        while time.monotonic() < deadline:
            done = self.call("GET", f"/tasks/{task['taskUid']}")
            if done["status"] in ("succeeded", "failed", "canceled"):
                return dict(done)
            time.sleep(0.02)
        raise AssertionError(f"task {task['taskUid']} did not finish in {TASK_TIMEOUT} s")

    def add_documents(self, index: str, documents: list[dict[str, Any]]) -> dict[str, Any]:
        return dict(self.call("POST", f"/indexes/{index}/documents", documents))


def _start(tmp_path_factory: pytest.TempPathFactory, *args: str) -> LumiServer:
    data_dir = tmp_path_factory.mktemp("dashboard") / "data"
    return LumiServer(data_dir, *args).start()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LumiServer]:
    lumi = _start(tmp_path_factory)
    yield lumi
    lumi.stop()


@pytest.fixture(scope="session")
def secured_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LumiServer]:
    lumi = _start(tmp_path_factory, "--master-key", MASTER_KEY)
    yield lumi
    lumi.stop()


@pytest.fixture
def api(server: LumiServer) -> Iterator[Api]:
    client = Api(server.url)
    yield client
    client.http.close()


@pytest.fixture
def index_uid() -> str:
    return f"dash_{uuid.uuid4().hex[:10]}"


# Module scope, not session: a running Playwright keeps an event loop in this thread, which
# would break tests of other modules that the same worker runs in between.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: run `apt-get install -y chromium` "
            "(Debian's package) or point LUMI_CHROMIUM at a Chromium binary.",
            pytrace=False,
        )
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.fail(
            "Playwright is not installed: run `.venv/bin/pip install -e '.[test]'`.",
            pytrace=False,
        )
    expect.set_options(timeout=UI_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name).strip('_')}.png"


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser tab (own storage); fails the test on any uncaught script error."""
    context = browser.new_context(viewport=LAPTOP)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    tab.screenshot(path=screenshot_path(request.node.name), full_page=True)
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
