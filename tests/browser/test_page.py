"""The step-through page in headless Chromium, checked against the API and a NumPy reference."""

from __future__ import annotations

import re

import httpx
import numpy as np
import pytest

from tests.browser.pageview import (
    FRAMES,
    READ_VIEW,
    SNAPSHOT,
    api_graph,
    api_step,
    close,
    mismatches,
    open_lesson,
    page_url,
    tutorial,
    wait_cursor,
)

pytestmark = pytest.mark.browser


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + np.exp(-z))


def tutorial_reference() -> dict[str, float]:
    """The tutorial's 2 → 1 → 1 iteration written out by hand, independent of the engine."""
    x1, x2, y, lr = 0.5, 0.8, 1.0, 0.5
    w11, w12, b1, w2, b2 = 0.4, 0.6, 0.1, 0.9, 0.1
    z1 = w11 * x1 + w12 * x2 + b1
    a1 = sigmoid(z1)
    z2 = w2 * a1 + b2
    yhat = sigmoid(z2)
    loss = 0.5 * (yhat - y) ** 2
    d_yhat = yhat - y
    d2 = d_yhat * yhat * (1 - yhat)
    d_a1 = d2 * w2
    d1 = d_a1 * a1 * (1 - a1)
    grads = {"W1_0_0": d1 * x1, "W1_0_1": d1 * x2, "b1_0": d1, "W2_0_0": d2 * a1, "b2_0": d2}
    old = {"W1_0_0": w11, "W1_0_1": w12, "b1_0": b1, "W2_0_0": w2, "b2_0": b2}
    new = {k: old[k] - lr * grads[k] for k in old}
    a1n = sigmoid(new["W1_0_0"] * x1 + new["W1_0_1"] * x2 + new["b1_0"])
    loss_after = 0.5 * (sigmoid(new["W2_0_0"] * a1n + new["b2_0"]) - y) ** 2
    return {
        "z1_0": z1,
        "a1_0": a1,
        "z2_0": z2,
        "a2_0": yhat,
        "L": loss,
        "grad_a2_0": d_yhat,
        "grad_z2_0": d2,
        "grad_a1_0": d_a1,
        "grad_z1_0": d1,
        "loss_after": loss_after,
        **{f"grad_{k}": v for k, v in grads.items()},
        **{f"new_{k}": v for k, v in new.items()},
    }


def test_first_graph_is_the_tutorial_drawn_without_waiting_for_the_api(shared_page, base_url):
    """The first picture needs no round trip (its speed is `bench/firstpaint_bench.py`'s)."""
    page = shared_page()
    open_lesson(page, base_url)
    before = page.evaluate(
        r"""() => {
        const drawn = performance.getEntriesByName('backstep:first-graph')[0].startTime;
        return performance.getEntriesByType('resource')
          .filter(r => /\/api\/(graph|step)\b/.test(r.name) && r.startTime < drawn)
          .map(r => r.name);
      }"""
    )
    assert before == []  # the lesson's graph and first step are in the page
    # the tutorial preset is what a newcomer sees, nothing computed yet
    view = page.evaluate(READ_VIEW)
    assert view["nodes"]["x0"]["value"] == "0.5000"
    assert view["nodes"]["z1_0"]["value"] == "" and view["nodes"]["L"]["value"] == ""
    assert view["weights"]["W1_0_0"]["value"] == "W₁₁ +0.4000"
    assert "preset=tutorial" in page_url(page)


def test_walk_the_tutorial_forward_backward_update(shared_page, base_url, screenshots):
    page = shared_page(reduced_motion="reduce")
    open_lesson(page, base_url)
    scenario = tutorial(base_url)
    plan = api_graph(base_url, scenario)["plan"]["granularities"]["step"]
    starts = plan["phase_starts"]
    shots = {0: "start", 1: "forward", starts["backward"] + 1: "backward"}
    shots |= {starts["update"] + 1: "update", plan["total"]: "done"}
    first = api_step(base_url, scenario, 0)
    assert mismatches(page.evaluate(READ_VIEW), first) == []
    page.screenshot(path=screenshots / "phase-0-start.png")
    for k in range(1, plan["total"] + 1):
        page.keyboard.press("ArrowRight")
        wait_cursor(page, k)
        view = page.evaluate(READ_VIEW)
        assert mismatches(view, api_step(base_url, scenario, k)) == [], f"at cursor {k}"
        if k in shots:
            page.screenshot(path=screenshots / f"phase-{k}-{shots[k]}.png")
    # and the end state against the hand-written reference, not just the API
    ref = tutorial_reference()
    view = page.evaluate(READ_VIEW)
    for node in ("z1_0", "a1_0", "z2_0", "a2_0", "L"):
        assert close(view["nodes"][node]["value"], ref[node]), node
    for node in ("z1_0", "a1_0", "z2_0", "a2_0"):
        assert close(view["nodes"][node]["grad"], ref[f"grad_{node}"]), node
    for pid in ("W1_0_0", "W1_0_1", "b1_0", "W2_0_0", "b2_0"):
        assert close(view["summary"][pid]["grad"], ref[f"grad_{pid}"]), pid
        assert close(view["summary"][pid]["new"], ref[f"new_{pid}"]), pid
    assert close(view["lossAfter"], ref["loss_after"])
    assert view["phase"].startswith("Update")


def test_stepping_back_restores_the_first_state(shared_page, base_url):
    page = shared_page()
    open_lesson(page, base_url)
    page.emulate_media(reduced_motion="reduce")
    first = page.evaluate(SNAPSHOT)
    for k in range(1, 10):
        page.click("#btn-step")
        wait_cursor(page, k)
    assert page.evaluate(SNAPSHOT) != first
    for k in range(8, -1, -1):
        page.click("#btn-back") if k % 2 else page.keyboard.press("PageUp")
        wait_cursor(page, k)
    assert page.evaluate(SNAPSHOT) == first
    assert "k=0" in page_url(page)


FOCUS_SHOWN = """() => { const a = document.activeElement; const ring = a.querySelector('.focus-ring');
  return { id: a.id, outline: getComputedStyle(a).outlineStyle, ring: ring && getComputedStyle(ring).stroke }; }"""


def test_keyboard_alone(shared_page, base_url):
    page = shared_page()
    open_lesson(page, base_url)
    for key, k in (
        ("ArrowRight", 1),
        ("Space", 2),
        ("PageDown", 3),
        ("ArrowLeft", 2),
        ("PageUp", 1),
    ):
        page.keyboard.press(key)
        wait_cursor(page, k)
    page.keyboard.press("End")
    wait_cursor(page, 19)
    page.keyboard.press("Home")
    wait_cursor(page, 0)
    # fast presses: the latest response is shown, animations never pile up
    for _ in range(12):
        page.keyboard.press("ArrowRight")
    page.wait_for_selector("html[data-cursor='12']", timeout=3000)
    assert page.locator("#graph .pulse").count() <= 2 * 5  # one unit's pulses at most
    wait_cursor(page, 12)
    # play, then pause
    page.keyboard.press("p")
    page.wait_for_selector("html[data-cursor='13']", timeout=4000)
    page.keyboard.press("P")
    assert page.get_attribute("#btn-play", "aria-pressed") == "false"
    # help overlay
    page.keyboard.press("?")
    assert page.is_visible("#help")
    page.keyboard.press("Escape")
    assert not page.is_visible("#help")
    # every control is reachable with Tab, and focus is visible: an outline, or on a graph node
    # (help gave the focus back to "?", so two Tabs reach the first node) its focus ring
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    shown = page.evaluate(FOCUS_SHOWN)
    assert shown["outline"] != "none" or shown["ring"] not in (None, "none"), shown


def test_editing_a_weight_recomputes(shared_page, base_url):
    page = shared_page()
    open_lesson(page, base_url, "#preset=tutorial&k=1")
    page.emulate_media(reduced_motion="reduce")
    wait_cursor(page, 1)
    before_url = page_url(page)
    page.click("#p-W1_0_0")
    page.fill("#value-editor-input", "abc")
    page.keyboard.press("Enter")
    assert "not a number" in page.text_content("#value-editor-msg")
    assert page_url(page) == before_url
    page.fill("#value-editor-input", "−0.25")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#p-W1_0_0 .wvalue').textContent === 'W₁₁ −0.2500'"
    )
    wait_cursor(page, 1)
    z1 = -0.25 * 0.5 + 0.6 * 0.8 + 0.1  # the weighted sum, by hand
    view = page.evaluate(READ_VIEW)
    assert close(view["nodes"]["z1_0"]["value"], z1)
    assert "s=" in page_url(page) and "preset=" not in page_url(page)
    assert page.input_value("#preset-select") == ""


# Before the page's scripts: every URL the page writes with history.replaceState.
WRITES = """(() => {
  const writes = [];
  const replace = history.replaceState.bind(history);
  history.replaceState = (state, unused, url) => { writes.push(String(url)); return replace(state, unused, url); };
  window.__writes = writes;
})();"""


def counting_url_writes(make_page, base_url, preset: str):
    """A page on `preset`'s step 0 with its URL written, counting the writes from now (WRITES):
    the page, and its clock now."""
    page = make_page(reduced_motion="reduce")
    page.context.add_init_script(WRITES)
    open_lesson(page, base_url, f"#preset={preset}&k=0")
    wait_cursor(page, 0)
    page.wait_for_function("() => location.hash.includes('k=0')")
    page.evaluate("window.__writes.length = 0")
    return page, page.evaluate("performance.now()")


def test_steps_pressed_in_a_row_write_the_url_once_they_pause(make_page, base_url):
    """Each URL written has the browser fetch and decode the page's icon again, among the frames
    of the steps: steps pressed in a row write it once they pause, to the step then shown. A link
    copied in the middle is the step shown at that moment."""
    page, t0 = counting_url_writes(make_page, base_url, "tutorial")
    for k in range(1, 11):  # → pressed again as soon as each step is shown
        page.keyboard.press("ArrowRight")
        wait_cursor(page, k)
    took = page.evaluate("performance.now()") - t0
    page.wait_for_function("() => location.hash.includes('k=10')")
    page.wait_for_timeout(500)  # nothing more comes
    writes = page.evaluate("window.__writes")
    # once (twice if a step came late, on a loaded machine; and once more for every 1.5 s the
    # steps went on, url-state.js MAX_WAIT_MS), and last to the step shown
    assert len(writes) <= 2 + took // 1500 and "k=10" in writes[-1], (writes, took)
    page.keyboard.press("ArrowRight")
    wait_cursor(page, 11)
    page.click("#copy-link")  # at once: the link is the step shown, written now
    page.wait_for_function("() => /link/i.test(document.getElementById('toast').textContent)")
    assert "k=11" in page.evaluate("location.hash")


def test_steps_that_go_on_and_on_still_write_the_url_now_and_then(make_page, base_url):
    """→ held: the URL is not left behind for the whole run (a reload, or a link taken from the
    address bar, would be of where the run began): it is written at least every 1.5 s."""
    page, t0 = counting_url_writes(make_page, base_url, "xor")
    k = 0
    while page.evaluate("performance.now()") - t0 < 3500:  # steps 200 ms apart for 3.5 s
        k += 1
        page.keyboard.press("ArrowRight")
        wait_cursor(page, k)
        page.wait_for_timeout(200)
        assert k < 200
    # the run still going (no pause yet): written meanwhile, to a step within it
    written = [int(re.search(r"[#&]k=(\d+)", w).group(1)) for w in page.evaluate("window.__writes")]
    assert written and 0 < written[-1] <= k, (written, k)
    page.wait_for_function(f"() => /[#&]k={k}(&|$)/.test(location.hash)")  # and the last, after


def test_a_link_being_loaded_is_not_written_over(shared_page, base_url):
    """A new hash (a link pasted, the back button) takes a moment to load: a blur, or F5, in that
    moment writes nothing over it (it would write the lesson being replaced, and F5 reload it)."""
    page = shared_page(reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial&k=3")
    wait_cursor(page, 3)
    page.wait_for_function("() => location.hash.includes('k=3')")
    during = page.evaluate(
        """async () => {
          const changed = new Promise((r) => addEventListener('hashchange', r, { once: true }));
          location.hash = '#preset=xor&k=2';
          await changed;  // the page's own listener ran first: the load has begun
          dispatchEvent(new Event('blur'));  // the address bar, say
          document.dispatchEvent(new KeyboardEvent('keydown', { key: 'F5', bubbles: true }));
          return location.hash;
        }"""
    )
    assert "preset=xor" in during, during
    wait_cursor(page, 2)
    page.wait_for_function("() => location.hash.includes('preset=xor')")


def test_url_round_trip(shared_page, base_url):
    page = shared_page(reduced_motion="reduce")
    open_lesson(page, base_url)
    page.click("#n-x1")
    page.fill("#value-editor-input", "0.3")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#n-x1 .value').textContent === '0.3000'")
    page.select_option("#precision-select", "6")
    page.select_option("#granularity-select", "node")
    page.wait_for_function("() => location.hash.includes('g=node')")
    for k in range(1, 8):
        page.keyboard.press("ArrowRight")
        wait_cursor(page, k)
    page.click("#theme-toggle")
    page.click("#copy-link")
    page.wait_for_function("() => /link/i.test(document.getElementById('toast').textContent)")
    url, shown = page_url(page), page.evaluate(SNAPSHOT)
    other = shared_page(reduced_motion="reduce")
    other.goto(url)
    other.wait_for_selector("html[data-ready=true]")
    wait_cursor(other, 7)
    assert other.evaluate(SNAPSHOT) == shown
    assert other.input_value("#granularity-select") == "node"
    assert other.get_attribute("html", "data-theme") == page.get_attribute("html", "data-theme")


THEME = "() => [document.documentElement.dataset.theme, getComputedStyle(document.body).backgroundColor]"


@pytest.mark.parametrize(
    ("system", "hash_", "theme"),
    [
        ("dark", "", "dark"),
        ("light", "", "light"),
        ("light", "#theme=dark", "dark"),
        ("dark", "#theme=light", "light"),
    ],
)
def test_the_theme_is_in_place_before_any_module_runs(shared_page, base_url, system, hash_, theme):
    """theme.js, a classic script in <head>, sets the theme before the first paint (the modules
    run after it): with main.js held back, the page already wears the theme the lesson ends in."""
    # the system's scheme emulated on pages of the module's commonest options: a context made
    # with color_scheme set costs a second a page, for what emulate_media sets before each load
    held = shared_page(reduced_motion="reduce")
    held.emulate_media(color_scheme=system)
    for modules in ("**/static/js/main.js", "**/bundle/page.js?*"):  # unbundled or bundled
        held.route(modules, lambda r: r.fulfill(body="", content_type="text/javascript"))
    held.goto(f"{base_url}/{hash_}")
    early = held.evaluate(THEME)
    assert held.get_attribute("html", "data-ready") is None  # no module ran
    page = shared_page(reduced_motion="reduce")
    page.emulate_media(color_scheme=system)
    open_lesson(page, base_url, hash_)
    assert early == page.evaluate(THEME)
    assert early[0] == theme
    light = shared_page(reduced_motion="reduce")  # the fixture's media: a light system
    light.goto(f"{base_url}/#theme=light")
    assert (early[1] == light.evaluate(THEME)[1]) == (theme == "light")  # the palette changed


def test_the_automatic_theme_follows_the_system(shared_page, base_url):
    """With no theme in the link, a change of the system's preference switches the page's."""
    page = shared_page(reduced_motion="reduce")  # a light system (MEDIA)
    open_lesson(page, base_url, "#preset=tutorial&k=3")
    light = page.evaluate(THEME)
    page.emulate_media(color_scheme="dark")
    page.wait_for_selector("html[data-theme=dark]")
    dark = page.evaluate(THEME)
    assert light[0] == "light" and dark[1] != light[1]
    assert page.text_content("#theme-toggle") == "Light"
    assert "theme=" not in page_url(page)  # still automatic


TEXT_SIZES = """() => {
  const out = [];
  const seen = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.display === 'none' || cs.visibility === 'hidden' || cs.opacity === '0') return false;
      if (e.classList && e.classList.contains('visually-hidden')) return false;
    }
    return true;
  };
  const all = document.querySelectorAll('body *');
  for (const el of all) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const field = el.tagName === 'SELECT' || (el.tagName === 'INPUT' && el.type !== 'range');
    if (!(own || field) || !seen(el)) continue;
    if (el.closest('dialog:not([open])') || el.tagName === 'OPTION') continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    if (el instanceof SVGElement) size *= el.ownerSVGElement.getScreenCTM().a;
    out.push([size, el.tagName, (el.textContent || el.value || '').trim().slice(0, 30)]);
  }
  return out;
}"""


@pytest.mark.parametrize("cursor", [9, 16])
def test_projector_text_is_large(shared_page, base_url, screenshots, cursor):
    page = shared_page(1920, 1080, reduced_motion="reduce")
    open_lesson(page, base_url, f"#preset=tutorial&k={cursor}&projector=1")
    wait_cursor(page, cursor)
    sizes = page.evaluate(TEXT_SIZES)
    assert len(sizes) > 30
    small = [s for s in sizes if s[0] < 24 - 1e-6]
    assert small == [], small
    assert not page.is_visible("#architecture") and not page.is_visible("#summary")
    page.screenshot(path=screenshots / f"projector-1920-k{cursor}.png")


# Pulses on screen in each frame the page draws, the most seen at once since `max` was set to 0:
# read from the page's own frames (a pulse in flight is in many), not sampled at a set time.
WATCH_PULSES = """() => {
  const seen = (window.__pulses = { max: 0, on: true });
  const look = () => {
    seen.max = Math.max(seen.max, document.querySelectorAll('#graph .pulse').length);
    if (seen.on) requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
}"""


def test_projector_graph_holds_still_and_plays_every_step(shared_page, base_url):
    """The explanation under the graph changes height from step to step; the graph must not follow
    it back and forth (each change drew the graph again and cut its pulses short)."""
    # motion allowed, at the fast speed: the pulses are read from every frame the page draws
    # (WATCH_PULSES), so they need not last long enough for a sample taken mid-flight
    page = shared_page(1920, 1080)
    open_lesson(page, base_url, "#preset=tutorial&k=0&projector=1&speed=fast")
    wait_cursor(page, 0)
    page.evaluate(WATCH_PULSES)
    heights, pulses, cursors = [], [], []
    for k in range(1, 9):  # the forward pass: every step sends pulses along its edges
        page.evaluate("window.__pulses.max = 0")
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "(k) => document.documentElement.dataset.cursor !== k", arg=str(k - 1)
        )
        cursors.append(int(page.evaluate("document.documentElement.dataset.cursor")))
        wait_cursor(page, cursors[-1])  # shown, and its pulses arrived
        page.evaluate(FRAMES)
        pulses.append(page.evaluate("window.__pulses.max"))
        heights.append(page.evaluate("document.getElementById('graph-wrap').clientHeight"))
    page.evaluate("window.__pulses.on = false")
    assert cursors == list(range(1, 9)), cursors  # one step a press, none skipped
    assert all(n > 0 for n in pulses), pulses
    # the explanation keeps its tallest height: the graph's frame only ever shrinks, a few times
    assert heights == sorted(heights, reverse=True), heights
    assert len(set(heights)) <= 4, heights
    text = page.evaluate(TEXT_SIZES)
    assert [s for s in text if s[0] < 24 - 1e-6] == []  # drawn again for the frame it ended in


def run_axe(page, axe_path) -> list[dict]:
    page.add_script_tag(path=str(axe_path))
    # every rule runs and every violation is reported in full; the passes, the inapplicable and
    # the incomplete, which nothing reads, keep one node each instead of a selector for every
    # node (resultTypes): that bookkeeping was a third of the run
    result = page.evaluate(
        "async () => (await axe.run(document, { resultTypes: ['violations'] })).violations"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(
    "hash_",
    [
        "#preset=tutorial&k=0",
        "#preset=tutorial&k=9&projector=1",
        "#preset=xor&k=20&theme=dark",
        "#preset=softmax&k=3&g=layer&projector=1&theme=dark",
    ],
)
def test_accessibility_audit(shared_page, base_url, axe_path, hash_):
    # axe is injected as an inline script, which the page's own CSP rightly forbids
    page = shared_page(1280, 720, reduced_motion="reduce", bypass_csp=True)
    open_lesson(page, base_url, hash_)
    assert run_axe(page, axe_path) == []


def test_architecture_errors_are_words(shared_page, base_url):
    page = shared_page()
    page.watch.expect_status(422, "/api/graph")  # the graph is validated first: no step is sent
    open_lesson(page, base_url)
    page.fill("#arch-layers", "2, 0, 1")
    page.click("#arch-apply")
    assert "1 to 64 neurons" in page.text_content("#arch-errors")
    page.fill("#arch-layers", "2, 3, 1")
    page.select_option("#arch-loss", "cross_entropy")
    page.click("#arch-apply")
    page.wait_for_function("() => !document.getElementById('arch-errors').hidden")
    page.wait_for_function(
        "() => /softmax/.test(document.getElementById('arch-errors').textContent)"
    )
    assert page.locator("#graph .neuron").count() == 2  # unchanged: still the tutorial
    assert page.watch.expected[(422, "/api/graph")] == 1  # one rejected edit, one failed request
    page.select_option("#arch-loss", "mse")
    page.select_option("#arch-init", "xavier")
    page.click("#arch-apply")
    page.wait_for_function("() => document.querySelectorAll('#graph .neuron').length === 4")
    assert page.is_hidden("#arch-errors")


def test_export_svg_and_png(shared_page, base_url):
    page = shared_page()
    open_lesson(page, base_url, "#preset=tutorial&k=19")
    with page.expect_download() as svg:
        page.click("#export-svg")
    text = open(svg.value.path(), encoding="utf-8").read()
    assert text.startswith("<svg") and "W₁₁" in text and "0.9248" in text
    with page.expect_download() as png:
        page.click("#export-png")
    assert open(png.value.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_presets_and_samples(shared_page, base_url):
    page = shared_page()
    open_lesson(page, base_url)
    page.select_option("#preset-select", "xor")
    page.wait_for_function("() => document.querySelectorAll('#graph .neuron').length === 5")
    page.select_option("#sample-select", "2")
    page.keyboard.press("End")
    xor = httpx.get(f"{base_url}/api/presets/xor").json()["scenario"]
    total = api_graph(base_url, xor)["plan"]["granularities"]["step"]["total"]
    wait_cursor(page, total)
    view = page.evaluate(READ_VIEW)
    assert mismatches(view, api_step(base_url, xor, total, sample=2)) == []


@pytest.mark.parametrize("width,height", [(1920, 1080), (1280, 720)])
@pytest.mark.parametrize("view", ["normal", "projector"])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_views_fit_the_screen(shared_page, base_url, screenshots, width, height, view, theme):
    page = shared_page(width, height, reduced_motion="reduce")
    projector = "&projector=1" if view == "projector" else ""
    open_lesson(page, base_url, f"#preset=tutorial&k=12&theme={theme}{projector}")
    wait_cursor(page, 12)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # the graph, the equation and the step button are all on the first screen
    for sel in ("#graph .neuron", "#eq-result math", "#btn-step"):
        box = page.locator(sel).first.bounding_box()
        assert box and box["y"] + box["height"] <= height, f"{sel} is below the fold"
    if view == "projector":
        assert page.evaluate("document.documentElement.scrollHeight") <= height
    page.screenshot(path=screenshots / f"view-{width}x{height}-{view}-{theme}.png")


def test_the_skip_link_moves_the_focus_to_the_graph_and_changes_nothing_else(shared_page, base_url):
    """The skip link, "Skip to the graph" (href #stage), is for the keyboard: Tab, Enter, and the
    focus is on the graph. The lesson stays as it was (iteration, step, expand, preset), and so
    does its link: #stage is a place on the page, not a lesson."""
    page = shared_page(reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial&iteration=2&x=1&k=0")
    for k in range(1, 4):
        page.keyboard.press("ArrowRight")
        wait_cursor(page, k)
    url = page_url(page)
    assert all(p in url for p in ("preset=tutorial", "iteration=2", "x=1", "k=3")), url
    shown, history = page.evaluate(SNAPSHOT), page.evaluate("history.length")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    page.wait_for_timeout(500)  # a lesson loaded again would be on its way by now
    wait_cursor(page, 3)
    assert page.evaluate("document.activeElement.closest('#stage')?.id") == "stage"
    assert page.text_content("#iteration-count") == "Iteration 2"
    assert page.is_checked("#expand-slot input[type=checkbox]")
    assert page.evaluate(SNAPSHOT) == shown
    assert page_url(page) == url and page.evaluate("history.length") == history
