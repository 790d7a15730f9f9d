"""The toolbar as a class meets it, from a 1024 × 768 projector to 1920 × 1080: the preset menu
shows the whole name chosen (a teacher reads it from the back of the room), the toolbar stays
one row so the explanation's head (the phase, the step count) is on the first screen, and a
control the row has no room for is in the More menu, reached by the keyboard, and works there."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.pageview import open_lesson, wait_cursor
from tests.browser.test_widths import controls_clear

pytestmark = pytest.mark.browser

# The preset menu's width, and the width a menu with the same type, padding and border needs to
# show the name chosen whole: a menu holding that name alone, sized by the browser as it sizes
# any menu (to its widest name, in whole px: 1 px is rounding). None while the menu is not shown
# (projector mode hides it).
NAME_ROOM = """() => {
  const s = document.getElementById('preset-select');
  if (!s.getClientRects().length) return null;
  const probe = document.createElement('select');
  probe.style.cssText = 'position: absolute; visibility: hidden; width: auto; min-width: 0; max-width: none';
  const name = s.options[s.selectedIndex].text;
  probe.append(new Option(name));
  s.parentElement.append(probe);  // inside the same field: the same type, padding and border
  const need = probe.getBoundingClientRect().width;
  probe.remove();
  return { name, need, has: s.getBoundingClientRect().width };
}"""

# The boxes a viewer must see on the first screen, page px.
HEAD = """() => Object.fromEntries(['explain-title', 'step-count'].map((id) => {
  const r = document.getElementById(id).getBoundingClientRect();
  return [id, { left: r.left, right: r.right, top: r.top, bottom: r.bottom }];
}))"""


def one_row_inside(page) -> dict:
    """The toolbar's facts, once checked: one row, inside the page, over nothing, under nothing."""
    facts = controls_clear(page)
    rows = {round(c["top"]) for c in facts["controls"]}
    assert len(rows) == 1, f"the toolbar takes {len(rows)} rows: {facts['controls']}"
    return facts


def longest_expression(base_url: str) -> str:
    presets = httpx.get(f"{base_url}/api/expressions/presets").json()
    return "expr:" + max(presets, key=lambda p: len(p["title"]))["id"]


@pytest.mark.parametrize(
    "width, height", [(1920, 1080), (1366, 768), (1280, 800), (1200, 800), (1024, 768)]
)
def test_the_preset_menu_shows_the_whole_name_in_a_one_row_toolbar(
    make_page, base_url, width, height
):
    page = make_page(width, height, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial")
    page.wait_for_function("() => document.documentElement.dataset.later === 'made'")
    for preset in ["tutorial", "xor", "softmax", "deep", longest_expression(base_url)]:
        if page.input_value("#preset-select") != preset:
            page.select_option("#preset-select", preset)
            wait_cursor(page, 0)
            page.wait_for_function(
                "(p) => location.hash.includes(encodeURIComponent(p))", arg=preset
            )
        room = page.evaluate(NAME_ROOM)
        assert room["has"] > room["need"] - 1, f"{room['name']!r} is cut at {width} px: {room}"
        one_row_inside(page)
    # projector mode (M) hides the editing controls, the preset menu among them
    page.keyboard.press("m")
    page.wait_for_function("() => document.documentElement.classList.contains('projector')")
    assert page.evaluate(NAME_ROOM) is None
    one_row_inside(page)


@pytest.mark.parametrize("width, height", [(1200, 800), (1024, 768)])
def test_the_explanations_head_is_on_the_first_screen(make_page, base_url, width, height):
    page = make_page(width, height, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial&k=3")
    wait_cursor(page, 3)
    one_row_inside(page)
    assert page.evaluate("scrollY") == 0
    for name, box in page.evaluate(HEAD).items():
        assert 0 <= box["top"] and box["bottom"] <= height, f"#{name} is below the fold: {box}"
        assert 0 <= box["left"] and box["right"] <= width, f"#{name} is cut: {box}"


def test_a_control_with_no_room_is_in_the_more_menu_and_works_from_the_keyboard(
    make_page, base_url
):
    page = make_page(1024, 768, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=xor&k=2")
    wait_cursor(page, 2)
    one_row_inside(page)
    folded = page.evaluate(
        "() => [...document.querySelectorAll('#more-menu > *')].map((e) => e.id)"
    )
    assert "copy-link" in folded and "docs-link" in folded, folded
    # every control keeps a name a person sees (its text) or hears (aria-label)
    names = page.evaluate(
        """() => [...document.querySelectorAll('.toolbar button, .toolbar a, .toolbar select')]
          .map((e) => [e.id, (e.getAttribute('aria-label') || e.labels?.[0]?.textContent || e.textContent).trim()])"""
    )
    assert all(name for _, name in names), names
    # the keyboard: Tab to More, Enter opens its menu, Tab reaches each control in it
    page.focus("#preset-select")
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.id"))
        if seen[-1] == "more-toggle":
            break
    assert seen[-1] == "more-toggle", seen
    page.keyboard.press("Enter")
    assert page.get_attribute("#more-toggle", "aria-expanded") == "true"
    reached = []
    for _ in folded:
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id"))
    assert reached == folded
    for id_ in folded:
        assert page.is_visible(f"#{id_}")
    page.keyboard.press("Escape")  # closed; the focus back on More, the lesson where it was
    assert page.is_hidden("#more-menu")
    assert page.evaluate("document.activeElement.id") == "more-toggle"
    assert page.get_attribute("html", "data-cursor") == "2"
    # a control used from the menu does what it does in the row
    page.click("#more-toggle")
    page.click("#copy-link")
    page.wait_for_function("() => /link/i.test(document.getElementById('toast').textContent)")
    assert "preset=xor" in page.text_content("#toast") or "copied" in page.text_content("#toast")
    assert page.is_hidden("#more-menu")
    page.keyboard.press("PageDown")  # and the clicker steps on
    wait_cursor(page, 3)


# Every frame from now on: how many rows the toolbar's shown controls took in it (read in the
# frame's animation callback, after the tasks before it changed the page).
ROWS_EACH_FRAME = """() => {
  window.__rows = [];
  const count = () => {
    const tops = new Set([...document.querySelector('.toolbar').children]
      .filter((c) => c.getClientRects().length)
      .map((c) => Math.round(c.getBoundingClientRect().top)));
    window.__rows.push(tops.size);
    requestAnimationFrame(count);
  };
  requestAnimationFrame(count);
}"""


def test_no_frame_shows_the_row_wrapped_when_a_name_or_label_grows(make_page, base_url):
    """A longer preset name, or Go live's code and count, is fitted before the frame that would
    show it: no frame of two rows (the page below would jump down and back). And L, Go live's
    key, leaves the focus where the lesson's keys work."""
    page = make_page(1024, 768, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial&k=1")
    wait_cursor(page, 1)
    page.evaluate(ROWS_EACH_FRAME)
    page.select_option("#preset-select", longest_expression(base_url))
    page.wait_for_function("() => document.documentElement.dataset.cursor === '0'")
    page.wait_for_timeout(600)
    one_row_inside(page)
    page.locator("#stage").focus()
    page.keyboard.press("l")  # Go live: the button becomes "● Live CODE"
    page.wait_for_function("() => /Live/.test(document.getElementById('live-toggle').textContent)")
    page.keyboard.press("Escape")  # the live panel hidden; the class stays live
    page.wait_for_timeout(600)
    rows = page.evaluate("window.__rows")
    assert len(rows) > 20 and max(rows) == 1, rows
    assert page.evaluate("document.activeElement.id") != "more-toggle"
    page.keyboard.press("PageDown")
    wait_cursor(page, 1)
