"""A large network's graph renders only what is near the view (render.js cull()), and draws a
run of nodes only once it is first shown (large/large-graph.js chunked), keeps the step
shown in view as the cursor moves (stage.js keepInView()), lets Tab reach every node in order,
exports every node, and draws its pulses on a canvas over the view (static/js/large/dot-canvas.js)."""

from __future__ import annotations

import base64
import json
import re

import pytest

from tests.browser.pageview import (
    LARGE_SCENARIO,
    PIXELS,
    READ_VIEW,
    api_graph,
    api_step,
    close,
    open_lesson,
    wait_cursor,
)

pytestmark = pytest.mark.browser

# 40 neurons a layer: in projector mode the graph is far taller than the screen and scrolls
SCENARIO = LARGE_SCENARIO

VIEW = """() => {
  const wrap = document.getElementById('graph-wrap').getBoundingClientRect();
  const inView = (r) => r.right > wrap.left && r.left < wrap.right && r.bottom > wrap.top && r.top < wrap.bottom;
  const chunks = [...document.querySelectorAll('#graph .chunk')];
  const off = chunks.filter((c) => c.classList.contains('is-off'));
  const empty = chunks.filter((c) => !c.firstChild); // not drawn yet
  // a node is drawn in view when its box overlaps the frame; hidden ones have no box at all
  const shown = [...document.querySelectorAll('#graph .node')].filter((g) => g.getBoundingClientRect().width > 0);
  const current = document.querySelector('#graph .node.written');
  const r = current && current.getBoundingClientRect();
  return {
    scrolls: document.getElementById('graph-wrap').classList.contains('is-scrolling'),
    chunks: chunks.length,
    off: off.length,
    offEmpty: off.filter((c) => !c.firstChild).length,
    empty: empty.length,
    nodes: document.querySelectorAll('#graph .node').length,
    shown: shown.length,
    shownInView: shown.filter((g) => inView(g.getBoundingClientRect())).length,
    current: current && current.dataset.id,
    currentInside: Boolean(r) && r.width > 0 && r.left >= wrap.left - 1 && r.right <= wrap.right + 1 && r.top >= wrap.top - 1 && r.bottom <= wrap.bottom + 1,
  };
}"""


def lesson() -> str:
    text = json.dumps(SCENARIO, separators=(",", ":")).encode()
    return "s=" + base64.urlsafe_b64encode(text).decode().rstrip("=")


def culled_layout(page) -> tuple[int, int]:
    """Of the nodes inside the graph's culled runs (.chunk.is-off), how many have a layout object
    (DOMSnapshot's layout tree), and how many there are."""
    cdp = page.context.new_cdp_session(page)
    snap = cdp.send("DOMSnapshot.captureSnapshot", {"computedStyles": []})
    cdp.detach()
    strings, doc = snap["strings"], snap["documents"][0]
    parents, attrs = doc["nodes"]["parentIndex"], doc["nodes"]["attributes"]

    def culled_run(i: int) -> bool:
        a = attrs[i]
        cls = next((strings[a[j + 1]] for j in range(0, len(a), 2) if strings[a[j]] == "class"), "")
        return "chunk" in cls.split() and "is-off" in cls.split()

    inside = set()
    for i in range(len(parents)):
        p = parents[i]
        while p >= 0 and p not in inside and not culled_run(p):
            p = parents[p]
        if p >= 0:
            inside.add(i)
    laid = set(doc["layout"]["nodeIndex"])
    return len(inside & laid), len(inside)


def test_far_nodes_are_not_rendered_and_the_step_stays_in_view(shared_page, base_url):
    page = shared_page(1280, 720, reduced_motion="reduce")
    open_lesson(page, base_url, f"#{lesson()}&k=0&projector=1")
    wait_cursor(page, 0)
    top = page.evaluate(VIEW)
    assert top["scrolls"] and top["chunks"] > 10
    # most runs of nodes are far from the view and not rendered, nor even drawn yet: only the
    # runs near the view hold elements; every node in view is rendered
    assert top["off"] > top["chunks"] // 2, top
    assert top["offEmpty"] == top["off"] and top["empty"] == top["off"], top
    assert 0 < top["shownInView"] <= top["shown"] == top["nodes"], top
    # step to the forward pass of the last neuron of the first layer, far below the top
    k = 2 * 39 + 1  # z then a, neuron by neuron
    step = api_step(base_url, SCENARIO, k)["steps"][-1]
    assert step["target"] == "z1_39"
    page.evaluate(f"() => {{ location.hash = location.hash.replace(/k=\\d+/, 'k={k}'); }}")
    wait_cursor(page, k)
    page.wait_for_timeout(200)  # the culling that follows a scroll happens in the next frame
    there = page.evaluate(VIEW)
    assert there["current"] == "z1_39" and there["currentInside"], there
    assert there["shownInView"] > 0 and there["off"] > there["chunks"] // 2, there
    # the runs drawn there show the step: its number, the API's, in the node drawn just now
    assert there["nodes"] > top["nodes"] and 0 < there["empty"] < top["empty"], (top, there)
    assert close(page.text_content("#n-z1_39 .value"), step["value"])
    # and a run drawn then culled (the top's, now far) costs no layout: nothing in it has a
    # layout object (a run inside a <g display:none> would: Chromium styles and lays out its
    # descendants all the same)
    laid, hidden = culled_layout(page)
    assert hidden > 100 and laid == 0, (laid, hidden)
    # and one step back and forth keeps it in view
    page.keyboard.press("ArrowLeft")
    wait_cursor(page, k - 1)
    page.keyboard.press("ArrowRight")
    wait_cursor(page, k)
    page.wait_for_timeout(200)
    assert page.evaluate(VIEW)["currentInside"]


FOCUSABLE = (
    "() => [...document.querySelectorAll('#graph .node[tabindex=\"0\"]')].map((g) => g.dataset.id)"
)

# focus the first control after the graph's frame in the Tab order (document order, visible)
AFTER_GRAPH = """() => {
  const wrap = document.getElementById('graph-wrap');
  const all = document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]');
  const next = [...all].find((e) => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length
    && (wrap.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING) && !wrap.contains(e));
  next.focus();
  return next.id;
}"""

DRAWN_RUNS = """() => [...document.querySelectorAll('#graph .chunk')].map((c, i) => [i, Boolean(c.firstChild), c.classList.contains('is-off')])"""


def test_an_animated_step_draws_no_run_far_from_the_view(shared_page, base_url):
    """A whole pass animated: its numbers wait for their pulses, but a node whose run is not drawn
    is not drawn to hide one (its run, drawn later, shows the step as it is)."""
    page = shared_page(1280, 720)
    open_lesson(page, base_url, f"#{lesson()}&k=0&g=pass&projector=1")
    wait_cursor(page, 0)
    before = {i for i, drawn, _ in page.evaluate(DRAWN_RUNS) if drawn}
    page.keyboard.press("ArrowRight")
    wait_cursor(page, 1)
    page.wait_for_timeout(300)  # the pulses are on their way; the frame culls after a scroll
    runs = page.evaluate(DRAWN_RUNS)
    far_drawn = [i for i, drawn, off in runs if drawn and off and i not in before]
    assert len(before) < len(runs) // 2 and far_drawn == [], (len(before), len(runs), far_drawn)


def test_tab_reaches_every_node_in_order_across_hidden_runs(shared_page, base_url):
    page = shared_page(1280, 720, reduced_motion="reduce")
    open_lesson(page, base_url, f"#{lesson()}&k=0")
    wait_cursor(page, 0)
    # editable: every input, target and bias; only those near the view are drawn yet
    layers = SCENARIO["layers"]
    editable = layers[0] + sum(layers[1:]) + layers[-1]
    first = page.evaluate(FOCUSABLE)
    assert 0 < len(first) < editable // 2, len(first)
    # the Tab that enters the graph lands on its first node and draws or shows no other run
    before = page.evaluate(VIEW)
    assert before["empty"] > 0 and before["off"] > 0, before
    page.focus("#graph")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.id") == first[0]
    after = page.evaluate(VIEW)
    assert (after["empty"], after["off"]) == (before["empty"], before["off"]), (before, after)
    # with the view at the bottom, far from the first node: Tab into the graph still reaches it,
    # and Shift+Tab from the first control after the graph its last node (both runs always shown)
    page.evaluate(
        "() => { const w = document.getElementById('graph-wrap'); w.scrollTop = w.scrollHeight; }"
    )
    page.wait_for_timeout(200)  # the frame culls after a scroll
    assert page.evaluate(VIEW)["off"] > 0
    page.focus("#graph")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.id") == first[0]
    page.evaluate("() => { const w = document.getElementById('graph-wrap'); w.scrollTop = 0; }")
    page.wait_for_timeout(200)
    page.evaluate(AFTER_GRAPH)
    page.keyboard.press("Shift+Tab")
    last = page.evaluate("document.activeElement.dataset.id")
    page.focus(f"#n-{first[0]}")
    seen = [first[0]]
    for _ in range(60):  # past the runs drawn at first: Tab draws the next ones as it goes
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.dataset.id"))
    assert (
        page.evaluate("document.activeElement.closest('.chunk').classList.contains('is-off')")
        is False
    )
    # every run is drawn for an export: the focusable nodes in document order are then all of
    # them, the order Tab must have followed
    with page.expect_download():
        page.click("#export-svg")
    order = page.evaluate(FOCUSABLE)
    assert len(order) == editable and len(first) < 61
    assert seen == order[:61]
    assert last == order[-1]


def test_an_export_holds_every_node_of_a_culled_graph(shared_page, base_url):
    page = shared_page(
        900, 500, reduced_motion="reduce"
    )  # small: the graph scrolls (the export is not in projector mode)
    open_lesson(page, base_url, f"#{lesson()}&k=0")
    wait_cursor(page, 0)
    assert page.evaluate("document.querySelectorAll('#graph .chunk.is-off').length") > 0
    with page.expect_download() as svg:
        page.click("#export-svg")
    text = open(svg.value.path(), encoding="utf-8").read()
    assert 'display="none"' not in text
    # every node's label is written out: z1_1 … z1_40 of the first hidden layer among them
    labels = set(re.findall(r">z⁽¹⁾([₀₁₂₃₄₅₆₇₈₉]+)<", text))
    assert len(labels) == 40, sorted(labels)
    # and the graph is culled again afterwards
    assert page.evaluate("document.querySelectorAll('#graph .chunk.is-off').length") > 0


# The dot canvas's pixels by colour: opaque pixels of the forward pulses' colour (a dot's core) and
# of the accent (the step's marked edges), with the CSS colours turned into RGB by a canvas.
DOTS = (
    """async () => {"""
    + PIXELS
    + """
  await new Promise((done) => requestAnimationFrame(done));
  const data = await pixelsOf(document.querySelector('#graph-wrap canvas.graph-dots'));
  const [fwd, accent] = [rgbOf('--fwd'), rgbOf('--accent')];
  const near = (i, c) => Math.abs(data[i] - c[0]) + Math.abs(data[i + 1] - c[1]) + Math.abs(data[i + 2] - c[2]) < 12;
  let painted = 0, dots = 0, marks = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] === 0) continue;
    painted += 1;
    if (data[i + 3] === 255 && near(i, fwd)) dots += 1;
    if (data[i + 3] === 255 && near(i, accent)) marks += 1;
  }
  return { painted, dots, marks, circles: document.querySelectorAll('#graph circle').length,
           paths: document.querySelectorAll('#graph-wrap path').length };
}"""
)


# Whether the dot canvas has an opaque pixel just left of z1_0's box, where its inputs' edges end.
MARK_AT_TARGET = (
    """async () => {"""
    + PIXELS
    + """
  const canvas = document.querySelector('#graph-wrap canvas.graph-dots');
  const c = canvas.getBoundingClientRect();
  const n = document.getElementById('n-z1_0').getBoundingClientRect();
  const k = devicePixelRatio; // the canvas's bitmap is its CSS size at the screen's pixel ratio
  const [x0, y0] = [Math.round((n.left - 14 - c.left) * k), Math.round((n.top - c.top) * k)];
  const [w, h] = [Math.round(12 * k), Math.round(n.height * k)];
  if (x0 < 0 || y0 < 0 || x0 + w > Math.round(c.width * k) || y0 + h > Math.round(c.height * k)) return null;
  const data = await pixelsOf(canvas, x0, y0, w, h);
  for (let i = 3; i < data.length; i += 4) if (data[i] === 255) return true;
  return false;
}"""
)


# Started before a key press: DOTS read on every animation frame until the step to `cursor` is
# shown and settled with dots seen, or 20 s: the frame with the most dots, and the most SVG
# circles and paths of any frame. (One read at a fixed time after the press saw no dots on a
# loaded machine, where the dots' 900 ms can pass before or after it.)
DOTS_WHILE_STEPPING = (
    """(cursor) => { window.__dotsSeen = (async () => {
  const count = """
    + DOTS
    + """;
  const settled = () => document.documentElement.dataset.cursor === String(cursor)
    && !document.querySelector('#graph .pending, #graph .pulse, #graph .morphing');
  const best = { dots: 0, marks: 0, painted: 0, circles: 0, paths: 0, frames: 0, withDots: 0 };
  for (const end = performance.now() + 20000; performance.now() < end;) {
    const done = settled();  // before this frame's read: a frame read after the settling counts
    const now = await count();  // (DOTS waits for the next animation frame first)
    best.frames += 1;
    if (now.dots > 0) best.withDots += 1;
    if (now.dots > best.dots) Object.assign(best, { dots: now.dots, marks: now.marks, painted: now.painted });
    best.circles = Math.max(best.circles, now.circles);
    best.paths = Math.max(best.paths, now.paths);
    if (done && best.dots > 0) break;
  }
  return best;
})(); }"""
)


def test_pulses_and_marked_edges_are_painted_on_the_dot_canvas(shared_page, base_url):
    page = shared_page(1280, 720)  # motion allowed; in projector mode the graph scrolls
    open_lesson(page, base_url, f"#{lesson()}&k=0&speed=slow&projector=1")
    wait_cursor(page, 0)
    page.wait_for_timeout(100)
    assert page.evaluate(DOTS)["painted"] == 0  # nothing marked, nothing moving
    page.evaluate(DOTS_WHILE_STEPPING, 1)
    page.keyboard.press("ArrowRight")  # z1_0 adds up 40 weighted inputs: 40 dots travel to it
    moving = page.evaluate("window.__dotsSeen")  # the frame with the most dots
    assert moving["circles"] == 0 and moving["paths"] == 0  # no SVG element per dot or mark
    assert moving["dots"] > 100 and moving["marks"] > 100, moving
    wait_cursor(page, 1)
    page.wait_for_timeout(300)
    still = page.evaluate(DOTS)
    assert still["dots"] == 0 and still["marks"] > 100, still  # the dots are gone, the marks stay
    assert page.evaluate(MARK_AT_TARGET) is True, "no mark where z1_0's inputs arrive"
    # scrolled (by half the room above z1_0, so that it stays in view): painted where it is now
    dy = page.evaluate(
        """() => { const wrap = document.getElementById('graph-wrap');
        const dy = Math.floor((document.getElementById('n-z1_0').getBoundingClientRect().top
                               - wrap.getBoundingClientRect().top) / 2);
        wrap.scrollBy(0, dy); return dy; }"""
    )
    assert dy >= 10
    page.wait_for_function(f"() => document.getElementById('graph-wrap').scrollTop === {dy}")
    page.wait_for_timeout(100)
    assert page.evaluate(MARK_AT_TARGET) is True, "no mark where z1_0's inputs arrive, scrolled"
    # and the canvas covers the part now in view
    covers = """() => { const c = document.querySelector('#graph-wrap canvas.graph-dots').getBoundingClientRect();
      const w = document.getElementById('graph-wrap');
      const r = w.getBoundingClientRect();
      return [c.left - r.left - w.clientLeft, c.top - r.top - w.clientTop, c.width - w.clientWidth, c.height - w.clientHeight]; }"""
    assert all(abs(d) < 1 for d in page.evaluate(covers)), page.evaluate(covers)
    page.keyboard.press("ArrowLeft")  # back to nothing marked: the canvas is wiped
    wait_cursor(page, 0)
    page.wait_for_timeout(100)
    assert page.evaluate(DOTS)["painted"] == 0


def test_a_large_network_comes_column_wise_and_shows_the_api_s_numbers(make_page, base_url):
    """From 2,000 weights the page asks for its graph as blocks and its steps packed (api.js),
    decodes them, and shows exactly what the usual answer says; the ledger's long menu of parameters is made when idle,
    or at once when it is focused."""
    scenario = {**SCENARIO, "layers": [50, 50, 2], "inputs": [[0.04 * i - 1 for i in range(50)]]}
    page = make_page(1280, 720, reduced_motion="reduce")
    formats = []
    page.on(
        "request",
        lambda r: (
            "/api/" in r.url
            and r.method == "POST"
            and formats.append((r.url.rsplit("/", 1)[-1], (r.post_data_json or {}).get("format")))
        ),
    )
    text = json.dumps(scenario, separators=(",", ":")).encode()
    open_lesson(
        page, base_url, "#s=" + base64.urlsafe_b64encode(text).decode().rstrip("=") + "&k=3"
    )
    wait_cursor(page, 3)
    assert ("graph", "blocks") in formats and ("step", "packed") in formats, formats
    shown = page.evaluate(READ_VIEW)["nodes"]  # a large graph draws the nodes near the view
    want = {n["id"]: n for n in api_step(base_url, scenario, 3)["nodes"] if n["id"] in shown}
    assert len(want) > 20
    bad = [k for k, n in want.items() if not close(shown[k]["value"], n["value"], 4)]
    assert bad == []
    assert sum(n["value"] is not None for n in want.values()) >= 3  # values, not only blanks
    names = page.evaluate(
        "() => { const s = document.getElementById('ledger-param'); s.focus();"
        " return [...s.options].map((o) => o.value); }"
    )
    params = [p["id"] for p in api_graph(base_url, scenario)["parameters"]]
    assert names == ["", *params]  # all of them, in order, once focused


def test_a_graph_drawn_before_its_first_step_can_be_clicked_meanwhile(make_page, base_url):
    """The first large lesson's graph is drawn while its first step is on its way (lesson.js); a
    click or Enter on a weight in that wait opens nothing and raises no error (the page's watch
    fails the test on one), and once the step arrives the same click opens the weight's editor."""
    scenario = {**SCENARIO, "layers": [50, 50, 2], "inputs": [[0.04 * i - 1 for i in range(50)]]}
    page = make_page(1280, 720, reduced_motion="reduce")
    held = []
    page.route("**/api/step", lambda route: held.append(route))
    text = json.dumps(scenario, separators=(",", ":")).encode()
    page.goto(f"{base_url}/#s=" + base64.urlsafe_b64encode(text).decode().rstrip("=") + "&k=0")
    page.wait_for_function("() => document.querySelector('#graph .editable')")
    assert held and page.evaluate("document.documentElement.dataset.ready") != "true"
    weight = page.locator("#graph .editable").first
    weight.click()
    weight.focus()
    page.keyboard.press("Enter")
    assert page.locator("#value-editor").is_hidden()
    for route in held:
        route.continue_()
    page.unroute("**/api/step")
    page.wait_for_selector("html[data-ready=true]")
    page.locator("#graph .editable").first.click()
    assert page.locator("#value-editor").is_visible()
