"""The PNG and the SVG export of the largest network the page shows (10 × 64, relu), as a teacher
sees them, on one page loaded once (a load of this lesson and the two pictures of its view cost
as much as an export): the page keeps answering while a file is made (frames keep coming, a key
press is taken: the old PNG export held the page for 20-32 s, the old SVG one in one task of
2.5 s on a quiet machine, 12-20 s on a loaded one), the button is busy meanwhile and a second
click starts nothing, one file arrives of the size the export promises (the PNG's pixels; the
SVG's bytes, in the toast), and drawn it is the picture on screen (edges, nodes, labels), at the
top of the graph and at its far end (runs of nodes culled from the view are in the file too); a
PNG whose edges were painted for it is, pixel by pixel, the one that copies the screen's; the
SVG holds every edge the API's graph has and every label the page drew. A step taken meanwhile
stops either: no file of two moments.
Bounds are generous: bench/png_bench.py (--what svg) measures."""

from __future__ import annotations

import base64
import math
import re
import struct
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
import pytest
from fastapi.responses import FileResponse, HTMLResponse

from app.main import create_app
from tests.browser.pageview import PIXELS, still_screenshot, wait_cursor
from tests.browser.server import serve_app
from tests.browser.test_largest_network import LOAD_MS, PAINTED, SCENARIO, lesson_hash

pytestmark = pytest.mark.browser

MAX_PNG_PIXELS = 18e6  # export.js: 2 px a viewBox unit, fewer for a larger drawing
# while an export runs (the old PNG one froze the page for 20-50 s); its tasks take 25 ms, but on
# 2 cores loaded 5 times over (other tests) the page's thread waited up to 1.2 s for its turn
LONGEST_GAP_MS = 2000  # between two frames
# and as a part of the whole SVG export: the old one was a single task, nearly all of it
LONGEST_GAP_SHARE = 0.5
KEY_MS = 2000  # from a key press to the page taking it
FILE_K = 0.75  # viewBox units to px, the SVG drawn for the comparison (as the PNG export's)
SVG = "{http://www.w3.org/2000/svg}"

# Records, until `__frames.on` is false, the longest gap between two frames, and how long each
# key press waited before the page took it (from the event's time stamp to its handler).
FRAMES = """() => {
  const f = { on: true, last: null, longest: 0, keys: [] };
  addEventListener('keydown', (ev) => f.on && f.keys.push(performance.now() - ev.timeStamp), true);
  const tick = (t) => {
    if (!f.on) return;
    if (f.last !== null) f.longest = Math.max(f.longest, t - f.last);
    f.last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  window.__frames = f;
}"""

# For each view ([screenshot PNG as base64, its origin in viewBox units, its px a unit, the part
# `area` of the drawing it shows, [x0, y0, x1, y1] in viewBox units]): the mean colour of each
# cell of `cell` units over that part, in the screenshot and in the exported picture (`exported`,
# any image source, `fileK` px a unit); the largest difference of the two in a channel, cell by
# cell. Defines cellDiffs(views, exported, fileK, cell), after PIXELS.
CELL_DIFFS = """
  const bytes = (b64) => new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'image/png' });
  const means = async (source, origin, k, area) => {
    const [x0, y0] = [(area[0] - origin[0]) * k, (area[1] - origin[1]) * k];
    const [w, h] = [Math.ceil((area[2] - area[0]) * k), Math.ceil((area[3] - area[1]) * k)];
    const data = await pixelsOf(source, Math.floor(x0), Math.floor(y0), w, h);
    const out = [];
    for (let v = 0; v + cell <= area[3] - area[1]; v += cell) {
      for (let u = 0; u + cell <= area[2] - area[0]; u += cell) {
        const sum = [0, 0, 0];
        let n = 0;
        for (let y = Math.round(v * k); y < Math.round((v + cell) * k); y++) {
          for (let x = Math.round(u * k); x < Math.round((u + cell) * k); x++) {
            const i = 4 * (y * w + x);
            sum[0] += data[i];
            sum[1] += data[i + 1];
            sum[2] += data[i + 2];
            n += 1;
          }
        }
        out.push(sum.map((s) => s / n));
      }
    }
    return out;
  };
  const cellDiffs = async (views, exported, fileK, cell) => {
    const diffs = [];
    for (const [shot, origin, k, area] of views) {
      const a = await means(bytes(shot), origin, k, area);
      const b = await means(exported, [0, 0], fileK, area);
      diffs.push(a.map((m, i) => Math.max(...m.map((c, j) => Math.abs(c - b[i][j])))));
    }
    return diffs;
  };
"""

# cellDiffs with the exported PNG fetched from `file`, a path of this server's.
CELLS = (
    """async ([views, file, fileK, cell]) => {"""
    + PIXELS
    + CELL_DIFFS
    + """
  const exported = await createImageBitmap(await (await fetch(file)).blob());
  return cellDiffs(views, exported, fileK, cell);
}"""
)

# Two exported PNGs, fetched from this server's paths `files`, pixel by pixel: the number of
# pixels differing by more than 64 levels in a channel, and the mean difference per channel.
FILES_APART = (
    """async (files) => {"""
    + PIXELS
    + """
  const [a, b] = await Promise.all(files.map(async (f) => pixelsOf(await (await fetch(f)).blob())));
  if (a.length !== b.length) return [-1, -1];
  let far = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i += 4) {
    let most = 0;
    for (let k = 0; k < 4; k++) {
      const d = Math.abs(a[i + k] - b[i + k]);
      sum += d;
      if (d > most) most = d;
    }
    if (most > 64) far += 1;
  }
  return [far, sum / a.length];
}"""
)

# The SVG file (fetched from `file`, a path of this server's) drawn by the browser as an image at
# `k` px a viewBox unit, compared there with the views cell by cell (CELL_DIFFS): the drawing
# stays in the page that drew it (as a PNG, its base64 took seconds to pass to Python and back;
# the file's 7 MB of text, 5 s). Only the views' parts of the picture are rasterised (a clip):
# the whole, 2,800 × 6,400 px, took 15-20 s on a loaded machine; the pixels in them are the same.
# Its size from its viewBox, read from its root's start tag (the whole text parsed took 7 s).
DRAWN_CELLS = (
    """async ([file, k, views, cell]) => {"""
    + PIXELS
    + CELL_DIFFS
    + """
  const text = await (await fetch(file)).text();
  const start = text.slice(0, text.indexOf('>') + 1);
  const vb = new DOMParser().parseFromString(start + '</svg>', 'image/svg+xml').documentElement.viewBox.baseVal;
  const img = new Image();
  img.src = file;
  await img.decode();
  const canvas = new OffscreenCanvas(Math.ceil(vb.width * k), Math.ceil(vb.height * k));
  const ctx = canvas.getContext('2d');
  ctx.beginPath();
  for (const [, , , [x0, y0, x1, y1]] of views) {
    ctx.rect(Math.floor(x0 * k) - 2, Math.floor(y0 * k) - 2, Math.ceil((x1 - x0) * k) + 4, Math.ceil((y1 - y0) * k) + 4);
  }
  ctx.clip();
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  return cellDiffs(views, canvas, k, cell);
}"""
)

# The part of the drawing the frame shows: viewBox units, and the frame's box on the page.
IN_VIEW = """() => {
  const svg = document.getElementById('graph');
  const wrap = document.getElementById('graph-wrap');
  const vb = svg.viewBox.baseVal;
  const r = wrap.getBoundingClientRect();
  const box = { x: Math.ceil(r.left + wrap.clientLeft), y: Math.ceil(r.top + wrap.clientTop), width: wrap.clientWidth - 1, height: wrap.clientHeight - 1 };
  const ctm = svg.getScreenCTM();
  const at = new DOMPoint(box.x, box.y).matrixTransform(ctm.inverse());
  const origin = [at.x, at.y];
  return { box, k: ctm.a, origin, area: [at.x, at.y, at.x + box.width / ctm.a, at.y + box.height / ctm.a], viewBox: [vb.width, vb.height] };
}"""


# The files the test downloaded, as they arrived, served to the page at /test-export/N.png (or
# .svg): a 17 MB file handed to page.evaluate as base64 took 10-25 s to reach the page, fetched
# 0.3 s. /test-export/blank: a document of the server's origin, to draw an SVG file in.
EXPORTED: list[str] = []


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The app (as conftest.py's base_url serves it), and the downloaded files."""
    app = create_app()

    @app.get("/test-export/{n}.png", include_in_schema=False)
    def exported(n: int) -> FileResponse:
        return FileResponse(EXPORTED[n], media_type="image/png")

    @app.get("/test-export/{n}.svg", include_in_schema=False)
    def exported_svg(n: int) -> FileResponse:
        return FileResponse(EXPORTED[n], media_type="image/svg+xml")

    @app.get("/test-export/blank", include_in_schema=False)
    def blank() -> HTMLResponse:
        return HTMLResponse('<!doctype html><link rel="icon" href="data:,"><title>drawer</title>')

    with serve_app(app) as url:
        yield url


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def view_shot(page) -> tuple[dict, str]:
    """The frame's view once its edges are painted and still, and where in the drawing it is."""
    page.wait_for_function(PAINTED, timeout=LOAD_MS)
    still_screenshot(page, "#graph-wrap")  # what the worker painted is on the screen
    view = page.evaluate(IN_VIEW)
    return view, base64.b64encode(page.screenshot(clip=view["box"])).decode()


def open_largest_with_views(make_page, base_url: str):
    """The largest network at k=0 (light, no motion), and the picture on screen at the top of the
    graph and at its far end (culled at first): the page and [view_shot, view_shot]."""
    page = make_page(1280, 800, reduced_motion="reduce", color_scheme="light")
    page.goto(f"{base_url}/{lesson_hash()}&k=0")
    page.wait_for_selector("html[data-ready=true]", timeout=LOAD_MS)
    # the picture on screen, at the top of the graph and at its far end (culled at first)
    views = [view_shot(page)]
    page.evaluate(
        "() => { const w = document.getElementById('graph-wrap'); w.scrollTo(w.scrollWidth, w.scrollHeight); }"
    )
    page.wait_for_timeout(300)
    views.append(view_shot(page))
    assert page.evaluate("document.querySelectorAll('#graph .chunk.is-off').length") > 0
    return page, views


def busy(button: str) -> str:
    """Whether export button `button` (its id) shows an export under way, in the page."""
    return f"() => document.getElementById('{button}').getAttribute('aria-busy') === 'true'"


def free(button: str) -> str:
    return f"() => document.getElementById('{button}').getAttribute('aria-busy') !== 'true'"


def click(button: str) -> str:
    """A click by the page's own script (Playwright's waits until the page has taken it; a
    click would also take the focus to the button)."""
    return f"() => setTimeout(() => document.getElementById('{button}').click())"


def size_text(n: int) -> str:
    """How the toast gives a file's size (export.js sizeText)."""
    return f"{n} bytes" if n < 1000 else f"{n / 1e3:.1f} kB" if n < 1e6 else f"{n / 1e6:.1f} MB"


def export_pressing_keys(page, button: str, downloads: list) -> str | None:
    """Click export button `button` (by the page's own script: Playwright's click waits until the
    page has taken it), then again (a second click), then press a key now and then, as a teacher
    might, until a file comes (in `downloads`, empty before): the button's aria-busy just after
    the first click."""
    page.evaluate(click(button))
    page.wait_for_timeout(200)
    busy = page.evaluate(f"document.getElementById('{button}').getAttribute('aria-busy')")
    page.evaluate(f"() => document.getElementById('{button}').click()")
    for _ in range(600):
        if downloads:
            break
        page.keyboard.press("Shift")
        page.wait_for_timeout(100)
    return busy


def frames_and_keys(page) -> tuple[float, list[float]]:
    """FRAMES's record, stopped: the longest gap between two frames, each key press's wait."""
    return page.evaluate(
        "() => { window.__frames.on = false; return [window.__frames.longest, window.__frames.keys]; }"
    )


def test_the_largest_networks_png_and_svg_keep_the_page_answering_and_show_the_drawing(
    make_page, base_url
):
    page, views = open_largest_with_views(make_page, base_url)
    # the views as CELL_DIFFS takes them
    shown = [[shot, v["origin"], v["k"], v["area"]] for v, shot in views]

    # the PNG
    page.evaluate(FRAMES)
    button = page.locator("#export-png")
    downloads = []
    page.on("download", lambda d: downloads.append(d))
    busy_png = export_pressing_keys(page, "export-png", downloads)
    page.wait_for_function(free("export-png"), timeout=LOAD_MS)
    longest, keys = frames_and_keys(page)
    page.wait_for_timeout(500)  # a second export, had one started, would be well under way
    assert longest < LONGEST_GAP_MS, f"the page drew no frame for {longest:.0f} ms"
    assert keys and max(keys) < KEY_MS, f"a key press waited {max(keys, default=0):.0f} ms"
    assert busy_png == "true", "the button did not show that the export was under way"
    assert len(downloads) == 1  # the second click started nothing
    assert button.get_attribute("aria-disabled") is None

    data = open(downloads[0].path(), "rb").read()
    width, height = png_size(data)
    vw, vh = views[0][0]["viewBox"]
    scale = min(2, math.sqrt(MAX_PNG_PIXELS / (vw * vh)))
    assert (width, height) == (math.ceil(vw * scale), math.ceil(vh * scale))
    assert f"{width} × {height} px" in page.text_content("#toast")

    # the file shows what the frame showed, cell by cell (cells of 16 units; a node's box is
    # about 150 × 50): the mean colours of most within a few levels (the screen's thin curves
    # and small text are drawn at 0.8 px a unit, the file's at 0.75). Without its nodes and
    # labels, half the cells differ by 14 levels or more; without its edges, by 16. (Compared
    # while the edge painter sharpens the rest of the screen's edges, for the next export.)
    def agree(cells: list[list[float]]) -> None:
        for diffs in cells:
            diffs.sort()
            assert len(diffs) > 1000
            median, most = diffs[len(diffs) // 2], diffs[int(len(diffs) * 0.98)]
            assert median < 10 and most < 30, (median, most, diffs[-1])

    EXPORTED[:] = [str(downloads[0].path())]
    agree(page.evaluate(CELLS, [shown, "/test-export/0.png", scale, 16]))

    # again once every edge on screen is sharp: its edges are then copied from the screen's
    # bitmap (at the file's scale here), not painted afresh, in a fraction of the time
    page.wait_for_function(
        "() => document.querySelector('#graph-wrap canvas.graph-edges').dataset.sharp === 'done'",
        timeout=LOAD_MS,
    )
    with page.expect_download(timeout=LOAD_MS) as again:
        page.click("#export-png")
    assert page.get_attribute("#graph-wrap canvas.graph-edges", "data-picture") == "copied"
    EXPORTED.append(str(again.value.path()))
    assert png_size(open(EXPORTED[1], "rb").read(24)) == (width, height)
    agree(page.evaluate(CELLS, [shown, "/test-export/1.png", scale, 16]))
    # and the two files are the same picture pixel by pixel, up to antialiasing: the first's
    # edges painted for it (in bands of rows, by the painter and its helpers), the second's the
    # screen's, painted tile by tile. (A curve's rim differs by a few levels, a few hundred
    # pixels by more than 64; a band left out, or edges of another colour or width, differ by
    # more than 64 over hundreds of thousands.)
    far, mean = page.evaluate(FILES_APART, ["/test-export/0.png", "/test-export/1.png"])
    assert 0 <= far < 2000 and mean < 1, (far, mean)

    # the SVG, of the same step (the lesson has stayed at k=0)
    page.evaluate(FRAMES)
    svgs = []
    page.on("download", lambda d: svgs.append(d))
    t0 = page.evaluate("performance.now()")
    busy_svg = export_pressing_keys(page, "export-svg", svgs) == "true"
    page.wait_for_function(free("export-svg"), timeout=LOAD_MS)
    took = page.evaluate("performance.now()") - t0
    longest, keys = frames_and_keys(page)
    page.wait_for_timeout(500)  # a second export, had one started, would be well under way
    assert longest < LONGEST_GAP_MS, f"the page drew no frame for {longest:.0f} ms"
    assert longest < LONGEST_GAP_SHARE * took, f"one gap of {longest:.0f} ms in {took:.0f} ms"
    assert keys and max(keys) < KEY_MS, f"a key press waited {max(keys, default=0):.0f} ms"
    assert busy_svg, "the button did not show that the export was under way"
    assert len(svgs) == 1  # the second click started nothing
    assert page.get_attribute("#export-svg", "aria-disabled") is None

    data = open(svgs[0].path(), "rb").read()
    name = svgs[0].suggested_filename
    assert name == "backstep-lesson-step-0.svg"
    assert f"Saved {name} ({size_text(len(data))})" in page.text_content("#toast")

    # every weight's edge (the API's graph), with its sign's colour; every label the page drew
    # (its runs of nodes, the culled ones too, are all drawn for the export)
    root = ET.fromstring(data)
    colours = page.evaluate(
        "() => ['--pos', '--neg'].map((v) => "
        "getComputedStyle(document.documentElement).getPropertyValue(v).trim())"
    )
    graph = httpx.post(f"{base_url}/api/graph", json={"scenario": SCENARIO}, timeout=LOAD_MS / 1e3)
    weights = [p["value"] for p in graph.json()["parameters"] if p["edge"]]
    strokes = [p.get("stroke") for p in root.iter(f"{SVG}path") if p.get("d", "").startswith("M")]
    assert [strokes.count(c) for c in colours] == [
        sum(1 for w in weights if w > 0),
        sum(1 for w in weights if w < 0),
    ]
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert texts == page.evaluate(
        "() => [...document.querySelectorAll('#graph text')].map((t) => t.textContent)"
    )
    z = {t for t in texts if re.fullmatch(r"z⁽[⁰¹²³⁴⁵⁶⁷⁸⁹]+⁾[₀-₉]+", t)}
    assert len(z) == 640  # 10 layers × 64

    # drawn, the file shows what the frame showed, cell by cell, as the PNG does
    EXPORTED.append(str(svgs[0].path()))
    drawer = page.context.new_page()  # a page of its own, for the file drawn
    drawer.goto(f"{base_url}/test-export/blank")
    cells = drawer.evaluate(
        DRAWN_CELLS, [f"/test-export/{len(EXPORTED) - 1}.svg", FILE_K, shown, 16]
    )
    drawer.close()
    agree(cells)

    # a step taken while a file is made: its nodes would show the next step beside the click's
    # edges. The export stops and says so; no file, the button free again, the step shown.
    for button in ("export-svg", "export-png"):
        count, cursor = len(downloads), page.get_attribute("html", "data-cursor")
        page.evaluate(click(button))
        page.wait_for_function(busy(button))
        page.keyboard.press("ArrowRight")
        page.wait_for_function(free(button), timeout=LOAD_MS)
        wait_cursor(page, int(cursor) + 1)
        page.wait_for_timeout(300)
        assert len(downloads) == count, f"a file of two moments was saved ({button})"
        said = page.text_content("#toast")  # (the toast names the kind: not the last one's)
        assert f"The {button[-3:].upper()} could not be made" in said and "moved on" in said, said

    # with Play on: the click stops it (each step would otherwise fail the export, one after
    # another) and the file is of the step Play had reached; the lesson then stays there
    cursor = page.get_attribute("html", "data-cursor")
    page.click("#btn-play")
    page.wait_for_function(
        "(c) => Number(document.documentElement.dataset.cursor) > c + 1", arg=int(cursor)
    )
    with page.expect_download(timeout=LOAD_MS) as played:
        page.click("#export-png")
    assert page.get_attribute("#btn-play", "aria-pressed") == "false"
    reached = page.get_attribute("html", "data-cursor")
    assert played.value.suggested_filename.endswith(f"-step-{reached}.png")
    assert "moved on" not in page.text_content("#toast")
    page.wait_for_timeout(1500)  # Play's next steps would have come by now
    assert page.get_attribute("html", "data-cursor") == reached
