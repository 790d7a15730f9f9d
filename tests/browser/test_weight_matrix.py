"""A dense layer's whole matrix W⁽ˡ⁾, as the back of the room sees it: where a layer's weights are
too many to label on their edges, its matrix is shown beside the graph at every step, at the
graph's own size (24 px or more projected), over nothing drawn and in a column that does not
scroll, the step's own weights marked, their values the engine's."""

from __future__ import annotations

import re

import pytest

from tests.browser.pageview import HTTP, api_step, close, open_lesson, walk
from tests.browser.test_graph_layout import scenario_hash

pytestmark = pytest.mark.browser

# Where the matrix is shown (drawn in the graph, or in the explanation), and what it may not cover.
READ = """() => {
  const svg = document.getElementById('graph');
  const inside = (p, b) => p.x > b[0] + 1 && p.x < b[2] - 1 && p.y > b[1] + 1 && p.y < b[3] - 1;
  const meets = (a, b) => a[0] < b[2] - 0.5 && a[2] > b[0] + 0.5 && a[1] < b[3] - 0.5 && a[3] > b[1] + 0.5;
  const rectOf = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const g = document.getElementById('wmatrix');
  const box = document.getElementById('weight-matrix');
  const out = { where: null, covers: [], texts: [] };
  if (g && g.querySelector('.wmatrix-cell')) {
    out.where = 'graph';
    out.box = rectOf(g.querySelector('.wmatrix-bg'));
    const k = svg.getScreenCTM().a;
    out.cells = [...g.querySelectorAll('.wmatrix-cell')].map((c) => ({ id: c.dataset.id, text: c.querySelector('text').textContent, active: c.classList.contains('is-active') }));
    out.texts = [...g.querySelectorAll('text')].map((t) => parseFloat(getComputedStyle(t).fontSize) * k);
    out.frame = rectOf(document.getElementById('graph-wrap'));
    // every node, every label a viewer sees, and every edge: none under the matrix
    for (const s of svg.querySelectorAll('.node .shape')) if (meets(rectOf(s), out.box)) out.covers.push(s.closest('.node').dataset.id);
    for (const l of svg.querySelectorAll('.wlabel')) {
      if (getComputedStyle(l).opacity === '0') continue;
      if (meets(rectOf(l.querySelector('.wlabel-bg')), out.box)) out.covers.push(l.dataset.id);
    }
    for (const p of svg.querySelectorAll('path.edge')) {
      const len = p.getTotalLength();
      for (let i = 0; i <= 60; i += 1) {
        const q = p.getPointAtLength((len * i) / 60).matrixTransform(p.getScreenCTM());
        if (inside(q, out.box)) { out.covers.push(p.dataset.id); break; }
      }
    }
  } else if (!box.hidden && getComputedStyle(box).display !== 'none') {
    out.where = 'explain';
    out.box = rectOf(box);
    out.cells = [...box.querySelectorAll('td[data-id]')].map((c) => ({ id: c.dataset.id, text: c.textContent, active: c.classList.contains('is-active') }));
    out.texts = [...box.querySelectorAll('td, caption')].map((t) => parseFloat(getComputedStyle(t).fontSize));
    out.frame = rectOf(document.getElementById('explain'));
    if (meets(rectOf(document.getElementById('stage')), out.box)) out.covers.push('stage');
    for (const id of ['equations', 'sentence', 'loss-card']) {
      const el = document.getElementById(id);
      if (el && getComputedStyle(el).display !== 'none' && meets(rectOf(el), out.box)) out.covers.push(id);
    }
    const e = document.getElementById('explain');
    out.scrolls = e.scrollHeight > e.clientHeight + 1;
    // the whole table inside its box: no column cut off, nothing to scroll sideways to
    out.cut = box.querySelector('table').getBoundingClientRect().width > box.clientWidth + 0.5;
  }
  out.dense = [...new Set([...svg.querySelectorAll('.wlabel.dense')].map((l) => l.dataset.id.split('_')[0]))];
  out.viewport = [innerWidth, innerHeight];
  return out;
}"""


def layer_of(step: dict) -> tuple[str | None, str | None, int | None]:
    """The weight a step computes (its id), else the layer and row of the neuron it computes."""
    s = step["steps"][0]
    # a gradient passed back along a weighted edge a⁽ˡ⁻¹⁾ₖ → z⁽ˡ⁾ⱼ: that weight W⁽ˡ⁾ⱼₖ multiplies it
    src, _, dst = (s["edge"] or "").partition("__")
    z, a = re.fullmatch(r"z(\d+)_(\d+)", dst), re.fullmatch(r"a\d+_(\d+)", src)
    if s["phase"] == "backward" and z and a:
        return f"W{z[1]}_{z[2]}_{a[1]}", f"W{z[1]}", None
    if re.fullmatch(r"W\d+_\d+_\d+", s["target"]):
        return s["target"], "W" + s["target"].split("_")[0][1:], None
    m = re.fullmatch(r"[za](\d+)_(\d+)", s["target"]) or re.fullmatch(
        r"[za](\d+)_(\d+)", s["node"] or ""
    )
    return (None, f"W{m[1]}", int(m[2])) if m else (None, None, None)


def cursors_of(base_url: str, scenario: dict, total: int) -> list[int]:
    """A step of every kind: forward into a neuron, a gradient through one, a weight's gradient
    and its update, for each layer, and the loss."""
    seen, picked = set(), []
    for k in range(1, total + 1):
        s = api_step(base_url, scenario, k)["steps"][0]
        kind = (s["phase"], s["target"][:1], s["target"].split("_")[0])
        if kind not in seen:
            seen.add(kind)
            picked.append(k)
    return picked


def check(v: dict, where: str, min_px: float) -> None:
    assert v["where"], f"{where}: no matrix shown ({v['dense']} dense)"
    left, top, right, bottom = v["box"]
    w, h = v["viewport"]
    assert 0 <= left < right <= w and 0 <= top < bottom <= h, (where, v["box"])
    f = v["frame"]  # inside the graph's frame, or the explanation's column
    assert f[0] - 1 <= left and right <= f[2] + 1 and f[1] - 1 <= top and bottom <= f[3] + 1, (
        where,
        v,
    )
    assert not v["covers"], (where, v["covers"])
    assert min(v["texts"]) >= min_px - 0.01, (where, min(v["texts"]))
    assert not v.get("scrolls"), f"{where}: the explanation scrolls"
    assert not v.get("cut"), f"{where}: the matrix is wider than its box"


NO_ROOM = """() => document.documentElement.dataset.explain === 'side'
  && document.getElementById('weight-matrix').classList.contains('no-room')"""

# The sentence's lines, and the tops of the sentence and the loss card (they hold still).
SENTENCE = """() => {
  const s = document.getElementById('sentence');
  const line = parseFloat(getComputedStyle(s).lineHeight);
  const top = (id) => document.getElementById(id).getBoundingClientRect().top;
  return { lines: Math.round(s.getBoundingClientRect().height / line), sentence: top('sentence'), loss: top('loss-card') };
}"""

# What a walk's step shows (pageview.walk): the matrix, whether it has no room, the sentence.
SEEN = f"() => ({{ v: ({READ})(), noRoom: ({NO_ROOM})(), s: ({SENTENCE})() }})"


@pytest.mark.parametrize("preset", ["xor", "softmax", "deep"])
def test_projected_dense_layers_show_their_matrix(shared_page, base_url, preset):
    page = shared_page(1920, 1080, reduced_motion="reduce")
    open_lesson(page, base_url, f"#preset={preset}&k=0&projector=1")
    scenario = HTTP.get(f"{base_url}/api/presets/{preset}").json()["scenario"]
    total = int(page.text_content("#step-count").split()[3])
    boxes = {}
    cursors = cursors_of(base_url, scenario, total)
    left_out = []
    # each step's link opened in turn, walked inside the page (pageview.walk)
    for seen in walk(page, [(k, f"#preset={preset}&k={k}&projector=1") for k in cursors], SEEN):
        k, v = seen["k"], seen["v"]
        assert v["dense"], preset  # these presets' dense layers, projected
        if v["where"] is None and seen["noRoom"]:
            left_out.append(k)
            continue
        check(v, f"{preset} at {k}", 24)
        boxes.setdefault(v["cells"][0]["id"].split("_")[0], set()).add(tuple(v["box"]))
        step = api_step(base_url, scenario, k)
        weight, tensor, row = layer_of(step)
        active = {c["id"] for c in v["cells"] if c["active"]}
        if tensor not in v["dense"]:
            continue
        # the matrix of the step's own layer, whole
        assert {c["id"].split("_")[0] for c in v["cells"]} == {tensor}, (preset, k, tensor)
        if weight:  # its own entry marked, at the value the engine gives it
            assert weight in active, (preset, k, weight, active)
            value = next(p for p in step["parameters"] if p["id"] == weight)["value"]
            shown = next(c["text"] for c in v["cells"] if c["id"] == weight)
            assert close(shown, value), (preset, k, shown, value)
        elif (
            row is not None
            and step["steps"][0]["phase"] == "forward"
            and step["steps"][0]["target"].startswith("z")
        ):
            # z = W·a + b: the neuron's row of W
            assert active == {c["id"] for c in v["cells"] if c["id"].split("_")[1] == str(row)}, (
                preset,
                k,
                active,
            )
        for c in v["cells"]:  # every entry the engine's value at this step
            value = next(p for p in step["parameters"] if p["id"] == c["id"])["value"]
            assert close(c["text"], value), (preset, k, c, value)
    # each layer's matrix keeps its place for the whole lesson
    assert all(len(b) == 1 for b in boxes.values()), boxes
    # and is shown at every step of every kind (softmax's few six-line sentences: below)
    assert not left_out, (preset, left_out, len(cursors))


@pytest.mark.parametrize(("iteration", "room", "most"), [(1, 4, 9), (2, 2, 11)])
def test_beside_the_graph_the_matrix_has_a_row_of_its_own(
    shared_page, base_url, iteration, room, most
):
    """Softmax at 1920 × 1080, its backward steps through the softmax and on (16 to 31): sentences
    of two to six lines in the column held still beside the graph. The table has a row of its own
    height under the sentence: shown, over nothing, in one place, at every step whose sentence
    leaves it room: four lines or fewer, two at a later iteration, whose loss card is taller with
    its chart and keeps a second line for the change from the first step, so that it never grows
    (it used to be left out at 17 to 22; before that, drawn over the sentence's last line). Left
    out only under a longer sentence, the column then neither scrolling nor moving."""
    page = shared_page(1920, 1080, reduced_motion="reduce")
    lesson = f"#preset=softmax&iteration={iteration}&projector=1"
    open_lesson(page, base_url, f"{lesson}&k=16")
    boxes, first, long = set(), None, []
    for seen in walk(page, [(k, f"{lesson}&k={k}") for k in range(16, 32)], SEEN):
        k, v, s = seen["k"], seen["v"], seen["s"]
        first = first or s
        assert abs(s["sentence"] - first["sentence"]) <= 1, (k, s, first)
        assert abs(s["loss"] - first["loss"]) <= 1, (k, s, first)
        if s["lines"] > room:
            long.append(k)
            if v["where"] is None:
                assert seen["noRoom"], k
                continue
        check(v, f"softmax at {k}", 24)  # over neither the sentence nor the loss card
        assert v["where"] == "explain", k
        boxes.add(tuple(v["box"]))
    assert len(boxes) == 1, boxes  # in one place
    assert 0 < len(long) <= most, long  # the long sentences are a few (17 to 25, then 30, 31)


@pytest.mark.parametrize("layers", [[2, 6, 6, 6, 2]], ids=lambda ls: "-".join(map(str, ls)))
def test_a_network_of_dense_layers_shows_its_matrix(shared_page, base_url, layers):
    """Projected and at 1366 × 768: the matrix of the step's layer at every kind of step."""
    for width, height, extra, px in ((1920, 1080, "&projector=1", 24), (1366, 768, "", 12)):
        page = shared_page(width, height, reduced_motion="reduce")
        open_lesson(page, base_url, scenario_hash(layers) + "&k=0" + extra)
        total = int(page.text_content("#step-count").split()[3])
        fwd = sum(layers[1:]) * 2 + 1
        steps = [(k, scenario_hash(layers) + f"&k={k}" + extra) for k in (3, fwd + 4, total - 2)]
        for v in walk(page, steps, READ):
            check(v, f"{layers} {width} at {v['k']}", px)


def test_at_a_desk_the_matrix_is_drawn_beside_the_graph(shared_page, base_url):
    """1366 × 768: XOR's W⁽¹⁾ in the graph's free corner, never over what is drawn."""
    page = shared_page(1366, 768, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=xor&k=3")
    v = page.evaluate(READ)
    check(v, "xor at 3", 12)
    assert v["where"] == "graph", v["where"]
    assert sorted(c["id"] for c in v["cells"] if c["active"]) == ["W1_1_0", "W1_1_1"]
