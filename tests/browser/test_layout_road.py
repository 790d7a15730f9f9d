"""The page's layout does not hang on the road taken: a lesson reached from another lesson, after
the projector was switched on and off, or after the window was resized and back, is laid out as
when the page opens on it at that size. (Projected, softmax and XOR have the explanation beside
the graph; the tutorial opened after them kept it there, its graph in a narrow frame, where a
page opened on it has it under a wide one. At a laptop's 1366 px, a lesson first shown projected
kept the frame it was judged for there when the projector went off.)"""

from __future__ import annotations

import pytest

from tests.browser.pageview import FRAMES, open_lesson, wait_cursor

pytestmark = pytest.mark.browser

# What a teacher's picture is made of: the explanation's layout, the graph's frame, the
# explanation's box, the drawing's box and every node's box on the screen (to 0.1 px).
LAYOUT = """() => {
  const box = (el) => { const b = el.getBoundingClientRect(); return [b.x, b.y, b.width, b.height].map((v) => Math.round(v * 10) / 10); };
  const root = document.documentElement;
  const nodes = {};
  for (const n of document.querySelectorAll('#graph .node')) nodes[n.dataset.id] = box(n.querySelector('.shape') || n);
  const wrap = document.getElementById('graph-wrap');
  return {
    explain: root.dataset.explain || null,
    wide: root.hasAttribute('data-graph-wide'),
    frame: box(wrap), scrolls: wrap.classList.contains('is-scrolling'),
    explanation: box(document.getElementById('explain')),
    svg: box(document.getElementById('graph')), nodes,
  };
}"""


# LAYOUT once step k is shown and settled (wait_cursor's wait), then the few frames a resize's or a
# mode's new layout takes (FRAMES), then settled again: in the page, one round trip, not four
SETTLED = (
    """async (k) => {
  const shown = () => document.documentElement.dataset.cursor === String(k)
    && !document.querySelector('#graph .pending, #graph .pulse, #graph .morphing');
  const settle = async () => {
    for (const t0 = performance.now(); !shown();) {
      if (performance.now() - t0 > 10000) throw new Error(`step ${k} not shown in 10 s`);
      await new Promise((r) => requestAnimationFrame(r));
    }
  };
  await settle();
  await ("""
    + FRAMES
    + """)();
  await settle();
  return ("""
    + LAYOUT
    + """)();
}"""
)


def settled(page, k: int) -> dict:
    return page.evaluate(SETTLED, k)


def fresh(page, base_url: str, preset: str, projector: bool, k: int = 1) -> dict:
    """The lesson as a page opened on it shows it (a new document: not a link's hash followed)."""
    page.goto("about:blank")
    open_lesson(page, base_url, f"#preset={preset}&k={k}" + ("&projector=1" if projector else ""))
    return settled(page, k)


@pytest.fixture(scope="module")
def opened():
    """opened(page, base_url, preset, projector) → fresh()'s reading (step 1) at the page's size,
    read once a module: what a page opened on a lesson shows hangs on the lesson, the projector
    and the screen alone (the premise of every test here), and several tests compare with the
    same one. It may leave the page where it was: a test that goes on from the page opened on the
    lesson asks for it with `road=True` (opened anew, and its reading kept for the others)."""
    seen: dict[tuple, dict] = {}

    def read(page, base_url: str, preset: str, projector: bool, road: bool = False) -> dict:
        size = page.viewport_size
        key = (size["width"], size["height"], preset, projector)
        if road or key not in seen:
            seen[key] = fresh(page, base_url, preset, projector)
        return seen[key]

    return read


def differences(got: dict, want: dict) -> dict:
    out = {key: (got[key], want[key]) for key in want if key != "nodes" and got[key] != want[key]}
    moved = {
        n: (got["nodes"].get(n), b) for n, b in want["nodes"].items() if got["nodes"].get(n) != b
    }
    if moved or set(got["nodes"]) != set(want["nodes"]):
        out["nodes"] = dict(list(moved.items())[:3])
    return out


@pytest.mark.parametrize(
    "size, projector, first, then",
    [
        # projected: from beside the graph to a lesson a new page has under it, and back
        ((1920, 1080), True, "softmax", "tutorial"),
        ((1920, 1080), True, "xor", "deep"),
        ((1920, 1080), True, "tutorial", "xor"),
        ((1366, 768), True, "xor", "tutorial"),
        ((1366, 768), True, "tutorial", "deep"),
        ((1024, 768), True, "softmax", "tutorial"),
        # at the desk
        ((1366, 768), False, "tutorial", "softmax"),
        ((1024, 768), False, "deep", "xor"),
    ],
)
def test_a_lesson_after_another_is_laid_out_as_when_opened(
    shared_page, base_url, screenshots, opened, size, projector, first, then
):
    page = shared_page(*size, reduced_motion="reduce")
    want = opened(page, base_url, then, projector)
    fresh(page, base_url, first, projector, k=0 if projector else 2)
    mode = "&projector=1" if projector else ""
    if projector:  # projected, the lesson menu is put away: a link takes the class to the next
        page.evaluate(f"location.hash = '#preset={then}&k=1{mode}'")
        got = settled(page, 1)
    else:  # the lesson menu (a new lesson starts at step 0), then a step
        page.select_option("#preset-select", then)
        wait_cursor(page, 0)
        page.keyboard.press("PageDown")
        got = settled(page, 1)
    name = f"road-{size[0]}-{'proj' if projector else 'desk'}-{first}-{then}.png"
    page.screenshot(path=screenshots / name)
    assert differences(got, want) == {}, (first, then, size)


@pytest.mark.parametrize(
    "size, preset",
    [((1366, 768), "tutorial"), ((1366, 768), "deep"), ((1920, 1080), "softmax")],
)
def test_the_projector_on_and_off_comes_back_to_the_same_page(
    shared_page, base_url, opened, size, preset
):
    page = shared_page(*size, reduced_motion="reduce")
    projected = opened(page, base_url, preset, True)
    desk = opened(page, base_url, preset, False, road=True)
    page.click("#projector-toggle")
    page.wait_for_function("() => document.documentElement.classList.contains('projector')")
    assert differences(settled(page, 1), projected) == {}, "desk → projected"
    page.click("#projector-toggle")
    page.wait_for_function("() => !document.documentElement.classList.contains('projector')")
    assert differences(settled(page, 1), desk) == {}, "desk → projected → desk"
    # and from a page opened projected
    opened(page, base_url, preset, True, road=True)
    page.click("#projector-toggle")
    page.wait_for_function("() => !document.documentElement.classList.contains('projector')")
    assert differences(settled(page, 1), desk) == {}, "projected → desk"


@pytest.mark.parametrize(
    "there, back, projector, preset",
    [
        ((1920, 1080), (1366, 768), False, "softmax"),
        ((1024, 768), (1366, 768), False, "deep"),
        ((1920, 1080), (1366, 768), True, "deep"),
        ((1366, 768), (1920, 1080), True, "xor"),
    ],
)
def test_a_resize_to_and_fro_comes_back_to_the_same_page(
    shared_page, base_url, opened, there, back, projector, preset
):
    page = shared_page(*back, reduced_motion="reduce")
    at_back = opened(page, base_url, preset, projector)
    page.set_viewport_size({"width": there[0], "height": there[1]})
    at_there = opened(page, base_url, preset, projector, road=True)
    page.set_viewport_size({"width": back[0], "height": back[1]})
    page.wait_for_function(f"() => innerWidth === {back[0]}")
    assert differences(settled(page, 1), at_back) == {}, f"{there} → {back}"
    page.set_viewport_size({"width": there[0], "height": there[1]})
    page.wait_for_function(f"() => innerWidth === {there[0]}")
    assert differences(settled(page, 1), at_there) == {}, f"{there} → {back} → {there}"
