"""The page at the widths a class meets: a 1366 × 768 or 1280 × 800 laptop, a 1024 × 768 projector
before M is pressed, a tablet held upright, a small phone. Nothing runs off the screen (the page
never scrolls sideways), no toolbar button lies over the title or past the edge, and above a
phone's width the toolbar is one row (what has no room goes into its More menu), so the first
screen keeps its height for the graph."""

from __future__ import annotations

import pytest

from tests.browser.pageview import open_lesson

pytestmark = pytest.mark.browser

# What sticks out of the page on the right (inside a box that scrolls or clips is fine), the
# toolbar's controls as boxes, and the title's box.
FACTS = """() => {
  const W = document.documentElement.clientWidth;
  const out = [];
  for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= W + 0.5) continue;
    let clipped = false;
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.overflowX !== 'visible' || cs.display === 'none') { clipped = true; break; }
    }
    if (!clipped) out.push(`${e.tagName.toLowerCase()}#${e.id}.${String(e.className.baseVal ?? e.className).split(' ')[0]} ends at ${Math.round(r.right)}`);
  }
  const box = (r) => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom});
  const controls = [...document.querySelectorAll('.toolbar > *')]
    .filter((e) => e.getBoundingClientRect().width > 0)
    .map((e) => ({name: e.id || e.textContent.trim().slice(0, 20), ...box(e.getBoundingClientRect())}));
  return {
    W, scrollWidth: document.documentElement.scrollWidth, innerWidth,
    out: out.slice(0, 8), controls,
    title: box(document.querySelector('.brand h1').getBoundingClientRect()),
  };
}"""


def sized(shared_page, width: int, height: int, **kw):
    """shared_page's page for the options `kw`, at width × height: one page serves a module's
    sizes (its viewport set before the lesson opens, as a window resized), where a page for each
    size took a new context (about a second each: its renderer, the page's scripts anew)."""
    page = shared_page(**kw)
    page.set_viewport_size({"width": width, "height": height})
    return page


def _meets(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"] - 0.5
        and b["left"] < a["right"] - 0.5
        and (a["top"] < b["bottom"] - 0.5 and b["top"] < a["bottom"] - 0.5)
    )


def controls_clear(page) -> dict:
    """The toolbar's facts (FACTS), once checked: nothing out of the page or wider than it, each
    control inside it, none over the title or over another."""
    return clear_facts(page.evaluate(FACTS))


def clear_facts(facts: dict) -> dict:
    """controls_clear's verdict on FACTS read."""
    assert facts["out"] == [], facts["out"]
    assert facts["scrollWidth"] <= facts["W"]
    for c in facts["controls"]:
        assert c["left"] >= 0 and c["right"] <= facts["W"] + 0.5, c
        assert not _meets(c, facts["title"]), f"{c['name']} lies over the title"
    for a, b in zip(facts["controls"], facts["controls"][1:], strict=False):
        assert not _meets(a, b), f"{a['name']} and {b['name']} overlap"
    return facts


@pytest.mark.parametrize(
    "width, height, mobile, projector",
    [
        (1366, 768, False, False),
        (1280, 800, False, False),
        (1200, 800, False, False),
        (1024, 768, False, False),
        (1024, 768, False, True),
        (768, 1024, True, False),
        (640, 900, False, False),
        (360, 740, True, False),
    ],
)
def test_nothing_runs_off_the_screen(shared_page, base_url, width, height, mobile, projector):
    kw = {"is_mobile": True, "has_touch": True} if mobile else {}
    page = sized(shared_page, width, height, **kw)
    open_lesson(page, base_url, "#preset=tutorial")
    page.wait_for_function("() => document.documentElement.dataset.later === 'made'")
    if projector:
        page.keyboard.press("m")
        page.wait_for_function("() => document.documentElement.classList.contains('projector')")
    facts = controls_clear(page)
    # a phone's browser widens its layout to what overflows, so innerWidth shows it too
    assert facts["innerWidth"] == width
    rows = {round(c["top"]) for c in facts["controls"]}
    if width > 600 or projector:  # narrower, a phone's toolbar wraps under the title (phone.css)
        assert len(rows) == 1, f"the toolbar takes {len(rows)} rows at {width} px"


@pytest.mark.parametrize("width, height", [(1100, 800), (1024, 768)])
def test_labs_tables_fit_beside_their_charts(shared_page, base_url, width, height):
    """Beside its chart from 1001 px, a lab's table keeps the width its numbers need and the
    chart gives way: the page does not scroll sideways once every lab has run."""
    page = sized(shared_page, width, height)
    page.goto(f"{base_url}/labs")
    page.wait_for_function(
        "() => { const labs = document.querySelectorAll('section.lab');"
        " return labs.length > 0 && [...labs].every((s) => s.classList.contains('ran')); }"
    )
    out = page.evaluate(FACTS.replace("document.querySelector('.brand h1')", "document.body"))
    assert out["out"] == [], out["out"]
    assert out["scrollWidth"] <= out["W"]
    side_by_side = page.evaluate(
        "() => [...document.querySelectorAll('.lab-out > table')].filter((t) => {"
        " const c = t.parentElement.querySelector(':scope > .chart');"
        " return c && c.getBoundingClientRect().right <= t.getBoundingClientRect().left; }).length"
    )
    assert side_by_side >= 2, "the tables went under their charts"
