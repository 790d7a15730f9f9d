"""The matrix view and the batch ledger, as a person uses them: every cell against the API,
the cells marked at each step, the convention switch, projector sizes, 10,000 samples, axe,
keyboard only."""

import base64
import json
import re

import httpx
import numpy as np
import pytest

from tests.browser.pageview import api_graph, api_step, close, open_lesson, page_url, wait_cursor
from tests.browser.test_page import TEXT_SIZES, run_axe

pytestmark = pytest.mark.browser

CURSOR = "() => Number(document.documentElement.dataset.cursor)"

CELLS = """() => [...document.querySelectorAll('#matrix-view td[data-id]')].map((td) => ({
  id: td.dataset.id, sample: td.dataset.sample === undefined ? null : Number(td.dataset.sample),
  kind: td.closest('table').dataset.kind, key: td.closest('table').dataset.key,
  text: td.textContent, write: td.classList.contains('is-write'),
  read: td.classList.contains('is-read'), block: td.closest('[data-block]').dataset.block,
}))"""


def xor(base_url: str) -> dict:
    return httpx.get(f"{base_url}/api/presets/xor").json()["scenario"]


def wait_matrix(page, k: int, conv: str = "columns") -> None:
    page.wait_for_selector(f"html[data-matrix-cursor='{k}:{conv}']", timeout=10_000)


def expected(cell: dict, states: dict) -> float | None:
    """What the API says a cell is, for its sample (parameters are the same for every sample)."""
    st = states[cell["sample"] or 0]
    if cell["id"] in st["params"]:
        p = st["params"][cell["id"]]
        return {"param": p["old"], "grad": p["grad"], "new": p["new"]}[cell["kind"]]
    node = st["nodes"][cell["id"]]
    return node["grad"] if cell["kind"] == "grad" else node["value"]


def test_every_cell_and_mark_agrees_with_the_engine(shared_page, base_url, screenshots):
    """Walk xor's whole iteration in the matrix view: at every step the cells written are the
    step's target (for the selected sample), the cells read include the step's inputs, and at a
    few cursors every number shown is the API's for its sample."""
    sc = xor(base_url)
    total = api_graph(base_url, sc)["plan"]["total_steps"]
    page = shared_page(1366, 768, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=xor&k=0&view=matrix")
    wait_matrix(page, 0)
    compared = 0
    plan = [(k, api_step(base_url, sc, k)["steps"][0]) for k in range(1, total + 1)]
    kinds, chosen = set(), []
    for k, st in plan:  # the first step of each kind: forward z, a, ℓ; each backward edge; update
        kind = (st["phase"], st["node"][0], st["target"][0])
        if kind not in kinds or k in (9, 30, total):
            kinds.add(kind)
            chosen.append(k)
    assert len(chosen) >= 10
    for k in chosen:
        page.evaluate("k => { location.hash = `preset=xor&k=${k}&view=matrix`; }", k)
        wait_matrix(page, k)
        cells = page.evaluate(CELLS)
        step = dict(plan)[k]
        written = [c for c in cells if c["write"]]
        assert written, (k, step["target"])
        assert {c["id"] for c in written} == {step["target"]}, (k, step)
        if step["phase"] != "update":
            assert all(c["sample"] in (None, 0) for c in written), k
        if step["phase"] == "backward" and step["target"].startswith("W"):
            # ∂L/∂Wⱼₖ = (1/m) Σₛ δⱼ aₖ: one row of δ times one column of Aᵀ, over every sample
            delta = {c["sample"] for c in cells if c["read"] and c["id"] == step["node"]}
            assert delta == {0, 1, 2, 3}, k
        if k in (9, 30, total):
            resp = {s: api_step(base_url, sc, k, sample=s) for s in range(4)}
            states = {
                s: {
                    "nodes": {n["id"]: n for n in r["nodes"]},
                    "params": {p["id"]: p for p in r["parameters"]},
                }
                for s, r in resp.items()
            }
            for c in cells:
                if c["kind"] == "derived":  # f′(Z) and Jacobians: not node values of /api/step
                    continue
                want = expected(c, states)
                shown = None if c["text"] == "·" else c["text"]
                assert close(shown, want), (k, c, want)
                compared += 1
        if k == 30:
            page.screenshot(path=screenshots / "matrix-xor-1366-k30.png")
    assert compared > 300


def test_convention_switch_transposes_and_exports(shared_page, base_url):
    page = shared_page(1366, 768, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=xor&k=3&view=matrix")
    wait_matrix(page, 3)
    eq = "[data-block='z2'] .matrix-equation"
    assert page.inner_text(eq) == "Z⁽²⁾ = W⁽²⁾ · A⁽¹⁾ + b⁽²⁾"
    assert "(1 × 4) · (4 × 4) + (1 × 1) → (1 × 4)" in page.inner_text("[data-block='z2']")
    page.check("#matrix-conv-rows")
    wait_matrix(page, 3, "rows")
    assert page.inner_text(eq) == "Z⁽²⁾ = A⁽¹⁾ · W⁽²⁾ᵀ + b⁽²⁾"
    assert "(4 × 4) · (4 × 1) + (1 × 1) → (4 × 1)" in page.inner_text("[data-block='z2']")
    assert "conv=rows" in page_url(page)
    # the same numbers, transposed: Z⁽¹⁾ row j of the columns view is its column j here
    z1 = page.evaluate(
        "() => [...document.querySelectorAll(\"[data-block='z1'] table[data-key='Z1'] tr\")]"
        ".map((tr) => [...tr.cells].map((td) => td.textContent))"
    )
    page.check("#matrix-conv-columns")
    wait_matrix(page, 3)
    z1c = page.evaluate(
        "() => [...document.querySelectorAll(\"[data-block='z1'] table[data-key='Z1'] tr\")]"
        ".map((tr) => [...tr.cells].map((td) => td.textContent))"
    )
    assert np.array(z1).T.tolist() == z1c
    # the export follows the convention
    page.check("#matrix-conv-rows")
    wait_matrix(page, 3, "rows")
    with page.expect_download() as dl:
        page.click("#panel-export-code button:has-text('NumPy')")
    text = open(dl.value.path()).read()
    assert "z1 = X @ W1.T + b1" in text


VIEW_BOX = """() => { const b = document.getElementById('matrix-view').getBoundingClientRect();
  return [b.left, b.top, b.width, b.height]; }"""


@pytest.mark.parametrize(("preset", "k"), [("xor", 9), ("xor", 30), ("xor", 50), ("tutorial", 12)])
def test_projector_matrices_are_24px_for_xor(shared_page, base_url, screenshots, preset, k):
    page = shared_page(1920, 1080, reduced_motion="reduce")
    open_lesson(page, base_url, f"#preset={preset}&k={k}&view=matrix&projector=1")
    wait_matrix(page, k)
    # the matrices get the screen's height, whatever the graph's layout (the tutorial's graph is
    # wide: its explanation goes under it, but not under the matrices), and hold still
    box = page.evaluate(VIEW_BOX)
    assert box[3] > 0.6 * 1080, box
    page.keyboard.press("ArrowRight")
    wait_matrix(page, k + 1)
    assert page.evaluate(VIEW_BOX) == box
    page.keyboard.press("ArrowLeft")
    wait_matrix(page, k)
    sizes = page.evaluate(TEXT_SIZES)
    cells = [s for s in sizes if s[1] == "TD"]
    assert len(cells) > 10
    small = [s for s in sizes if s[0] < 24 - 1e-6]
    assert small == [], small
    # the step's equation is in view, inside the matrix view's frame
    box = page.evaluate(
        """() => { const v = document.getElementById('matrix-view').getBoundingClientRect();
        const b = document.querySelector('.matrix-block.is-active .matrix-equation').getBoundingClientRect();
        return [v.top, v.bottom, b.top, b.bottom]; }"""
    )
    assert box[0] <= box[2] and box[3] <= box[1], box
    # the explanation's column reads as text: no second copy of W⁽ˡ⁾ crowding it into a column a
    # word wide, and nothing in it overlapping
    column = page.evaluate(
        """() => { const shown = (id) => { const e = document.getElementById(id);
          return e && getComputedStyle(e).display !== 'none' ? e.getBoundingClientRect() : null; };
        const s = shown('sentence'), q = shown('equations');
        return { matrix: shown('weight-matrix') !== null, sentence: s && s.width,
                 apart: !s || !q || s.top >= q.bottom - 0.5 || q.top >= s.bottom - 0.5 }; }"""
    )
    assert not column["matrix"] and column["sentence"] > 300 and column["apart"], column
    page.screenshot(path=screenshots / f"matrix-{preset}-projector-k{k}.png")


def test_ledger_of_ten_thousand_samples(shared_page, base_url):
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (10_000, 2)).round(3)
    sc = {
        "layers": [2, 2, 1],
        "activations": ["tanh", "sigmoid"],
        "loss": "mse",
        "weights": [[[0.5, -0.3], [0.2, 0.8]], [[0.7, -0.6]]],
        "biases": [[0.1, -0.1], [0.05]],
        "inputs": x.tolist(),
        "targets": (x[:, :1] * x[:, 1:] > 0).astype(float).tolist(),
        "learning_rate": 0.5,
    }
    total = api_graph(base_url, sc)["plan"]["total_steps"]
    s = base64.urlsafe_b64encode(json.dumps(sc).encode()).decode().rstrip("=")
    page = shared_page(1366, 768, reduced_motion="reduce")
    open_lesson(page, base_url, f"#s={s}&k={total}")
    wait_cursor(page, total)
    page.focus("#ledger-param")  # keyboard only: the parameter menu
    page.select_option("#ledger-param", "W1_0_1")
    page.wait_for_selector(
        "#ledger-list .ledger-row"
    )  # the answer (10,000 numbers), its first rows
    ledger = httpx.post(
        f"{base_url}/api/ledger", json={"scenario": sc, "cursor": total, "param": "W1_0_1"}
    ).json()
    assert abs(ledger["sum"] - 10_000 * ledger["grad"]) < 1e-12
    rows = page.locator("#ledger-list .ledger-row").count()
    assert 5 < rows < 60, rows  # only the rows in view, and a few around them
    summary = page.inner_text("#ledger-summary")
    assert "mean = ∂L/∂θ" in summary
    for frac in (0.3, 0.75, 1.0):
        # the rows in view are there two frames after a jump (not later: the list draws only
        # those, in the frame the scroll is shown); a time is no test here (bench/ measures speed)
        drawn = page.evaluate(
            """f => new Promise((done) => {
              const l = document.getElementById('ledger-list');
              l.scrollTop = f * (l.scrollHeight - l.clientHeight);
              requestAnimationFrame(() => requestAnimationFrame(() => {
                const first = Math.floor(l.scrollTop / (l.scrollHeight / 10000));
                done(Boolean(l.querySelector(`[data-sample='${first + 1}']`)));
              }));
            })""",
            frac,
        )
        assert drawn, frac
        assert page.is_visible("#ledger-summary")
        box = page.locator("#ledger-summary").bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= 768, box
        assert page.locator("#ledger-list .ledger-row").count() < 60
    last = page.locator("#ledger-list .ledger-row[data-sample='9999']")
    assert last.is_visible()
    shown = last.inner_text().split()[-1]
    assert close(shown, ledger["contributions"][9999])
    # choosing a row with the keyboard selects that sample on the page
    page.focus("#ledger-list")
    page.keyboard.press("ArrowDown")
    page.wait_for_function("() => document.getElementById('sample-number').value === '2'")
    assert "sample=1" in page_url(page)
    assert page.get_attribute("#ledger-s1", "aria-selected") == "true"
    # every sample is reachable: the Sample field (no menu of 10,000), typed, and its buttons
    assert not page.is_visible("#sample-select")
    assert page.get_attribute("#sample-number", "max") == "10000"
    assert page.inner_text("#sample-count") == "of 10,000"
    page.focus("#sample-number")
    page.keyboard.press("Control+A")
    page.keyboard.type("5000")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.getElementById('ledger-s4999')?.getAttribute('aria-selected') === 'true'"
    )
    assert "sample=4999" in page_url(page)
    assert page.locator("#ledger-s4999").is_visible()  # the ledger scrolled to it
    page.wait_for_selector("#ledger-plane[data-sample='4999']")  # ringed on the plane
    row = page.inner_text("#ledger-s4999").split()
    assert row[0] == "5000" and close(row[-1], ledger["contributions"][4999])
    page.keyboard.press("Escape")  # the lesson's keys again: End is the lesson's end
    page.click("#sample-next")
    page.wait_for_function("() => document.getElementById('sample-number').value === '5001'")
    page.click("#sample-prev")
    page.click("#sample-prev")
    page.wait_for_function("() => document.getElementById('sample-number').value === '4999'")
    assert "sample=4998" in page_url(page)
    page.fill("#sample-number", "20000")  # past the end: the last sample
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('sample-number').value === '10000'")
    assert page.is_disabled("#sample-next")


def test_keys_axe_and_expressions(shared_page, base_url, axe_path):
    page = shared_page(1280, 720, reduced_motion="reduce", bypass_csp=True)
    open_lesson(page, base_url, "#preset=tutorial&k=5")
    wait_cursor(page, 5)
    page.keyboard.press("v")
    wait_matrix(page, 5)
    assert page.is_visible("#matrix-view") and not page.is_visible("#graph")
    assert "view=matrix" in page_url(page)
    page.keyboard.press("ArrowRight")
    wait_matrix(page, 6)
    wait_cursor(page, 6)  # the graph's cursor moved with it
    page.click("table[data-kind='param'] td[data-param]")  # a weight → its ledger
    page.wait_for_selector("#ledger-summary dt")
    assert run_axe(page, axe_path) == []
    page.keyboard.press("V")
    page.wait_for_function("() => document.documentElement.dataset.view === 'graph'")
    assert page.is_visible("#graph")
    # an expression has no matrices: the toggle says why instead
    page.select_option("#preset-select", "expr:sum-times-sum")
    page.wait_for_function("() => document.documentElement.dataset.kind === 'expression'")
    assert page.get_attribute("#view-toggle", "aria-disabled") == "true"
    assert "expression" in page.get_attribute("#view-toggle", "title")
    page.focus("body")
    page.keyboard.press("v")
    page.wait_for_selector("#toast.is-shown")
    assert "not made of matrices" in page.inner_text("#toast")
    assert not page.is_visible("#matrix-view")


FOCUSED = """() => { const a = document.activeElement, t = a.closest('table');
  const cs = getComputedStyle(a);
  return { label: a.getAttribute('aria-label'), id: a.dataset.id || null, tag: a.tagName,
    key: t ? t.dataset.key : null, block: a.closest('[data-block]')?.dataset.block || null,
    ring: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2, view: a.id }; }"""


def test_keyboard_grids_and_the_plane_linked_to_the_ledger(
    shared_page, base_url, axe_path, screenshots
):
    """Keyboard only: each matrix is one tab stop, arrows read its cells (the values /api/step
    gives), Enter opens a weight's ledger, Escape gives the keys back. The ledger's rows and the
    data plane's points select each other's sample. axe stays clean."""
    sc = xor(base_url)
    k = 40  # backward done: every gradient and the first updates shown
    params = {p["id"]: p for p in api_step(base_url, sc, k)["parameters"]}
    page = shared_page(1366, 768, reduced_motion="reduce", bypass_csp=True)
    open_lesson(page, base_url, f"#preset=xor&k={k}&view=matrix")
    wait_matrix(page, k)
    page.focus("#matrix-view")
    tables = page.locator("#matrix-view table[data-key]").count()
    stops = []
    for _ in range(tables + 3):  # the convention's radio, then one stop per matrix, in order
        page.keyboard.press("Tab")
        f = page.evaluate(FOCUSED)
        if f["tag"] == "TD":
            stops.append((f["block"], f["key"]))
            assert f["ring"], f  # a visible focus ring
    assert len(stops) >= min(tables, 6) and len(set(stops)) == len(stops), stops
    # the W⁽¹⁾ of Z⁽¹⁾ = W⁽¹⁾ · A⁽⁰⁾ + b⁽¹⁾: move over it with the arrows, read each cell
    w1 = "[data-block='z1'] table[data-kind='param'][data-key='W1']"
    page.focus(f"{w1} td[tabindex='0']")  # its tab stop (as Tab reaches it)
    seen = {}
    for key in ["ArrowDown", "ArrowRight", "ArrowDown", "ArrowDown", "ArrowLeft", "ArrowUp"]:
        f = page.evaluate(FOCUSED)
        assert f["key"] == "W1" and f["block"] == "z1", f
        m = re.fullmatch(
            r"W⁽¹⁾ row (\d) column (\d) = (\S+), Enter for its batch ledger", f["label"]
        )
        assert m, f["label"]
        r, c = int(m[1]) - 1, int(m[2]) - 1
        assert f["id"] == f"W1_{r}_{c}"
        assert close(m[3], params[f["id"]]["value"]), (f, params[f["id"]])
        seen[f["id"]] = m[3]
        page.keyboard.press(key)
    assert len(seen) >= 4
    assert page.evaluate(CURSOR) == k  # the arrows moved the focus, not the lesson
    # Enter: that weight's ledger, and the data plane of xor's four samples under it
    f = page.evaluate(FOCUSED)
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => document.getElementById('ledger-param').value === '{f['id']}'")
    page.wait_for_selector("#ledger-list .ledger-row")
    page.wait_for_selector("#ledger-plane[data-sample='0']")
    # Escape hands the keys back: the clicker steps again
    page.keyboard.press("Escape")
    assert page.evaluate(FOCUSED)["view"] == "matrix-view"
    page.keyboard.press("PageDown")
    wait_matrix(page, k + 1)
    # a cell clicked keeps no keys either
    page.click(f"{w1} td[data-id='W1_1_1']")
    page.keyboard.press("ArrowRight")
    wait_matrix(page, k + 2)
    page.keyboard.press("ArrowLeft")
    wait_matrix(page, k + 1)
    # ledger row → plane: the ring sits on that sample's point (x₁, x₂ from the scenario)
    plane = httpx.post(f"{base_url}/api/plane", json={"scenario": sc}).json()
    where = """([extent, x]) => import('/static/js/labs/heatmap.js').then((m) => {
      const c = document.getElementById('ledger-plane'), b = c.getBoundingClientRect();
      const [px, py] = m.planePoint(c, extent, x);
      const copy = document.createElement('canvas');  // read a copy: the page's canvas is not read back
      copy.width = c.width; copy.height = c.height;
      const g = copy.getContext('2d', { willReadFrequently: true });
      g.drawImage(c, 0, 0);
      const ring = g.getImageData(Math.round(px + 15), Math.round(py), 1, 1).data;
      return { css: [b.left + px * b.width / c.width, b.top + py * b.height / c.height],
               ring: [...ring.slice(0, 3)], mark: c.dataset.mark, canvas: [px.toFixed(1), py.toFixed(1)].join() };
    })"""
    page.locator("#ledger-s2").click()
    page.wait_for_selector("#ledger-plane[data-sample='2']")
    assert "sample=2" in page_url(page) and page.input_value("#sample-select") == "2"
    at = page.evaluate(where, [plane["extent"], sc["inputs"][2]])
    assert at["mark"] == at["canvas"], at
    assert at["ring"] == [245, 158, 11], at  # the amber ring, around that point
    page.focus("#ledger-list")
    page.keyboard.press("ArrowDown")  # a row chosen by the keyboard moves the ring too
    page.wait_for_selector("#ledger-plane[data-sample='3']")
    # plane → ledger row: a click on sample 1's point selects it everywhere
    page.locator("#ledger-plane").scroll_into_view_if_needed()
    at = page.evaluate(where, [plane["extent"], sc["inputs"][1]])
    page.mouse.click(*at["css"])
    page.wait_for_selector("#ledger-s1[aria-selected='true']")
    page.wait_for_selector("#ledger-plane[data-sample='1']")
    assert page.input_value("#sample-select") == "1" and "sample=1" in page_url(page)
    page.screenshot(path=screenshots / "ledger-plane-xor-1366.png")
    page.focus(f"{w1} td[tabindex='0']")
    assert run_axe(page, axe_path) == []


def test_a_mini_batch_lesson_picks_its_samples_by_their_data_rows(shared_page, base_url):
    """With batch_size, the lesson's sample s is data row batch.indices[s]: a click on that row's
    point selects sample s, and the ring sits on that row's point."""
    rng = np.random.default_rng(2)
    x = rng.normal(0, 1, (40, 2)).round(3)
    sc = {
        "layers": [2, 3, 1],
        "activations": ["tanh", "sigmoid"],
        "loss": "mse",
        "init": {"scheme": "normal", "seed": 1},
        "inputs": x.tolist(),
        "targets": (x[:, :1] * x[:, 1:] > 0).astype(float).tolist(),
        "learning_rate": 0.5,
        "batch_size": 8,
        "shuffle_seed": 3,
    }
    rows = api_graph(base_url, sc)["batch"]["indices"]
    plane = httpx.post(f"{base_url}/api/plane", json={"scenario": sc}).json()
    s = base64.urlsafe_b64encode(json.dumps(sc).encode()).decode().rstrip("=")
    page = shared_page(1366, 768, reduced_motion="reduce")
    open_lesson(page, base_url, f"#s={s}&k=0")
    page.locator("#ledger-plane").scroll_into_view_if_needed()  # asked for once it is on screen
    page.wait_for_selector("#ledger-plane[data-sample='0']")
    at = page.evaluate(
        """([extent, x]) => import('/static/js/labs/heatmap.js').then((m) => {
          const c = document.getElementById('ledger-plane'), b = c.getBoundingClientRect();
          const [px, py] = m.planePoint(c, extent, x);
          return { css: [b.left + px * b.width / c.width, b.top + py * b.height / c.height],
                   canvas: [px.toFixed(1), py.toFixed(1)].join() };
        })""",
        [plane["extent"], sc["inputs"][rows[4]]],
    )
    page.mouse.click(*at["css"])
    page.wait_for_selector("#ledger-plane[data-sample='4']")
    assert page.get_attribute("#ledger-plane", "data-mark") == at["canvas"]
    assert page.input_value("#sample-select") == "4"
    assert page.inner_text("#sample-select option:checked").startswith(f"{rows[4] + 1} (5 of 8")


# every operator, coefficient and function name between matrices: how far its middle is from the
# middle of the rows of the matrix beside it on its line (the caption above the rows left out)
OFF_MIDDLE = """() => [...document.querySelectorAll(
    '#matrix-view .matrix-row :is(.matrix-op, .matrix-coef, .matrix-fn)')].map((op) => {
  const r = op.getBoundingClientRect(), y = (r.top + r.bottom) / 2;
  const row = op.closest('.matrix-row');
  const beside = [...row.querySelectorAll('table.matrix')].map((t) => {
    const b = t.tBodies[0].getBoundingClientRect();
    return { mid: (b.top + b.bottom) / 2, top: b.top, bottom: b.bottom,
             dx: Math.min(Math.abs(b.left - r.right), Math.abs(r.left - b.right)) };
  }).filter((b) => b.top <= y && y <= b.bottom).sort((a, b) => a.dx - b.dx)[0];
  return { text: op.textContent, block: op.closest('[data-block]').dataset.block,
           off: beside ? y - beside.mid : null };
})"""


@pytest.mark.parametrize("opt", [None, {"name": "adam"}], ids=["sgd", "adam"])
@pytest.mark.parametrize(
    "size", [(1920, 1080, True), (1366, 768, False)], ids=["projected-1920", "desk-1366"]
)
def test_operators_stand_on_the_matrices_middle_line(shared_page, base_url, screenshots, opt, size):
    """ "=", "− η", "·", "+", "⇒", "σ(" and Adam's "⊘ (√" sit on the middle line of the matrices'
    numbers, as a textbook writes them (they sat on the middle of caption and rows together,
    half a caption high: 12 px at the desk, 19 px projected); and the update says what η is."""
    w, h, projector = size
    sc = {**xor(base_url), **({"optimizer": opt, "learning_rate": 0.05} if opt else {})}
    s = base64.urlsafe_b64encode(json.dumps(sc).encode()).decode().rstrip("=")
    page = shared_page(w, h, reduced_motion="reduce")
    k = 40  # W⁽²⁾'s update: every block of the iteration is drawn, the update's active
    open_lesson(page, base_url, f"#s={s}&k={k}&view=matrix" + ("&projector=1" if projector else ""))
    wait_matrix(page, k)
    ops = page.evaluate(OFF_MIDDLE)
    rule = {"− η ·", "⊘ (√", "+ ε)"} if opt else {"−", "η"}  # the update's text
    assert {o["text"].strip() for o in ops} >= {"=", "·", "+", "σ(", ")", "⇒", *rule}, ops
    off = [o for o in ops if o["off"] is None or abs(o["off"]) > 2]
    assert off == [], off
    why = page.inner_text(".matrix-block.is-active .matrix-why")
    assert f"η = {sc['learning_rate']:g}" in why, why
    name = f"matrix-ops-{'adam' if opt else 'sgd'}-{w}-{'projected' if projector else 'desk'}.png"
    page.locator(".matrix-block.is-active").screenshot(path=str(screenshots / name))
