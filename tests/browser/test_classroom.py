"""The step-through page as a teacher uses it in class: a presentation clicker (PageDown / PageUp)
steps the lesson whatever was clicked last, and the projected graph holds still."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tests.browser.pageview import open_lesson, open_worksheet, wait_cursor

pytestmark = pytest.mark.browser

# Everything but the cursor that a stray key could change, or a reset through the URL (predict,
# view, x) must put back: a control then starts from what a new page shows.
STATE = """() => {
  const v = (id) => document.getElementById(id).value;
  const root = document.documentElement;
  return {
    preset: v('preset-select'), speed: v('speed-select'), granularity: v('granularity-select'),
    decimals: v('precision-select'), sample: v('sample-select'), theme: root.dataset.theme,
    projector: root.classList.contains('projector'), help: document.getElementById('help').open,
    playing: document.getElementById('btn-play').getAttribute('aria-pressed'),
    predict: document.getElementById('btn-predict').getAttribute('aria-pressed'),
    view: root.dataset.view ?? null,
    expand: document.querySelector('#expand-slot input[type=checkbox]')?.checked ?? null,
    more: !document.getElementById('more-menu').hidden,
    editor: !document.getElementById('value-editor').hidden,
    live: !!document.querySelector('#live-panel:not([hidden])'),
  };
}"""
CURSOR = "() => Number(document.documentElement.dataset.cursor)"
FOCUSED = "() => document.activeElement.id || document.activeElement.className"

MENUS = {
    "#preset-select": "tutorial",
    "#speed-select": "slow",
    "#granularity-select": "node",
    "#sample-select": "2",
    "#precision-select": "6",
}
BUTTONS = ["#copy-link", "#export-svg", "#export-png", "#btn-reset", "#btn-back", "#btn-step"]
TIMELINE = [f".phase-seg[data-phase='{p}']" for p in ("forward", "backward", "update")]
TOGGLES = [
    "#theme-toggle",
    "#projector-toggle",
    "#btn-play",
    "#btn-predict",
]  # clicked twice: back as they were


# Counts the page's requests in flight (static/js/api.js: every request is one fetch whose answer
# is read with .json()), until the code awaiting each answer has run: the page is at rest when
# none is in flight and the step last answered is drawn (html[data-cursor], set a frame after the
# slider shows the answer's cursor), with nothing being exported and no motion.
# A fetch whose answer were read another way (text, blob, a stream) would never count as done:
# settled() would then fail loudly after 10 s, not pass unnoticed.
IN_FLIGHT = """(() => {
  window.__inFlight = 0;
  const fetched = window.fetch;
  window.fetch = function (...args) {
    window.__inFlight += 1;
    let open = true;
    const done = () => open && ((open = false), setTimeout(() => (window.__inFlight -= 1)));
    return fetched.apply(this, args).then((response) => {
      const json = response.json;
      response.json = function () { return json.call(this).finally(done); };
      return response;
    }, (err) => { done(); throw err; });
  };
})()"""
AT_REST = """() => window.__inFlight === 0 && !document.querySelector('[aria-busy=true]')
  && !document.querySelector('#graph .pending, #graph .pulse, #graph .morphing')
  && document.documentElement.dataset.cursor === document.getElementById('cursor-range').value"""


def settled(page) -> int:
    """The cursor shown once the page has stopped changing: no request in flight (a paused
    player's step on a loaded machine too), and its answer drawn (AT_REST: as wait_cursor's)."""
    rest = f"() => ({AT_REST})() && {{ k: ({CURSOR})() }}"
    return page.wait_for_function(rest, timeout=10_000).json_value()["k"]


# The state a control could change and the focus, in one reading
STATE_AND_FOCUS = f"() => [({STATE})(), ({FOCUSED})()]"


def start_hash(projector: bool, n: int) -> str:
    """XOR (four samples, 55 steps) at cursor 2 (Back and Reset enabled), every setting a control
    changes at its start; `n` makes each one a new hash (a hash equal to the URL's changes nothing)."""
    every = "g=step&sample=0&dp=4&speed=normal&theme=auto&predict=0&view=graph&x=0"
    return f"#preset=xor&k=2&{every}&projector={int(projector)}&n={n}"


def fresh_lesson(page, base_url: str, projector: bool, n: int) -> None:
    """The lesson at its start, nothing focused: a new page the first time (`n` 0), then the same
    page taken back there through its URL, as a link followed would (cheaper than a reload)."""
    if n == 0:
        page.context.add_init_script(IN_FLIGHT)
        open_lesson(page, base_url, start_hash(projector, n))
    else:
        # the page's own hashchange handler runs first (it was added first); ours resolves after it
        page.evaluate(
            """(hash) => new Promise((done) => {
              document.activeElement?.blur();
              addEventListener('hashchange', () => setTimeout(done), { once: true });
              location.hash = hash;
            })""",
            start_hash(projector, n),
        )
    assert settled(page) == 2


def click_control(page, selector: str) -> None:
    """Use the control with the mouse as a teacher would, and leave it as the click left it."""
    if selector in MENUS:
        page.click(selector)  # opens the menu's list
        page.keyboard.press("Escape")  # ...closed again: the option is then picked
        page.select_option(selector, MENUS[selector])
        if selector == "#preset-select":
            wait_cursor(page, 0)  # the new lesson, from its start
    elif selector == "#cursor-range":
        page.click(selector, position={"x": 40, "y": 8})
    elif selector == "#help-open":
        page.click(selector)
        assert page.evaluate("document.getElementById('help').open")
        page.keyboard.press("Escape")  # closes the dialog; the focus is back on its button
    elif selector in TOGGLES:
        before = page.evaluate(STATE)
        page.click(selector)
        # it did what it does (the state it toggles changed) before it is clicked again
        page.wait_for_function(
            f"(before) => JSON.stringify(({STATE})()) !== before",
            arg=json.dumps(before, separators=(",", ":")),
        )
        page.click(selector)
    else:
        page.click(selector)


@pytest.mark.parametrize(
    "width,height,projector", [(1366, 768, False), (1920, 1080, True)], ids=["laptop", "projector"]
)
def test_the_clicker_steps_whatever_was_clicked_last(make_page, base_url, width, height, projector):
    page = make_page(width, height, reduced_motion="reduce", permissions=["clipboard-write"])
    controls = [*MENUS, "#cursor-range", *BUTTONS, *TIMELINE, *TOGGLES, "#help-open"]
    tried = []
    start = None
    for n, selector in enumerate(controls):
        fresh_lesson(page, base_url, projector, n)
        # every control starts from the same page: what a new page shows, nothing focused
        now = page.evaluate(STATE_AND_FOCUS)
        start = start or now
        assert now == start, (selector, now, start)
        if not page.is_visible(selector):  # editing furniture is hidden in projector mode
            assert projector, selector
            continue
        click_control(page, selector)
        k = settled(page)
        before, focused = page.evaluate(STATE_AND_FOCUS)
        for _ in range(3):
            page.keyboard.press("PageDown")
        wait_cursor(page, k + 3)
        after, focus = page.evaluate(STATE_AND_FOCUS)
        assert after == before, selector
        assert focus == focused, selector  # the focus stays where it was
        page.keyboard.press("PageUp")
        wait_cursor(page, k + 2)
        assert page.evaluate(STATE) == before, selector
        tried.append(selector)
    assert len(tried) == (17 if projector else 20), tried  # projector mode hides three


def test_space_steps_after_a_click_and_presses_what_the_keyboard_reached(shared_page, base_url):
    page = shared_page()
    open_lesson(page, base_url, "#preset=tutorial&k=3")
    page.click("#btn-reset")  # the mouse: Space then steps, it does not reset again
    wait_cursor(page, 0)
    page.keyboard.press("Space")
    wait_cursor(page, 1)
    page.keyboard.press("Space")
    wait_cursor(page, 2)
    page.focus("#btn-back")
    page.keyboard.press("Shift+Tab")  # the keyboard reaches Reset: Space presses it
    assert page.evaluate(FOCUSED) == "btn-reset"
    page.keyboard.press("Space")
    wait_cursor(page, 0)
    # the slider and the menus keep the keys that are not the lesson's
    page.focus("#cursor-range")
    page.keyboard.press("ArrowUp")
    wait_cursor(page, 1)
    page.focus("#precision-select")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(STATE)["decimals"] == "5"
    page.keyboard.press("ArrowRight")  # ...and the lesson's keys step
    wait_cursor(page, 2)


def test_a_text_field_keeps_its_keys_until_escape(shared_page, base_url):
    page = shared_page(1366, 768, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial&k=1")
    open_worksheet(page)
    box = "#panel-worksheet input[data-key='value:z1_0']"
    page.click(box)
    page.keyboard.type("0.78")
    page.keyboard.press("Home")  # the field's own: to the start of the text
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    assert page.input_value(box) == "0 .78"
    assert page.evaluate(CURSOR) == 1
    page.keyboard.press("Escape")  # hands the keys back to the lesson
    page.keyboard.press("PageDown")
    wait_cursor(page, 2)
    assert page.input_value(box) == "0 .78"
    # the architecture's fields too
    page.click("#arch-lr")
    page.keyboard.press("End")
    page.keyboard.press("Escape")
    page.keyboard.press("End")
    wait_cursor(page, 19)


NODE_BOXES = """() => {
  const svg = document.getElementById('graph').getBoundingClientRect();
  const round = (r) => [r.x, r.y, r.width, r.height].map((v) => Math.round(v * 100) / 100);
  const shown = {}, drawn = {};
  for (const n of document.querySelectorAll('#graph .node')) {
    // the box itself: a note under it ("part 2 of 3" while a gradient arrives) is not the box
    const r = (n.querySelector('.shape') || n).getBoundingClientRect();
    shown[n.dataset.id] = round(r);
    drawn[n.dataset.id] = round({ x: r.x - svg.x, y: r.y - svg.y, width: r.width, height: r.height });
  }
  const wrap = document.getElementById('graph-wrap');
  return { shown, drawn, frame: [wrap.clientWidth, wrap.clientHeight], svg: round(svg), scrolls: wrap.classList.contains('is-scrolling') };
}"""


# The clicker's PageDown from the step shown to `last`, each step read once it is shown (the
# cursor wait_cursor waits for, nothing pending or moving) by the function READING: inside the
# page, a key event a step as the clicker sends it to the focused element (controls.js steps on
# any PageDown keydown), not a Playwright round trip or three a step.
PAGE_DOWN_TO = """async (last) => {
  const read = READING;
  const root = document.documentElement;
  const out = [];
  for (let k = Number(root.dataset.cursor) + 1; k <= last; k += 1) {
    const key = { key: 'PageDown', code: 'PageDown', bubbles: true, cancelable: true };
    (document.activeElement || document.body).dispatchEvent(new KeyboardEvent('keydown', key));
    const t0 = performance.now();
    while (root.dataset.cursor !== String(k)
      || document.querySelector('#graph .pending, #graph .pulse, #graph .morphing')) {
      if (performance.now() - t0 > 10000) throw new Error(`step ${k} not shown in 10 s`);
      await new Promise((r) => requestAnimationFrame(r));
    }
    out.push(read());
  }
  return out;
}"""


def page_down_to(page, last: int, reading: str) -> list:
    """[reading at each step after the one shown, to `last`], stepped with PageDown in the page."""
    start = int(page.get_attribute("html", "data-cursor"))
    readings = page.evaluate(PAGE_DOWN_TO.replace("READING", reading, 1), last)
    assert len(readings) == last - start, (start, last, len(readings))
    return readings


@pytest.mark.parametrize("preset", ["tutorial", "xor", "softmax", "deep", "expr:tanh-neuron"])
def test_the_projected_graph_holds_still_from_the_first_step_to_the_last(
    shared_page, base_url, preset
):
    page = shared_page(1920, 1080, reduced_motion="reduce")
    open_lesson(page, base_url, f"#preset={preset}&k=0&projector=1")
    wait_cursor(page, 0)
    first = page.evaluate(NODE_BOXES)
    assert first["shown"], "no nodes drawn"
    total = int(page.text_content("#step-count").split()[3])
    for k, now in enumerate(page_down_to(page, total, NODE_BOXES), start=1):
        assert now["frame"] == first["frame"], k
        # the drawing itself never changes: every node the same size, in the same place
        assert now["drawn"] == first["drawn"], k
        if not first["scrolls"]:  # nor does it move on the screen
            assert now["shown"] == first["shown"], k
    # every preset fits the projector whole: XOR and softmax beside the explanation, the
    # tutorial above it, deep (too wide to have it beside) above a compact one, its rows closer
    if not preset.startswith("expr:"):
        assert not first["scrolls"]


EXPLAIN_FITS = """() => {
  const over = (el) => el.scrollHeight - el.clientHeight;
  const e = document.getElementById('explain');
  return { explain: over(e), sentence: over(document.getElementById('sentence')),
           state: document.getElementById('eq-state').hidden ? 0 : document.querySelectorAll('#eq-state .eq-state-row').length };
}"""


def adam_hash(base_url: str, preset: str, k: int) -> str:
    """A preset's lesson with Adam (PyTorch's defaults) as its optimizer, in projector mode."""
    sc = httpx.get(f"{base_url}/api/presets/{preset}").json()["scenario"]
    sc["optimizer"] = {"name": "adam"}
    raw = base64.urlsafe_b64encode(json.dumps(sc).encode()).decode().rstrip("=")
    return f"#s={raw}&k={k}&projector=1"


def test_adams_update_steps_fit_the_projected_explanation(shared_page, base_url):
    """Adam's state lines (m, v, m̂, v̂) fit the explanation with no scrolling, in the full-width
    explanation under the tutorial's graph and in the column beside XOR's, while the graph holds
    still from the first step to the last."""
    page = shared_page(1920, 1080, reduced_motion="reduce")
    open_lesson(page, base_url, adam_hash(base_url, "tutorial", 0))
    wait_cursor(page, 0)
    first = page.evaluate(NODE_BOXES)
    total = int(page.text_content("#step-count").split()[3])
    lines = 0
    both = f"() => ({{ shown: ({NODE_BOXES})().shown, fit: ({EXPLAIN_FITS})() }})"
    for k, now in enumerate(page_down_to(page, total, both), start=1):
        assert now["shown"] == first["shown"], k
        fit = now["fit"]
        assert fit["explain"] <= 0 and fit["sentence"] <= 0, (k, fit)
        lines = max(lines, fit["state"])
    assert lines == 4  # the update steps did show Adam's four lines
    # XOR: the explanation is a column beside the graph; its update steps (40: W⁽²⁾₁₂, the last)
    for k in (40, 55):
        page.goto("about:blank")
        open_lesson(page, base_url, adam_hash(base_url, "xor", k))
        wait_cursor(page, k)
        assert page.evaluate("document.documentElement.dataset.explain") == "side"
        fit = page.evaluate(EXPLAIN_FITS)
        assert fit["state"] == 4 and fit["explain"] <= 0 and fit["sentence"] <= 0, (k, fit)


MARKS = """() => {
  const style = (id) => getComputedStyle(document.getElementById(id));
  const palette = getComputedStyle(document.getElementById('graph'));
  const rgb = (c) => { const x = new OffscreenCanvas(1, 1).getContext('2d'); x.fillStyle = c; return x.fillStyle; };
  return {
    slip: [rgb(style('n-z1_0').outlineColor), style('n-z1_0').outlineStyle],
    inherited: [rgb(style('n-a1_0').outlineColor), style('n-a1_0').outlineStyle],
    legend: ['--pos', '--neg', '--fwd', '--bwd'].map((n) => rgb(palette.getPropertyValue(n).trim())),
    legendShown: getComputedStyle(document.getElementById('legend-worksheet')).visibility,
  };
}"""


def test_the_worksheet_waits_its_turn(shared_page, base_url):
    page = shared_page(1366, 768, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial&k=0")
    toggle = page.locator("#panel-worksheet .panel-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.locator("#panel-worksheet input:visible").count() == 0
    assert page.locator("#panel-worksheet").bounding_box()["height"] < 80  # one line
    # in tab order the stepping controls come first, then the worksheet
    page.focus("#btn-reset")
    reached = []
    while (now := page.evaluate(FOCUSED)) != "panel-toggle" and len(reached) < 40:
        reached.append(now)
        page.keyboard.press("Tab")
    assert {"btn-step", "cursor-range", "precision-select"} <= set(reached), reached
    page.keyboard.press("Enter")  # opens it
    assert toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.key") == "value:z1_0"
    # open for the rest of the page session, closed in a new one
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    assert toggle.get_attribute("aria-expanded") == "true"
    other = shared_page(1366, 768)
    open_lesson(other, base_url, "#preset=tutorial&k=0")
    assert other.get_attribute("#panel-worksheet .panel-toggle", "aria-expanded") == "false"
    # its marks: a colour no weight or motion uses, solid for a slip, dotted for what inherited it
    assert page.evaluate(MARKS)["legendShown"] == "hidden"
    page.fill("#panel-worksheet input[data-key='value:z1_0']", "0.68")
    page.fill("#panel-worksheet input[data-key='value:a1_0']", "0.6637")
    page.click("#panel-worksheet button.bs-ws-check")
    page.wait_for_selector("#n-a1_0.ws-inherited")
    marks = page.evaluate(MARKS)
    assert marks["slip"][1] == "solid" and marks["inherited"][1] == "dotted", marks
    assert marks["slip"][0] == marks["inherited"][0] not in marks["legend"], marks
    assert marks["legendShown"] == "visible"
