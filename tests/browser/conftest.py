"""Browser fixtures: the app on a free local port, headless Chromium, and a page that fails the
test on any console warning or error and on any request leaving the page's origin."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.server import serve_app

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".cache/npm/node_modules/axe-core/axe.min.js"
SCREENSHOTS = ROOT / "artifacts/screenshots"
# the first-visit guide (guide.js) counts as seen: a page's add_init_script(GUIDE_SEEN)
GUIDE_SEEN = "try { localStorage.setItem('backstep.guide', 'seen') } catch {}"


def _unavailable(reason: str) -> None:
    """In CI a missing browser is a failure; on a laptop it is a skip."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    """The app served on a free local port, for the whole session."""
    from app.main import create_app
    from app.settings import Settings

    # a worker's files start dozens of live sessions from 127.0.0.1 within a minute, faster than
    # a school's teachers would (the limit itself: tests/live/test_live_api.py)
    with serve_app(create_app(Settings(live_create_attempts=1000))) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"Chromium not found at {CHROMIUM} (`make test` installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watch:
    """Console warnings/errors, page errors and foreign requests seen by one page."""

    def __init__(self, origin: str):
        self.origin = origin
        self.problems: list[str] = []
        self.expected: dict[tuple[int, str], int] = {}  # (status, path) → times seen

    def expect_status(self, status: int, path: str) -> None:
        """A test that sends bad input on purpose expects the API's 4xx, which Chromium logs."""
        self.expected[(status, path)] = 0

    def console(self, msg) -> None:
        if msg.type not in ("error", "warning"):
            return
        url = msg.location.get("url", "")
        for status, path in self.expected:
            if f"status of {status}" in msg.text and urlsplit(url).path == path:
                self.expected[(status, path)] += 1
                return
        self.problems.append(f"console {msg.type}: {msg.text} ({msg.location})")

    def page_error(self, err) -> None:
        self.problems.append(f"page error: {err}")

    def request(self, req) -> None:
        url = req.url
        if url.startswith("blob:"):
            url = url[len("blob:") :]
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.problems.append(f"request left the origin: {req.method} {req.url}")


def assert_watched(watches) -> None:
    """What the pages' watches saw (console errors, page errors, foreign requests) and every
    status a test said to expect but that never came: a test fails on any of them."""
    problems = [p for w in watches for p in w.problems]
    problems += [
        f"expected a {status} from {path}, but there was none"
        for w in watches
        for (status, path), seen in w.expected.items()
        if not seen
    ]
    assert not problems, "\n".join(problems)


@pytest.fixture
def make_page(browser, base_url):
    """make_page(width, height) → a fresh page; the test fails on anything Watch collected.
    The first-visit guide counts as seen unless `guide=True`."""
    contexts, watches = [], []

    def make(width: int = 1280, height: int = 720, guide: bool = False, **kw):
        ctx = browser.new_context(
            viewport={"width": width, "height": height}, accept_downloads=True, **kw
        )
        if not guide:  # the first-visit guide (guide.js) is its own tests' business
            ctx.add_init_script(GUIDE_SEEN)
        page = ctx.new_page()
        watch = Watch(base_url)
        page.on("console", watch.console)
        page.on("pageerror", watch.page_error)
        page.on("request", watch.request)
        contexts.append(ctx)
        watches.append(watch)
        page.watch = watch
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    assert_watched(watches)


@pytest.fixture
def page(make_page):
    return make_page()


# Left between two tests that share a page: a document of the page's origin (its storage can be
# emptied there) that runs no script and asks for nothing, not even /favicon.ico (a 404).
BETWEEN = "/__between_tests__"
BETWEEN_HTML = '<!doctype html><link rel="icon" href="data:,"><title>between tests</title>'
# A new context's emulated media, restored for each test that takes a shared page
MEDIA = {"media": "screen", "color_scheme": "light", "reduced_motion": "no-preference"}


@pytest.fixture(scope="module")
def _shared_pages(browser, base_url):
    """A module's pages for `shared_page`, by their options: each page with its context."""
    pool: dict[tuple, list] = {}
    yield pool
    for pages in pool.values():
        for pg in pages:
            pg.context.close()


@pytest.fixture
def shared_page(_shared_pages, browser, base_url):
    """shared_page(width, height, **kw) → a page as make_page's, but kept for the module's next
    tests with the same options: a new page's context costs about a second a test (its renderer,
    and the page's scripts fetched and compiled anew). Each test gets it on a document that ran
    nothing, with empty local and session storage (the guide seen, as make_page's), no routes,
    its options' viewport and media; a test fails on anything Watch saw during it. For tests that
    add no init script, listener or handler of their own to the page or its context (they would
    outlive the test): those take make_page."""
    taken: list = []

    def make(width: int = 1280, height: int = 720, guide: bool = False, **kw):
        key = (width, height, guide, tuple(sorted(kw.items())))
        pages = _shared_pages.setdefault(key, [])
        free = [pg for pg in pages if pg not in taken]
        if free:
            pg = free[0]
            pg.emulate_media(**{**MEDIA, **{k: v for k, v in kw.items() if k in MEDIA}})
            if pg.viewport_size != {"width": width, "height": height}:
                pg.set_viewport_size({"width": width, "height": height})
        else:
            ctx = browser.new_context(
                viewport={"width": width, "height": height}, accept_downloads=True, **kw
            )
            if not guide:
                ctx.add_init_script(GUIDE_SEEN)
            pg = ctx.new_page()
            # the watch is the test's own: these listeners ask the page for its current one
            pg.on("console", lambda msg, pg=pg: pg.watch.console(msg))
            pg.on("pageerror", lambda err, pg=pg: pg.watch.page_error(err))
            pg.on("request", lambda req, pg=pg: pg.watch.request(req))
            pages.append(pg)
        pg.watch = Watch(base_url)
        taken.append(pg)
        return pg

    yield make
    watches = []
    for pg in taken:
        watches.append(pg.watch)
        try:
            # leave the test's document (its timers and requests end with it), empty the storage,
            # and put the mouse back where a new page has it (a page's hover follows it)
            pg.unroute_all(behavior="ignoreErrors")
            pg.route(
                f"{base_url}{BETWEEN}",
                lambda r: r.fulfill(body=BETWEEN_HTML, content_type="text/html"),
            )
            pg.goto(f"{base_url}{BETWEEN}")
            pg.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
            pg.mouse.move(0, 0)
            pg.unroute_all()
        except Exception:  # a page that cannot be reset is not kept
            for pages in _shared_pages.values():
                if pg in pages:
                    pages.remove(pg)
            pg.context.close()
    assert_watched(watches)


@pytest.fixture
def labs_page(make_page, base_url):
    """/labs at 1920×1080, watched like every page."""
    pg = make_page(1920, 1080)
    pg.goto(f"{base_url}/labs")
    return pg


@pytest.fixture(scope="session")
def axe_path() -> Path:
    if not AXE.exists():
        pytest.fail(
            f"axe-core is missing at {AXE.relative_to(ROOT)}: run "
            "`make .cache/npm/node_modules/axe-core/axe.min.js` (or "
            "`npm install --prefix .cache/npm axe-core@4.11.0`)"
        )
    return AXE


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
