"""The worksheet, expression editor, expand switch and export menu in headless Chromium, mounted
on a harness page served under a strict same-origin Content-Security-Policy."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.responses import HTMLResponse, Response

from app.main import create_app
from tests.browser.conftest import GUIDE_SEEN
from tests.browser.server import serve_app

pytestmark = pytest.mark.browser

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
HARNESS_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>harness</title>
<link rel="stylesheet" href="/static/css/tokens.css">
<link rel="stylesheet" href="/static/css/expr.css">
<script type="module" src="/__expr_harness.js"></script></head>
<body><div id="ws"></div><div id="ed"></div><div id="ex"></div><div id="tg"></div></body></html>"""
HARNESS_JS = """
import { createWorksheet } from "/static/js/worksheet/worksheet.js";
import { createExpressionEditor } from "/static/js/expr/editor.js";
import { createExportMenu } from "/static/js/worksheet/export-menu.js";
import { createExpandToggle } from "/static/js/expr/expand-toggle.js";
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(e.violatedDirective));
const state = { scenario: (await (await fetch("/api/presets/tutorial")).json()).scenario };
const sheet = createWorksheet(document.getElementById("ws"), () => state, {
  onResult: (r) => { window.__result = r; },
});
await sheet.refresh();
createExpressionEditor(document.getElementById("ed"), { onScenario: (sc) => { window.__scenario = sc; } });
createExportMenu(document.getElementById("ex"), () => ({ scenario: state.scenario, name: "tutorial" }), {
  onImport: (sc) => { window.__imported = sc; },
});
createExpandToggle(document.getElementById("tg"), { onChange: (v) => { window.__expand = v; } });
document.body.dataset.ready = "1";
"""


@pytest.fixture(scope="module")
def harness_url():
    app = create_app()
    headers = {"Content-Security-Policy": CSP}

    @app.get("/__expr_harness", include_in_schema=False)
    def harness() -> HTMLResponse:
        return HTMLResponse(HARNESS_HTML, headers=headers)

    @app.get("/__expr_harness.js", include_in_schema=False)
    def harness_js() -> Response:
        return Response(HARNESS_JS, media_type="text/javascript", headers=headers)

    with serve_app(app) as url:
        yield f"{url}/__expr_harness"


@pytest.fixture(scope="module")
def page(browser, harness_url):
    pg = browser.new_page(accept_downloads=True)
    problems: list[str] = []
    # a 422 is how the editor learns of a typing error, and Chromium asks for /favicon.ico
    # on its own: both are logged, and both are fine
    pg.on(
        "console",
        lambda m: (
            problems.append(f"{m.text} {m.location}")
            if m.type in ("error", "warning")
            and "status of 422" not in m.text
            and "favicon.ico" not in str(m.location)
            else None
        ),
    )
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.goto(harness_url)
    pg.wait_for_selector("body[data-ready='1']", timeout=15000)
    yield pg
    assert pg.evaluate("window.__violations") == []
    assert problems == []
    pg.close()


def wait_until(page, js: str, timeout: float = 10.0) -> None:
    """Poll a JS expression (page.wait_for_function would need eval, which the CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(js):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {js}")
        time.sleep(0.05)


def test_worksheet_flags_the_tutorial_slip(page):
    # the tutorial's own hand-calculated z₁ and a₁, typed by a student
    page.fill("input[data-key='value:z1_0']", "0.68")
    page.fill("input[data-key='value:a1_0']", "0,6637")
    page.fill("input[data-key='grad:W1_0_0']", "−0.0074")
    page.click("button.bs-ws-check")
    page.wait_for_selector("tr[data-key='value:z1_0'].bs-ws-slip.bs-ws-first")
    assert "bs-ws-inherited" in page.get_attribute("tr[data-key='value:a1_0']", "class")
    assert "bs-ws-inherited" in page.get_attribute("tr[data-key='grad:W1_0_0']", "class")
    summary = page.text_content(".bs-ws-summary")
    assert "first slip is z₁" in summary
    note = page.text_content("tr.bs-ws-noterow[data-key='value:z1_0'] .bs-ws-note")
    assert "should be 0.7800, not 0.68." in note
    result = page.evaluate("window.__result")
    assert result["first_slip"] == "value:z1_0"
    decimals = {e["key"]: e["decimals"] for e in result["entries"]}
    assert decimals == {"value:z1_0": 2, "value:a1_0": 4, "grad:W1_0_0": 4}
    page.fill("input[data-key='value:z2_0']", "abc")
    page.click("button.bs-ws-check")
    page.wait_for_selector("input[data-key='value:z2_0'][aria-invalid='true']")
    page.fill("input[data-key='value:z2_0']", "")


def test_expression_editor_points_at_errors_and_loads(page):
    page.fill(".bs-expr-text", "(a + b) * (b")
    wait_until(
        page, "document.querySelector('.bs-expr-error').textContent.includes('never closed')"
    )
    error = page.text_content(".bs-expr-error")
    assert "(a + b) * (b\n          ^" in error
    assert page.is_disabled(".bs-expr-load")
    page.fill(".bs-expr-text", "(a + b) * (b + 1)")
    page.wait_for_selector("input[data-var='b']")
    page.fill("input[data-var='a']", "2")
    page.fill("input[data-var='b']", "1")
    page.click(".bs-expr-load")
    sc = page.evaluate("window.__scenario")
    assert sc == {
        "kind": "expression",
        "expression": "(a + b) * (b + 1)",
        "values": {"a": 2, "b": 1},
    }


def test_expression_presets_load(page):
    page.select_option(".bs-expr-presets", "tanh-neuron")
    wait_until(page, "window.__scenario && window.__scenario.expression.startsWith('tanh')")
    assert set(page.evaluate("window.__scenario.values")) == {"w1", "x1", "w2", "x2", "b"}


def test_export_downloads_and_import(page, tmp_path):
    with page.expect_download() as info:
        page.click("button[data-format='numpy']")
    assert info.value.suggested_filename == "tutorial_numpy.py"
    path = tmp_path / "saved.py"
    info.value.save_as(path)
    assert "import numpy as np" in path.read_text()
    with page.expect_download() as info:
        page.click("button[data-format='json']")
    lesson = tmp_path / "lesson.json"
    info.value.save_as(lesson)
    page.set_input_files(".bs-import-file", str(lesson))
    wait_until(page, "window.__imported !== undefined")
    assert page.evaluate("window.__imported.layers") == [2, 1, 1]
    page.set_input_files(
        ".bs-import-file",
        files=[
            {
                "name": "bad.json",
                "mimeType": "application/json",
                "buffer": json.dumps(
                    {"scenario": {"kind": "expression", "expression": "a +", "values": {}}}
                ).encode(),
            }
        ],
    )
    wait_until(
        page, "document.querySelector('.bs-export-status').textContent.includes('ends where')"
    )


def test_expand_switch(page):
    page.check(".bs-expand input")
    assert page.evaluate("window.__expand") is True


def test_panels_on_the_step_through_page(browser, harness_url):
    """The worksheet and export panels on the real page, mounted through its panel API."""
    root = harness_url.removesuffix("/__expr_harness")
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    pg.add_init_script(GUIDE_SEEN)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(f"{root}/#preset=tutorial")
    pg.wait_for_selector("#n-z1_0")  # the page mounts the panels itself now (main.js)
    pg.click("#panel-worksheet .panel-toggle")  # one line until opened
    pg.wait_for_selector("#panel-worksheet input[data-key='value:z1_0']")
    pg.fill("#panel-worksheet input[data-key='value:z1_0']", "0.68")  # the tutorial's slip
    pg.fill("#panel-worksheet input[data-key='value:a1_0']", "0.6637")
    pg.click("#panel-worksheet button.bs-ws-check")
    pg.wait_for_selector("#n-z1_0.ws-slip")
    assert "ws-inherited" in pg.get_attribute("#n-a1_0", "class")
    assert pg.is_visible("#panel-export-code button[data-format='pytorch']")
    assert errors == []
    pg.close()


def test_expression_panel_steps_a_textbook_graph(browser, harness_url):
    """The page's expression panel: load (a + b)(b + 1) from it, step to the end in the main
    graph, and read b's gradient: one path's part first, then the sum of both."""
    root = harness_url.removesuffix("/__expr_harness")
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    pg.add_init_script(GUIDE_SEEN)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(f"{root}/#preset=tutorial")
    pg.wait_for_selector("#n-z1_0")
    assert pg.is_hidden("#panel-expression")  # a network has the Network panel instead
    pg.select_option("#preset-select", "expr:tanh-neuron")  # any expression shows the panel
    pg.wait_for_selector("#panel-expression .bs-expr-text", state="visible")
    pg.fill("#panel-expression .bs-expr-text", "(a + b) * (b + 1)")
    pg.wait_for_selector("#panel-expression input[data-var='b']")
    a, b = 2, 1
    pg.fill("#panel-expression input[data-var='a']", str(a))
    pg.fill("#panel-expression input[data-var='b']", str(b))
    pg.click("#panel-expression .bs-expr-load")
    pg.wait_for_selector("#n-var_b")
    wait_until(pg, "document.getElementById('step-count').textContent === 'step 0 of 8'")
    for k in range(1, 8):  # the forward pass (3) and the first four backward steps
        pg.click("#btn-step")
        pg.wait_for_selector(f"html[data-cursor='{k}']")
    wait_until(pg, "document.getElementById('step-count').textContent === 'step 7 of 8'")
    assert pg.text_content("#n-f .value") == f"{(a + b) * (b + 1)}"
    assert pg.text_content("#n-var_b .grad") == f"∇\u2009{b + 1} · 1 of 2"  # one path so far
    pg.click("#btn-step")
    wait_until(pg, "document.getElementById('step-count').textContent === 'step 8 of 8'")
    assert pg.text_content("#n-var_b .grad") == f"∇\u2009{(b + 1) + (a + b)}"
    assert "Contribution 2 of 2" in pg.text_content("#sentence")
    assert pg.query_selector("#equations math") is not None
    assert pg.get_attribute("#explain", "data-phase") == "backward"
    assert "active" in pg.get_attribute("#e-var_b__v2", "class")
    assert pg.input_value("#preset-select") == ""  # the panel's own expression, not a preset
    assert errors == []
    pg.close()
