"""The page's first paint: the default lesson is drawn from the answers embedded in `/`, with no
API round trip, and the modules it preloads are exactly the ones main.js imports."""

from __future__ import annotations

import re

import pytest

from app.web import MODULES
from tests.browser.pageview import READ_VIEW, api_step, mismatches, open_lesson, tutorial

pytestmark = pytest.mark.browser


def api_paths(page) -> list[str]:
    got: list[str] = []
    page.on("request", lambda r: "/api/" in r.url and got.append(r.url.split("/", 3)[-1]))
    return got


def test_the_tutorial_is_drawn_without_asking_the_api(make_page, base_url):
    page = make_page()
    asked = api_paths(page)
    open_lesson(page, base_url)
    drawn = list(asked)
    assert not any(p in ("api/graph", "api/step") for p in drawn), drawn
    # nor anything else before the first picture: the worksheet (collapsed) and the expression
    # presets' menu entries are asked for after it (idle.js afterFirstPaint)
    early = page.evaluate(
        """() => {
          const drawn = performance.getEntriesByName('backstep:first-graph')[0].startTime;
          return performance.getEntriesByType('resource')
            .filter((e) => e.name.includes('/api/') && e.startTime < drawn).map((e) => e.name);
        }"""
    )
    assert early == []
    view = page.evaluate(READ_VIEW)
    assert view["nodes"]["x0"]["value"] == "0.5000"
    assert view["weights"]["W1_0_0"]["value"] == "W₁₁ +0.4000"
    # the next step is asked for as usual, and is drawn as the API answers it
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("html[data-cursor='1']")
    assert "api/step" in asked


def test_another_step_in_the_link_is_asked_for(make_page, base_url):
    page = make_page()
    asked = api_paths(page)
    open_lesson(page, base_url, "#preset=tutorial&k=3")
    assert page.evaluate("document.documentElement.dataset.cursor") == "3"
    assert "api/step" in asked and "api/graph" not in asked  # the graph is the embedded one
    want = api_step(base_url, tutorial(base_url), 3)
    assert mismatches(page.evaluate(READ_VIEW), want) == []


def test_the_preloaded_modules_are_the_ones_the_page_imports(make_page, base_url):
    """Unbundled (/?bundle=0) and with the modulepreload links taken out, the modules the browser
    fetches for the page are what main.js imports, directly or not: the server's list names each
    of them, and no other."""
    page = make_page()
    fetched: set[str] = set()

    def strip(route):
        html = route.fetch().text()
        route.fulfill(
            body=re.sub(r'\s*<link rel="modulepreload"[^>]*>', "", html),
            content_type="text/html; charset=utf-8",
        )

    page.route(f"{base_url}/?bundle=0", strip)
    page.on(
        "request",
        lambda r: r.resource_type == "script" and fetched.add("/" + r.url.split("/", 3)[-1]),
    )
    open_lesson(page, base_url, "?bundle=0")
    fetched.discard("/static/js/theme.js")  # a classic script, not a module
    assert sorted(fetched) == MODULES


def test_the_bundled_page_asks_for_one_script_and_nothing_else(make_page, base_url):
    """By default the modules come as one response, and theme.js and the stylesheets are written
    into the page (app/bundle.py): the page is drawn, styled, themed, with nothing else fetched
    from /static and no inline text refused by its CSP."""
    page = make_page()
    page.add_init_script(
        "window.__refused = []; document.addEventListener('securitypolicyviolation', "
        "(e) => window.__refused.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    fetched: list[str] = []
    page.on(
        "request", lambda r: ("/static/" in r.url or "/bundle/" in r.url) and fetched.append(r.url)
    )
    open_lesson(page, base_url)
    paths = sorted(u.split("/", 3)[-1].split("?")[0] for u in fetched)
    paths = [p for p in paths if p != "static/favicon.svg"]
    assert paths == ["bundle/page.js"], paths
    assert page.evaluate("window.__refused") == []
    theme, background = page.evaluate(
        "[document.documentElement.dataset.theme, getComputedStyle(document.body).backgroundColor]"
    )
    assert theme in ("light", "dark") and background not in ("rgba(0, 0, 0, 0)", "transparent")
    view = page.evaluate(READ_VIEW)
    assert view["nodes"]["x0"]["value"] == "0.5000"


# Each node's box in the frame the first step is drawn (html[data-ready] is set in that frame's
# animation callback, main.js settle): read by a MutationObserver, before the frame is painted.
FIRST_FRAME = """
window.__firstFrame = null;
new MutationObserver((_, obs) => {
  if (document.documentElement?.dataset.ready !== 'true') return;
  obs.disconnect();
  const boxes = {};
  for (const g of document.querySelectorAll('#graph .node')) {
    const r = g.getBoundingClientRect();
    boxes[g.dataset.id] = [r.x, r.y, r.width, r.height].map((v) => Math.round(v * 10) / 10);
  }
  window.__firstFrame = boxes;
}).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-ready'] });
// the graph's frame measured before the first picture (stage.js measure): each time, a layout
window.__frameMeasures = 0;
window.__textAtMeasure = null; // the text around the graph when the stage first measures its frame
const rect = Element.prototype.getBoundingClientRect;
Element.prototype.getBoundingClientRect = function () {
  if (this.id === 'graph-wrap' && document.documentElement.dataset.ready !== 'true') {
    window.__frameMeasures += 1;
    window.__textAtMeasure ??= AROUND();
  }
  return rect.call(this);
};
"""

# What the step fills in around the graph: the summary's cells, the step count, the slider's text
AROUND = """() => ({
  summary: [...document.querySelectorAll('#summary-body td')].map((td) => td.textContent.trim()),
  count: document.getElementById('step-count').textContent.trim(),
  slider: document.getElementById('cursor-range').getAttribute('aria-valuetext'),
})"""
FIRST_FRAME = f"const AROUND = {AROUND};\n{FIRST_FRAME}"

NODE_BOXES = """() => Object.fromEntries([...document.querySelectorAll('#graph .node')].map((g) => {
  const r = g.getBoundingClientRect();
  return [g.dataset.id, [r.x, r.y, r.width, r.height].map((v) => Math.round(v * 10) / 10)];
}))"""


@pytest.mark.parametrize("size", [(1366, 768), (1280, 800), (1920, 1080)])
def test_the_first_picture_is_the_one_that_stays(make_page, base_url, size):
    """The tutorial is wide and short: the page gives such a graph more of a laptop's width
    (graph-shape.js). It is laid out for that frame before it is first drawn: every node is where
    the first frame put it once the page has settled (it was drawn for a frame 82 px narrower
    at 1366 × 768, then redrawn a frame later: the picture jumped as the lesson appeared)."""
    page = make_page(*size)
    page.add_init_script(FIRST_FRAME)
    open_lesson(page, base_url)
    first = page.evaluate("window.__firstFrame")
    assert first and len(first) >= 9, first
    # laid out once in the frame it gets (graph-shape.js guessWide), not measured again after the
    # shape's decision: a second layout of the whole page before the first picture
    assert page.evaluate("window.__frameMeasures") == 1
    # ... with the first step's text around it already filled in: that one layout serves the
    # page (filled after it, the text needed a second layout of the whole page before the picture)
    around = page.evaluate(AROUND)
    assert any(around["summary"]) and around["slider"], around
    assert page.evaluate("window.__textAtMeasure") == around
    # the frame's size is observed in the first frame, and a resize would redraw in a frame after
    # it; what waits for the first picture (idle.js) runs after the next: three frames, then idle
    page.evaluate(
        """() => new Promise((done) => {
          const frames = (n) => (n ? requestAnimationFrame(() => frames(n - 1))
                                   : requestIdleCallback(done, { timeout: 1000 }));
          frames(3);
        })"""
    )
    assert page.evaluate(NODE_BOXES) == first


def test_what_waits_for_the_first_picture_waits_until_it_is_shown(make_page, base_url):
    """The work that waits for the first picture (idle.js afterFirstPaint: here the link written
    into the address bar, main.js) starts once the browser reports that picture on screen (its
    first contentful paint), not while that frame is still being rastered on the other cores."""
    page = make_page()
    page.add_init_script(
        """window.__linkWritten = null;
        const replace = history.replaceState.bind(history);
        history.replaceState = (...args) => {
          if (window.__linkWritten === null) window.__linkWritten = performance.now();
          return replace(...args);
        };"""
    )
    open_lesson(page, base_url)
    page.wait_for_function("() => window.__linkWritten !== null")
    written, shown, drawn = page.evaluate(
        """[window.__linkWritten,
            performance.getEntriesByName('first-contentful-paint')[0].startTime,
            performance.getEntriesByName('backstep:first-graph')[0].startTime]"""
    )
    assert drawn <= shown < written, (drawn, shown, written)
    assert "#" in page.url  # and it is written


# What the page has made by the frame of its first picture (main.js settle sets the mark there)
AT_MARK = """
window.__atMark = null;
const markFirst = performance.mark.bind(performance);
performance.mark = (name, ...rest) => {
  if (name === 'backstep:first-graph') {
    window.__atMark = { matrixView: Boolean(document.getElementById('matrix-view')) };
  }
  return markFirst(name, ...rest);
};
"""


def test_the_matrix_view_is_made_when_first_shown(make_page, base_url):
    """The matrix view (V) is not in the graph view's first picture: nothing of it is built
    before that picture, nor after it until it is asked for; the first V shows it whole."""
    page = make_page()
    page.add_init_script(AT_MARK)
    open_lesson(page, base_url)
    assert page.evaluate("window.__atMark") == {"matrixView": False}
    assert page.locator("#matrix-view").count() == 0
    page.keyboard.press("v")
    page.wait_for_selector("#matrix-view table[data-key]")
    assert page.is_visible("#matrix-view") and not page.is_visible("#graph")
    page.keyboard.press("v")  # and back: the graph as it was
    page.wait_for_selector("#graph", state="visible")
    assert not page.is_visible("#matrix-view")
