"""A large network's edges are painted on a canvas beneath the SVG (static/js/large/edge-canvas.js): sized like the
graph, coloured by each weight's sign from the theme's colours, repainted on a theme change, and
written out as paths by the SVG export."""

from __future__ import annotations

import base64
import json
import re

import pytest

from tests.browser.pageview import (
    LARGE_SCENARIO,
    api_graph,
    colours_shown,
    far_apart,
    open_lesson,
    still_screenshot,
    wait_cursor,
)

pytestmark = pytest.mark.browser

SCENARIO = LARGE_SCENARIO

# Once the painter (a worker) says every edge asked for is on the canvas, and the part in view at
# the bitmap's resolution (a frame after a scroll, which tells it what is in view): the painted
# bitmap's size against the SVG's box, and how many edges are SVG elements.
PAINTED = """async () => {
  const canvas = document.querySelector('#graph-wrap canvas.graph-edges');
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  for (let t = 0; canvas.dataset.painted !== 'done' || canvas.dataset.sharp === 'pending'; t += 20) {
    if (t > 30000) throw new Error('the edges were not all painted within 30 s');
    await new Promise((done) => setTimeout(done, 20));
  }
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const box = document.getElementById('graph').getBoundingClientRect();
  return {
    bitmap: canvas.dataset.bitmap,
    box: `${Math.round(box.width * devicePixelRatio)}x${Math.round(box.height * devicePixelRatio)}`,
    edgeElements: document.querySelectorAll('#graph .edge').length,
  };
}"""


def lesson() -> str:
    text = json.dumps(SCENARIO, separators=(",", ":")).encode()
    return "s=" + base64.urlsafe_b64encode(text).decode().rstrip("=")


@pytest.mark.parametrize("painter", ["worker", "page"])
def test_a_large_networks_edges_are_painted_in_the_themes_colours(make_page, base_url, painter):
    page = make_page(1280, 720, reduced_motion="reduce", color_scheme="light")
    if painter == "page":  # a browser whose workers cannot draw: the page paints, in slices
        page.add_init_script("delete window.Worker")
    open_lesson(page, base_url, f"#{lesson()}&k=0")
    assert page.evaluate("typeof Worker") == ("function" if painter == "worker" else "undefined")
    wait_cursor(page, 0)
    light = page.evaluate(PAINTED)
    assert light["edgeElements"] == 0  # none of the 1,600 weight edges is an SVG element
    assert light["bitmap"] == light["box"]
    # on screen, both signs are drawn in their exact colour, each over hundreds of pixels
    shown = edges_shown(page)
    assert shown["--pos"] > 500 and shown["--neg"] > 500, shown
    page.click("#theme-toggle")
    page.wait_for_selector("html[data-theme=dark]")
    page.evaluate(PAINTED)
    dark = edges_shown(page)  # counted against the dark theme's colours now
    assert dark["--pos"] > 500 and dark["--neg"] > 500, dark
    # drawn anew (other decimals): one canvas, its painter the new drawing's
    page.select_option("#precision-select", "6")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#graph .node .value')]"
        ".some((v) => /[.]\\d{6}$/.test(v.textContent))"
    )
    again = page.evaluate(PAINTED)
    assert page.locator("#graph-wrap canvas.graph-edges").count() == 1
    assert again["bitmap"] == again["box"]


def edges_shown(page) -> dict[str, int]:
    """The frame's pixels of each sign's colour, once the screen shows the edges painted (a frame
    the worker painted reaches the screen a frame or two after it says so)."""
    for _ in range(20):
        shown = colours_shown(page, "#graph-wrap", ["--pos", "--neg"])
        if shown["--pos"] or shown["--neg"]:
            return shown
        page.wait_for_timeout(100)
    return shown


def test_a_large_networks_svg_export_writes_its_edges_out(shared_page, base_url):
    page = shared_page(1280, 720, reduced_motion="reduce", color_scheme="light")
    open_lesson(page, base_url, f"#{lesson()}&k=0")
    wait_cursor(page, 0)
    with page.expect_download() as svg:
        page.click("#export-svg")
    text = open(svg.value.path(), encoding="utf-8").read()
    colours = page.evaluate(
        "() => ['--pos', '--neg'].map((v) => "
        "getComputedStyle(document.documentElement).getPropertyValue(v).trim())"
    )
    weights = [p["value"] for p in api_graph(base_url, SCENARIO)["parameters"] if p["edge"]]
    drawn = [re.findall(rf'<path [^>]*stroke="{c}"', text) for c in colours]
    assert [len(d) for d in drawn] == [
        sum(1 for w in weights if w > 0),
        sum(1 for w in weights if w < 0),
    ]
    with page.expect_download() as png:
        page.click("#export-png")
    assert open(png.value.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_weights_changed_by_an_update_repaint_their_strips_as_a_fresh_paint_would(
    shared_page, base_url
):
    """After the update phase the changed weights' strips are painted again (a width follows its
    weight): the screen then matches a page opened at that step and painted whole."""
    end = api_graph(base_url, SCENARIO)["plan"]["granularities"]["step"]["total"]
    stepped = shared_page(1280, 720, reduced_motion="reduce", color_scheme="light")
    open_lesson(stepped, base_url, f"#{lesson()}&k=0")
    wait_cursor(stepped, 0)
    stepped.evaluate(PAINTED)
    stepped.keyboard.press("End")
    wait_cursor(stepped, end)
    fresh = shared_page(1280, 720, reduced_motion="reduce", color_scheme="light")
    open_lesson(fresh, base_url, f"#{lesson()}&k={end}")
    wait_cursor(fresh, end)
    shots = []
    for page in (stepped, fresh):
        page.evaluate("document.getElementById('graph-wrap').scrollTo(0, 0)")
        page.evaluate(PAINTED)
        edges_shown(page)
        shots.append(still_screenshot(page, "#graph-wrap"))
    # equal to within antialiasing (a strip is painted clipped, which moves a curve's edge pixels by
    # a few levels); an edge left as it was before the update differs by far more, over hundreds
    # of pixels
    far = far_apart(fresh, *shots)
    assert far == 0, f"{far} pixels differ by more than 64 levels"
