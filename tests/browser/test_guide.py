"""A newcomer's page: the first-visit guide, tooltips, the API docs link, equation terms linked to
the graph, contributions on network nodes, locks, the phone width, expressions' names, and bad
input kept as typed (issue 12, §8 and §10)."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.browser.pageview import api_graph, api_step, close, open_lesson, page_url, wait_cursor
from tests.browser.test_page import run_axe
from tests.browser.test_widths import sized

pytestmark = pytest.mark.browser

IN_DIALOG = "() => document.getElementById('help').contains(document.activeElement)"


def lesson_of(href: str) -> dict:
    data = parse_qs(urlsplit(href).fragment)["s"][0]
    return json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def test_the_guide_shows_once_and_comes_back_on_request(shared_page, base_url, axe_path):
    page = shared_page(1366, 768, guide=True, reduced_motion="reduce", bypass_csp=True)
    open_lesson(page, base_url, "#preset=tutorial&k=0")
    page.wait_for_selector("#help[open]")
    text = page.inner_text("#help")
    for words in ("z | a", "Bias pill", "∇", "L box", "green pulse", "purple pulse", "Forward"):
        assert words in text, words
    assert page.get_attribute("#help a[href='/docs']", "href") == "/docs"
    assert page.evaluate(IN_DIALOG)
    assert run_axe(page, axe_path) == []  # the guide open: still clean
    for _ in range(15):  # focus is trapped: Tab never leaves the dialog
        page.keyboard.press("Tab")
        assert page.evaluate(IN_DIALOG)
    page.keyboard.press("Escape")
    page.wait_for_selector("#help:not([open])", state="attached")
    # the lesson has the keys again at once
    page.keyboard.press("ArrowRight")
    wait_cursor(page, 1)

    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    page.wait_for_timeout(200)  # two frames and more: the guide would have opened by now
    assert not page.evaluate("document.getElementById('help').open")

    page.focus("#btn-step")
    page.keyboard.press("?")
    page.wait_for_selector("#help[open]")
    page.mouse.click(5, 400)  # one click on the backdrop dismisses it
    page.wait_for_selector("#help:not([open])", state="attached")
    assert page.evaluate("document.activeElement.id") == "btn-step"  # focus is given back
    page.click("#help-open")
    page.wait_for_selector("#help[open]")
    page.click("#help-close")
    page.wait_for_selector("#help:not([open])", state="attached")
    assert page.evaluate("document.activeElement.id") == "help-open"


def test_tooltips_docs_link_and_terms_that_point_at_the_graph(shared_page, base_url):
    page = shared_page()
    open_lesson(page, base_url, "#preset=tutorial&k=0")
    for sel in ("#granularity-select", "#sample-select", "#precision-select"):
        assert len(page.get_attribute(sel, "title") or "") > 20, sel
        desc = page.get_attribute(sel, "aria-describedby")
        assert desc and len(page.text_content(f"#{desc}")) > 20, sel
    assert page.get_attribute(".toolbar a[href='/docs']", "href") == "/docs"
    assert httpx.get(f"{base_url}/docs").status_code == 200

    scenario = httpx.get(f"{base_url}/api/presets/tutorial").json()["scenario"]
    graph = api_graph(base_url, scenario)
    known = {n["id"] for n in graph["nodes"]} | {p["id"] for p in graph["parameters"]}
    page.keyboard.press("ArrowRight")
    wait_cursor(page, 1)
    refs = page.eval_on_selector_all(
        "#eq-substituted [data-ref]", "els => els.map((e) => e.dataset.ref)"
    )
    assert refs and set(refs) <= known
    # z₁ = W₁₁ × x₁ + W₁₂ × x₂ + b₁: pointing at W₁₁'s number lights W₁₁'s label and its edge
    w11 = next(p for p in graph["parameters"] if p["label"]["text"] == "W₁₁")
    term = page.locator(f"#eq-substituted [data-ref='{w11['id']}']").first
    assert close(term.text_content(), w11["value"])
    term.hover()
    lit = page.eval_on_selector_all("#graph .is-linked", "els => els.map((e) => e.dataset.id)")
    assert set(lit) == {w11["id"], w11["edge"]}
    # and the other way: pointing at the x₂ node lights its term in the equation
    x2 = next(n for n in graph["nodes"] if n["label"]["text"] == "x₂")
    page.hover(f"#n-{x2['id']}")
    lit = page.eval_on_selector_all("#equations .is-linked", "els => els.map((e) => e.dataset.ref)")
    assert lit and set(lit) == {x2["id"]}
    # the keyboard gets there too: a term takes focus and lights its node
    page.focus(f"#eq-formula [data-ref='{x2['id']}']")
    assert page.eval_on_selector_all(
        "#graph .is-linked", "els => els.map((e) => e.dataset.id)"
    ) == [x2["id"]]


def test_a_neuron_shows_which_part_of_its_gradient_has_arrived(shared_page, base_url):
    page = sized(shared_page, 1366, 768, reduced_motion="reduce")
    # xor's hidden neurons feed one output each; deep's first layer feeds three neurons
    scenario = httpx.get(f"{base_url}/api/presets/deep").json()["scenario"]
    graph = api_graph(base_url, scenario)
    total = graph["plan"]["granularities"]["step"]["total"]
    neurons = {n["id"] for n in graph["nodes"]}
    run = httpx.post(f"{base_url}/api/run", json={"scenario": scenario}).json()
    first = next(
        st
        for st in run["steps"]
        if st["target"] in neurons
        and st["contribution"]
        and st["contribution"][0] < st["contribution"][1]
    )
    k = first["index"] + 1  # the cursor just after that step
    node = next(n for n in api_step(base_url, scenario, k)["nodes"] if n["id"] == first["target"])
    open_lesson(page, base_url, f"#preset=deep&k={k}")
    wait_cursor(page, k)
    done, parts = node["grad_parts"]
    assert page.text_content(f"#n-{node['id']} .grad-parts") == f"part {done} of {parts}"
    label = page.get_attribute(f"#n-{node['id']}", "aria-label")
    assert f"contribution {done} of {parts}" in label
    # once every part has arrived the note goes
    end = api_step(base_url, scenario, total)
    assert next(n for n in end["nodes"] if n["id"] == node["id"])["grad_parts"] == [parts, parts]
    page.keyboard.press("End")
    wait_cursor(page, total)
    assert page.text_content(f"#n-{node['id']} .grad-parts") == ""


def test_a_lock_in_the_value_editor_freezes_the_tensor_and_rides_in_the_link(shared_page, base_url):
    page = sized(shared_page, 1366, 768, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial&k=0")
    scenario = httpx.get(f"{base_url}/api/presets/tutorial").json()["scenario"]
    w2 = next(p for p in api_graph(base_url, scenario)["parameters"] if p["tensor"] == "W2")
    page.click(f"#p-{w2['id']}")
    lock = page.locator("#value-editor-lock")
    assert lock.get_attribute("aria-pressed") == "false"
    lock.click()
    page.wait_for_selector("#value-editor-lock[aria-pressed=true]")
    assert page.is_checked("#arch-lock-W2")  # the Network panel agrees
    page.keyboard.press("Escape")
    frozen = lesson_of(page_url(page))
    assert frozen["frozen"] == ["W2"]
    total = api_graph(base_url, frozen)["plan"]["granularities"]["step"]["total"]
    page.keyboard.press("End")
    wait_cursor(page, total)
    end = api_step(base_url, frozen, total)
    p = next(q for q in end["parameters"] if q["id"] == w2["id"])
    assert p["value"] == p["old"] == w2["value"]  # the update left it alone
    assert close(page.text_content(f"#p-{w2['id']} .wvalue"), p["value"])
    # another parameter moved as usual, as the API says
    b2 = next(q for q in end["parameters"] if q["id"] == "b2_0")
    assert b2["value"] != b2["old"]
    # the Network panel unlocks it again
    page.uncheck("#arch-lock-W2")
    want = f"of {total + 1}"  # one more update step again
    page.wait_for_function(
        f"() => document.getElementById('step-count').textContent.includes('{want}')"
    )
    assert "frozen" not in lesson_of(page_url(page))


def test_a_phone_never_scrolls_sideways(shared_page, base_url):
    page = sized(shared_page, 390, 844, reduced_motion="reduce")
    for preset in ["tutorial", "xor", "softmax", "deep", "expr:sum-times-sum"]:
        open_lesson(page, base_url, f"#preset={preset}&k=6")
        wait_cursor(page, 6)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, preset
        wrap = page.locator("#graph-wrap").bounding_box()
        assert wrap["x"] >= 0 and wrap["x"] + wrap["width"] <= 390, preset
        # the equation comes right after the graph, before the controls
        eq = page.locator("#eq-result").bounding_box()
        assert page.locator("#stage").bounding_box()["y"] < eq["y"], preset
        assert eq["y"] < page.locator("#btn-step").bounding_box()["y"], preset
        top = page.locator(".toolbar").bounding_box()
        assert top["x"] + top["width"] <= 390, preset  # the toolbar wraps


def test_expressions_name_their_output_apart_and_end_on_backward(shared_page, base_url):
    page = shared_page()
    sc = {
        "kind": "expression",
        "expression": "(a*b + c) * f",
        "values": {"a": 2, "b": -3, "c": 10, "f": -2},
    }
    graph = api_graph(base_url, sc)
    total = graph["plan"]["granularities"]["step"]["total"]
    data = base64.urlsafe_b64encode(json.dumps(sc).encode()).decode().rstrip("=")
    open_lesson(page, base_url, f"#s={data}&k={total}")
    wait_cursor(page, total)
    assert page.text_content("#explain-title") == "Backward · done"
    assert "∂out/∂·" in page.text_content(".legend") and "∂L" not in page.text_content(".legend")
    # ∂out/∂f is the variable f's gradient: a·b + c = 4 (and the finite difference says so)
    f = next(p for p in api_step(base_url, sc, total)["parameters"] if p["id"] == "var_f")
    step = 1e-6
    moved = lambda v: {**sc, "values": {**sc["values"], "f": v}}  # noqa: E731
    out = lambda s: next(n for n in api_step(base_url, s, total)["nodes"] if n["id"] == "f")  # noqa: E731
    fd = (out(moved(-2 + step))["value"] - out(moved(-2 - step))["value"]) / (2 * step)
    assert abs(f["grad"] - fd) < 1e-6
    assert close(page.text_content("#p-var_f .grad, #n-var_f .grad"), fd)
    for k in range(1, total + 1):
        text = api_step(base_url, sc, k)["steps"][-1]["explanation"]["result"]["text"]
        assert not text.startswith("∂f/∂f")


def test_bad_input_keeps_the_text_and_says_why_beside_it(shared_page, base_url):
    page = shared_page()
    page.watch.expect_status(422, "/api/graph")
    open_lesson(page, base_url, "#preset=tutorial&k=3")
    page.fill("#arch-lr", "5e9")
    page.click("#arch-apply")
    page.wait_for_selector("#arch-lr-error")
    assert "learning_rate" in page.text_content("#arch-lr-error")
    assert page.input_value("#arch-lr") == "5e9"  # the typed text stays
    assert page.get_attribute("#arch-lr", "aria-invalid") == "true"
    assert "arch-lr-error" in page.get_attribute("#arch-lr", "aria-describedby")
    wait_cursor(page, 3)  # the lesson shown is the one before
    # the value editor keeps a bad number too, with its message
    page.click("#n-x0")
    page.fill("#value-editor-input", "12abc")
    page.keyboard.press("Enter")
    assert "not a number" in page.text_content("#value-editor-msg")
    assert page.input_value("#value-editor-input") == "12abc"


def test_space_steps_after_the_help_clicked_open_is_closed(shared_page, base_url):
    """ "?" clicked, then Esc: the focus is back on "?", and Space steps the lesson (as after
    Dark or Copy link), rather than open the help again."""
    page = sized(shared_page, 1920, 1080, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial&projector=1&k=0")
    page.click("#help-open")
    page.wait_for_selector("#help[open]")
    page.keyboard.press("Escape")
    page.wait_for_selector("#help:not([open])", state="attached")
    assert page.evaluate("document.activeElement.id") == "help-open"
    page.keyboard.press("Space")
    wait_cursor(page, 1)
    assert not page.evaluate("document.getElementById('help').open")
    page.keyboard.press("PageUp")
    wait_cursor(page, 0)


def test_a_clicker_closes_the_first_visit_guide_and_steps(shared_page, base_url):
    """A first visit: the guide opens by itself; a clicker's PageDown closes it and steps, each
    press one step; the focus is then on a control in sight, not <body>."""
    page = sized(shared_page, 1920, 1080, guide=True, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial&projector=1&k=0")
    page.wait_for_selector("#help[open]")
    for _ in range(3):
        page.keyboard.press("PageDown")
    wait_cursor(page, 3)
    assert not page.evaluate("document.getElementById('help').open")
    focus = page.evaluate(
        "() => [document.activeElement.tagName, document.activeElement.getClientRects().length]"
    )
    assert focus[0] != "BODY" and focus[1] > 0, focus
    page.keyboard.press("PageUp")
    wait_cursor(page, 2)

    # Esc closes it too: the focus is then in sight, not on <body>
    fresh = sized(shared_page, 1366, 768, guide=True, reduced_motion="reduce")
    open_lesson(fresh, base_url, "#preset=tutorial&k=0")
    fresh.wait_for_selector("#help[open]")
    fresh.keyboard.press("Escape")
    fresh.wait_for_selector("#help:not([open])", state="attached")
    assert fresh.evaluate("document.activeElement.tagName") != "BODY"
    fresh.keyboard.press("Space")
    wait_cursor(fresh, 1)


def test_an_esc_before_the_first_visit_guide_opens_keeps_it_shut(shared_page, base_url):
    """The guide opens once the lesson is drawn (deep's takes a while to come): an Esc pressed
    before that means it does not open at all. The lesson's graph is held back until the Esc."""
    page = sized(shared_page, 1920, 1080, guide=True, reduced_motion="reduce")
    held = []
    page.route("**/api/graph", lambda route: held.append(route))
    page.goto(f"{base_url}/#preset=deep&projector=1&k=0", wait_until="commit")
    page.wait_for_function(
        "() => document.getElementById('live-toggle')"
    )  # the page's keys are set
    while not held:
        page.wait_for_timeout(50)
    assert not page.evaluate("document.getElementById('help').open")
    page.keyboard.press("Escape")
    for route in held:
        route.continue_()
    page.unroute("**/api/graph")
    page.wait_for_selector("html[data-ready=true]", timeout=10_000)
    page.wait_for_timeout(500)  # frames and more: the guide would have opened by now
    assert not page.evaluate("document.getElementById('help').open")
    page.keyboard.press("PageDown")
    wait_cursor(page, 1)
