"""The matrix view with an optimizer other than plain SGD (Adam, momentum), as a person sees it:
the explanation's column beside the matrices keeps its parts readable on an update step
(projected and at the desk), and the update equation shown works out, from its own matrices,
to the new W the engine wrote."""

import base64
import json

import httpx
import numpy as np
import pytest

from app.engine.registry import OPTIMIZERS
from tests.browser.pageview import api_step, open_lesson
from tests.matrix_rule import evaluate, hyper_values

pytestmark = pytest.mark.browser

OPTS = {"adam": {"name": "adam"}, "momentum": {"name": "sgd", "momentum": 0.9}}
UPDATE = 40  # xor's first update step: W⁽²⁾₁₂ (its state lines shown)


def lesson(base_url: str, opt: str) -> tuple[dict, str]:
    sc = {**httpx.get(f"{base_url}/api/presets/xor").json()["scenario"], "optimizer": OPTS[opt]}
    s = base64.urlsafe_b64encode(json.dumps(sc).encode()).decode().rstrip("=")
    return sc, s


def open_matrix(page, base_url, s, k, projector, theme="light", iteration=1) -> None:
    extra = ("&projector=1" if projector else "") + (
        f"&iteration={iteration}" if iteration > 1 else ""
    )
    open_lesson(page, base_url, f"#s={s}&k={k}&view=matrix&theme={theme}{extra}")
    page.wait_for_selector(f"html[data-cursor='{k}']", timeout=10_000)
    page.wait_for_selector(f"html[data-matrix-cursor='{k}:columns']", timeout=10_000)
    page.wait_for_timeout(300)  # the step's frame: fitState, the equations fitted


PARTS = """() => {
  const box = (sel) => { const e = document.querySelector(sel); if (!e) return null;
    const r = e.getBoundingClientRect(); return { l: r.left, t: r.top, r: r.right, b: r.bottom, w: r.width, h: r.height }; };
  const count = document.getElementById('step-count');
  const mathW = (id) => Math.max(0, ...[...document.querySelectorAll(`#${id} math`)].map((m) => m.getBoundingClientRect().width));
  return {
    explain: box('#explain'), inner: document.getElementById('explain').clientWidth,
    scroll: document.getElementById('explain').scrollHeight, client: document.getElementById('explain').clientHeight,
    head: box('.explain-head'), state: box('#eq-state'), eqs: box('#explain .equations'),
    sentence: box('#sentence'), count: box('#step-count'), countText: count.textContent,
    countLine: parseFloat(getComputedStyle(count).lineHeight) || parseFloat(getComputedStyle(count).fontSize) * 1.2,
    stateHidden: document.getElementById('eq-state').hidden,
    formula: box('#eq-formula'), numbers: box('#eq-substituted'),
    formulaMath: mathW('eq-formula'), numbersMath: mathW('eq-substituted'),
  };
}"""


@pytest.mark.parametrize("opt", list(OPTS))
@pytest.mark.parametrize(
    "size", [(1920, 1080, True), (1366, 768, True), (1024, 768, True), (1366, 768, False)],
    ids=["projected-1920", "projected-1366", "projected-1024", "desk-1366"],
)  # fmt: skip
def test_explanation_column_holds_its_parts(shared_page, base_url, screenshots, opt, size):
    """On an update step with optimizer state: the head as wide as the column, "step 40 of 55"
    on one line, the FORMULA and NUMBERS rows with their equations in them, the state lines in
    the column's box, no part over another (projected, the state lines made an implicit grid
    column that squeezed the rest to 0 px and sat 2,700 px below); projected, nothing runs past
    the column's foot (Adam's ran 300 px past it: the graph's side column's room-saving was not
    the matrix view's)."""
    w, h, projector = size
    _, s = lesson(base_url, opt)
    page = shared_page(w, h, reduced_motion="reduce")
    open_matrix(page, base_url, s, UPDATE, projector, iteration=3)  # with the loss chart
    p = page.evaluate(PARTS)
    name = f"matrix-{opt}-{w}-{'projected' if projector else 'desk'}.png"
    page.screenshot(path=str(screenshots / name))
    assert not p["stateHidden"]
    assert p["head"]["w"] >= 0.8 * p["inner"], p
    assert p["count"]["h"] < 1.5 * p["countLine"], (p["countText"], p["count"])
    for row in ("formula", "numbers"):
        assert p[row]["w"] >= 0.4 * p["inner"], (row, p[row])
        assert p[f"{row}Math"] >= 60, (row, p[f"{row}Math"])
    ex = p["explain"]
    st = p["state"]
    assert ex["l"] - 1 <= st["l"] and st["r"] <= ex["r"] + 1 and ex["t"] <= st["t"] < ex["b"], (
        st,
        ex,
    )
    if projector:  # the column shows it all, to the loss card at its foot (at the desk it scrolls)
        assert p["scroll"] <= p["client"] + 1, (p["scroll"], p["client"])
    parts = {k: p[k] for k in ("head", "state", "eqs", "sentence") if p[k]["h"] > 0}
    names = list(parts)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            A, B = parts[a], parts[b]
            apart = (
                A["r"] <= B["l"] + 1
                or B["r"] <= A["l"] + 1
                or A["b"] <= B["t"] + 1
                or B["b"] <= A["t"] + 1
            )
            assert apart, (a, A, b, B)


def number(text: str) -> float:
    """A cell as printed: "−0.0147", "1.377e−04"; "·" (not computed yet) is NaN."""
    t = text.replace("−", "-")
    return float("nan") if t in ("·", "") else float(t)


READ_BLOCK = """() => {
  const block = document.querySelector('#matrix-view .matrix-block.is-active');
  const row = block.querySelector('.matrix-row');
  const kids = [...row.children];
  const texts = (t) => [...t.tBodies[0].rows].map((tr) => [...tr.cells].map((td) => td.textContent));
  const values = (t) => [...t.tBodies[0].rows].map((tr) => [...tr.cells].map((td) => td.dataset.value === undefined ? null : Number(td.dataset.value)));
  const out = { equation: block.querySelector('.matrix-equation').textContent, result: values(kids[0]),
    write: [...kids[0].querySelectorAll('td.is-write')].map((td) => [td.parentElement.sectionRowIndex, td.cellIndex, td.dataset.id]),
    terms: [], tail: '', shown: row.textContent };
  let text = '';
  for (const k of kids.slice(2)) {  // after the result and its "="
    if (k.tagName === 'TABLE') { out.terms.push({ op: text.trim(), cells: values(k), texts: texts(k), name: k.querySelector('.matrix-name').textContent }); text = ''; }
    else text += ' ' + k.textContent;
  }
  out.tail = text.trim();
  return out;
}"""


@pytest.mark.parametrize("opt", list(OPTS))
def test_update_equation_on_the_page_is_true(shared_page, base_url, screenshots, opt):
    """Read the active update equation from the page: its terms' matrices and the text between
    them, worked out with NumPy for the cell the step writes, give the engine's new W⁽²⁾₁₂
    (/api/step); the page showed W − η ∂L/∂W, which with Adam gives 0.2883, not 2.2713. In
    iteration 3, where momentum's velocity is no longer the gradient."""
    sc, s = lesson(base_url, opt)
    step = api_step(base_url, sc, UPDATE, iteration=3)
    target = step["steps"][0]["target"]
    engine = next(p for p in step["parameters"] if p["id"] == target)["new"]
    scalars = hyper_values(OPTS[opt], OPTIMIZERS[OPTS[opt]["name"]].defaults(), sc["learning_rate"])
    for theme in ("light", "dark"):
        for projector in (False, True):
            page = shared_page(
                1920 if projector else 1366, 1080 if projector else 768, reduced_motion="reduce"
            )
            open_matrix(page, base_url, s, UPDATE, projector, theme, iteration=3)
            got = page.evaluate(READ_BLOCK)
            page.screenshot(
                path=str(screenshots / f"matrix-rule-{opt}-{theme}-{'p' if projector else 'd'}.png")
            )
            ((r, c, cell_id),) = got["write"]
            assert cell_id == target
            mats = [
                np.array([[np.nan if v is None else v for v in row] for row in t["cells"]])
                for t in got["terms"]
            ]
            shown = evaluate([(t["op"], "") for t in got["terms"]], got["tail"], mats, scalars)
            assert shown[r, c] == pytest.approx(engine, rel=1e-12, abs=1e-15), (
                got["shown"],
                engine,
            )
            assert got["result"][r][c] == pytest.approx(engine, rel=1e-12, abs=1e-15)
            # ... and redone by hand from the numbers as printed (4 decimals; an optimizer's small
            # quantities in 4 significant digits), it comes to the new W within the last decimal
            # (m̂ = 1.377e−04 printed 0.0001 gave 2.5868 for 2.5741)
            printed = [
                np.array([[number(x) for x in row] for row in t["texts"]]) for t in got["terms"]
            ]
            by_hand = evaluate([(t["op"], "") for t in got["terms"]], got["tail"], printed, scalars)
            assert abs(by_hand[r, c] - engine) < 5e-4, (got["shown"], by_hand[r, c], engine)
