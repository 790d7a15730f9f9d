"""One notation on the page and on /labs (README, "Notation"): a parameter reads the same on the
graph, in the equation and in the summary, and the labs show names, never raw ids.

The names are written out from the documented scheme: in XOR's 2 → 4 → 1 the weight from hidden
neuron 3 to the one output, W2_0_2, is W⁽²⁾₁₃ (it read W₂₃ before: layer 2 as if it were row 2)."""

import re

import httpx
import pytest

from tests.browser.pageview import open_lesson, wait_cursor

pytestmark = pytest.mark.browser

PID, NAME = "W2_0_2", "W⁽²⁾₁₃"
# A MathML name read as a person sees it: base, then the superscript, then the subscript.
READ_MATHML_NAMES = """(sel) => {
  const sup = { '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '(': '⁽', ')': '⁾' };
  const sub = { '0': '₀', '1': '₁', '2': '₂', '3': '₃', '4': '₄', '5': '₅', '6': '₆', '7': '₇', '8': '₈', '9': '₉', ',': ',' };
  const map = (s, m) => [...s].map((c) => m[c] ?? c).join('');
  return [...document.querySelectorAll(`${sel} msub, ${sel} msubsup`)].map((e) => {
    const [b, s, p] = e.children;
    return b.textContent + (p ? map(p.textContent, sup) : '') + map(s.textContent, sub);
  });
}"""


def backward_cursor(base_url: str, scenario: dict) -> int:
    """The step cursor at which ∂L/∂W⁽²⁾₁₃ is written (read from the API, not assumed)."""
    r = httpx.post(
        f"{base_url}/api/step",
        json={"scenario": scenario, "cursor": 2, "granularity": "pass", "max_explained": 5000},
    )
    r.raise_for_status()
    step = next(s for s in r.json()["steps"] if s["target"] == PID)
    return step["index"] + 1


def test_graph_equation_and_summary_name_a_parameter_alike(shared_page, base_url):
    page = shared_page()
    xor = httpx.get(f"{base_url}/api/presets/xor").json()["scenario"]
    k = backward_cursor(base_url, xor)
    open_lesson(page, base_url, f"#preset=xor&k={k}")
    wait_cursor(page, k)
    on_graph = page.text_content(f"#p-{PID} .wvalue")
    if "dense" in page.get_attribute(f"#p-{PID}", "class"):
        # a dense layer's tag on the edge shows the value; its name is in the matrix beside the
        # graph (its cell) and in what a screen reader reads of the tag
        assert re.fullmatch(r"[+−]\d\.\d{4}", on_graph), on_graph
        assert page.get_attribute(f"#p-{PID}", "aria-label").startswith(f"{NAME} = "), PID
        # (the matrix drawn in the graph names each cell; in the explanation, its title does)
        cell = page.locator(f"#wmatrix .wmatrix-cell[data-id='{PID}'] title")
        named = (
            cell.text_content()
            if cell.count()
            else page.get_attribute(f"#weight-matrix td[data-id='{PID}']", "title")
        )
        assert named.startswith(NAME), named
    else:
        assert re.fullmatch(rf"{NAME} [+−]\d\.\d{{4}}", on_graph), on_graph
    assert page.text_content(f"#summary-body tr[data-id='{PID}'] th") == NAME
    in_equation = page.evaluate(READ_MATHML_NAMES, "#eq-formula")
    assert NAME in in_equation, in_equation
    assert NAME in page.text_content("#live")  # what a screen reader announces
    # every name drawn on the graph follows the scheme: the output's z is z⁽²⁾₁, not z₂
    drawn = page.locator("#graph text").all_text_contents()
    assert "z⁽²⁾₁" in " ".join(drawn) and "ŷ₁" in " ".join(drawn)
    assert not any(re.search(r"\b[Wbz]₂", t) for t in drawn), drawn


def test_one_sample_s_loss_is_l_on_the_graph_in_the_equation_and_the_sentence(page, base_url):
    """XOR step 12 (∂ℓ/∂ŷ₁): the graph's loss box read L beside the loss card's L = mean, and
    the sentence ∂L/∂ŷ = ŷ − y under the formula ∂ℓ/∂ŷ₁ = ŷ₁ − y₁ (classroom review, 10)."""
    open_lesson(page, base_url, "#preset=xor&k=12")
    wait_cursor(page, 12)
    drawn = page.locator("#n-L text").all_text_contents()
    assert "ℓ" in drawn and "L" not in drawn, drawn
    assert "ℓ" in page.text_content("#eq-formula")
    sentence = page.text_content("#sentence")
    assert "∂ℓ/∂ŷ₁ = ŷ₁ − y₁" in sentence and "∂L/∂ŷ" not in sentence, sentence
    assert "XOR code" not in sentence


def test_labs_blame_and_gradcheck_show_names_not_ids(labs_page):
    page = labs_page
    for lab in ("blame", "gradcheck"):
        page.wait_for_selector(f"#lab-{lab}.ran", timeout=30_000)
    blame = page.inner_text("#lab-blame .lab-out")
    ticks = page.locator("#lab-blame svg text.tick").all_text_contents()
    assert any(t.startswith("W⁽¹⁾") for t in ticks), ticks
    assert "W1_" not in blame and not any("_" in t for t in ticks), ticks
    assert re.search(r"correction: [Wb]⁽[¹²]⁾[₁-₉]+ takes", blame), blame
    names = page.locator("#lab-gradcheck tbody tr td:nth-child(1)").all_text_contents()
    assert len(names) == 17 and "W⁽²⁾₁₃" in names and "b⁽¹⁾₄" in names, names
    hidden = page.locator("#lab-dead-relu .dot").first.get_attribute("title")
    assert hidden.startswith("a⁽¹⁾₁:"), hidden
