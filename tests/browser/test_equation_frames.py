"""A step's equations are at their final size in the first frame that shows the step: a teacher
stepping with a clicker sees no equation jump to a smaller size or onto more lines a moment after
the press. The page's own frames say so: a frame log (bench/equation_frames.py FRAME_LOG) reads,
in every frame just before it is painted, each equation's font size and line count.

The lesson: an expression whose long variable names make terms (∂f over ∂name) wider than a
narrow page's row, so wrapped equations must be set smaller, and one shrunk beside them."""

from __future__ import annotations

import base64
import json

import pytest

from bench.equation_frames import EXPRESSIONS, FRAME_LOG, SETTLED, expression_scenario, late_changes
from tests.browser.pageview import open_lesson

pytestmark = pytest.mark.browser

# After the walk: each equation fits its row, or is keyboard-reachable (it scrolls) at its
# readable minimum; and how many are set smaller than their own size
FITTED = """() => [...document.querySelectorAll('#eq-formula, #eq-substituted, #eq-result')].map((n) => ({
  id: n.id,
  fits: n.scrollWidth <= n.clientWidth,
  reachable: n.getAttribute('tabindex') === '0',
  smaller: Boolean(n.style.fontSize),
}))"""


@pytest.mark.parametrize(("width", "height"), [(360, 740), (420, 800)])
def test_each_step_shows_its_equations_at_their_final_size_at_once(
    make_page, base_url, width, height
):
    page = make_page(width, height)  # animations on: the page is busy after each press
    page.add_init_script(FRAME_LOG)
    sc = json.dumps(expression_scenario(EXPRESSIONS["longnames"])).encode()
    open_lesson(page, base_url, "#s=" + base64.urlsafe_b64encode(sc).decode().rstrip("="))
    page.evaluate(SETTLED)
    total = int(page.inner_text("#step-count").split(" of ")[1].split()[0])
    smaller = 0
    for k in range(1, total + 1):
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(k) => document.documentElement.dataset.cursor === k", arg=str(k))
        page.evaluate(SETTLED)  # the page's idle work done, and painted
        for eq in page.evaluate(FITTED):
            assert eq["fits"] or eq["reachable"], f"step {k}: {eq['id']} is cut at its row's edge"
            smaller += eq["smaller"]
    log = page.evaluate("() => ({ frames: __eqFrames.frames, presses: __eqFrames.presses })")
    steps = late_changes(log)
    assert [s["cursor"] for s in steps] == [str(k) for k in range(1, total + 1)]
    late = [
        f"step {s['cursor']}: {s['late_frames']} frames ({s['late_ms']:.0f} ms) after it was first shown, "
        f"{s['first']} → {s['final']}"
        for s in steps
        if s["late_frames"]
    ]
    assert not late, "changed after the first frame showing their step:\n" + "\n".join(late)
    assert smaller, "no equation was set smaller: the lesson no longer tests the fitting"
