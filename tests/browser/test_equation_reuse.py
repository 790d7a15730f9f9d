"""A step's equations are written into the MathML elements already shown (static/js/panels/
equation.js): an equation of the same shape as the last one keeps its elements, only its numbers,
subscripts and references change, and what shows is exactly the server's MathML for the step."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.browser.pageview import api_graph, api_step, open_lesson, tutorial, wait_cursor

pytestmark = pytest.mark.browser

# Each equation as the page shows it and as the server's MathML parses: element names, attributes
# (but tabindex, the page's own: term-links.js) and texts, in document order; an equation too long
# for its row is split into one <math> per term (equation.js wrapTerms): its texts and references.
SHAPES = """(mathml) => {
  const shape = (root, full) => {
    const out = [];
    const walk = (n) => {
      for (const c of n.childNodes) {
        if (c.nodeType === Node.TEXT_NODE) out.push('#' + c.data);
        else if (full) {
          const attrs = [...c.attributes].filter((a) => a.name !== 'tabindex').map((a) => a.name + '=' + a.value).sort();
          out.push('<' + c.localName + ' ' + attrs.join(' '));
          walk(c);
          out.push('>');
        } else {
          if (c.dataset.ref) out.push('@' + c.dataset.ref);
          walk(c);
        }
      }
    };
    walk(root);
    return out;
  };
  const parsed = (s) => { const t = document.createElement('template'); t.innerHTML = s; return t.content; };
  return Object.fromEntries(Object.entries(mathml).map(([id, s]) => {
    const node = document.getElementById(id);
    const full = !node.classList.contains('is-wrapped');
    return [id, [shape(node, full), shape(parsed(s), full)]];
  }));
}"""

MATHML = lambda e: {  # noqa: E731
    "eq-formula": e["formula"]["mathml"],
    "eq-substituted": e["substituted"]["mathml"],
    "eq-result": e["result"]["mathml"],
}


def test_the_next_equation_of_the_same_shape_reuses_the_elements_shown(shared_page, base_url):
    sc = tutorial(base_url)
    page = shared_page(1366, 768, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial&k=1")
    wait_cursor(page, 1)
    # z₁ and z₂ (cursors 1 and 3) share their result's shape: z = a number
    first = api_step(base_url, sc, 1)["steps"][-1]["explanation"]
    later = api_step(base_url, sc, 3)["steps"][-1]["explanation"]
    assert first["result"]["mathml"] != later["result"]["mathml"]
    page.evaluate(
        """() => {
          window.__math = document.querySelector('#eq-result math');
          window.__added = 0;
          new MutationObserver((rs) => { for (const r of rs) window.__added += r.addedNodes.length; })
            .observe(document.getElementById('eq-result'), { childList: true, subtree: true });
        }"""
    )
    page.evaluate(f"location.hash = {json.dumps('#preset=tutorial&k=3')}")
    wait_cursor(page, 3)
    kept = page.evaluate(
        "() => [window.__math === document.querySelector('#eq-result math'), window.__added]"
    )
    assert kept == [True, 0]  # the same elements, none added
    # and what shows is the server's MathML for cursor 3, element for element
    for eq, (shown, served) in page.evaluate(SHAPES, MATHML(later)).items():
        assert shown == served, eq


def test_a_term_focused_while_its_equation_changes_lights_what_it_names_now(shared_page, base_url):
    """A term pointed at or focused is kept when the next step reuses it (XOR's ∂L/∂W of two
    weights of one neuron: formulas of the same shape), and then names another quantity: the
    graph lights that one, not the last one's."""
    sc = httpx.get(f"{base_url}/api/presets/xor").json()["scenario"]
    graph = {p["id"]: p for p in api_graph(base_url, sc)["parameters"]}
    page = shared_page(1366, 768, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=xor&k=14")
    wait_cursor(page, 14)
    lit = "() => [...document.querySelectorAll('#graph .is-linked')].map((e) => e.dataset.id)"
    term = page.locator("#eq-formula [data-ref^='W'][tabindex]").first  # a weight's term
    before = term.get_attribute("data-ref")
    term.focus()
    assert before in graph and set(page.evaluate(lit)) == {before, graph[before]["edge"]}
    page.keyboard.press("ArrowRight")  # the step keys work wherever the focus is
    wait_cursor(page, 15)
    now = page.evaluate(
        "() => { const a = document.activeElement; return a.closest('#eq-formula') && a.dataset.ref; }"
    )
    assert now in graph and now != before  # the same element, another weight
    assert set(page.evaluate(lit)) == {now, graph[now]["edge"]}
    assert page.evaluate("document.activeElement.classList.contains('is-linked')")
