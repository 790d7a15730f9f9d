"""Steps asked `since` the state held list only what changed, and the page restyles only that: what
it shows after any walk forward and back must equal what a fresh page (one full answer) shows at
the same cursor, element by element (a large graph's runs of nodes all drawn first, on both)."""

from __future__ import annotations

import base64
import json

import pytest

from tests.browser.pageview import LARGE_SCENARIO, far_apart, open_lesson, wait_cursor

pytestmark = pytest.mark.browser

# Everything drawn that a step can change: every graph element with an id (class, label, width,
# text), every row of the summary, the equation, loss and counter; a large graph's edges are
# painted on a canvas (static/js/large/edge-canvas.js): its size and its pixels (a PNG, compared up to
# antialiasing), read once its painter says all is painted and the frame has reached it. The PNG
# (2.5 MB of base64) stays in the page as window.__edgePixels; its SHA-256 is returned.
DRAWN = """async () => {
  const out = {};
  const canvas = document.querySelector('#graph-wrap canvas.graph-edges');
  if (canvas) {
    for (let t = 0; canvas.dataset.painted !== 'done'; t += 20) {
      if (t > 30000) throw new Error('the edges were not all painted within 30 s');
      await new Promise((done) => setTimeout(done, 20));
    }
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    out['edge canvas'] = canvas.dataset.bitmap;
    // what a worker painted reaches the page's canvas a frame or more later: read it until it
    // holds still (the same picture 100 ms apart), at most 5 s
    const [w, h] = canvas.dataset.bitmap.split('x').map(Number);
    const sized = (url) => { const b = atob(url.slice(0, 32)); const n = (i) => ((b.charCodeAt(i) << 24) | (b.charCodeAt(i + 1) << 16) | (b.charCodeAt(i + 2) << 8) | b.charCodeAt(i + 3)) >>> 0; return n(16) === w && n(20) === h; };
    let url = canvas.toDataURL('image/png').split(',')[1];
    for (let t = 0; t < 5000; t += 100) {
      await new Promise((done) => setTimeout(done, 100));
      const again = canvas.toDataURL('image/png').split(',')[1];
      if (again === url && sized(url)) break;
      url = again;
    }
    window.__edgePixels = url;
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(url)));
    out['edge pixels'] = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
  }
  // a large graph draws a run of nodes when first shown (large/large-graph.js): every run drawn
  // now, the frame scrolled over the whole drawing and back, so that runs drawn late are
  // compared with runs drawn at once
  if (document.querySelector('#graph .chunk')) {
    const wrap = document.getElementById('graph-wrap');
    const frame = () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    const [left, top] = [wrap.scrollLeft, wrap.scrollTop];
    for (let y = 0; y < wrap.scrollHeight; y += wrap.clientHeight) {
      for (let x = 0; x < wrap.scrollWidth; x += wrap.clientWidth) {
        wrap.scrollTo(x, y);
        await frame();
      }
    }
    wrap.scrollTo(left, top);
    await frame();
    if (document.querySelector('#graph .chunk:empty')) throw new Error('a run was not drawn');
  }
  const cls = (el) => (el.getAttribute('class') || '').split(/\\s+/).filter(Boolean).sort().join(' ');
  for (const el of document.querySelectorAll('#graph [id]')) {
    out[el.id] = [cls(el), el.getAttribute('aria-label'), el.getAttribute('stroke-width'), el.tagName === 'path' ? '' : el.textContent];
  }
  for (const tr of document.querySelectorAll('#summary-body tr')) out['row ' + tr.dataset.id] = [cls(tr), tr.textContent];
  for (const id of ['step-count', 'explain-title', 'eq-formula', 'eq-substituted', 'eq-result', 'sentence', 'live', 'loss-before', 'loss-after', 'loss-change']) {
    out[id] = document.getElementById(id).textContent;
  }
  return out;
}"""


def differences(stepped: dict, fresh: dict) -> list[str]:
    keys = sorted(set(stepped) | set(fresh))
    return [
        f"{k}: stepped {stepped.get(k)!r}, fresh {fresh.get(k)!r}"
        for k in keys
        if stepped.get(k) != fresh.get(k)
    ]


def walk_and_compare(
    make_page, base_url: str, lesson: str, forward: int, back_to: int, fresh_at=None
) -> list[dict]:
    """Step forward `forward` times, then back to `back_to`, comparing with a fresh page each time.
    `fresh_at`: (k, check) runs check(page) on the fresh page just loaded at cursor k, first time.
    A fresh page's view at k is a function of the lesson and k alone (one full answer): read once,
    it is kept, and the way back compares with the views kept on the way forward."""
    page = make_page(1280, 720, reduced_motion="reduce")
    bodies = []
    page.on("request", lambda r: r.url.endswith("/api/step") and bodies.append(r.post_data_json))
    fresh = make_page(1280, 720, reduced_motion="reduce")
    open_lesson(page, base_url, f"#{lesson}&k=0")
    kept: dict[int, dict] = {}  # cursor → the fresh page's view there
    fresh_k = None  # the cursor whose edge pixels the fresh page holds

    def read(pages) -> list[dict]:
        # the pages read at once (each waits for frames and for its edges to hold still)
        for p in pages:
            p.evaluate(f"() => {{ window.__drawn = ({DRAWN})(); }}")
        return [p.evaluate("() => window.__drawn") for p in pages]

    def load_fresh(n: int, k: int) -> None:
        nonlocal fresh_k
        open_lesson(fresh, base_url, f"?fresh={n}#{lesson}&k={k}")  # a new document, one answer
        wait_cursor(fresh, k)
        fresh_k = k

    cursors = [*range(1, forward + 1), *range(forward - 1, back_to - 1, -1)]
    for n, k in enumerate(cursors):
        page.keyboard.press("ArrowRight" if n < forward else "ArrowLeft")
        wait_cursor(page, k)
        if k in kept:
            [stepped_view] = read([page])
        else:
            load_fresh(n, k)
            if fresh_at and fresh_at[0] == k:
                fresh_at[1](fresh)  # before the reading below scrolls the whole drawing into view
                fresh_at = None
            stepped_view, kept[k] = read([page, fresh])
        fresh_view = dict(kept[k])
        digests = [v.pop("edge pixels", None) for v in (stepped_view, fresh_view)]
        assert differences(stepped_view, fresh_view) == [], f"at cursor {k}"
        # the same PNG is the same picture; two PNGs are compared up to antialiasing, in the page
        # (each one's 2.5 MB of base64 took 1-3 s to pass between Python and a page)
        if digests[0] != digests[1]:
            if fresh_k != k:  # the fresh page holds another cursor's pixels: load k's again
                load_fresh(n, k)
                read([fresh])
            pixels = [p.evaluate("window.__edgePixels") for p in (page, fresh)]
            assert far_apart(fresh, *pixels) == 0, f"the edges differ at cursor {k}"
    return bodies


def test_tutorial_forward_and_back_with_partial_answers(make_page, base_url):
    bodies = walk_and_compare(make_page, base_url, "preset=tutorial", forward=19, back_to=0)
    steps = [b for b in bodies if b["cursor"] != 0 or b.get("since") is not None]
    assert len(steps) == 19 + 19
    # every one of them asked only for what changed since the step shown before
    assert [b.get("since") for b in steps] == [*range(0, 19), *range(19, 0, -1)]


def test_xor_second_sample_by_node_with_partial_answers(make_page, base_url):
    bodies = walk_and_compare(
        make_page, base_url, "preset=xor&sample=1&g=node", forward=8, back_to=3
    )
    assert sum(1 for b in bodies if b.get("since") is not None) == 8 + 5


def test_a_large_network_by_layer_with_partial_answers(make_page, base_url):
    """1,722 parameters: dense layers' labels are drawn only while shown and the summary draws only
    the rows in view; still, stepping by layer forward and back shows what a fresh page shows."""
    scenario = LARGE_SCENARIO
    text = json.dumps(scenario, separators=(",", ":")).encode()
    lesson = "s=" + base64.urlsafe_b64encode(text).decode().rstrip("=") + "&g=layer"

    def at_6(page) -> None:
        # a few labels of the 1,600 in the dense layer, and a window of the summary's 1,722 rows
        assert 0 < page.locator("#graph .wlabel").count() <= 64
        assert 0 < page.locator("#summary-body tr:not(.spacer)").count() < 100
        assert page.get_attribute("#summary-table", "aria-rowcount") == "1723"
        # the worksheet (made after the first picture, later.js) says so once it has the lesson
        page.wait_for_function(
            "() => (document.querySelector('#panel-worksheet .bs-ws-summary')?.textContent || '')"
            ".includes('numbers to check, more than the 2,000')",
            timeout=10_000,
        )
        checked.append(6)

    checked: list[int] = []
    # the fresh page at cursor 6 (a new document at #…&k=6) is the page these checks read
    bodies = walk_and_compare(make_page, base_url, lesson, forward=7, back_to=4, fresh_at=(6, at_6))
    assert checked == [6]
    assert sum(1 for b in bodies if b.get("since") is not None) == 7 + 3
