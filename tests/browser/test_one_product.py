"""The step-through page as one product: expression graphs in the main lesson, the worksheet and
export panels, the expand toggle, and the hand-off from /labs, checked against independent oracles
(hand-derived derivatives, finite differences, the exported script run on its own)."""

from __future__ import annotations

import base64
import json
import math
import re
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.browser.pageview import (
    READ_VIEW,
    api_step,
    close,
    mismatches,
    open_lesson,
    open_worksheet,
    page_url,
    wait_cursor,
)
from tests.browser.test_page import TEXT_SIZES, run_axe


def expression_preset(base_url: str, preset_id: str) -> dict:
    r = httpx.get(f"{base_url}/api/expressions/presets/{preset_id}")
    r.raise_for_status()
    return r.json()["scenario"]


def shown_number(text: str) -> float:
    """The first number in a label such as '∇ 2.0000 · 1 of 2' or 'part 1 of 2: ∇ +3.0000'."""
    tail = text.split(":")[-1] if ":" in text else text
    match = re.search(r"[+\-−]?\d+(\.\d+)?", tail.replace("\u2212", "-"))
    assert match, text
    return float(match.group(0).replace("−", "-"))


def test_expression_preset_steps_forward_and_back(shared_page, base_url):
    """tanh(w₁x₁ + w₂x₂ + b): every number against /api/step, the gradients against finite
    differences of the same function written here."""
    sc = expression_preset(base_url, "tanh-neuron")
    v = sc["values"]
    page = shared_page(1280, 720, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=expr:tanh-neuron&k=0")
    total = api_step(base_url, sc, 0)["total"]
    for k in range(1, total + 1):
        page.keyboard.press("ArrowRight")
        wait_cursor(page, k)
        assert mismatches(page.evaluate(READ_VIEW), api_step(base_url, sc, k)) == []

    def f(p: dict) -> float:
        return math.tanh(p["w1"] * p["x1"] + p["w2"] * p["x2"] + p["b"])

    view = page.evaluate(READ_VIEW)
    assert close(view["nodes"]["f"]["value"], f(v))
    for name in v:
        h = 1e-6
        up, down = dict(v), dict(v)
        up[name] += h
        down[name] -= h
        fd = (f(up) - f(down)) / (2 * h)
        assert close(view["nodes"][f"var_{name}"]["grad"], fd), (name, fd)
        assert close(view["summary"][f"var_{name}"]["grad"], fd)

    for k in (total - 1, total - 2):  # and back again
        page.keyboard.press("ArrowLeft")
        wait_cursor(page, k)
        assert mismatches(page.evaluate(READ_VIEW), api_step(base_url, sc, k)) == []

    # another granularity keeps the position: StepResponse.cursors, no search
    fine = api_step(base_url, sc, total - 2)
    page.select_option("#granularity-select", "node")
    wait_cursor(page, fine["cursors"]["node"])
    assert "g=node" in page_url(page) and f"k={fine['cursors']['node']}" in page_url(page)


def test_reused_variable_shows_both_contributions(shared_page, base_url):
    """(a + b)(b + 1): b's gradient arrives as (b + 1) along a + b and (a + b) along b + 1."""
    sc = expression_preset(base_url, "sum-times-sum")
    a, b = sc["values"]["a"], sc["values"]["b"]
    via_v1, via_v2 = b + 1, a + b  # ∂e/∂(a+b)·1 and ∂e/∂(b+1)·1, by hand
    total = api_step(base_url, sc, 0)["total"]
    halfway = next(
        k
        for k in range(total + 1)
        if next(p for p in api_step(base_url, sc, k)["parameters"] if p["id"] == "var_b")[
            "grad_parts"
        ][0]
        == 1
    )
    page = shared_page(1280, 720, reduced_motion="reduce")
    open_lesson(page, base_url, f"#preset=expr:sum-times-sum&k={halfway}")
    wait_cursor(page, halfway)
    page.wait_for_selector("#graph .chip.is-shown", timeout=10_000)
    grad = page.text_content("#n-var_b .grad")
    assert "1 of 2" in grad and math.isclose(shown_number(grad), via_v1)
    shown = page.locator("#graph .chip.is-shown")
    assert shown.count() == 1
    assert math.isclose(shown_number(shown.first.text_content()), via_v1)
    page.keyboard.press("End")
    wait_cursor(page, total)
    chips = {
        c.get_attribute("data-edge"): c.text_content()
        for c in page.locator("#graph .chip.is-shown").all()
    }
    assert set(chips) == {"var_b__v1", "var_b__v2"}
    assert math.isclose(shown_number(chips["var_b__v1"]), via_v1)
    assert math.isclose(shown_number(chips["var_b__v2"]), via_v2)
    assert chips["var_b__v2"].startswith("2/2")
    assert "2 of 2" in page.get_attribute("#c-var_b__v2", "aria-label")
    assert close(page.text_content("#n-var_b .grad"), via_v1 + via_v2)


def test_worksheet_on_the_page_flags_the_tutorial_slip(shared_page, base_url):
    """The tutorial prints z₁ = 0.68; typed in as a student's value it is the first slip."""
    page = shared_page(1920, 1080, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial&k=0")
    sc = httpx.get(f"{base_url}/api/presets/tutorial").json()["scenario"]
    x, w, b = sc["inputs"][0], sc["weights"][0][0], sc["biases"][0][0]
    z1 = sum(xi * wi for xi, wi in zip(x, w, strict=True)) + b  # the right value, by hand
    box = "#panel-worksheet input[data-key='value:z1_0']"
    open_worksheet(page)
    page.wait_for_selector(box)
    page.fill(box, "0.68")
    page.fill("#panel-worksheet input[data-key='value:a1_0']", f"{1 / (1 + math.exp(-0.68)):.4f}")
    page.click("#panel-worksheet button.bs-ws-check")
    page.wait_for_selector("#n-z1_0.ws-slip")
    assert "ws-inherited" in page.get_attribute("#n-a1_0", "class")
    assert "bs-ws-first" in page.get_attribute("tr.bs-ws-row[data-key='value:z1_0']", "class")
    note = page.text_content("tr.bs-ws-noterow[data-key='value:z1_0']")
    assert f"{z1:.4f}" in note
    assert page.is_visible("#n-z1_0.ws-slip")  # beside the graph, on the first screen
    page.click("#projector-toggle")
    assert not page.is_visible("#panel-worksheet") and not page.is_visible("#panel-export-code")


def test_numpy_export_reproduces_the_page(shared_page, base_url, tmp_path):
    """The downloaded script, run on its own, prints the numbers the page shows at the end."""
    page = shared_page(1920, 1080, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial&k=0")
    page.keyboard.press("End")
    total = int(page.get_attribute("#cursor-range", "max"))
    wait_cursor(page, total)
    view = page.evaluate(READ_VIEW)
    with page.expect_download() as info:
        page.click("#panel-export-code button[data-format='numpy']")
    script = tmp_path / info.value.suggested_filename
    info.value.save_as(script)
    assert script.suffix == ".py"
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    printed = {}
    for line in out.splitlines():
        name, _, value = line.partition(" = ")
        printed[name.strip()] = json.loads(value)
    assert close(view["lossBefore"], printed["loss"])
    assert close(view["lossAfter"], printed["loss_after"])
    assert close(view["summary"]["W1_0_1"]["grad"], printed["dW1"][0][1])
    assert close(view["summary"]["W1_0_1"]["new"], printed["W1"][0][1])
    assert close(view["summary"]["b2_0"]["new"], printed["b2"][0][0])
    assert close(view["nodes"]["a1_0"]["value"], printed["a1"][0][0])


def decode_lesson(href: str) -> dict:
    params = parse_qs(urlsplit(href).fragment)
    data = params["s"][0]
    return json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def test_labs_hand_off_is_a_link(shared_page, base_url):
    page = shared_page(1400, 900)
    page.goto(f"{base_url}/labs")
    page.fill("input[name=epochs]", "40")
    page.click("#train")
    page.wait_for_selector("#train-status.ok", timeout=30_000)
    page.wait_for_selector("#handoff-box:not([hidden])")
    page.select_option("#handoff-sample", "2")
    href = page.get_attribute("#handoff", "href")
    assert href.startswith("/#s=")
    lesson = decode_lesson(href)
    assert len(lesson["inputs"]) == 1 and lesson["weights"]
    page.click("#handoff")
    page.wait_for_selector("html[data-ready=true]", timeout=10_000)
    wait_cursor(page, 0)
    # nothing stored but the guide's "seen": the link is the lesson
    assert page.evaluate("Object.keys(localStorage)") == ["backstep.guide"]
    trained = lesson["weights"][0][0][1]
    assert close(page.text_content("#p-W1_0_1 .wvalue"), trained)
    # the page's own URL keeps the same lesson: the link can be shared as it is
    assert decode_lesson(page_url(page)) == lesson


def test_expand_toggle_shows_primitive_ops_and_stays_in_the_link(shared_page, base_url):
    page = shared_page(1920, 1080, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial&k=0")
    sc = httpx.get(f"{base_url}/api/presets/tutorial").json()["scenario"]
    page.check("#expand-slot input[type=checkbox]")
    page.wait_for_selector("#n-p1_0_0")
    assert "x=1" in page_url(page)
    page.click("#btn-step")
    wait_cursor(page, 1)
    assert mismatches(page.evaluate(READ_VIEW), api_step(base_url, sc, 1, expand=True)) == []
    x, w = sc["inputs"][0][0], sc["weights"][0][0][0]
    assert close(page.text_content("#n-p1_0_0 .value"), x * w)  # the first product, by hand
    url = page_url(page)
    again = shared_page(1920, 1080, reduced_motion="reduce")
    again.goto(url)
    again.wait_for_selector("#n-p1_0_0")
    assert again.is_checked("#expand-slot input[type=checkbox]")
    page.uncheck("#expand-slot input[type=checkbox]")
    page.wait_for_selector("#graph .neuron")
    assert "x=1" not in page_url(page) and page.locator("#n-p1_0_0").count() == 0


def test_projector_text_on_an_expression(shared_page, base_url):
    page = shared_page(1920, 1080, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=expr:sum-times-sum&k=7&projector=1")
    wait_cursor(page, 7)
    page.wait_for_selector("#graph .chip.is-shown")
    sizes = page.evaluate(TEXT_SIZES)
    assert len(sizes) > 15
    small = [s for s in sizes if s[0] < 24 - 1e-6]
    assert small == [], small
    assert not page.is_visible("#panel-expression") and not page.is_visible("#panel-worksheet")


def test_accessibility_of_the_expression_view_and_the_worksheet(shared_page, base_url, axe_path):
    page = shared_page(1280, 720, reduced_motion="reduce", bypass_csp=True)
    open_lesson(page, base_url, "#preset=expr:sum-times-sum&k=7")
    page.wait_for_selector("#panel-expression:not([hidden]) input.bs-expr-text")
    assert run_axe(page, axe_path) == []
    open_worksheet(page)
    page.fill("#panel-worksheet input[data-key='value:v1']", "3.5")  # v₁ = a + b = 3
    page.click("#panel-worksheet button.bs-ws-check")
    page.wait_for_selector("#panel-worksheet tr.bs-ws-slip")
    assert run_axe(page, axe_path) == []


def test_typed_expression_loads_into_the_main_lesson(shared_page, base_url):
    page = shared_page(1280, 720, reduced_motion="reduce")
    page.watch.expect_status(422, "/api/expressions/parse")
    open_lesson(page, base_url, "#preset=expr:sum-times-sum&k=0")
    field = "#panel-expression .bs-expr-text"
    page.wait_for_selector(field)
    page.fill(field, "x * (y +")
    page.wait_for_selector("#panel-expression .bs-expr-error:not(:empty)")
    error = page.text_content("#panel-expression .bs-expr-error")
    assert "x * (y +\n        ^" in error  # the caret under the column the parser names
    page.fill(field, "x * (y + x)")
    page.wait_for_selector("#panel-expression input[data-var='y']")
    page.fill("#panel-expression input[data-var='x']", "3")
    page.fill("#panel-expression input[data-var='y']", "-2")
    page.click("#panel-expression .bs-expr-load")
    page.wait_for_selector("#n-var_y")
    page.keyboard.press("End")
    page.wait_for_function("() => document.querySelector('#n-var_x .grad').textContent !== ''")
    x, y = 3, -2
    wait_cursor(page, int(page.get_attribute("#cursor-range", "max")))
    assert close(page.text_content("#n-var_x .grad"), (y + x) + x)  # d/dx x(y + x) = y + 2x
    assert close(page.text_content("#n-var_y .grad"), x)
    assert "preset=" not in page_url(page) and "s=" in page_url(page)
