"""The graph in its frame, as a teacher at 1366 × 768 (and on a 1920 × 1080 projector) sees it:
every node inside the frame or a frame that scrolls with a Fit control, text large enough to read,
and each weight's label on its own edge, none over another."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tests.browser.pageview import api_step, open_lesson, wait_cursor
from tests.browser.test_toolbar import FOCUS, FRAMES

pytestmark = pytest.mark.browser

NETWORKS = ["tutorial", "xor", "softmax", "deep"]
EXPRESSIONS = ["expr:sum-times-sum", "expr:tanh-neuron", "expr:sigmoid-neuron"]

# The frame, the graph's smallest text on screen (minText, CSS px) and the nodes outside the frame
# (outside): the start of every reading of the graph (test_projector_layout.py reads them too).
GRAPH_FACTS = """
  const wrap = document.getElementById('graph-wrap');
  const svg = document.getElementById('graph');
  const f = wrap.getBoundingClientRect();
  const k = svg.getScreenCTM().a;  // CSS px on screen per viewBox unit
  let minText = Infinity;
  for (const t of svg.querySelectorAll('text')) {
    if (!t.textContent.trim() || t.getBoundingClientRect().width === 0) continue;
    minText = Math.min(minText, parseFloat(getComputedStyle(t).fontSize) * k);
  }
  const outside = [];
  for (const n of svg.querySelectorAll('.node')) {
    const r = n.querySelector('.shape').getBoundingClientRect();
    if (r.left < f.left - 0.5 || r.right > f.right + 0.5 || r.top < f.top - 0.5 || r.bottom > f.bottom + 0.5) outside.push(n.dataset.id);
  }
"""

MEASURE = (
    """() => {"""
    + GRAPH_FACTS
    + """  // the weight labels a viewer sees, each with its distance to its own edge and to the nearest other
  const shown = [...svg.querySelectorAll('.wlabel')].filter((g) => getComputedStyle(g).opacity !== '0');
  // each edge sampled at 401 points along it, the first time a label asks (getPointAtLength is
  // slow: sampling every edge of a large graph took seconds a reading)
  const edges = (shown.length ? [...svg.querySelectorAll('path.edge-weight')] : []).map((p) => {
    let pts = null;
    const sample = () => {
      if (!pts) {
        const len = p.getTotalLength();
        pts = Array.from({ length: 401 }, (_, i) => p.getPointAtLength((len * i) / 400));
      }
      return pts;
    };
    return { id: p.dataset.id, box: p.getBBox(), sample };
  });
  const dist = (e, x, y) => Math.min(...e.sample().map((q) => Math.hypot(q.x - x, q.y - y)));
  // the distance to the nearest of these edges: nearest box first, stopping at a box farther than
  // the nearest edge found (an edge's points are in its box: none in a farther box can be nearer)
  const boxDist = (b, x, y) => Math.hypot(Math.max(b.x - x, 0, x - b.x - b.width), Math.max(b.y - y, 0, y - b.y - b.height));
  const nearest = (es, x, y) => {
    let best = Infinity;
    for (const [d, e] of es.map((e) => [boxDist(e.box, x, y), e]).sort((a, b) => a[0] - b[0])) {
      if (d > best + 0.01) break;
      best = Math.min(best, dist(e, x, y));
    }
    return best;
  };
  const labels = [];
  for (const g of shown) {
    const bg = g.querySelector('.wlabel-bg');
    const x = +bg.getAttribute('x') + +bg.getAttribute('width') / 2;
    const y = +bg.getAttribute('y') + +bg.getAttribute('height') / 2;
    const own = edges.find((e) => e.id === g.dataset.edge);
    const others = edges.filter((e) => e !== own);
    const r = bg.getBoundingClientRect();
    // a callout (no room on its edge) is moved to a free place: its leader ends on its box and
    // starts on its own edge (its distance to the edge is that of the leader's start)
    let leader = null;
    let at = [x, y];
    if (g.classList.contains('callout')) {
      const l = [...svg.querySelectorAll('line.callout-leader')].find((l) => {
        const q = new DOMPoint(+l.getAttribute('x2'), +l.getAttribute('y2')).matrixTransform(l.getScreenCTM());
        return q.x >= r.left - 1 && q.x <= r.right + 1 && q.y >= r.top - 1 && q.y <= r.bottom + 1;
      });
      if (l) {
        const q = new DOMPoint(+l.getAttribute('x2'), +l.getAttribute('y2')).matrixTransform(l.getScreenCTM());
        leader = [q.x, q.y];
        at = [+l.getAttribute('x1'), +l.getAttribute('y1')];
      }
    }
    labels.push({ id: g.dataset.id, box: [r.left, r.top, r.right, r.bottom], callout: g.classList.contains('callout'), leader, own: own ? dist(own, ...at) * k : null, other: nearest(others, ...at) * k });
  }
  // every number and name drawn in a node or bias pill (not in a label), with its box on screen
  const texts = [];
  for (const t of svg.querySelectorAll('.node text')) {
    if (!t.textContent.trim() || getComputedStyle(t).opacity === '0') continue;
    const r = t.getBoundingClientRect();
    if (r.width > 0) texts.push({ id: t.closest('.node').dataset.id + ' ' + t.textContent, box: [r.left, r.top, r.right, r.bottom] });
  }
  const fit = document.getElementById('graph-fit');
  return {
    minText, outside, labels, texts,
    scrolls: wrap.scrollWidth > wrap.clientWidth + 1 || wrap.scrollHeight > wrap.clientHeight + 1,
    overflow: getComputedStyle(wrap).overflow,
    fitShown: !fit.hidden && fit.getBoundingClientRect().width > 0,
  };
}"""
)


def overlaps(a, b) -> bool:
    return a[0] < b[2] - 0.5 and a[2] > b[0] + 0.5 and a[1] < b[3] - 0.5 and a[3] > b[1] + 0.5


def check_view(page, min_text: float, where: str, apart: bool = True) -> dict:
    return check_facts(page.evaluate(MEASURE), min_text, where, apart)


def check_facts(v: dict, min_text: float, where: str, apart: bool = True) -> dict:
    """check_view's verdict on MEASURE's facts, read by the page (`walk`) or by check_view."""
    assert v["minText"] >= min_text - 0.01, f"{where}: text of {v['minText']:.1f} px"
    if v["outside"]:
        # too big for its frame: it scrolls, with a scrollbar and a Fit control that shows it whole
        assert v["scrolls"] and v["overflow"] == "auto" and v["fitShown"], (where, v["outside"])
    else:
        assert not v["fitShown"], where
    for lab in v["labels"]:
        # on its own edge (a callout: its leader starts there and ends on its box)
        assert lab["own"] is not None and lab["own"] <= 3.0, (where, lab)
        assert lab["own"] < lab["other"], (where, lab)  # nearer its own than any other
        if lab["callout"]:
            (x, y), (left, top, right, bottom) = lab["leader"], lab["box"]
            assert left - 1 <= x <= right + 1 and top - 1 <= y <= bottom + 1, (where, lab)
    boxes = [lab["box"] for lab in v["labels"]] if apart else []
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not overlaps(boxes[i], boxes[j]), (
                where,
                v["labels"][i]["id"],
                v["labels"][j]["id"],
            )
        for t in v["texts"]:  # nor over a number or name drawn in a node
            assert not overlaps(boxes[i], t["box"]), (where, v["labels"][i]["id"], t["id"])
    return v


def scenario_hash(layers, seed=3) -> str:
    sc = {
        "layers": layers,
        "activations": ["sigmoid"] * (len(layers) - 1),
        "loss": "mse",
        "init": {"scheme": "normal", "seed": seed, "scale": 0.5},
        "inputs": [[0.5] * layers[0]],
        "targets": [[1.0] * layers[-1]],
        "learning_rate": 0.5,
    }
    raw = base64.urlsafe_b64encode(json.dumps(sc).encode()).decode().rstrip("=")
    return f"#s={raw}"


def go(page, hash_: str, k: int) -> None:
    """Another lesson in the same page (the page itself loads once a test)."""
    page.evaluate(f"location.hash = {json.dumps(hash_)}")
    wait_cursor(page, k)
    page.wait_for_function(f"() => location.hash.includes('k={k}')")


# The lesson taken to each (hash, k) in turn through its URL, as go() does, and what `measure`
# reads there, all inside the page (a round trip a step through Playwright was most of a walk's
# time): each step counts as shown when go() would count it (wait_cursor's cursor, nothing
# pending or moving, the hash on k). Each k must differ from the cursor before it (else the
# cursor shown would not tell the new step from the old): go() takes a lesson to its start.
WALK = """async (steps) => {
  const read = READING;
  const out = [];
  for (const [hash, k] of steps) {
    location.hash = hash;
    const t0 = performance.now();
    while (document.documentElement.dataset.cursor !== String(k)
      || document.querySelector('#graph .pending, #graph .pulse, #graph .morphing')
      || !location.hash.includes(`k=${k}`)) {
      if (performance.now() - t0 > 10000) throw new Error(`${hash}: step ${k} not shown in 10 s`);
      await new Promise((r) => requestAnimationFrame(r));
    }
    out.push(await read());
  }
  return out;
}"""


def walk(page, steps: list[tuple[str, int]], measure: str) -> list:
    """[measure's reading at each (hash, k) of steps], walked inside the page (WALK)."""
    cursor = int(page.get_attribute("html", "data-cursor"))
    for _, k in steps:
        assert k != cursor, f"step {k} twice in a row: a walk could not tell them apart"
        cursor = k
    return page.evaluate(WALK.replace("READING", measure, 1), steps) if steps else []


def test_every_preset_fits_its_frame_with_labels_on_their_edges(shared_page, base_url):
    page = shared_page(1366, 768, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial&k=0")
    for preset in NETWORKS + EXPRESSIONS:
        # a step of the forward pass and, for networks, one of the backward pass
        for k in (2, 12) if preset in NETWORKS else (2,):
            go(page, f"#preset={preset}&k={k}", k)
            v = check_view(page, 12, f"{preset} at {k}")
            if preset in NETWORKS:
                assert not v["outside"], (preset, v["outside"])  # the presets fit whole


# The drawing's extent on screen (every node and label a viewer sees), against its frame's.
EXTENT = """() => {
  const f = document.getElementById('graph-wrap').getBoundingClientRect();
  const r = [Infinity, Infinity, -Infinity, -Infinity];
  for (const s of document.querySelectorAll('#graph .node .shape, #graph .wlabel .wlabel-bg')) {
    const b = s.getBoundingClientRect();
    if (!b.width) continue;
    r[0] = Math.min(r[0], b.left); r[1] = Math.min(r[1], b.top);
    r[2] = Math.max(r[2], b.right); r[3] = Math.max(r[3], b.bottom);
  }
  const boxes = [...document.querySelectorAll('#graph .node')].map((n) => {
    const b = n.querySelector('.shape').getBoundingClientRect();
    return [n.dataset.id, Math.round(b.left), Math.round(b.top), Math.round(b.width), Math.round(b.height)];
  });
  return { w: (r[2] - r[0]) / f.width, h: (r[3] - r[1]) / f.height, boxes };
}"""


def test_the_tutorial_uses_the_room(shared_page, base_url):
    """At 1366 × 768 the tutorial's wide, short graph gets more of the width (a narrower side
    column) and its fanning edges run steep: its text is 18 px or more, it spans the frame's width
    and most of its height, nothing is clipped, and it holds still from step to step."""
    page = shared_page(1366, 768, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial&k=0")
    seen = None
    both = f"() => ({{ v: ({MEASURE})(), e: ({EXTENT})() }})"
    first = page.evaluate(both)
    later = walk(page, [(f"#preset=tutorial&k={k}", k) for k in (9, 14, 19)], both)
    for k, read in zip((0, 9, 14, 19), [first, *later], strict=True):
        v = check_facts(read["v"], 18, f"tutorial at {k}")
        assert not v["outside"] and not v["scrolls"], v["outside"]
        if k == 0:
            assert len(v["labels"]) == 3  # W₁₁, W₁₂ and W₂, each on its edge
        e = read["e"]
        assert e["w"] >= 0.9 and e["h"] >= 0.6, e  # (before: 0.98 of the width, 0.37 of the height)
        assert seen is None or e["boxes"] == seen, k
        seen = e["boxes"]


def test_dense_layers_label_the_step_and_show_their_matrix(shared_page, base_url):
    page = shared_page(1366, 768, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=xor&k=3")  # z⁽¹⁾₂ = W · x + b: its two weights lit
    shown = {lab["id"] for lab in check_view(page, 12, "xor")["labels"]}
    assert {"W1_1_0", "W1_1_1"} <= shown, shown
    # W⁽¹⁾ whole, drawn in the graph's free corner (test_weight_matrix.py: over nothing drawn)
    active = page.eval_on_selector_all(
        "#wmatrix .wmatrix-cell.is-active", "(cs) => cs.map((c) => c.dataset.id)"
    )
    assert sorted(active) == ["W1_1_0", "W1_1_1"]
    assert page.locator("#wmatrix .wmatrix-cell").count() == 8
    # the pointer on another edge of the layer shows its label
    at = page.evaluate("""() => {
      const p = document.getElementById('e-x0__z1_3');
      for (let f = 0.1; f < 0.95; f += 0.05) {  // a point of the edge nothing covers
        const q = p.getPointAtLength(p.getTotalLength() * f).matrixTransform(p.getScreenCTM());
        if (document.elementFromPoint(q.x, q.y) === p) return [q.x, q.y];
      }
      return null;
    }""")
    assert at, "the edge is covered all along"
    page.mouse.move(*at)
    # (a label shown for the pointer may cover one the step shows: it is gone when the pointer is)
    assert "W1_3_0" in {
        lab["id"] for lab in check_view(page, 12, "xor hover", apart=False)["labels"]
    }


@pytest.mark.parametrize(
    "layers",
    [[2, 3, 2, 1], [2, 6, 6, 6, 2], [2, 8, 8, 8, 2], [8, 8, 8, 8, 8], [8, 1, 8, 1, 8]],
    ids=lambda ls: "-".join(map(str, ls)),
)
def test_networks_up_to_four_layers_of_eight_fit_whole(shared_page, base_url, layers):
    """Every node in the frame without scrolling, text of 12 px or more, and the labels a step
    shows (forward into a neuron of eight inputs, a backward step, an update) apart from each
    other and from every number drawn."""
    page = shared_page(1366, 768, reduced_motion="reduce")
    open_lesson(page, base_url, scenario_hash(layers) + "&k=0")
    total = int(page.text_content("#step-count").split()[3])
    fwd = sum(layers[1:]) * 2 + 1  # the forward pass: z and a of every neuron, then L
    ks = (3, fwd + 4, total - 2, total)
    first = page.evaluate(MEASURE)
    later = walk(page, [(scenario_hash(layers) + f"&k={k}", k) for k in ks], MEASURE)
    for k, read in zip((0, *ks), [first, *later], strict=True):
        v = check_facts(read, 12, f"{layers} at {k}")
        assert not v["outside"] and not v["scrolls"], (layers, k, v["outside"])


def test_a_larger_network_scrolls_with_a_fit_control(shared_page, base_url):
    page = shared_page(1366, 768, reduced_motion="reduce")
    open_lesson(page, base_url, scenario_hash([10, 10, 10, 10, 10, 10, 10]) + "&k=0")
    v = check_view(page, 12, "10 × 6")
    assert v["outside"] and v["scrolls"] and v["fitShown"]
    # its scrollbars are styled to be always there to see, not overlays shown only while
    # scrolling (headless Chromium draws none at all, so their style is what can be checked)
    bar = page.evaluate(
        "() => getComputedStyle(document.getElementById('graph-wrap'), '::-webkit-scrollbar').width"
    )
    assert bar == "14px", bar
    page.focus("#graph-fit")
    page.keyboard.press("Enter")  # the keyboard reaches it
    page.wait_for_function(
        "() => document.getElementById('graph-fit').getAttribute('aria-pressed') === 'true'"
    )
    v = page.evaluate(MEASURE)
    assert not v["outside"] and not v["scrolls"], v["outside"]
    page.click("#graph-fit")  # back at full size
    page.wait_for_function(
        "() => document.getElementById('graph-fit').getAttribute('aria-pressed') === 'false'"
    )
    assert page.evaluate(MEASURE)["scrolls"]


@pytest.mark.parametrize("pressed", [False, True], ids=["fit", "100%"])
def test_fit_gone_with_a_wider_window_hands_its_focus_to_the_graph(shared_page, base_url, pressed):
    """Fit (or, pressed, "100%") has the keyboard's focus and the window grows until the graph
    fits whole at full size: the button goes, and the focus goes to the graph's frame, never
    <body>; the clicker's Space and PageDown step the lesson there."""
    page = shared_page(1366, 768, reduced_motion="reduce")
    open_lesson(page, base_url, scenario_hash([10, 10, 10, 10, 10, 10, 10]) + "&k=0")
    page.wait_for_selector("#graph-fit:not([hidden])")
    page.focus("#graph-fit")
    if pressed:
        page.keyboard.press("Enter")
        page.wait_for_selector("#graph-fit[aria-pressed=true]")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_selector("#graph-fit", state="hidden")
    page.evaluate(FRAMES)
    assert page.evaluate(FOCUS) == {"id": "stage", "shown": True}
    page.keyboard.press("Space")
    wait_cursor(page, 1)
    page.keyboard.press("PageDown")
    wait_cursor(page, 2)


def test_a_graph_that_comes_to_fit_is_drawn_once(shared_page, base_url):
    """The window grows until the 10 × 6 graph fits and Fit goes: one drawing, in the frame it
    keeps. The line under the graph was 12 px taller with the button than without, so the frame
    grew once the button went and the graph was drawn again (0.2–0.9 s each, loaded)."""
    page = shared_page(1366, 768, reduced_motion="reduce")
    open_lesson(page, base_url, scenario_hash([10, 10, 10, 10, 10, 10, 10]) + "&k=0")
    page.wait_for_selector("#graph-fit:not([hidden])")
    page.evaluate(FRAMES)
    page.evaluate(
        """() => {
          window.__drawn = [];
          const svg = document.querySelector('#graph-wrap svg');
          new MutationObserver(() => window.__drawn.push(svg.getAttribute('viewBox')))
            .observe(svg, { attributes: true, attributeFilter: ['viewBox'] });
        }"""
    )
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_selector("#graph-fit", state="hidden")
    for _ in range(5):  # a second drawing, if any, comes within a frame or two of the first
        page.evaluate(FRAMES)
    drawn = page.evaluate("window.__drawn")
    assert len(drawn) == 1, drawn


def test_projector_text_is_large(shared_page, base_url):
    page = shared_page(1920, 1080, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial&k=0&projector=1")
    for preset in NETWORKS:
        # xor at 40: an update of W⁽²⁾, whose lit tag once covered a neighbour's gradient
        for k in (3, 40) if preset == "xor" else (3,):
            go(page, f"#preset={preset}&k={k}&projector=1", k)
            v = check_view(page, 24, f"{preset} projector at {k}")
            if (preset, k) == ("xor", 40):  # too narrow for it on its edge: a callout, labelled
                assert [lab["id"] for lab in v["labels"] if lab["callout"]] == ["W2_0_1"], v
                # and W⁽²⁾ whole beside it, at 24 px, in the graph's free place for it
                wm = page.evaluate(
                    """() => {
                      const on = document.querySelector('#wmatrix .wmatrix-cell.is-active text');
                      const k = document.getElementById('graph').getScreenCTM().a;
                      return { shown: on.getBoundingClientRect().width > 0,
                               font: parseFloat(getComputedStyle(on).fontSize) * k,
                               active: on.parentNode.dataset.id, text: on.textContent,
                               tag: document.querySelector('#p-W2_0_1 .wvalue').textContent };
                    }"""
                )
                assert wm["shown"] and wm["font"] >= 24, wm
                assert wm["active"] == "W2_0_1" and wm["text"] in wm["tag"], wm


# every visible text of the graph (a node's "part 1 of 3" under its box included) inside the frame
TEXT_OUTSIDE = """() => {
  const f = document.getElementById('graph-wrap').getBoundingClientRect();
  const out = [];
  for (const t of document.querySelectorAll('#graph text')) {
    const r = t.getBoundingClientRect();
    if (!r.width || getComputedStyle(t).opacity === '0' || getComputedStyle(t).visibility === 'hidden') continue;
    if (r.left < f.left - 0.5 || r.right > f.right + 0.5 || r.top < f.top - 0.5 || r.bottom > f.bottom + 0.5)
      out.push(`${t.textContent} ${Math.round(r.bottom - f.bottom)}`);
  }
  return out;
}"""


def test_a_gradient_arriving_in_parts_says_so_inside_the_frame(shared_page, base_url):
    """Softmax, projected and at a desk: each cursor where the last row's z⁽²⁾₃ has 1 of its 3
    parts (the API's grad_parts), its "part 1 of 3" under the box is inside the frame."""
    sc = httpx.get(f"{base_url}/api/presets/softmax").json()["scenario"]
    total = httpx.post(f"{base_url}/api/graph", json={"scenario": sc}).json()["plan"]["total_steps"]
    k = next(
        c
        for c in range(1, total + 1)
        for n in api_step(base_url, sc, c)["nodes"]
        if n["id"] == "z2_2" and (n.get("grad_parts") or [0, 0])[0] == 1
    )
    for width, height, extra in ((1920, 1080, "&projector=1"), (1366, 768, "")):
        page = shared_page(width, height, reduced_motion="reduce")
        open_lesson(page, base_url, f"#preset=softmax&k={k}{extra}")
        assert page.text_content("#n-z2_2 .grad-parts") == "part 1 of 3"
        assert page.evaluate(TEXT_OUTSIDE) == [], (width, k)
        page.close()


# What a viewer sees of the weight labels (tags and callouts), the nodes and the "part k of n"
# notes, on screen: each label with the band between its edge's two columns (from the middle of
# the column the edge leaves to the middle of the one it enters) and its leader's ends; every box
# drawn (node halves, neurons, bias pills) and every text written in or beside a node.
PLACEMENT = """() => {
  const wrap = document.getElementById('graph-wrap');
  const svg = document.getElementById('graph');
  const f = wrap.getBoundingClientRect();
  const R = (r) => [r.left, r.top, r.right, r.bottom];
  const onScreen = (x, y, el) => { const q = new DOMPoint(x, y).matrixTransform(el.getScreenCTM()); return [q.x, q.y]; };
  const seen = (e) => e.getBoundingClientRect().width > 0 && getComputedStyle(e).opacity !== '0'
    && getComputedStyle(e).visibility !== 'hidden';
  const boxes = [...svg.querySelectorAll('.node .shape, .neuron-body')]
    .map((s) => ({ id: s.closest('.node')?.dataset.id || 'neuron', box: R(s.getBoundingClientRect()) }));
  const texts = [...svg.querySelectorAll('.node text')].filter((t) => t.textContent.trim() && seen(t))
    .map((t) => ({ id: `${t.closest('.node').dataset.id} "${t.textContent}"`, parts: t.classList.contains('grad-parts'), box: R(t.getBoundingClientRect()) }));
  // the box a point of an edge leaves (its right side) or enters (its left side): the widest there
  const boxAt = (x, y, side) => boxes.filter((b) => Math.abs(b.box[side] - x) < 3 && b.box[1] <= y && y <= b.box[3])
    .sort((u, v) => (v.box[2] - v.box[0]) - (u.box[2] - u.box[0]))[0];
  const mid = (b) => (b.box[0] + b.box[2]) / 2;
  const labels = [];
  for (const g of svg.querySelectorAll('.wlabel')) {
    const bg = g.querySelector('.wlabel-bg');
    if (getComputedStyle(g).opacity === '0' || !bg.getBoundingClientRect().width) continue;
    const box = R(bg.getBoundingClientRect());
    const lab = { id: g.dataset.id, box, callout: g.classList.contains('callout'), band: null, leader: null };
    if (lab.callout) {
      const path = document.getElementById('e-' + g.dataset.edge);
      const len = path.getTotalLength();
      const [a, b] = [path.getPointAtLength(0), path.getPointAtLength(len)];
      const [s, e] = [onScreen(a.x, a.y, path), onScreen(b.x, b.y, path)];
      const [from, to] = [boxAt(s[0], s[1], 2), boxAt(e[0], e[1], 0)];
      lab.band = [from ? mid(from) : s[0], to ? mid(to) : e[0]];
      for (const l of svg.querySelectorAll('line.callout-leader')) {
        const q = onScreen(+l.getAttribute('x2'), +l.getAttribute('y2'), l);
        if (q[0] < box[0] - 1 || q[0] > box[2] + 1 || q[1] < box[1] - 1 || q[1] > box[3] + 1) continue;
        const p = onScreen(+l.getAttribute('x1'), +l.getAttribute('y1'), l);
        const pts = Array.from({ length: 201 }, (_, i) => path.getPointAtLength((len * i) / 200)).map((c) => onScreen(c.x, c.y, path));
        lab.leader = { from: p, to: q, onEdge: Math.min(...pts.map((c) => Math.hypot(c[0] - p[0], c[1] - p[1]))) };
      }
    }
    labels.push(lab);
  }
  return {
    labels, boxes, texts, frame: [f.left, f.top, f.right, f.bottom],
    scrolls: wrap.scrollWidth > wrap.clientWidth + 1 || wrap.scrollHeight > wrap.clientHeight + 1,
  };
}"""


# PLACEMENT's reading with only what placement_problems can find a problem in: every label and
# every "part k of n" note, and of the other boxes and texts those that touch a label's box, a
# leader's span, a note's box, or (the frame not scrolling) the frame's edge. The rest, most of a
# graph, is apart from all of them and cannot be in a problem (a step's reading a few kB, not
# a hundred: moving them out of the page took more than reading them).
PLACEMENT_NEAR = (
    """() => {
  const v = ("""
    + PLACEMENT
    + """)();
  const touch = (a, b) => a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1];
  const near = v.labels.map((lab) => lab.box);
  for (const lab of v.labels) {
    if (!lab.leader) continue;
    const [p, q] = [lab.leader.from, lab.leader.to];
    near.push([Math.min(p[0], q[0]), Math.min(p[1], q[1]), Math.max(p[0], q[0]), Math.max(p[1], q[1])]);
  }
  near.push(...v.texts.filter((t) => t.parts).map((t) => t.box));
  const [left, top, right, bottom] = v.frame;
  const cut = (b) => !v.scrolls && (b[0] < left || b[2] > right || b[1] < top || b[3] > bottom);
  const keep = (x) => x.parts || cut(x.box) || near.some((b) => touch(b, x.box));
  return { ...v, boxes: v.boxes.filter(keep), texts: v.texts.filter(keep) };
}"""
)


def crosses(p, q, box, pad: float = 0.5) -> bool:
    """Whether the segment p → q passes through the inside of box (sampled every half pixel)."""
    n = max(2, int(2 * max(abs(q[0] - p[0]), abs(q[1] - p[1]))))
    for i in range(n + 1):
        x, y = p[0] + (q[0] - p[0]) * i / n, p[1] + (q[1] - p[1]) * i / n
        if box[0] + pad < x < box[2] - pad and box[1] + pad < y < box[3] - pad:
            return True
    return False


def placement_problems(v: dict) -> list[str]:
    """What a class would see wrong: a label over another label, a box or a text (a "part k of
    n" note included); a note over another text; a callout outside its edge's band, or with a
    leader that does not join its edge or crosses a box or a text; anything cut by the frame."""
    out = []
    labels, boxes, texts = v["labels"], v["boxes"], v["texts"]
    for i, lab in enumerate(labels):
        for other in labels[i + 1 :]:
            if overlaps(lab["box"], other["box"]):
                out.append(f"label {lab['id']} on label {other['id']}")
        for b in boxes + texts:
            if overlaps(lab["box"], b["box"]):
                out.append(f"label {lab['id']} on {b['id']}")
        if not lab["callout"]:
            continue
        (lo, hi), (x0, _, x1, _) = lab["band"], lab["box"]
        if not lo - 0.5 <= (x0 + x1) / 2 <= hi + 0.5:
            out.append(f"callout {lab['id']} at x {(x0 + x1) / 2:.0f}, not in {lo:.0f}..{hi:.0f}")
        leader = lab["leader"]
        if leader is None or leader["onEdge"] > 3:
            out.append(f"callout {lab['id']}: no leader from its edge ({leader})")
            continue
        for b in boxes + texts:
            if crosses(leader["from"], leader["to"], b["box"]):
                out.append(f"leader of {lab['id']} through {b['id']}")
    for t in texts:
        if t["parts"]:
            out += [
                f"{t['id']} on {u['id']}"
                for u in texts
                if u is not t and overlaps(t["box"], u["box"])
            ]
    left, top, right, bottom = v["frame"]
    if not v["scrolls"]:
        for b in labels + boxes + texts:
            x0, y0, x1, y1 = b["box"]
            if x0 < left - 0.5 or x1 > right + 0.5 or y0 < top - 0.5 or y1 > bottom + 0.5:
                out.append(f"{b['id']} cut by the frame")
    return out


# the cases a classroom review found (deep 100: W⁽²⁾₃₃'s callout under x₂, its leader through
# z⁽¹⁾₃'s numbers; deep 60: a callout two columns away, a "part 2 of 3" cut by the frame;
# softmax 30: a label over "part 1 of 3"), and every fourth step of each lesson
MUST = {"deep": (57, 60, 100), "softmax": (30,)}


@pytest.mark.parametrize(
    "width, height, extra",
    [(1920, 1080, "&projector=1"), (1366, 768, "")],
    ids=["projector", "desk"],
)
def test_labels_callouts_and_notes_never_cover_each_other(
    shared_page, base_url, width, height, extra
):
    """Every preset of the menu, along its lesson: no weight label over another label, a node
    box, a bias pill, a number or a "part k of n" note; each callout between its edge's two
    columns, its leader from its own edge crossing no box or number; nothing cut by the frame."""
    page = shared_page(width, height, reduced_motion="reduce")
    open_lesson(page, base_url, f"#preset=tutorial&k=0{extra}")
    menu = page.eval_on_selector_all(
        "#preset-select option", "(os) => os.map((o) => o.value).filter(Boolean)"
    )
    assert set(NETWORKS) <= set(menu), menu
    problems, callouts, notes = [], 0, 0
    for preset in dict.fromkeys(menu + EXPRESSIONS):  # (the expressions' may come later)
        go(page, f"#preset={preset}&k=0{extra}", 0)
        total = int(page.text_content("#step-count").split()[3])
        ks = sorted(set(range(1, total + 1, 4)) | set(MUST.get(preset, ())))
        seen = walk(page, [(f"#preset={preset}&k={k}{extra}", k) for k in ks], PLACEMENT_NEAR)
        for k, v in zip(ks, seen, strict=True):
            callouts += sum(lab["callout"] for lab in v["labels"])
            notes += sum(t["parts"] for t in v["texts"])
            problems += [f"{preset} at {k}: {p}" for p in placement_problems(v)]
    assert not problems, "\n".join(problems)
    assert notes > 0 and (callouts > 0 or width < 1920), (callouts, notes)  # (not vacuous)
