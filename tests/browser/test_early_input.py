"""What a person does right as the first picture appears works: the editors below the fold are
made only once that picture is shown (later.js), so a key, a click or a focus that comes before
must first make them, then reach them, and the page's own keys must already work.

Each action is dispatched by the page itself in the first task after the frame the first step is
drawn in (html[data-ready] is set in that frame's animation callback, main.js settle): the
earliest moment a person could act on the picture, before the deferred editors are made (each test
checks they were not yet)."""

from __future__ import annotations

import json

import pytest

from tests.browser.pageview import open_lesson

pytestmark = pytest.mark.browser

# `act` (a function's source) runs in a task right after the first picture's frame; it records
# whether the deferred editors existed then, and what it returns.
EARLY = """
window.__early = null;
new MutationObserver((_, obs) => {
  if (document.documentElement?.dataset.ready !== 'true') return;
  obs.disconnect();
  setTimeout(() => {
    const before = { worksheet: Boolean(document.getElementById('panel-worksheet')),
                     layers: document.getElementById('arch-layers').value };
    const got = (%s)();
    window.__early = { before, got };
  }, 0);
}).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-ready'] });
"""


def early(page, base_url, act: str, hash_: str = ""):
    page.add_init_script(EARLY % act)
    open_lesson(page, base_url, hash_)
    page.wait_for_function("() => window.__early !== null")
    got = page.evaluate("window.__early")
    # the action came before the editors below the fold were made
    assert got["before"] == {"worksheet": False, "layers": ""}, got
    return got["got"]


def key(name: str) -> str:
    return (
        f"document.activeElement.dispatchEvent(new KeyboardEvent('keydown', "
        f"{{ key: {json.dumps(name)}, bubbles: true, cancelable: true }}))"
    )


def test_keys_pressed_as_the_picture_appears_step_and_switch(make_page, base_url):
    page = make_page(1366, 768)
    early(page, base_url, f"() => {{ {key('ArrowRight')}; {key(' ')}; }}")
    page.wait_for_selector("html[data-cursor='2']")  # → then Space: two steps
    page.evaluate(f"() => {{ {key('ArrowLeft')}; }}")
    page.wait_for_selector("html[data-cursor='1']")
    # the editors were made by the first key, and show the lesson
    layers = page.evaluate(
        "JSON.parse(document.getElementById('presets-data').textContent)"
        ".find((p) => p.id === 'tutorial').scenario.layers.join(', ')"
    )
    assert page.input_value("#arch-layers") == layers
    assert page.locator("#panel-worksheet").count() == 1


def test_projector_key_as_the_picture_appears(make_page, base_url):
    page = make_page(1920, 1080)
    early(page, base_url, f"() => {{ {key('m')}; }}")
    page.wait_for_function("() => document.documentElement.classList.contains('projector')")
    assert page.get_attribute("#projector-toggle", "aria-pressed") == "true"
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("html[data-cursor='1']")


def test_the_network_editor_focused_as_the_picture_appears_is_filled(make_page, base_url):
    """Tab into the Network panel before it is made: the focus makes it, filled with the lesson,
    before the field is shown focused; then it applies a new network as usual."""
    page = make_page(1366, 768)
    got = early(
        page,
        base_url,
        "() => { const f = document.getElementById('arch-layers'); f.focus(); return f.value; }",
    )
    layers = page.evaluate(
        "JSON.parse(document.getElementById('presets-data').textContent)"
        ".find((p) => p.id === 'tutorial').scenario.layers.join(', ')"
    )
    assert got == layers
    assert page.locator('#graph .node[data-id="z1_2"]').count() == 0
    page.fill("#arch-layers", "2, 3, 1")
    page.click("#arch-apply")
    page.wait_for_selector('#graph .node[data-id="z1_2"]')  # a third hidden neuron, drawn


def test_the_worksheet_clicked_as_the_picture_appears_opens(make_page, base_url):
    """A click anywhere before the worksheet is made makes it; it is there to open at once, and
    opened, it asks the API and shows the lesson's cells."""
    page = make_page(1366, 768)
    made = early(
        page,
        base_url,
        "() => { document.body.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }));"
        " return Boolean(document.getElementById('panel-worksheet')); }",
    )
    assert made
    page.locator("#panel-worksheet .panel-toggle").click()
    assert page.get_attribute("#panel-worksheet .panel-toggle", "aria-expanded") == "true"
    page.wait_for_function(
        "() => document.querySelectorAll('#panel-worksheet-body input').length > 0", timeout=10_000
    )


def test_the_editors_are_made_after_the_picture_without_input(make_page, base_url):
    """No one acts: the editors are made once the picture is shown, filled with the lesson."""
    page = make_page(1366, 768)
    open_lesson(page, base_url)
    page.wait_for_function("() => document.getElementById('arch-layers').value !== ''")
    page.wait_for_selector("#panel-worksheet", state="attached")
    page.wait_for_selector("#panel-expression", state="attached")
    assert page.locator("#panel-expression").is_hidden()  # a network lesson: its editor hidden
    assert page.locator("#panel-export-code").is_visible()


def test_an_expression_lesson_shows_its_editor(make_page, base_url):
    page = make_page(1366, 768)
    page.goto(f"{base_url}/#preset=expr:sum-times-sum")
    page.wait_for_selector("html[data-ready=true]", timeout=10_000)
    page.wait_for_selector("#panel-expression", state="visible")
    assert page.locator("#architecture").is_hidden()
