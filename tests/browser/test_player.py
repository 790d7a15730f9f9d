"""Play and fast stepping against a slow server: Play asks for the next step only after the last one
is drawn, pausing or a manual key cancels it, nothing is aborted, and rapid → presses are coalesced
(one request in flight, then the latest wish). The page's own fetch is wrapped to hold each step's
answer back and to log requests and drawn cursors."""

from __future__ import annotations

import pytest

from tests.browser.conftest import BETWEEN, BETWEEN_HTML, GUIDE_SEEN, Watch, assert_watched
from tests.browser.pageview import open_lesson, page_url, wait_cursor

pytestmark = pytest.mark.browser

FAST_MS = 400  # the "fast" speed's delay between steps (static/js/store.js SPEEDS)
HOLD_MS = 700  # every /api/step answer is held back this long once the test sets __stepDelay

SLOW_STEPS = """
(() => {
  const log = { requests: [], drawn: [], inflight: 0, maxInflight: 0, aborted: 0, last: null };
  window.__steps = log;
  window.__stepDelay = 0;
  const realFetch = window.fetch.bind(window);
  window.fetch = async (url, init = {}) => {
    if (!String(url).endsWith("/api/step")) return realFetch(url, init);
    const body = JSON.parse(init.body);
    const entry = { cursor: body.cursor, since: body.since ?? null, start: performance.now(), end: null };
    log.requests.push(entry);
    log.inflight += 1;
    log.maxInflight = Math.max(log.maxInflight, log.inflight);
    if (init.signal) init.signal.addEventListener("abort", () => { log.aborted += 1; });
    try {
      const resp = await realFetch(url, init);
      const text = await resp.text();
      await new Promise((resolve) => setTimeout(resolve, window.__stepDelay));
      entry.end = performance.now();
      return new Response(text, { status: resp.status, headers: resp.headers });
    } finally {
      log.inflight -= 1;
    }
  };
  new MutationObserver(() => {
    const c = document.documentElement.dataset.cursor;
    if (c !== undefined && c !== log.last) {
      log.last = c;
      log.drawn.push({ cursor: Number(c), t: performance.now() });
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-cursor"] });
})();
"""


@pytest.fixture(scope="module")
def _slow_tab(browser, base_url):
    """One page for the module's tests, its fetch wrapped (SLOW_STEPS) in every document it loads:
    a new context a test cost about a second (its renderer, and the page's scripts compiled anew).
    Its listeners report to the test's own Watch and failed-request list (`slow`)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 720}, reduced_motion="reduce")
    ctx.add_init_script(GUIDE_SEEN)
    ctx.add_init_script(SLOW_STEPS)
    page = ctx.new_page()
    page.on("console", lambda msg: page.watch.console(msg))
    page.on("pageerror", lambda err: page.watch.page_error(err))
    page.on("request", lambda req: page.watch.request(req))
    page.on("requestfailed", lambda req: page.failed.append(f"{req.url}: {req.failure}"))
    yield page
    ctx.close()


@pytest.fixture
def slow(_slow_tab, base_url):
    """slow(hash) → the module's page on a fresh document of the lesson, every later step answer
    held back HOLD_MS, the logs empty; the test fails on anything its Watch saw. After the test
    the page leaves for a document that runs nothing (the test's timers and requests end with its
    own), its storage emptied, as conftest's shared_page does."""
    page = _slow_tab
    page.watch, page.failed = Watch(base_url), []

    def make(hash_: str = "#preset=tutorial&k=0&speed=fast"):
        open_lesson(page, base_url, hash_)
        page.evaluate(
            f"() => {{ window.__stepDelay = {HOLD_MS}; __steps.requests = []; __steps.drawn = []; }}"
        )
        return page

    yield make
    page.route(
        f"{base_url}{BETWEEN}", lambda r: r.fulfill(body=BETWEEN_HTML, content_type="text/html")
    )
    page.goto(f"{base_url}{BETWEEN}")
    page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
    page.mouse.move(0, 0)
    page.unroute_all()
    assert_watched([page.watch])


def steps_log(page) -> dict:
    return page.evaluate("() => JSON.parse(JSON.stringify(window.__steps))")


def test_play_asks_for_a_step_only_after_the_last_one_is_drawn(slow):
    page = slow()
    page.keyboard.press("p")
    assert page.get_attribute("#btn-play", "aria-pressed") == "true"
    page.wait_for_timeout(4 * (FAST_MS + HOLD_MS))
    page.keyboard.press("p")
    assert page.get_attribute("#btn-play", "aria-pressed") == "false"
    page.wait_for_function("() => window.__steps.inflight === 0", timeout=5000)
    # the answer that arrived last is drawn in the frame after it arrives
    page.wait_for_function(
        "() => { const r = __steps.requests; return Number(__steps.last) === r[r.length - 1].cursor; }",
        timeout=5000,
    )
    log = steps_log(page)
    requests, drawn = log["requests"], log["drawn"]
    assert len(requests) >= 2, requests
    # the old timer asked every 400 ms whatever happened: about ten requests in this time
    assert len(requests) <= 5, requests
    assert log["maxInflight"] == 1 and log["aborted"] == 0 and page.failed == []
    assert [r["cursor"] for r in requests] == list(range(1, len(requests) + 1))
    assert [d["cursor"] for d in drawn] == [r["cursor"] for r in requests]
    for after, shown in zip(requests[1:], drawn[:-1], strict=True):
        assert after["start"] >= shown["t"] + FAST_MS * 0.9, (after, shown)
    # after the first, every step asks only for what changed since the state held
    assert all(r["since"] is not None for r in requests)


def test_pause_cancels_play_and_lets_the_step_in_flight_be_drawn(slow):
    page = slow()
    page.keyboard.press("p")
    page.wait_for_function("() => window.__steps.inflight === 1", timeout=5000)
    page.click("#btn-play")  # pause while the first step is on its way
    assert page.get_attribute("#btn-play", "aria-pressed") == "false"
    assert page.text_content("#btn-play") == "Play"
    wait_cursor(page, 1)  # not aborted: it is drawn when it arrives
    page.wait_for_timeout(2 * (FAST_MS + HOLD_MS))
    log = steps_log(page)
    assert [r["cursor"] for r in log["requests"]] == [1]
    assert log["aborted"] == 0 and page.failed == []
    assert page.get_attribute("html", "data-cursor") == "1"


def test_a_manual_key_cancels_play(slow):
    page = slow()
    page.keyboard.press("p")
    page.wait_for_function("() => window.__steps.inflight === 1", timeout=5000)
    page.keyboard.press("ArrowRight")  # the teacher takes over: Play stops, the press counts
    assert page.get_attribute("#btn-play", "aria-pressed") == "false"
    wait_cursor(page, 2)
    page.wait_for_timeout(2 * (FAST_MS + HOLD_MS))
    log = steps_log(page)
    assert [r["cursor"] for r in log["requests"]] == [1, 2]
    assert log["maxInflight"] == 1 and log["aborted"] == 0 and page.failed == []
    assert page.get_attribute("html", "data-cursor") == "2"


def test_rapid_presses_are_coalesced(slow):
    page = slow()
    for _ in range(8):
        page.keyboard.press("ArrowRight")
    wait_cursor(page, 8)
    page.wait_for_timeout(HOLD_MS + 300)
    log = steps_log(page)
    # the first press's request, then one for the latest cursor wished meanwhile
    assert [r["cursor"] for r in log["requests"]] == [1, 8]
    assert [r["since"] for r in log["requests"]] == [0, 1]
    assert log["maxInflight"] == 1 and log["aborted"] == 0 and page.failed == []
    assert [d["cursor"] for d in log["drawn"]] == [1, 8]
    assert "k=8" in page_url(page)
