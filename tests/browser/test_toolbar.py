"""The toolbar as a class meets it, from a 1024 × 768 projector to 1920 × 1080: the preset menu
shows the whole name chosen (a teacher reads it from the back of the room), the toolbar stays
one row so the explanation's head (the phase, the step count) is on the first screen, and a
control the row has no room for is in the More menu, reached by the keyboard, and works there."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.browser.pageview import open_lesson, wait_cursor
from tests.browser.test_widths import FACTS, clear_facts, controls_clear, sized

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
    return one_row(controls_clear(page))


def one_row(facts: dict) -> dict:
    """one_row_inside's verdict on FACTS read (test_widths.py)."""
    facts = clear_facts(facts)
    rows = {round(c["top"]) for c in facts["controls"]}
    assert len(rows) == 1, f"the toolbar takes {len(rows)} rows: {facts['controls']}"
    return facts


# The preset `p` picked in its menu as select_option picks it (the option chosen, then input and
# change), and waited for until the page shows that lesson: its first step drawn (step 0), nothing
# pending or moving; then READING read. html[data-cursor] is written as a step is drawn (main.js
# settle) and read by nothing but tests: taken away before the pick, it is back once the picked
# lesson's step 0 is drawn (the lesson before was at step 0 too). The lesson's link is not waited
# for: it is written once no change came for 300 ms (url-state.js), which the row does not read.
# Inside the page: one round trip a preset, not seven.
PICK_AND_READ = """async (p) => {
  const s = document.getElementById('preset-select');
  const root = document.documentElement;
  if (s.value !== p) {
    s.value = p;
    if (s.value !== p) throw new Error(`no ${p} in the preset menu`);
    delete root.dataset.cursor;
    s.dispatchEvent(new Event('input', { bubbles: true }));
    s.dispatchEvent(new Event('change', { bubbles: true }));
    const t0 = performance.now();
    while (root.dataset.cursor !== '0'
      || document.querySelector('#graph .pending, #graph .pulse, #graph .morphing')) {
      if (performance.now() - t0 > 10000) throw new Error(`${p} not shown in 10 s`);
      await new Promise((r) => requestAnimationFrame(r));
    }
  }
  return (READING)();
}"""


def pick_and_read(page, preset: str, reading: str):
    """`reading`'s result once `preset` is picked in the menu and shown (PICK_AND_READ)."""
    return page.evaluate(PICK_AND_READ.replace("READING", reading, 1), preset)


def longest_expression(base_url: str) -> str:
    presets = httpx.get(f"{base_url}/api/expressions/presets").json()
    return "expr:" + max(presets, key=lambda p: len(p["title"]))["id"]


@pytest.mark.parametrize(
    "width, height", [(1920, 1080), (1366, 768), (1280, 800), (1200, 800), (1024, 768)]
)
def test_the_preset_menu_shows_the_whole_name_in_a_one_row_toolbar(
    shared_page, base_url, width, height
):
    page = sized(shared_page, width, height, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial")
    page.wait_for_function("() => document.documentElement.dataset.later === 'made'")
    both = f"() => ({{ room: ({NAME_ROOM})(), facts: ({FACTS})() }})"
    for preset in ["tutorial", "xor", "softmax", "deep", longest_expression(base_url)]:
        read = pick_and_read(page, preset, both)
        room = read["room"]
        assert room["has"] > room["need"] - 1, f"{room['name']!r} is cut at {width} px: {room}"
        one_row(read["facts"])
    # projector mode (M) hides the editing controls, the preset menu among them
    page.keyboard.press("m")
    page.wait_for_function("() => document.documentElement.classList.contains('projector')")
    assert page.evaluate(NAME_ROOM) is None
    one_row_inside(page)


@pytest.mark.parametrize("width, height", [(1200, 800), (1024, 768)])
def test_the_explanations_head_is_on_the_first_screen(shared_page, base_url, width, height):
    page = sized(shared_page, width, height, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial&k=3")
    wait_cursor(page, 3)
    one_row_inside(page)
    assert page.evaluate("scrollY") == 0
    for name, box in page.evaluate(HEAD).items():
        assert 0 <= box["top"] and box["bottom"] <= height, f"#{name} is below the fold: {box}"
        assert 0 <= box["left"] and box["right"] <= width, f"#{name} is cut: {box}"


def test_a_control_with_no_room_is_in_the_more_menu_and_works_from_the_keyboard(
    shared_page, base_url
):
    page = sized(shared_page, 1024, 768, reduced_motion="reduce")
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


def test_no_frame_shows_the_row_wrapped_when_a_name_or_label_grows(shared_page, base_url):
    """A longer preset name, or Go live's code and count, is fitted before the frame that would
    show it: no frame of two rows (the page below would jump down and back). And L, Go live's
    key, leaves the focus where the lesson's keys work."""
    page = sized(shared_page, 1024, 768, reduced_motion="reduce")
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


# Where the focus is, as a person sees it: the focused control's id and whether it is shown
# (<body> is nobody's place: a keyboard user has lost their place on the page).
FOCUS = """() => {
  const a = document.activeElement;
  const onBody = !a || a === document.body || a === document.documentElement;
  return { id: onBody ? 'BODY' : a.id, shown: !onBody && a.checkVisibility() };
}"""
# two frames on: projector mode's redraw (its next frame) is done
FRAMES = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


def focus_shown_on(page, expected: str) -> None:
    page.evaluate(FRAMES)
    assert page.evaluate(FOCUS) == {"id": expected, "shown": True}


def take_focus(page, how: str) -> None:
    """The focus on a control as a person puts it there. `how`: "more:ID", ID clicked in More's
    menu (the focus then waits on More); "keys:ID", Tab from the preset menu (the row's first
    control) to ID, Enter opening More on the way if ID is in its menu; "node", a node of the
    graph that takes the focus."""
    kind, _, control = how.partition(":")
    if kind == "more":
        page.click("#more-toggle")
        page.click(f"#{control}")
        return
    if kind == "node":
        page.focus("#graph .editable")
        return
    page.focus("#preset-select")
    for _ in range(25):
        now = page.evaluate("document.activeElement.id")
        if now == control:
            return
        folded = page.locator(f"#more-menu #{control}").count()
        if now == "more-toggle" and folded and page.is_hidden("#more-menu"):
            page.keyboard.press("Enter")
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{control}")


@pytest.mark.parametrize(
    "width, how, key, expected",
    [
        # a control used from More leaves the focus on More; M's larger type hides More (all fit)
        (1024, "more:theme-toggle", "m", "projector-toggle"),
        (1024, "more:copy-link", "m", "projector-toggle"),
        # the editing controls go in projector mode: the control of the change has the focus
        (1024, "keys:preset-select", "m", "projector-toggle"),
        (1366, "keys:export-svg", "m", "projector-toggle"),
        # a control in More's open menu comes back into the row with its focus
        (1024, "keys:theme-toggle", "m", "theme-toggle"),
        # the graph's node under the matrix view: V's button is in More at 1024 px
        (1024, "node", "v", "more-toggle"),
        (1366, "node", "v", "view-toggle"),
    ],
)
def test_a_control_hidden_or_moved_by_the_page_hands_its_focus_on(
    shared_page, base_url, width, how, key, expected
):
    """The page hides or moves the focused control (projector mode, the matrix view, the row
    refitted): the focus goes to the control where it is now, else More, else the control of the
    change, never <body>. The lesson's keys work on: PageDown steps, and so does Space (the
    person did not choose the control the focus went to)."""
    page = sized(shared_page, width, 768, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=xor&k=2")
    wait_cursor(page, 2)
    take_focus(page, how)
    page.keyboard.press(key)
    focus_shown_on(page, expected)
    page.keyboard.press("PageDown")
    wait_cursor(page, 3)
    page.keyboard.press("Space" if expected != "theme-toggle" else "ArrowRight")
    wait_cursor(page, 4)
    assert page.evaluate(FOCUS)["shown"]


def test_a_browser_without_check_visibility_hands_the_focus_on(make_page, base_url):
    """An older Safari (before 17.4) has no Element.checkVisibility: M with a control focused in
    More's open menu brings it back into the row with its focus, with no error, and the lesson
    steps on."""
    page = make_page(1024, 768, reduced_motion="reduce")
    page.context.add_init_script("delete Element.prototype.checkVisibility")
    open_lesson(page, base_url, "#preset=xor&k=2")
    wait_cursor(page, 2)
    assert page.evaluate("typeof document.body.checkVisibility") == "undefined"
    take_focus(page, "keys:theme-toggle")
    page.keyboard.press("m")
    page.evaluate(FRAMES)
    focus = "() => [document.activeElement.id, document.activeElement.getClientRects().length > 0]"
    assert page.evaluate(focus) == ["theme-toggle", True]
    page.keyboard.press("PageDown")
    wait_cursor(page, 3)


# the first control in More's menu that is not a link (a link leaves the lesson: Enter there
# would drop it)
FIRST_BUTTON_FOLDED = (
    "() => [...document.querySelectorAll('#more-menu > *')].find((e) => !e.matches('a[href]')).id"
)


@pytest.mark.parametrize("how", ["folded", "used", "tabbed"])
def test_the_row_refitted_keeps_the_focus_in_sight(shared_page, base_url, how):
    """The focus on More, which goes when the window widens: it goes back to the control whose
    place More held (Dark, folded with the focus as the window narrowed, or used from the menu),
    else to the first button that came out of the menu; never to a link that leaves the lesson
    ("Training & labs"), and the lesson steps on."""
    page = sized(shared_page, 1366 if how == "folded" else 1024, 768, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=xor&k=2")
    wait_cursor(page, 2)
    expected = "theme-toggle"
    if how == "folded":
        page.focus("#theme-toggle")
        page.set_viewport_size({"width": 1024, "height": 768})
        page.wait_for_function("() => document.querySelector('#more-menu #theme-toggle')")
    elif how == "used":
        take_focus(page, "more:theme-toggle")
    else:
        page.focus("#more-toggle")
        expected = page.evaluate(FIRST_BUTTON_FOLDED)
        assert page.evaluate(f"document.getElementById('{expected}').tagName") == "BUTTON"
    focus_shown_on(page, "more-toggle")
    assert page.get_attribute("#more-toggle", "aria-expanded") == "false"
    page.set_viewport_size({"width": 2200, "height": 900})
    page.wait_for_function("() => document.getElementById('toolbar-more').hidden")
    focus_shown_on(page, expected)
    page.keyboard.press("PageDown")
    wait_cursor(page, 3)


# The open menu's box, and the viewport's: the menu shows whole (nothing of it off the screen).
MENU_BOX = """() => {
  const r = document.getElementById('more-menu').getBoundingClientRect();
  return { left: r.left, right: r.right, bottom: r.bottom, W: innerWidth, H: innerHeight };
}"""


@pytest.mark.parametrize(
    "width, height, preset",
    [
        (768, 1024, "tutorial"),  # a tablet held upright
        (768, 1024, "xor"),
        (700, 900, "softmax"),
        (640, 900, "xor"),
        (620, 900, "deep"),
        (601, 900, "tutorial"),  # the narrowest before the phone's layout (phone.css)
    ],
)
def test_one_row_down_to_a_small_tablet(shared_page, base_url, width, height, preset):
    """From a tablet held upright down to the phone's layout, the toolbar is one row beside the
    title (its least-used controls in More, the preset's name whole, help in the row), and More's
    menu works from the keyboard: Space or Enter opens it, Tab walks it, Escape closes it and
    gives the focus back to More; the lesson steps on."""
    page = sized(shared_page, width, height, reduced_motion="reduce")
    open_lesson(page, base_url, f"#preset={preset}&k=1")
    wait_cursor(page, 1)
    page.wait_for_function("() => document.documentElement.dataset.later === 'made'")
    facts = one_row_inside(page)
    shown = [c["name"] for c in facts["controls"]]
    assert {"help-open", "toolbar-more"} <= set(shown), shown
    room = page.evaluate(NAME_ROOM)
    assert room["has"] > room["need"] - 1, f"{room['name']!r} is cut at {width} px: {room}"
    folded = page.evaluate(
        "() => [...document.querySelectorAll('#more-menu > *')].map((e) => e.id)"
    )
    page.focus("#more-toggle")
    page.keyboard.press("Space")
    assert page.get_attribute("#more-toggle", "aria-expanded") == "true"
    box = page.evaluate(MENU_BOX)
    assert 0 <= box["left"] and box["right"] <= box["W"] and box["bottom"] <= box["H"], box
    reached = []
    for _ in folded:
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id"))
    assert reached == folded
    page.keyboard.press("Escape")
    assert page.is_hidden("#more-menu")
    assert page.evaluate("document.activeElement.id") == "more-toggle"
    page.keyboard.press("Enter")
    assert page.get_attribute("#more-toggle", "aria-expanded") == "true"
    page.keyboard.press("Escape")
    page.keyboard.press("PageDown")
    wait_cursor(page, 2)


def every_preset(base_url: str) -> list[str]:
    """The preset menu's entries: the networks, then the expressions."""
    nets = [p["id"] for p in httpx.get(f"{base_url}/api/presets").json()]
    exprs = httpx.get(f"{base_url}/api/expressions/presets").json()
    return nets + ["expr:" + p["id"] for p in exprs]


# The name the preset menu shows (its option's label: the text, unless cut short) and the width a
# menu of the same type, padding and border needs to show that whole (sized by the browser as it
# sizes any menu); the name itself, and the menu's title.
SHOWN_NAME = """() => {
  const s = document.getElementById('preset-select');
  const o = s.options[s.selectedIndex];
  const probe = document.createElement('select');
  probe.style.cssText = 'position: absolute; visibility: hidden; width: auto; min-width: 0; max-width: none';
  probe.append(new Option(o.label));
  s.parentElement.append(probe);
  const need = probe.getBoundingClientRect().width;
  probe.remove();
  return { name: o.text, shown: o.label, title: s.title, need, has: s.getBoundingClientRect().width };
}"""


def apart(controls: list[dict]) -> None:
    """No two of the row's controls overlap (any two, not only neighbours)."""
    for i, a in enumerate(controls):
        for b in controls[i + 1 :]:
            meet = a["left"] < b["right"] - 0.5 and b["left"] < a["right"] - 0.5
            assert not meet, f"{a['name']} and {b['name']} overlap: {a} {b}"


# Where the two export buttons are: the row, or More's menu.
EXPORTS = """() => ['export-svg', 'export-png'].map((id) =>
  document.getElementById(id).parentElement.id || document.getElementById(id).parentElement.className)"""


@pytest.mark.parametrize("width", [601, 700, 800, 1024, 1280])
def test_every_preset_keeps_the_row_one_line_with_its_name_readable(shared_page, base_url, width):
    """Every preset, the longest expression's name among them, from the phone's layout's edge up:
    the toolbar is one row inside the page, no control over another; the menu shows its name whole,
    or cut short with an ellipsis that the menu shows whole, the whole name in its title; SVG and
    PNG both in the row or both in More (test_the_two_exports_are_folded_together walks the
    widths between). From 1024 px (a projector before M is pressed) Projector stays in the row."""
    page = sized(shared_page, width, 800, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial")
    page.wait_for_function("() => document.documentElement.dataset.later === 'made'")
    page.wait_for_function("() => document.querySelectorAll('#preset-select option').length > 8")
    all3 = f"() => ({{ facts: ({FACTS})(), name: ({SHOWN_NAME})(), exports: ({EXPORTS})() }})"
    for preset in every_preset(base_url):
        read = pick_and_read(page, preset, all3)
        where = read["exports"]
        assert where[0] == where[1], f"{preset} at {width} px: SVG in {where[0]}, PNG in {where[1]}"
        facts = one_row(read["facts"])
        apart(facts["controls"])
        name = read["name"]
        assert name["has"] > name["need"] - 1, f"{name['shown']!r} is clipped at {width} px: {name}"
        if name["shown"] != name["name"]:
            cut = name["shown"]
            assert cut.endswith("…") and name["name"].startswith(cut[:-1].rstrip()), name
            assert len(cut) >= 12 and name["title"] == name["name"], name
        if width >= 1024:
            shown = [c["name"] for c in facts["controls"]]
            assert "projector-toggle" in shown, f"{preset}: {shown}"


def test_the_two_exports_are_folded_together(shared_page, base_url):
    """SVG and PNG are one group to a person: at every width from the phone's layout's edge to a
    laptop's, both are in the row or both in More's menu, never one in each. (The row folds them
    as one step of FOLD whatever the name beside them: another preset's name moves the width
    where they go, 980 px for deep's against the tutorial's 900, which every preset's test reads
    at its five widths; each width here redraws the graph, deep's 3.6x the tutorial's work.)"""
    page = sized(shared_page, 1400, 800, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial")
    page.wait_for_function("() => document.documentElement.dataset.later === 'made'")
    for width in [*range(1400, 600, -20), 601]:
        page.set_viewport_size({"width": width, "height": 800})
        where = page.evaluate(f"async () => {{ await ({FRAMES})(); return ({EXPORTS})(); }}")
        assert where[0] == where[1], f"at {width} px SVG is in {where[0]}, PNG in {where[1]}"


# The word "Preset" as the eye and the ear meet it: its classes, its box, and every stylesheet
# rule that matches it and clips it (a rule inside a media query counted whether it applies or
# not: the rule for hiding a word for the ear only has one home, base.css's .visually-hidden).
PRESET_WORD = """() => {
  const word = document.querySelector('label[for=preset-select] > span');
  const r = word.getBoundingClientRect();
  const clippers = [];
  const walk = (rules) => {
    for (const rule of rules) {
      if (rule.cssRules) walk(rule.cssRules);
      if (!rule.selectorText || !(rule.style.clipPath || rule.style.clip)) continue;
      if (word.matches(rule.selectorText)) clippers.push(rule.selectorText);
    }
  };
  for (const sheet of document.styleSheets) walk(sheet.cssRules);
  return { text: word.textContent, classes: [...word.classList], w: r.width, h: r.height,
           toolbar: document.querySelector('.toolbar').className, clippers };
}"""


def accessible_name(page, role: str) -> list[str]:
    """The names Chromium's accessibility tree gives the nodes of `role` (what a screen reader
    reads), from the tree itself rather than the DOM."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    return [
        n.get("name", {}).get("value", "")
        for n in nodes
        if n.get("role", {}).get("value") == role and not n.get("ignored")
    ]


@pytest.mark.parametrize(
    "width, preset, wordless",
    [
        (1366, "tutorial", False),  # room for the word: shown
        (700, "tutorial", None),  # 601–800 px: the word for the ear only, folded there or not
        (900, "longest", True),  # wider, the longest name: folded to the ear (is-wordless)
        (620, "longest", True),  # and the name cut short as well (is-short)
    ],
)
def test_the_word_preset_is_hidden_by_the_pages_one_rule_and_still_read(
    shared_page, base_url, width, preset, wordless
):
    """The word "Preset" beside the menu: shown where the row has room for it, else hidden from
    the eye by the page's one rule for that (.visually-hidden), at 601–800 px and where the row
    folds it alike; a screen reader still reads the menu as "Preset"."""
    page = sized(shared_page, width, 800, reduced_motion="reduce")
    name = longest_expression(base_url) if preset == "longest" else preset
    open_lesson(page, base_url, f"#preset={name}")
    page.wait_for_function("() => document.documentElement.dataset.later === 'made'")
    one_row_inside(page)
    word = page.evaluate(PRESET_WORD)
    if wordless is not None:
        assert ("is-wordless" in word["toolbar"]) == wordless, word
    hidden = width <= 800 or bool(wordless)
    if hidden:
        assert word["classes"] == ["visually-hidden"], word
        assert word["w"] <= 1 and word["h"] <= 1, word
    else:
        assert word["classes"] == [] and word["w"] > 20, word
    assert word["clippers"] == ([".visually-hidden"] if hidden else []), word
    names = accessible_name(page, "combobox")
    assert any(n.startswith("Preset") for n in names), names


# From the first frame the page paints, the toolbar as each frame paints it: its classes (the word
# "Preset" or the name given way), what More holds, the name the menu shows and each shown
# control's box, px. Read once the frame is laid out, after all its animation callbacks (a new
# ResizeObserver's first answer comes then, just before the paint); kept when it differs from the
# frame before (window.__folds), with the number of frames read (window.__painted).
FOLD_EACH_FRAME = """(() => {
  const folds = (window.__folds = []);
  window.__painted = 0;
  const read = () => {
    const bar = document.querySelector('.toolbar');
    const select = document.getElementById('preset-select');
    if (!bar || !select) return; // the page's body is not there yet: nothing painted of it
    window.__painted += 1;
    const option = select.options[select.selectedIndex];
    const fold = JSON.stringify({
      toolbar: bar.className,
      more: [...document.querySelectorAll('#more-menu > *')].map((e) => e.id),
      name: option ? option.label : null,
      shown: [...bar.children].filter((c) => c.getClientRects().length).map((c) => {
        const r = c.getBoundingClientRect();
        return [c.id || c.className, ...[r.left, r.top, r.width, r.height].map(Math.round)];
      }),
    });
    if (folds.at(-1) !== fold) folds.push(fold);
  };
  const frame = () => {
    new ResizeObserver((_, seen) => {
      seen.disconnect();
      read();
    }).observe(document.documentElement);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})()"""


@pytest.mark.parametrize(
    "width, preset", [(620, "longest"), (900, "longest"), (620, "xor"), (900, "softmax")]
)
def test_the_first_painted_fold_is_the_last(make_page, base_url, width, preset):
    """Opened from a link to a lesson the page does not carry (another preset than the tutorial:
    its graph is asked of the API), the toolbar's first painted frame is already its last fold: the
    menu shows the name chosen, the row is one line, and no frame after (the graph drawn, the parts
    made after it, a second more) folds or unfolds it: the row never jumps under the teacher's eye
    as the lesson opens."""
    page = make_page(width, 800, reduced_motion="reduce")
    page.add_init_script(FOLD_EACH_FRAME)
    # the lesson's graph a moment late, as on a slow network: frames are painted before it comes
    page.route("**/api/graph", lambda route: (time.sleep(0.3), route.continue_()))
    name = longest_expression(base_url) if preset == "longest" else preset
    open_lesson(page, base_url, f"#preset={name}")
    page.wait_for_function("() => document.documentElement.dataset.later === 'made'")
    page.wait_for_function("() => document.getElementById('preset-select').selectedIndex > 0")
    page.wait_for_timeout(1000)  # a second more of frames: a refit asked for late shows in them
    folds, painted = page.evaluate("[window.__folds, window.__painted]")
    first = json.loads(folds[0])
    assert painted > 10 and first["name"], (painted, first)
    assert len({top for _, _, top, _, _ in first["shown"]}) == 1, f"two rows first: {first}"
    assert len(folds) == 1, "the toolbar changed after its first frame:\n" + "\n".join(folds)


# The browser's own counts of layouts and style recalculations so far (CDP Performance).
def layout_counts(cdp) -> dict:
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {k: metrics[k] for k in ("LayoutCount", "RecalcStyleCount")}


# N refits in a row that change nothing, as the page meets them: Go live's label written again
# with the same words (a live session's count, written each second), and resize events with the
# window's size unchanged. Each answered before the next (a mutation's answer is a microtask).
SAME_AGAIN = """async (n) => {
  const live = document.getElementById('live-toggle');
  for (let i = 0; i < n; i += 1) {
    live.textContent = live.textContent;
    await Promise.resolve();
  }
  for (let i = 0; i < n; i += 1) dispatchEvent(new Event('resize'));
}"""


@pytest.mark.parametrize(
    "width, preset",
    [(700, "tutorial"), (620, "longest"), (1024, "longest")],
)
def test_a_refit_that_changes_nothing_measures_nothing(shared_page, base_url, width, preset):
    """While a class is live its count label is written every second, and the row is fitted again
    each time: where nothing changed width, that fit lays the page out at most once (the label's
    new text, which the next frame lays out anyway), not once per control folded and per letter
    of the name tried (a dozen or more each second on the presenter's machine). A label that does
    grow is still fitted: the row stays one line."""
    page = sized(shared_page, width, 800, reduced_motion="reduce")
    name = longest_expression(base_url) if preset == "longest" else preset
    open_lesson(page, base_url, f"#preset={name}&k=1")
    wait_cursor(page, 1)
    page.wait_for_function("() => document.documentElement.dataset.later === 'made'")
    page.locator("#stage").focus()
    page.keyboard.press("l")  # Go live: "● Live CODE", kept in the row
    page.wait_for_function("() => /· \\d/.test(document.getElementById('live-toggle').textContent)")
    page.keyboard.press("Escape")  # the live panel hidden; the class stays live
    page.evaluate(FRAMES)
    before = page.evaluate(PRESET_WORD)["toolbar"], page.evaluate(NAME_ROOM)
    n = 20
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("Performance.enable")
        start = layout_counts(cdp)
        page.evaluate(SAME_AGAIN, n)
        end = layout_counts(cdp)
    finally:
        cdp.detach()
    layouts = end["LayoutCount"] - start["LayoutCount"]
    # n label refits (one layout each at most) and n resize refits (nothing to lay out); a frame
    # or the count's own tick between the two reads may add one or two
    assert layouts <= n + 2, f"{layouts} layouts for {2 * n} refits that changed nothing"
    assert (page.evaluate(PRESET_WORD)["toolbar"], page.evaluate(NAME_ROOM)) == before
    one_row_inside(page)
    # a label that grows is fitted still. The page rewrites the count label itself (the tally's
    # answer): the grown label is read two frames after it was written, and written again if the
    # page's own text replaced it meanwhile (once failed under load 28 without this)
    room = page.evaluate(
        """async () => {
          const nameRoom = NAME_ROOM;
          const b = document.getElementById('live-toggle');
          const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
          for (let i = 0; i < 5; i++) {
            const grown = b.textContent.replace(/(0000)?$/, '0000');
            b.textContent = grown;
            await frames();
            if (b.textContent === grown) return nameRoom();
          }
          return 'the label was rewritten every time';
        }""".replace("NAME_ROOM", NAME_ROOM)
    )
    assert room != "the label was rewritten every time"
    one_row_inside(page)
    if "is-short" in before[0]:  # the name gives way to it
        assert room["has"] < before[1]["has"]
