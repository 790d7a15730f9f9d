"""A large network's edges are painted on a canvas beneath the SVG (edge-canvas.js): sized like the
graph, coloured by each weight's sign from the theme's colours, repainted on a theme change, and
written out as paths by the SVG export."""

from __future__ import annotations

import base64
import json
import re

import pytest

from tests.browser.pageview import LARGE_SCENARIO, api_graph, open_lesson, wait_cursor

pytestmark = pytest.mark.browser

SCENARIO = LARGE_SCENARIO

# The canvas's pixels (read through an ImageBitmap once two frames have passed) counted by exact
# colour against the theme's --pos and --neg, and its size against the SVG's box.
CANVAS = """async () => {
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const canvas = document.querySelector('#graph-wrap canvas.graph-edges');
  const box = document.getElementById('graph').getBoundingClientRect();
  const bitmap = await createImageBitmap(canvas);
  const copy = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d');
  copy.drawImage(bitmap, 0, 0);
  const data = copy.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const rgb = (name) => {
    const hex = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  };
  const count = (c) => {
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] === 255 && data[i] === c[0] && data[i + 1] === c[1] && data[i + 2] === c[2]) n += 1;
    }
    return n;
  };
  return {
    size: [canvas.width, canvas.height],
    box: [Math.round(box.width * devicePixelRatio), Math.round(box.height * devicePixelRatio)],
    pos: count(rgb('--pos')),
    neg: count(rgb('--neg')),
    edgeElements: document.querySelectorAll('#graph .edge').length,
  };
}"""


def lesson() -> str:
    text = json.dumps(SCENARIO, separators=(",", ":")).encode()
    return "s=" + base64.urlsafe_b64encode(text).decode().rstrip("=")


def test_a_large_networks_edges_are_painted_in_the_themes_colours(make_page, base_url):
    page = make_page(1280, 720, reduced_motion="reduce", color_scheme="light")
    open_lesson(page, base_url, f"#{lesson()}&k=0")
    wait_cursor(page, 0)
    light = page.evaluate(CANVAS)
    assert light["edgeElements"] == 0  # none of the 1,600 weight edges is an SVG element
    assert light["size"] == light["box"]
    # both signs are drawn in their colour, each over thousands of pixels
    assert light["pos"] > 2000 and light["neg"] > 2000, light
    page.click("#theme-toggle")
    page.wait_for_selector("html[data-theme=dark]")
    dark = page.evaluate(CANVAS)  # now counted against the dark theme's colours
    assert dark["pos"] > 2000 and dark["neg"] > 2000, dark


def test_a_large_networks_svg_export_writes_its_edges_out(make_page, base_url):
    page = make_page(1280, 720, reduced_motion="reduce", color_scheme="light")
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
