"""A long equation wrapped onto more lines (panels/equation.js splits it into one <math> per
term) reads as the same equation: each operator drawn where the browser draws it in the whole
equation, a binary minus on the baseline and spaced as an operator, a sign against its number.
The oracle is the browser's own layout of the engine's MathML, unwrapped."""

from __future__ import annotations

import pytest

from tests.browser.pageview import HTTP, open_lesson, walk
from tests.browser.test_projector_layout import with_optimizer

pytestmark = pytest.mark.browser

# Each wrapped equation's tokens, beside the same MathML laid out whole (at the same size): from
# one token to the next on a line, the same rise, and the same advance (plus the wrapped line's
# gap between terms, where they are two <math>s).
COMPARE = """(whole) => {
  const out = [];
  for (const [id, mathml] of Object.entries(whole)) {
    const node = document.getElementById(id);
    if (!node.classList.contains('is-wrapped')) continue;
    const probe = document.createElement('div');
    const cs = getComputedStyle(node);
    probe.style.cssText = `position:absolute;left:0;top:0;width:max-content;font-size:${cs.fontSize};font-weight:${cs.fontWeight}`;
    probe.innerHTML = mathml;
    node.parentElement.append(probe);
    const gap = parseFloat(cs.columnGap) || 0;
    const tokens = (root) => [...root.querySelectorAll('mi, mn, mo, mtext')];
    const [w, u] = [tokens(node), tokens(probe)];
    const box = (t) => t.getBoundingClientRect();
    for (let i = 1; i < w.length; i++) {
      const [mw0, mw1] = [w[i - 1].closest('math'), w[i].closest('math')];
      const apart = mw0 !== mw1;
      if (apart && box(mw1).left < box(mw0).left) continue; // a new line
      const [a, b, c, d] = [box(w[i - 1]), box(w[i]), box(u[i - 1]), box(u[i])];
      const rise = (b.top + b.bottom) / 2 - (a.top + a.bottom) / 2 - ((d.top + d.bottom) / 2 - (c.top + c.bottom) / 2);
      const advance = b.left - a.right - (d.left - c.right) - (apart ? gap : 0);
      if (Math.abs(rise) > 1 || Math.abs(advance) > 1)
        out.push(`${id}: ${w[i - 1].textContent} | ${w[i].textContent}: ${rise.toFixed(1)} px higher/lower, ${advance.toFixed(1)} px apart`);
    }
    probe.remove();
    out.push(`checked ${id}`);
  }
  return out;
}"""

CASES = [
    # XOR with Adam: "W⁽¹⁾₃₁ ← −2.1170 − 2 × 1.981e−04 / (√… + ε)", a binary minus between two
    # numbers, wrapped
    ("xor", {"name": "adam"}, 2, [50], 1024, 768),
    # softmax's Jacobian: "δ⁽²⁾₃ ← 0 + (−3.0398) × (−(0.3290 × 0.3969))", a sign before a bracket
    ("softmax", None, 1, range(19, 25), 1024, 768),
    # ... beside the graph at 1920 × 1080, the line broke inside "(−(": "( − (" with the sign
    # alone, spaced as a binary minus
    ("softmax", None, 1, [22], 1920, 1080),
]


# COMPARE at each step of a walk, given each step's whole MathML by its cursor
AT_EACH = f"(whole, k) => ({{ found: ({COMPARE})(whole[k]) }})"


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(("preset", "optimizer", "iteration", "cursors", "width", "height"), CASES)
def test_a_wrapped_equation_reads_as_the_whole_one(
    shared_page, base_url, preset, optimizer, iteration, cursors, width, height, theme
):
    scenario = HTTP.get(f"{base_url}/api/presets/{preset}").json()["scenario"]
    if optimizer:
        scenario["optimizer"] = optimizer
    where = (with_optimizer(preset, optimizer, base_url) if optimizer else f"#preset={preset}") + (
        f"&iteration={iteration}&projector=1&theme={theme}"
    )
    whole = {}  # the engine's MathML of each step's equations, whole
    for k in cursors:
        step = HTTP.post(
            f"{base_url}/api/step",
            json={"scenario": scenario, "cursor": k, "iteration": iteration},
        ).json()
        e = step["steps"][-1]["explanation"]
        whole[str(k)] = {f"eq-{p}": e[p]["mathml"] for p in ("formula", "substituted", "result")}
    page = shared_page(width, height, reduced_motion="reduce")
    open_lesson(page, base_url, f"{where}&k={cursors[0]}")
    checked = 0
    # each step's link opened in turn, walked inside the page (pageview.walk)
    for v in walk(page, [(k, f"{where}&k={k}") for k in cursors], AT_EACH, whole):
        found = v["found"]
        checked += sum(f.startswith("checked") for f in found)
        assert not [f for f in found if not f.startswith("checked")], (preset, v["k"], found)
    assert checked, "no equation wrapped: the case no longer tests the wrap"
