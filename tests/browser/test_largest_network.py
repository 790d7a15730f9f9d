"""The largest network the API steps (10 weight layers of 64 neurons, relu, mse, one sample), as a
person sees it at 1366 × 768: the graph drawn in a frame that scrolls, its edges painted in every
layer with the weights' colours, the step's edges marked, the step's number as the API gives it,
and Fit showing it whole; and a small network still drawn as SVG, every edge an element.
Timeouts are generous: this is not a timing test (bench/browser_bench.py measures speed)."""

from __future__ import annotations

import base64
import json

import pytest

from app.engine.mathfmt import Fmt
from app.engine.notation import Notation
from bench.scenarios import largest
from tests.browser.pageview import PIXELS, api_step, close, still_screenshot
from tests.browser.test_large_graph import DOTS

pytestmark = pytest.mark.browser

SCENARIO = {**largest(), "activations": ["relu"] * 10}
LOAD_MS = 60_000  # a cold server builds this lesson in seconds, on a loaded machine more

# the most options any menu on the page has held since this runs: each change to a menu's options
# is seen (a MutationObserver) before anything else runs
MOST_OPTIONS_WATCH = """() => {
  const most = () => Math.max(...[...document.querySelectorAll('select')].map((s) => s.options.length));
  window.__mostOptions = most();
  new MutationObserver(() => (window.__mostOptions = Math.max(window.__mostOptions, most())))
    .observe(document.body, { subtree: true, childList: true });
}"""

# every edge on the canvas, and the part in view at the bitmap's resolution (edge-canvas.js)
PAINTED = """() => {
  const canvas = document.querySelector('#graph-wrap canvas.graph-edges');
  return canvas?.dataset.painted === 'done' && canvas.dataset.sharp !== 'pending';
}"""

# A strip of the frame left of a node's box, across the edges of the layer arriving there (the
# step's own marked edges, which end at the box, cover few of its pixels), in page px.
LEFT_OF = """(id) => {
  const n = document.getElementById('n-' + id).getBoundingClientRect();
  const w = document.getElementById('graph-wrap').getBoundingClientRect();
  const top = Math.max(w.top + 2, n.top - 250), bottom = Math.min(w.bottom - 2, n.bottom + 250);
  return { x: n.left - 100, y: top, width: 56, height: bottom - top, inside: n.left - 100 > w.left && n.right < w.right };
}"""


# Pixels of a PNG (base64) that lean to each of two theme colours: nearer it than the other by
# more than 60 levels summed over R, G, B (a white or grey pixel is about as near both). The edge
# canvas's bitmap is scaled to the page and its thin curves blend, so few pixels are exact.
LEANING = (
    """async ([b64, names]) => {"""
    + PIXELS
    + """
  const data = await pngPixels(b64);
  const [a, b] = names.map(rgbOf);
  const far = (i, c) => Math.abs(data[i] - c[0]) + Math.abs(data[i + 1] - c[1]) + Math.abs(data[i + 2] - c[2]);
  const out = { [names[0]]: 0, [names[1]]: 0 };
  for (let i = 0; i < data.length; i += 4) {
    const d = far(i, a) - far(i, b);
    if (d < -60) out[names[0]] += 1;
    else if (d > 60) out[names[1]] += 1;
  }
  return out;
}"""
)


# Where the edge canvas must have ink and where it must have none, from the nodes' boxes in the
# DOM: between each pair of columns (a⁽ˡ⁾ on the left, z⁽ˡ⁺¹⁾ on the right, or x and z⁽¹⁾) both in
# the frame's view, `row` being the first or the last neuron of each, the edge from one to the
# other runs from the left box's middle to the right box's; a cubic drawn level at both ends, its
# middle is halfway on both axes. The edges arriving at or leaving the first (last) neurons all
# lie below (above) that edge's height at its ends, so 16 px beyond it, between the columns, lies
# none. In page px.
EDGE_POINTS = """(row) => {
  const wrap = document.getElementById('graph-wrap').getBoundingClientRect();
  const box = (id) => document.getElementById('n-' + id)?.getBoundingClientRect();
  const inside = (b) => b && b.width > 0 && b.left >= wrap.left && b.right <= wrap.right && b.top >= wrap.top && b.bottom <= wrap.bottom;
  const mid = (b) => (b.top + b.bottom) / 2;
  const out = { ink: [], none: [] };
  for (let l = 0; l < 10; l += 1) {
    const [a, z] = [box(l ? `a${l}_${row}` : `x${row}`), box(`z${l + 1}_${row}`)];
    if (!inside(a) || !inside(z)) continue;
    const [x, y] = [(a.right + z.left) / 2, (mid(a) + mid(z)) / 2];
    out.ink.push([x, y]);
    out.none.push([x, row ? Math.max(mid(a), mid(z)) + 16 : Math.min(mid(a), mid(z)) - 16]);
  }
  return out;
}"""

# How far each point's 7 × 7 px neighbourhood in a screenshot of the frame (PNG, base64, taken at
# `origin` in page px) strays from the frame's background colour at most (|ΔR| + |ΔG| + |ΔB|).
INK_AT = (
    """async ([b64, origin, points]) => {"""
    + PIXELS
    + """
  const data = await pngPixels(b64);
  const width = Math.round(document.getElementById('graph-wrap').getBoundingClientRect().width);
  const bg = rgbOf('--surface');
  return points.map(([x, y]) => {
    let most = 0;
    for (let dy = -3; dy <= 3; dy += 1) for (let dx = -3; dx <= 3; dx += 1) {
      const i = 4 * (Math.round(y - origin[1] + dy) * width + Math.round(x - origin[0] + dx));
      most = Math.max(most, Math.abs(data[i] - bg[0]) + Math.abs(data[i + 1] - bg[1]) + Math.abs(data[i + 2] - bg[2]));
    }
    return most;
  });
}"""
)


# Scrolls the frame to its far corner, and is true once it is there two frames later (the page
# may still scroll it back to the step shown, once, as the first step settles).
SCROLLED_TO_END = """() => new Promise((done) => {
  const w = document.getElementById('graph-wrap');
  w.scrollTo(w.scrollWidth, w.scrollHeight);
  requestAnimationFrame(() => requestAnimationFrame(() =>
    done(w.scrollLeft + w.clientWidth >= w.scrollWidth - 1 && w.scrollTop + w.clientHeight >= w.scrollHeight - 1)));
})"""


def ink_where_edges_are(page, row: int) -> tuple[list[int], list[int]]:
    """The ink at the middles of edges in view, and beside them where no edge runs (INK_AT's)."""
    points = page.evaluate(EDGE_POINTS, row)
    assert len(points["ink"]) >= 2, points  # at least two pairs of columns in view
    box = page.locator("#graph-wrap").bounding_box()
    box = {k: round(box[k]) for k in ("x", "y", "width", "height")}
    b64 = base64.b64encode(page.screenshot(clip=box)).decode()
    origin = [box["x"], box["y"]]
    return tuple(page.evaluate(INK_AT, [b64, origin, points[k]]) for k in ("ink", "none"))


def lesson_hash() -> str:
    text = json.dumps(SCENARIO, separators=(",", ":")).encode()
    return "#s=" + base64.urlsafe_b64encode(text).decode().rstrip("=")


def go(page, k: int) -> None:
    page.evaluate(f"() => {{ location.hash = location.hash.replace(/k=\\d+/, 'k={k}'); }}")
    page.wait_for_selector(f"html[data-cursor='{k}']", timeout=LOAD_MS)


def colours_left_of(page, node: str) -> dict[str, int]:
    """Pixels leaning to the positive and to the negative weights' colours left of `node`'s box."""
    page.wait_for_function(PAINTED, timeout=LOAD_MS)
    box = page.evaluate(LEFT_OF, node)
    assert box["inside"], f"{node} is not in the frame's view: {box}"
    shot = page.screenshot(clip={k: box[k] for k in ("x", "y", "width", "height")})
    return page.evaluate(LEANING, [base64.b64encode(shot).decode(), ["--pos", "--neg"]])


def test_the_largest_network_is_drawn_in_every_layer_and_steps(shared_page, base_url):
    page = shared_page(1366, 768, reduced_motion="reduce")
    page.goto(f"{base_url}/{lesson_hash()}&k=0")
    page.wait_for_selector("html[data-ready=true]", timeout=LOAD_MS)
    wrap = page.locator("#graph-wrap")
    assert "is-scrolling" in wrap.get_attribute("class")  # too big to read whole: it scrolls
    # a large graph's edges are painted on a canvas, not drawn one element each
    assert page.evaluate("document.querySelectorAll('#graph path.edge').length") == 0
    done = (
        "() => document.querySelector('#graph-wrap canvas.graph-edges').dataset.painted === 'done'"
    )
    page.wait_for_function(done, timeout=LOAD_MS)

    # every edge is on the canvas: scrolled at once to the far corner, the frame shows the edges
    # there (painted at a lower resolution first, then at the bitmap's own), ink at their middles
    # and none beyond the last ones, a frame after the scroll and once that part is sharp
    page.wait_for_function(SCROLLED_TO_END)
    # (at once, the lower resolution spreads a thin edge's ink: lighter at its middle, 80 seen)
    for when, least in (("at once", 60), ("sharp", 120)):
        ink, none = ink_where_edges_are(page, 63)
        assert min(ink) > least and max(none) < 40, (when, ink, none)
        page.wait_for_function(PAINTED, timeout=LOAD_MS)
    page.evaluate("document.getElementById('graph-wrap').scrollTo(0, 0)")
    # the runs of nodes there shown again (culled on the scroll's next frames), then the edges
    page.wait_for_function(f"() => ({EDGE_POINTS})(0).ink.length >= 2", timeout=LOAD_MS)
    page.wait_for_function(PAINTED, timeout=LOAD_MS)
    ink, none = ink_where_edges_are(page, 0)
    assert min(ink) > 120 and max(none) < 40, (ink, none)

    # the forward step of z⁽ˡ⁾₁ in each layer l: the frame scrolls to it, and the edges arriving
    # there are painted in both weight colours (xavier weights: some of either sign)
    for layer in range(1, 11):
        k = 128 * (layer - 1) + 1  # z then a, neuron by neuron, 64 neurons a layer
        go(page, k)
        assert page.get_attribute(f"#n-z{layer}_0", "class").find("written") >= 0
        got = colours_left_of(page, f"z{layer}_0")
        assert got["--pos"] > 500 and got["--neg"] > 500, (layer, got)

    # the step's number is the API's, and its 64 edges are marked on the dot canvas
    want_step = api_step(base_url, SCENARIO, k)
    want = want_step["steps"][-1]
    assert want["target"] == "z10_0"
    shown = page.text_content("#n-z10_0 .value")
    assert close(shown, want["value"]), (shown, want["value"])
    marked = page.evaluate(DOTS)
    assert marked["marks"] > 100 and marked["paths"] == 0, marked

    # the weights as the page has them (its graph comes as blocks, expanded by graph-blocks.js),
    # chosen in the ledger with the keyboard only: its menu of 41,600 parameters would be laid out
    # in one task of seconds, so a menu of the tensors comes first and the parameters' menu lists
    # the chosen tensor's entries, by their names in the engine's notation; no menu ever holds more
    # than one tensor's 4,096 (every change to a menu's options is counted as it is made)
    names = Notation(SCENARIO["layers"])
    page.evaluate(MOST_OPTIONS_WATCH)
    tensors = [f"{kind}{layer}" for layer in range(1, 11) for kind in "Wb"]
    page.focus("#ledger-tensor")  # as Tab brings it there
    listed = page.evaluate(
        "() => [...document.getElementById('ledger-tensor').options].map((o) => [o.value, o.text])"
    )
    assert listed[1:] == [
        [t, f"{names.layer(t[0], int(t[1:])).text(Fmt())} ({'64 × 64' if t[0] == 'W' else '64'})"]
        for t in tensors
    ], listed
    for t in tensors:  # ↓ to each tensor in turn, Tab to its entries, Shift+Tab back
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Tab")
        entries = page.evaluate(
            "() => [document.activeElement.id, ...[...document.activeElement.options].slice(1).map((o) => o.value)]"
        )
        want = [i for row in names.tensor_ids(t) for i in row]
        assert entries == ["ledger-param", *want], (t, entries[:3], len(entries))
        page.keyboard.press("Shift+Tab")
    texts = page.evaluate(
        "() => [...document.getElementById('ledger-param').options].slice(1, 4).map((o) => o.text)"
    )
    assert texts == [names.text(i) for i in ("b10_0", "b10_1", "b10_2")], texts
    for _ in range(15):  # ↑ from b⁽¹⁰⁾, the 20th tensor, to W⁽³⁾, the 5th
        page.keyboard.press("ArrowUp")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # its first entry, opened at once
    page.wait_for_function(
        "() => document.getElementById('ledger-summary').textContent.includes('W')", timeout=LOAD_MS
    )
    assert page.text_content("#ledger-summary dd").startswith(f"{names.text('W3_0_0')} = ")
    values = {p["id"]: p["value"] for p in want_step["parameters"]}
    page.select_option("#ledger-param", "W3_9_10")  # one of the entries listed there
    page.wait_for_function(
        f"() => document.getElementById('ledger-summary').textContent.includes('{names.text('W3_9_10')} =')",
        timeout=LOAD_MS,
    )
    theta = page.text_content("#ledger-summary dd")
    assert theta.startswith(f"{names.text('W3_9_10')} = "), theta
    assert close(theta.split(" = ")[1], values["W3_9_10"]), (theta, values["W3_9_10"])
    # a parameter opened another way (a row of the gradient summary) is shown in both menus
    page.click("#summary-body tr[data-id='W1_0_1']")
    chosen = page.evaluate(
        "() => ['ledger-tensor', 'ledger-param'].map((id) => document.getElementById(id).value)"
    )
    assert chosen == ["W1", "W1_0_1"], chosen
    assert page.evaluate("window.__mostOptions") == 4097  # the prompt and one tensor's entries

    # Fit: the whole graph in the frame, painted again at that size; pressed again, it scrolls
    page.click("#graph-fit")
    page.wait_for_function(
        "() => !document.getElementById('graph-wrap').classList.contains('is-scrolling')"
    )
    whole = page.evaluate(
        """() => { const w = document.getElementById('graph-wrap'), s = document.getElementById('graph');
        return [s.getBoundingClientRect().width <= w.clientWidth + 1, s.getBoundingClientRect().height <= w.clientHeight + 1,
                w.scrollWidth <= w.clientWidth + 1]; }"""
    )
    assert whole == [True, True, True], whole
    page.wait_for_function(PAINTED, timeout=LOAD_MS)
    png = still_screenshot(page, "#graph-wrap")
    seen = page.evaluate(LEANING, [base64.b64encode(png).decode(), ["--pos", "--neg"]])
    assert seen["--pos"] > 5000 and seen["--neg"] > 5000, seen  # the edges, small, still shown
    page.click("#graph-fit")
    page.wait_for_function(
        "() => document.getElementById('graph-wrap').classList.contains('is-scrolling')"
    )


def test_a_small_network_keeps_an_svg_element_for_every_edge(shared_page, base_url):
    """The tutorial's edges stay SVG paths with their curves written out (layout.js writes a
    path's `d` from its numbers only when it is read), and it has no edge canvas."""
    page = shared_page()
    page.goto(f"{base_url}/#preset=tutorial&k=0")
    page.wait_for_selector("html[data-ready=true]")
    got = page.evaluate(
        """() => [...document.querySelectorAll('#graph path.edge')].map((p) => p.getAttribute('d'))"""
    )
    assert len(got) >= 8
    assert all(d.startswith("M") and (" C" in d or " L" in d) for d in got), got
    assert "undefined" not in "".join(got) and "NaN" not in "".join(got)
    assert page.evaluate("document.querySelector('#graph-wrap canvas.graph-edges')") is None


# Before the page's scripts: what the page tells the edge painter (its worker) of each step shown
# ({type: "step"}, or the edges a step restyled), and each step drawn (html[data-cursor]) while the
# edge canvas still has tiles to paint at the bitmap's resolution (canvas[data-sharp] not "done").
TOLD = """(() => {
  const told = { steps: 0, drawn: 0 };
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (msg, ...rest) {
    if (msg && (msg.type === 'step' || msg.type === 'restyle')) told.steps += 1;
    return post.call(this, msg, ...rest);
  };
  new MutationObserver((records) => {
    const canvas = document.querySelector('#graph-wrap canvas.graph-edges');
    for (const r of records) {
      if (r.target !== document.documentElement || r.oldValue === r.target.dataset.cursor) continue;
      if (canvas && canvas.dataset.sharp !== 'done') told.drawn += 1;
    }
  }).observe(document, { subtree: true, attributeFilter: ['data-cursor'], attributeOldValue: true });
  window.__told = told;
})();"""


def test_steps_pressed_one_after_another_each_tell_the_edge_painter(make_page, base_url):
    """The edge painter paints its tiles at the bitmap's resolution only in a pause between steps
    (edge-paint.js sharpen): 8 tiles at a time hold a core for 30-45 ms, which a step's frames
    need. So it hears of every step shown, however soon after the last; told only of the first
    of several steps less than 100 ms apart, it painted its tiles in the middle of them."""
    page = make_page(1920, 1080)  # projected, as in a classroom: the graph scrolls to each step
    page.context.add_init_script(TOLD)
    page.goto(f"{base_url}/{lesson_hash()}&projector=1&k=0&speed=fast")
    page.wait_for_selector("html[data-ready=true]", timeout=LOAD_MS)
    page.wait_for_function(
        "() => document.querySelector('#graph-wrap canvas.graph-edges').dataset.painted === 'done'",
        timeout=LOAD_MS,
    )
    page.evaluate("window.__told.steps = window.__told.drawn = 0")
    for _ in range(8):  # → pressed 8 times in a row, as a teacher holding it down
        page.keyboard.press("ArrowRight")
    page.wait_for_selector("html[data-cursor='8']", timeout=LOAD_MS)
    told = page.evaluate("({ ...window.__told })")
    assert told["drawn"] >= 2, told  # (the tiles were not all sharp yet: the painter had work)
    assert told["steps"] >= told["drawn"], told
