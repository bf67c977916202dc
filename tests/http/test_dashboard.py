"""``GET /`` and ``/_dashboard/…``: the page and every file it loads are served with types a
browser accepts, stay off in production unless enabled, never leak files outside the static
directory, and need no key even when the server has a master key."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from lumi.config import load_config
from lumi.dashboard import STATIC_DIR
from lumi.engine import Engine
from lumi.http.app import create_app

RUNNING = {"status": "Meilisearch is running"}
PRODUCTION = ("--env", "production", "--master-key", "a-production-key-of-32-bytes-ok!")


class Site:
    """The app started with some ``lumi serve`` flags, called in-process."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://lumi") as client:
                return await client.request(method, path, headers=headers)

        return asyncio.run(send())

    def get(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.request("GET", path, headers)

    def post(self, path: str) -> httpx.Response:
        return self.request("POST", path)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Site]]:
    """``serve(*flags)`` → the app as ``lumi serve`` with those flags would run it."""
    engines: list[Engine] = []

    def start(*flags: str) -> Site:
        data = tmp_path / f"data{len(engines)}"
        config = load_config(["--db-path", str(data), *flags], environ={}, read_file=False)
        engines.append(Engine(config.data_dir))
        return Site(create_app(config, engines[-1]))

    yield start
    for engine in engines:
        engine.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app with default flags, shared by the tests that only read files."""
    data = tmp_path_factory.mktemp("dashboard") / "data"
    config = load_config(["--db-path", str(data)], environ={}, read_file=False)
    engine = Engine(config.data_dir)
    yield Site(create_app(config, engine))
    engine.close()


def _page_assets() -> list[str]:
    """Every file the page loads: from index.html, then each module's relative imports."""
    html = (STATIC_DIR / "index.html").read_text()
    found = re.findall(r'(?:src|href)="_dashboard/([^"]+)"', html)
    queue = [name for name in found if name.endswith(".js")]
    while queue:
        module = queue.pop()
        folder = Path(module).parent
        for target in re.findall(r'from "\./([^"]+)"', (STATIC_DIR / module).read_text()):
            name = str(folder / target)
            if name not in found:
                found.append(name)
                queue.append(name)
    return found


@pytest.mark.parametrize(
    ("flags", "enabled"),
    [
        ((), True),
        (("--env", "development"), True),
        (PRODUCTION, False),
        ((*PRODUCTION, "--dashboard"), True),
        (("--dashboard=false",), False),
    ],
)
def test_page_is_served_unless_disabled(
    serve: Callable[..., Site], flags: tuple[str, ...], enabled: bool
) -> None:
    client = serve(*flags)
    page = client.get("/")
    static = client.get("/_dashboard/dashboard.css")
    assert page.status_code == 200
    if enabled:
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert '<script type="module" src="_dashboard/js/main.js">' in page.text
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert static.status_code == 200
    else:
        assert page.json() == RUNNING
        assert static.status_code == 404
        assert static.content == b""


def test_every_file_the_page_loads_is_served_with_its_type(site: Site) -> None:
    client = site
    assets = _page_assets()
    assert {"dashboard.css", "favicon.svg", "js/main.js", "js/api.js", "js/tasks.js"} <= set(assets)
    expected = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    for name in assets:
        response = client.get(f"/_dashboard/{name}")
        assert response.status_code == 200, name
        kind = response.headers["content-type"].split(";")[0]
        assert kind == expected[Path(name).suffix], name
        assert response.headers["x-content-type-options"] == "nosniff"


def test_unchanged_files_answer_not_modified(site: Site) -> None:
    client = site
    first = client.get("/_dashboard/js/main.js")
    again = client.get("/_dashboard/js/main.js", headers={"If-None-Match": first.headers["etag"]})
    assert first.headers["cache-control"] == "no-cache"
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize(
    "path",
    [
        "/_dashboard/missing.js",
        "/_dashboard/../__init__.py",
        "/_dashboard/%2e%2e/__init__.py",
        "/_dashboard/js/../../__init__.py",
        "/_dashboard/js",
    ],
)
def test_nothing_outside_the_static_files_is_served(site: Site, path: str) -> None:
    response = site.get(path)
    assert response.status_code == 404
    assert response.content == b""


def test_page_needs_no_key_but_the_api_still_does(serve: Callable[..., Site]) -> None:
    client = serve("--master-key", "dashboard-unit-master-key-0123")
    assert client.get("/").status_code == 200
    assert client.get("/_dashboard/js/api.js").status_code == 200
    tasks = client.get("/tasks")
    assert tasks.status_code == 401
    assert tasks.json()["code"] == "missing_authorization_header"


def test_post_on_the_page_is_not_allowed(site: Site) -> None:
    response = site.post("/")
    assert response.status_code == 405
    assert response.content == b""
