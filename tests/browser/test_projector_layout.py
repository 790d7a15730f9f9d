"""Wide networks on the projector (1920 × 1080), as the back of the room sees them: the graph too
wide to have the explanation beside it shows whole above a compact explanation (deep), or, where
no frame the screen leaves can hold it at 24 px (2-6-6-6-2), in as tall a frame as the explanation
allows; the explanation never scrolls and never clips, at a cursor of every phase, with an
optimizer's state lines and a later iteration's loss chart; nothing under 24 px; the picture holds
still from step to step."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tests.browser.pageview import open_lesson
from tests.browser.test_classroom import NODE_BOXES, page_down_to
from tests.browser.test_graph_layout import GRAPH_FACTS, scenario_hash
from tests.browser.test_graph_layout import walk as walk_in_page

pytestmark = pytest.mark.browser

# The graph's frame and what shows in it; the explanation's box and whether anything in it
# scrolls, sticks out of it or lies on something else; the smallest text of both.
VIEW = (
    """() => {
"""
    + GRAPH_FACTS
    + """
  const e = document.getElementById('explain');
  const eb = e.getBoundingClientRect();
  const problems = [];
  let explainText = Infinity;
  const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || el.getBoundingClientRect().width === 0) continue;
    if (getComputedStyle(el).visibility === 'hidden' || el.closest('svg')) continue;
    explainText = Math.min(explainText, parseFloat(getComputedStyle(el).fontSize));
    const r = el.getBoundingClientRect();
    if (r.bottom > eb.bottom + 0.5 || r.right > eb.right + 0.5) problems.push('out: ' + node.textContent.slice(0, 30));
  }
  // the chart's own labels, at their size on the screen
  for (const t of e.querySelectorAll('svg text')) {
    if (!t.textContent.trim() || t.getBoundingClientRect().width === 0) continue;
    explainText = Math.min(explainText, parseFloat(getComputedStyle(t).fontSize) * t.closest('svg').getScreenCTM().a);
  }
  // its parts side by side or one under another, never on one another
  const parts = [...e.children].filter((c) => c.getBoundingClientRect().height > 0);
  for (let i = 0; i < parts.length; i++) {
    for (let j = i + 1; j < parts.length; j++) {
      const a = parts[i].getBoundingClientRect(), b = parts[j].getBoundingClientRect();
      if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) problems.push(`on: ${parts[i].className} / ${parts[j].className}`);
    }
  }
  for (const row of e.querySelectorAll('.eq-row, .eq-state-row')) {
    const r = row.getBoundingClientRect();
    if (r.height && r.bottom > eb.bottom + 0.5) problems.push('row below: ' + row.textContent.slice(0, 30));
  }
  const over = (el) => el.scrollHeight - el.clientHeight;
  return {
    frame: [wrap.clientWidth, wrap.clientHeight],
    scrolls: wrap.scrollHeight > wrap.clientHeight + 1 || wrap.scrollWidth > wrap.clientWidth + 1,
    outside, graphText: minText, explainText, problems,
    explainOver: over(e), sentenceOver: over(document.getElementById('sentence')),
    phase: e.dataset.phase,
    state: document.getElementById('eq-state')?.hidden === false ? document.querySelectorAll('#eq-state .eq-state-row').length : 0,
    chart: document.getElementById('loss-card').classList.contains('has-chart'),
    pageScrolls: document.documentElement.scrollHeight > innerHeight,
  };
}"""
)


def with_optimizer(hash_or_scenario, optimizer: dict, base_url: str = "") -> str:
    """A lesson's scenario (a preset id, or a scenario) with this optimizer, as a link's hash."""
    sc = (
        httpx.get(f"{base_url}/api/presets/{hash_or_scenario}").json()["scenario"]
        if isinstance(hash_or_scenario, str)
        else dict(hash_or_scenario)
    )
    sc["optimizer"] = optimizer
    raw = base64.urlsafe_b64encode(json.dumps(sc).encode()).decode().rstrip("=")
    return f"#s={raw}"


def scenario_of(layers) -> dict:
    raw = scenario_hash(layers)[len("#s=") :]
    return json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))


def check_explanation(v: dict, where: str) -> None:
    assert v["explainOver"] <= 0 and v["sentenceOver"] <= 0, (where, v)  # it never scrolls
    assert not v["problems"], (where, v["problems"])  # nor clips, nor covers itself
    assert v["explainText"] >= 24 - 0.01, (where, v["explainText"])
    assert v["graphText"] >= 24 - 0.01, (where, v["graphText"])
    assert not v["pageScrolls"], where  # the picture is the screen


# VIEW and NODE_BOXES at once (and more readings, by name): what `walk` reads at each cursor
def reading(**more: str) -> str:
    parts = {"v": VIEW, "boxes": NODE_BOXES, **more}
    return "() => ({" + ", ".join(f"{name}: ({js})()" for name, js in parts.items()) + "})"


def read_lesson(page, hash_: str, cursors, read: str | None = None) -> list[dict]:
    """`read` (default: reading()) at each of these cursors of the projected lesson, as go() takes
    the page to each, walked inside the page (test_graph_layout.walk: one round trip)."""
    steps = [(f"{hash_}&k={k}&projector=1", k) for k in cursors]
    return walk_in_page(page, steps, read or reading())


def walk(
    page, hash_: str, cursors, phases=("forward", "backward", "update"), reads=None
) -> list[dict]:
    """The lesson at these cursors (in one page, as a teacher switches lessons): each view, with
    every node's box identical at every cursor. (`reads`: read_lesson's, already read.)"""
    views, boxes = [], None
    for k, read in zip(cursors, reads or read_lesson(page, hash_, cursors), strict=True):
        v, now = read["v"], read["boxes"]
        check_explanation(v, f"{hash_[:40]} at {k}")
        if boxes is None:
            boxes = now
        assert now["frame"] == boxes["frame"] and now["drawn"] == boxes["drawn"], k
        if not v["scrolls"]:
            assert now["shown"] == boxes["shown"], k
        views.append(v)
    assert {v["phase"] for v in views} >= set(phases), [v["phase"] for v in views]
    return views


def test_wide_networks_show_whole_or_in_a_tall_frame(shared_page, base_url, screenshots):
    page = shared_page(1920, 1080, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=deep&k=0&projector=1")
    # deep: 110 steps; 3 forward, 40 and 55 backward, 107 and 110 the update
    views = walk(page, "#preset=deep", (3, 40, 55, 107, 110))
    for v in views:  # whole, at 24 px: every node inside the frame, which does not scroll
        assert not v["outside"] and not v["scrolls"], v
        assert v["frame"][1] >= 400, v["frame"]  # (it was 243 px, the explanation 471 px)
    page.screenshot(path=screenshots / "projector-1920-deep.png")
    # Adam's state lines, and a later iteration's loss chart, in the same compact explanation
    adam = with_optimizer("deep", {"name": "adam"}, base_url)
    views = walk(page, adam, (3, 55, 107, 110))
    assert max(v["state"] for v in views) == 4, views
    assert all(not v["scrolls"] and not v["outside"] for v in views)
    views = walk(page, "#preset=deep&iteration=3", (3, 36, 73, 107))
    assert all(v["chart"] and not v["scrolls"] for v in views[1:]), views
    # 2-6-6-6-2 needs a frame 803 px tall at 24 px (its rows set tight): more than the screen
    # leaves the graph and the explanation together (about 750 px). It scrolls, in a frame
    # taller than the one the tall explanation leaves (243 px), under an explanation with room
    # for its longest equations (δ through the activation, wrapped)
    sc = scenario_of([2, 6, 6, 6, 2])
    hash_ = scenario_hash([2, 6, 6, 6, 2])
    views = walk(page, hash_, (3, 126, 189, 252, 376, 379))
    for v in views:
        assert v["scrolls"] and v["frame"][1] >= 300, v["frame"]
    page.screenshot(path=screenshots / "projector-1920-2-6-6-6-2.png")
    walk(page, with_optimizer(sc, {"name": "adam"}), (3, 252, 376, 379))


def test_rmsprop_centered_with_momentum_fits_the_projected_explanation(shared_page, base_url):
    """RMSprop's three state lines (v, ḡ and the momentum buffer) in the column beside XOR's graph,
    at its update steps and at a later iteration (its loss chart in the loss card)."""
    page = shared_page(1920, 1080, reduced_motion="reduce")
    opt = {"name": "rmsprop", "centered": True, "momentum": 0.9}
    hash_ = with_optimizer("xor", opt, base_url)
    open_lesson(page, base_url, f"{hash_}&k=0&projector=1")
    # (6: σ's formula, e to the −z⁽¹⁾₃, a script in a script: 24 px too)
    views = walk(page, hash_, (3, 6, 14, 40, 46, 55))
    assert max(v["state"] for v in views) == 3, views
    # iteration 3: the backward steps' long sentence (the batch's mean) above the chart
    views = walk(page, f"{hash_}&iteration=3", (3, 14, 36, 40, 55))
    assert all(v["chart"] for v in views)


def test_each_phase_shows_its_name_however_few_its_steps(shared_page, base_url):
    """The phase buttons share the row by their steps; a wide network's forward pass is a sliver of
    them (8-64-64-1: 258 of its steps, against thousands of gradients). Projected, each button is
    still as wide as its name, and the row still fits the screen."""
    page = shared_page(1920, 1080, reduced_motion="reduce")
    open_lesson(page, base_url, f"{scenario_hash([8, 64, 64, 1])}&k=0&projector=1")
    got = page.evaluate(
        """() => {
          const row = document.getElementById('transport');
          const segs = [...document.querySelectorAll('.phase-seg')].map((b) => ({
            phase: b.dataset.phase, grow: parseFloat(b.style.flexGrow),
            clipped: b.scrollWidth > b.clientWidth + 1,
            right: b.getBoundingClientRect().right }));
          return { segs, rowScrolls: row.scrollWidth > row.clientWidth + 1, width: innerWidth };
        }"""
    )
    segs = {s["phase"]: s for s in got["segs"]}
    assert segs["forward"]["grow"] * 10 < segs["backward"]["grow"], segs  # a sliver by its steps
    assert not any(s["clipped"] for s in got["segs"]), segs
    assert not got["rowScrolls"] and max(s["right"] for s in got["segs"]) <= got["width"], got


# Each of the optimizer's state formulas as the back of the room sees it: shown, inside the screen,
# not cut at its cell's edge, on nothing else of the explanation, its smallest glyph's size.
STATE_FORMULAS = """() => {
  const e = document.getElementById('explain');
  const rows = [...document.querySelectorAll('#eq-state .eq-state-row')];
  const others = [...e.querySelectorAll('.explain-head, .eq-row, .sentence, .loss-card, .weight-matrix')]
    .filter((el) => el.getBoundingClientRect().height > 0);
  return rows.map((row) => {
    const f = row.querySelector('.eq-state-formula');
    const r = f.getBoundingClientRect();
    const on = others.filter((o) => {
      const b = o.getBoundingClientRect();
      return r.left < b.right - 1 && b.left < r.right - 1 && r.top < b.bottom - 1 && b.top < r.bottom - 1;
    }).map((o) => o.className);
    let smallest = Infinity;
    for (const el of f.querySelectorAll('mi, mn, mo')) {
      if (el.getBoundingClientRect().width > 0) smallest = Math.min(smallest, parseFloat(getComputedStyle(el).fontSize));
    }
    return {
      text: f.textContent, width: r.width, height: r.height,
      inside: r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight,
      cut: f.scrollWidth > f.clientWidth + 1 || f.classList.contains('is-wrapped'),
      on, smallest,
    };
  });
}"""


@pytest.mark.parametrize(
    "preset, optimizer, cursors, lines, size",
    [
        # under the graph, whole at 24 px (a layer's W⁽ˡ⁾ beside the state at 107 to 110)
        ("deep", {"name": "adam"}, (50, 80, 110), 4, (1920, 1080)),
        ("deep", {"name": "adam"}, (50, 80, 110), 4, (1024, 768)),
        # beside the graph (softmax's W⁽²⁾ in the column gives way at these steps)
        ("xor", {"name": "adam"}, (20, 40, 55), 4, (1920, 1080)),
        ("softmax", {"name": "adam"}, (30, 60, 79), 4, (1920, 1080)),
        ("xor", {"name": "sgd", "momentum": 0.9}, (20, 40, 55), 1, (1920, 1080)),
        ("xor", {"name": "sgd", "momentum": 0.9}, (20, 40, 55), 1, (1024, 768)),
    ],
)
def test_the_update_rule_of_the_optimizers_state_shows_projected(
    shared_page, base_url, preset, optimizer, cursors, lines, size
):
    """A teacher projecting an Adam or momentum lesson: at its update steps the class reads each
    state line's rule (m ← β₁·m + (1−β₁)·∂L/∂W, v ← …, m̂ = m / (1 − β₁ᵗ)), not just its value:
    at the projected floor or more (1rem: 24 px at 1920 × 1080), on the screen, whole, on no
    other part of the explanation, while the graph holds still and shows whole (walk)."""
    page = shared_page(*size, reduced_motion="reduce")
    hash_ = with_optimizer(preset, optimizer, base_url)
    open_lesson(page, base_url, f"{hash_}&k=0&projector=1")
    # the projected floor, 1rem: 24 px at 1920 × 1080, the same layout scaled on a smaller screen
    floor = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    reads = read_lesson(page, hash_, cursors, reading(state=STATE_FORMULAS))
    if size == (1920, 1080):
        views = walk(page, hash_, cursors, phases=("backward", "update"), reads=reads)
        assert all(not v["scrolls"] and not v["outside"] for v in views), views
    for k, read in zip(cursors, reads, strict=True):
        v, shown = read["v"], read["state"]
        if v["phase"] != "update":
            assert not shown, (k, shown)
            continue
        assert v["explainOver"] <= 0 and not v["problems"], (k, v)  # nothing scrolls, clips, covers
        assert len(shown) == lines, (k, shown)
        for f in shown:
            assert f["width"] > 0 and f["height"] > 0, (k, f)  # shown
            assert "←" in f["text"] or "=" in f["text"], (k, f)  # a rule, not a number
            assert f["inside"] and not f["cut"] and not f["on"], (k, f)
            assert f["smallest"] >= floor - 0.01, (k, f)


def test_softmax_shows_whole_when_the_projector_is_switched_on(shared_page, base_url):
    """A teacher opens softmax at the desk, then presses Projector: the graph shows whole beside
    the explanation, as when the page opens projected (it was in a 320 px frame that scrolled,
    under the explanation: the drawing measured was the one for the desk's frame)."""
    page = shared_page(1920, 1080, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=softmax&k=0")
    page.click("#projector-toggle")
    page.wait_for_function("() => document.documentElement.classList.contains('projector')")
    page.keyboard.press("PageDown")
    page.wait_for_function("() => document.documentElement.dataset.cursor === '1'")
    v = page.evaluate(VIEW)
    assert page.evaluate("document.documentElement.dataset.explain") == "side"
    assert not v["scrolls"] and not v["outside"], v
    assert v["graphText"] >= 24 - 0.01, v


# Every part of the explanation against its container: an element whose box runs past its
# parent's (the explanation's own against the page's layout), and how far the explanation scrolls.
PARTS_PAST_THEIR_BOX = """() => {
  const e = document.getElementById('explain');
  const name = (el) => el.id ? '#' + el.id : el.tagName.toLowerCase() + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const past = [];
  for (const el of [e, ...e.querySelectorAll('*')]) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue; // a chart's own marks
    const r = el.getBoundingClientRect();
    if (!r.width && !r.height) continue;
    const parent = el === e ? document.getElementById('layout') : el.parentElement;
    const b = parent.getBoundingClientRect();
    const by = { right: r.right - b.right, bottom: r.bottom - b.bottom, left: b.left - r.left, top: b.top - r.top };
    for (const [side, px] of Object.entries(by)) {
      if (px > 0.5) past.push(`${name(el)} past ${name(parent)}'s ${side} by ${px.toFixed(2)} px`);
    }
  }
  return { past, scrolls: e.scrollHeight - e.clientHeight };
}"""


@pytest.mark.parametrize(
    "preset, optimizer",
    [("xor", {"name": "sgd", "momentum": 0.9}), ("xor", None), ("softmax", None)],
)
def test_every_part_of_the_explanation_stays_in_its_box_at_1024(
    shared_page, base_url, screenshots, preset, optimizer
):
    """Projected at 1024 × 768 (the type 14 px, set by the width: its columns narrower in type than
    at 1920 × 1080), every step of the lesson: no part of the explanation runs past its box and
    the explanation does not scroll. (XOR with momentum, at step 20: its three fractions ran 2 px
    past the compact explanation; 27 px where a line of numbers wrapped, 45 px for softmax.)"""
    page = shared_page(1024, 768, reduced_motion="reduce")
    hash_ = with_optimizer(preset, optimizer, base_url) if optimizer else f"#preset={preset}"
    open_lesson(page, base_url, f"{hash_}&k=0&projector=1")
    total = int(page.text_content("#step-count").split()[3])
    views = [page.evaluate(PARTS_PAST_THEIR_BOX)]
    views += page_down_to(page, total, PARTS_PAST_THEIR_BOX)
    bad = {k: v for k, v in enumerate(views) if v["past"] or v["scrolls"] > 0}
    page.screenshot(path=screenshots / f"projector-1024-{preset}-parts.png")
    assert bad == {}, bad
