"""Beside the graph (projector, XOR and softmax at 1920 × 1080), the sentence and the loss card
hold still while the teacher's clicker steps the lesson from its first step to its last, and at
every step no equation row's text lies on another's and nothing is cut (test_explain_rows.py's
check, which leaves these two lessons at this size to this walk). (A file of its own: a press a
step, over two whole lessons, it is as long as the rest of the explanation's checks, and the
suite's workers take files whole. Each lesson is walked inside the page, pageview.walk: the
same steps and measures, a round trip a lesson.)"""

from __future__ import annotations

import pytest

from tests.browser.pageview import open_lesson, walk
from tests.browser.test_explain_rows import ROWS, settled, total

pytestmark = pytest.mark.browser


# iteration 2: the loss card has its chart from the first step, and the loss after the update
# (with its change) at the last (softmax's grew there by a line: its top moved 35 px); XOR's
# leaves the equations less room: its 4-line numbers at step 9 moved the sentence 24 px. The
# clicker goes on from iteration 1's last step into iteration 2 (its step 0, then 1), as in class:
# one page a lesson (each step measured there as in a page opened at iteration 2).
@pytest.mark.parametrize("preset", ["xor", "softmax"])
def test_the_projected_column_beside_the_graph_holds_still(shared_page, base_url, preset):
    page = shared_page(1920, 1080, reduced_motion="reduce")
    open_lesson(page, base_url, f"#preset={preset}&projector=1&iteration=1&k=1")
    settled(page)
    n = total(page)
    for iteration in (1, 2):
        if iteration == 1:
            first = page.evaluate(ROWS)  # (3 px of glyph boxes may meet: beside the graph, room)
        else:
            first = walk(page, [(0, "PageDown"), (1, "PageDown")], ROWS)[-1]
            assert page.inner_text("#iteration-count") == "Iteration 2"
            assert total(page) == n
        assert first["layout"] == "side", first
        assert not first["problems"], (preset, iteration, 1, first["problems"])
        # the teacher's clicker, a press a step
        for v in walk(page, [(k, "PageDown") for k in range(2, n + 1)], ROWS):
            k = v["k"]
            assert not v["problems"], (preset, iteration, k, v["problems"])
            top = (iteration, k, first["sentence"], v["sentence"])
            assert abs(v["sentence"] - first["sentence"]) <= 1, top
            assert abs(v["loss"] - first["loss"]) <= 1, (iteration, k, first["loss"], v["loss"])
