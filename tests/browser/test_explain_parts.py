"""Projected under the graph, the explanation has one height for the whole lesson: its parts (the
phase, an optimizer's state, the equations, the sentence, the loss card, W⁽ˡ⁾) never lie over one
another, a long sentence included, and their text stays at the projected floor or above (14 px
at 1024 wide)."""

from __future__ import annotations

import pytest

from tests.browser.pageview import open_lesson, walk
from tests.browser.test_explain_rows import total
from tests.browser.test_projector_layout import with_optimizer

pytestmark = pytest.mark.browser

# The explanation's parts shown: any two whose boxes meet (by more than 1 px), and any text in
# them under the floor.
PARTS = """(floor) => {
  const e = document.getElementById('explain');
  const parts = [...e.children].filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'; });
  const problems = [];
  const hit = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const name = (el) => el.id || el.className;
  for (let i = 0; i < parts.length; i++)
    for (let j = i + 1; j < parts.length; j++)
      if (hit(parts[i].getBoundingClientRect(), parts[j].getBoundingClientRect())) problems.push(`${name(parts[i])} over ${name(parts[j])}`);
  for (const el of e.querySelectorAll('.sentence, .eq-state-row > *, .loss-line, .loss-card h3')) {
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (el.getBoundingClientRect().height && px < floor - 0.01) problems.push(`${name(el)} at ${px} px`);
  }
  return { problems, layout: document.documentElement.dataset.explain };
}"""


def test_the_sentence_never_runs_under_the_loss_card(make_page, base_url):
    """XOR with Adam, iteration 2, on a 1024 × 768 projector: at step 50 the sentence's third
    line ran 4 px under the loss card (its chart makes it two lines tall)."""
    where = with_optimizer("xor", {"name": "adam"}, base_url) + "&iteration=2&projector=1"
    page = make_page(1024, 768, reduced_motion="reduce")
    open_lesson(page, base_url, f"{where}&k=1")
    seen = []
    # each step's link opened in turn, walked inside the page (pageview.walk)
    for v in walk(page, [(k, f"{where}&k={k}") for k in range(1, total(page) + 1)], PARTS, 14):
        seen.append(v["layout"])
        assert not v["problems"], (v["k"], v)
    assert set(seen) == {"short"}, seen  # under the graph, as the class saw it
