"""A live class in one browser: a presenter and followers in separate contexts. Followers show
the presenter's step and numbers, step on their own and come back, and answer a prediction that
the presenter's histogram counts."""

from __future__ import annotations

import pytest

from tests.browser.pageview import open_lesson, wait_cursor
from tests.browser.test_page import run_axe
from tests.browser.test_toolbar import FRAMES, longest_expression, one_row_inside

pytestmark = pytest.mark.browser

SHOWN = "() => [document.documentElement.dataset.cursor, document.querySelector('#eq-result').textContent]"


def go_live(page) -> dict:
    page.keyboard.press("l")
    page.wait_for_selector("#live-panel:not([hidden])")
    page.wait_for_function("() => document.querySelector('.live-qr').naturalWidth > 0")
    return page.evaluate("() => JSON.parse(localStorage.getItem('backstep.live.presenter'))")


def follow(make_page, url: str):
    page = make_page(1366, 768, bypass_csp=True)  # axe is an inline script
    page.goto(url)
    page.wait_for_selector("html[data-ready=true]", timeout=10_000)
    page.wait_for_function(
        "() => document.querySelector('.live-status').textContent.startsWith('Following')"
    )
    return page


def same_as(follower, presenter, k: int) -> None:
    wait_cursor(follower, k)
    follower.wait_for_function(
        f"() => ({SHOWN})()[1] === {presenter.evaluate(SHOWN)[1]!r}", timeout=10_000
    )


def test_followers_follow_detach_come_back_and_predict(shared_page, base_url, axe_path):
    presenter = shared_page(1920, 1080, bypass_csp=True)  # axe is an inline script
    open_lesson(presenter, base_url, "#preset=tutorial&k=0")
    session = go_live(presenter)
    assert session["join_url"].endswith(f"/join/{session['code']}")
    assert presenter.locator(".live-code").text_content().replace(" ", "") == session["code"]
    followers = [follow(shared_page, session["join_url"]) for _ in range(3)]
    presenter.wait_for_function(
        "() => document.querySelector('.live-count').textContent === '3 following'"
    )
    assert run_axe(presenter, axe_path) == []
    presenter.keyboard.press("Escape")  # the panel hides; the class stays live
    assert presenter.locator("#live-panel").is_hidden()

    # five presses, one by one: every follower shows the same step and numbers each time
    for k in range(1, 6):
        presenter.keyboard.press("PageDown")
        wait_cursor(presenter, k)
        for f in followers:
            same_as(f, presenter, k)
    # five more, as fast as a clicker sends them: they end on the presenter's step
    for _ in range(5):
        presenter.keyboard.press("PageDown")
    wait_cursor(presenter, 10)
    for f in followers:
        same_as(f, presenter, 10)

    # the presenter reloads: the session and its secret were kept in the page's storage
    presenter.reload()
    presenter.wait_for_selector("html[data-ready=true]")
    # read back once the first picture is drawn (live.js): the button names the class's code
    presenter.wait_for_function(
        "code => document.getElementById('live-toggle').textContent.replace(/ /g, '').includes(code)",
        arg=session["code"],
        timeout=5000,
    )
    assert session["presenter_secret"] not in presenter.url
    presenter.keyboard.press("PageUp")
    wait_cursor(presenter, 9)
    for f in followers:
        same_as(f, presenter, 9)
    presenter.keyboard.press("PageDown")
    wait_cursor(presenter, 10)
    for f in followers:
        same_as(f, presenter, 10)

    # a student steps on their own, and comes back
    own = followers[0]
    own.keyboard.press("PageDown")
    wait_cursor(own, 11)
    own.wait_for_function(
        "() => document.querySelector('.live-status').textContent.startsWith('On your own')"
    )
    presenter.keyboard.press("PageUp")
    wait_cursor(presenter, 9)
    for f in followers[1:]:
        same_as(f, presenter, 9)
    assert own.evaluate(SHOWN)[0] == "11"  # detached: it stays where the student went
    assert run_axe(own, axe_path) == []
    own.keyboard.press("b")
    same_as(own, presenter, 9)

    # a prediction round in predict mode (Q): every screen asks, three answers reach the
    # projector's histogram, and the presenter's next press reveals the value everywhere
    presenter.keyboard.press("q")
    presenter.keyboard.press("PageDown")
    wait_cursor(presenter, 10)
    presenter.wait_for_selector("#eq-result .eq-asked")
    for f in followers:
        wait_cursor(f, 10)
        f.wait_for_selector("#eq-result .eq-asked")  # "?" on the follower's screen too
    for f, said in zip(followers, ["-0.05", "-0.04", None], strict=True):
        f.wait_for_selector(".live-ask:not([hidden]) #live-answer")
        if said is None:
            f.click(".live-ask [data-sign='-']")
        else:
            f.fill("#live-answer", said)
            f.keyboard.press("Enter")
        f.wait_for_function(
            "() => document.querySelector('.live-msg').textContent.startsWith('Sent')"
        )
    presenter.wait_for_function(
        "() => document.querySelector('.live-round-text').textContent.startsWith('3 of 3 answered')",
        timeout=10_000,
    )
    assert presenter.locator(".live-hist .bar").count() >= 2
    assert presenter.locator("#live-tally").is_visible()  # the tally came up by itself
    scenario = presenter.request.get(f"{base_url}/api/presets/tutorial").json()["scenario"]
    step = presenter.request.post(
        f"{base_url}/api/step", data={"scenario": scenario, "cursor": 10}
    ).json()
    truth = step["steps"][0]["value"]
    shown = repr(float(f"{truth:.6g}")).replace("-", "−")
    presenter.keyboard.press("PageDown")  # the reveal: the true value among the answers
    presenter.wait_for_selector(".live-hist .hist-truth", state="attached")
    assert presenter.locator(".live-round-text").text_content().endswith(f"the value is {shown}")
    for f, expect in zip(
        followers, ["You said −0.05", "You said −0.04", "You said −"], strict=True
    ):
        f.wait_for_function(
            f"() => document.querySelector('.live-result')?.textContent.startsWith({expect!r})"
        )
        assert f"the value is {shown}" in f.locator(".live-result").text_content()
        f.wait_for_function("() => !document.querySelector('#eq-result .eq-asked')")


def test_the_join_page_takes_a_typed_code(shared_page, base_url):
    page = shared_page(390, 844)
    page.watch.expect_status(404, "/api/live/K7M2QX/join")
    page.watch.expect_status(422, "/join")  # the form again, saying what a code looks like
    page.goto(f"{base_url}/join")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#join-code", "k7m 2qx")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/join/K7M2QX")
    page.wait_for_function(
        "() => document.querySelector('.live-status').textContent.startsWith('No live class')"
    )
    refused = page.goto(f"{base_url}/join?code=OOPS")
    assert refused.status == 422 and page.locator("#join-error").is_visible()
    assert page.locator("#join-code").get_attribute("aria-invalid") == "true"


def test_a_followers_own_theme_survives_the_presenters_next_step(shared_page, base_url):
    """A follower switches its theme (its own, not the class's) again, and the presenter steps at
    once, before the follower's URL says so (url-state.js writes it once changes pause): the step
    is shown there, and the theme stays the follower's last choice."""
    presenter = shared_page(1366, 768)
    open_lesson(presenter, base_url, "#preset=tutorial&k=0")
    session = go_live(presenter)
    presenter.keyboard.press("Escape")
    follower = follow(shared_page, session["join_url"])
    follower.click("#theme-toggle")  # once, and written into its URL
    follower.wait_for_function("() => location.hash.includes('theme=')")
    before = follower.evaluate("document.documentElement.dataset.theme")
    follower.click("#theme-toggle")  # again: the URL still says the first
    presenter.keyboard.press("PageDown")
    wait_cursor(presenter, 1)
    same_as(follower, presenter, 1)
    follower.wait_for_timeout(1000)  # the follower's URL written meanwhile
    theme = follower.evaluate("document.documentElement.dataset.theme")
    assert theme != before and f"theme={theme}" in follower.evaluate("location.hash")


FOCUS = "() => [document.activeElement.id || document.activeElement.tagName, document.activeElement.getClientRects().length > 0]"


def press_in_panel(page, which: str) -> None:
    """Enter on the live panel's first (Hide) or last (End) action, from the keyboard."""
    page.focus(f"#live-panel .live-actions button:{which}")
    page.keyboard.press("Enter")
    if which == "first-child":
        assert page.locator("#live-panel").is_hidden()


def space_steps(page, cursor: int) -> None:
    """Space steps the lesson to `cursor`, and the live panel stays hidden."""
    page.keyboard.press("Space")
    wait_cursor(page, cursor)
    assert page.locator("#live-panel").is_hidden()


def test_hiding_the_live_panel_leaves_space_to_the_lesson(shared_page, base_url):
    """The panel hidden (Esc, Hide, End): a clicker's focus on <body> stays there, so Space steps
    the lesson rather than open the panel again; a focus in the panel goes where the live button
    is now (More when the row has folded it), and Space there steps the lesson too."""
    page = shared_page(1366, 900, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=xor&k=0")
    wait_cursor(page, 0)
    go_live(page)
    page.keyboard.press("Escape")  # a clicker's Esc: the focus was on <body>
    assert page.locator("#live-panel").is_hidden()
    assert page.evaluate(FOCUS) == ["BODY", True]
    space_steps(page, 1)

    # Hide, from the keyboard: the focus goes to the live button in the row
    page.keyboard.press("l")
    press_in_panel(page, "first-child")
    assert page.evaluate(FOCUS) == ["live-toggle", True]
    space_steps(page, 2)

    # narrower, the live button keeps its place in the row (its code is what the class reads):
    # Hide gives it the focus there too
    page.set_viewport_size({"width": 768, "height": 900})
    page.wait_for_function("() => document.querySelector('#more-menu #copy-link')")
    page.keyboard.press("l")
    page.wait_for_selector("#live-panel:not([hidden])")
    press_in_panel(page, "first-child")
    assert page.evaluate(FOCUS) == ["live-toggle", True]
    space_steps(page, 3)
    assert page.is_hidden("#more-menu")

    # End, from the keyboard: the session ends, the focus is in sight, Space steps on
    page.keyboard.press("l")
    press_in_panel(page, "last-child")
    page.wait_for_function("() => document.getElementById('live-toggle').textContent === 'Go live'")
    assert page.evaluate(FOCUS)[1], page.evaluate(FOCUS)
    space_steps(page, 4)


# The live button's place, and whether a person sees it whole in the page.
LIVE_BUTTON = """() => {
  const b = document.getElementById('live-toggle');
  const r = b.getBoundingClientRect();
  return { in: b.parentElement.classList.contains('toolbar') ? 'row' : b.parentElement.id, text: b.textContent,
    seen: b.checkVisibility() && r.left >= 0 && r.right <= innerWidth && r.top >= 0 };
}"""


@pytest.mark.parametrize("preset", ["tutorial", "longest"])
def test_the_join_code_stays_in_the_row_at_every_width(make_page, base_url, preset):
    """Live, the button that reads "● Live CODE" is what the students copy the code from: from a
    laptop down to the phone's layout's edge, and in projector mode, it stays in the toolbar's one
    row (other controls fold into More first; a long preset's name gives way), whole in the page."""
    preset = longest_expression(base_url) if preset == "longest" else preset
    page = make_page(1366, 800, reduced_motion="reduce")
    open_lesson(page, base_url, f"#preset={preset}&k=0")
    session = go_live(page)
    page.keyboard.press("Escape")
    code = session["code"][:3] + " " + session["code"][3:]
    page.wait_for_function("() => document.getElementById('live-toggle').textContent.includes('·')")
    for projector in (False, True):
        if projector:
            page.keyboard.press("m")
            page.wait_for_function("() => document.documentElement.classList.contains('projector')")
        for width in [1366, 1024, 900, 800, 768, 700, 640, 601]:
            page.set_viewport_size({"width": width, "height": 800})
            page.evaluate(FRAMES)
            live = page.evaluate(LIVE_BUTTON)
            assert live["in"] == "row" and live["seen"], f"at {width} px: {live}"
            assert f"Live {code}" in live["text"], live
            one_row_inside(page)
    page.keyboard.press("PageDown")  # the lesson's keys work on
    wait_cursor(page, 1)


def test_a_class_lost_by_the_server_keeps_the_focus_in_sight(make_page, base_url):
    """The server forgets the class (ended from elsewhere, or restarted without it) while the
    focus is on the live panel's End button: the panel goes and the focus goes to the live button,
    which says Go live again, never to <body>; Space there steps the lesson. (Wide: the whole row
    fits, so no refit of the toolbar hands the focus on by chance.)"""
    page = make_page(1920, 1080, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=xor&k=0")
    wait_cursor(page, 0)
    session = go_live(page)
    assert page.is_hidden("#toolbar-more")
    page.watch.expect_status(404, f"/api/live/{session['code']}/tally")
    page.focus("#live-panel .live-actions button:last-child")
    gone = page.request.post(
        f"{base_url}/api/live/{session['code']}/end",
        headers={"X-Presenter-Secret": session["presenter_secret"]},
    )
    assert gone.status == 204
    page.wait_for_selector("#live-panel", state="hidden")
    page.wait_for_function("() => document.getElementById('live-toggle').textContent === 'Go live'")
    assert page.evaluate(FOCUS) == ["live-toggle", True]
    space_steps(page, 1)


BOXES = """() => Object.fromEntries(['#live-tally', '#sentence', '#loss-card', '#timeline', '#eq-result']
  .map((s) => { const r = document.querySelector(s).getBoundingClientRect();
                return [s, [r.left, r.top, r.right, r.bottom]]; }))"""


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def tally_apart(page) -> None:
    """The tally card is on screen and covers none of what the class reads."""
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    boxes = page.evaluate(BOXES)
    tally = boxes.pop("#live-tally")
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    assert tally[2] - tally[0] > 0 and 0 <= tally[1] and tally[3] <= height + 1, tally
    for name, box in boxes.items():
        assert box[2] <= width + 1 and box[3] <= height + 1, (name, box)  # shown, on screen
        assert not overlaps(tally, box), (name, box, tally)


def ask_the_class(make_page, base_url, width: int, height: int, hash_: str):
    """A presenter gone live, one student following, and the class asked for z₁ (Q, PageDown)."""
    presenter = make_page(width, height, reduced_motion="reduce")
    open_lesson(presenter, base_url, hash_)
    session = go_live(presenter)
    presenter.keyboard.press("Escape")
    student = follow(make_page, session["join_url"])
    presenter.keyboard.press("q")
    presenter.keyboard.press("PageDown")
    wait_cursor(presenter, 1)
    presenter.wait_for_function(
        "() => document.querySelector('.live-round-text').textContent.startsWith('0 of 1 answered')",
        timeout=10_000,
    )
    wait_cursor(student, 1)
    student.wait_for_selector("#eq-result .eq-asked")
    student.wait_for_selector(".live-ask:not([hidden]) #live-answer")
    return presenter, student


def answer_and_reveal(presenter, student, said: str) -> None:
    student.fill("#live-answer", said)
    student.keyboard.press("Enter")
    student.wait_for_function(
        "() => document.querySelector('.live-msg').textContent.startsWith('Sent')"
    )
    presenter.wait_for_function(
        "() => document.querySelector('.live-round-text').textContent.startsWith('1 of 1')",
        timeout=10_000,
    )
    presenter.keyboard.press("PageDown")  # the class's reveal: the true value among the answers
    presenter.wait_for_selector(".live-hist .hist-truth, .live-hist .bar-true", state="attached")
    student.wait_for_function("() => !document.querySelector('#eq-result .eq-asked')")


def test_the_tally_sits_apart_from_what_the_class_reads(make_page, base_url):
    """Predict mode in a live class: the presenter's tally covers neither the question's
    sentence, nor the result, the loss card or the timeline, on a 1920×1080 and a 1024×768
    projector, while the question is open and after the reveal; the next question starts its own
    (test_live_tally.py: the graph stays where it was, every preset)."""
    presenter, student = ask_the_class(
        make_page, base_url, 1920, 1080, "#preset=tutorial&projector=1&k=0"
    )
    tally_apart(presenter)
    presenter.set_viewport_size({"width": 1024, "height": 768})
    tally_apart(presenter)
    answer_and_reveal(presenter, student, "0.7")
    tally_apart(presenter)
    presenter.keyboard.press("PageDown")  # the next step's question: its own tally, from none
    presenter.wait_for_function(
        "() => document.querySelector('.live-round-text').textContent.startsWith('0 of 1')"
        " && !document.querySelector('.live-hist .hist-truth, .live-hist .bar-true')",
        timeout=10_000,
    )


def test_a_follower_waits_for_the_class_reveal(make_page, base_url):
    """A follower is told to send a prediction and wait; its own Step (→, or the button) does
    not reveal the class's open question, and says why; the presenter's reveal does."""
    presenter, student = ask_the_class(make_page, base_url, 1366, 768, "#preset=tutorial&k=0")
    sentence = student.inner_text("#sentence")
    assert "Step (→)" not in sentence and "wait" in sentence, sentence
    student.keyboard.press("ArrowRight")
    student.click("#btn-step")
    student.wait_for_function(
        "() => document.querySelector('.live-msg').textContent.includes('reveal')"
    )
    assert student.locator("#eq-result .eq-asked").count() == 1
    assert "0.78" not in student.inner_text("#graph-wrap")
    assert student.inner_text(".live-status").startswith("Following")
    answer_and_reveal(presenter, student, "0.7")
    student.wait_for_function(
        "() => document.querySelector('.live-result')?.textContent.includes('the value is 0.78')"
    )


def test_a_follower_opened_on_an_expression_keeps_the_presenters_lesson(make_page, base_url):
    """A follower's page opened on a link whose lesson is fetched first (an expression preset,
    as a student's reloaded page may be) is handed the presenter's lesson while that fetch is on
    its way: once the older lesson arrives, it is not loaded over the presenter's."""
    presenter = make_page(1366, 768)
    open_lesson(presenter, base_url, "#preset=tutorial&k=0")
    session = go_live(presenter)
    presenter.keyboard.press("Escape")
    for _ in range(3):
        presenter.keyboard.press("PageDown")
    wait_cursor(presenter, 3)

    student = make_page(1366, 768)
    held = []  # the expression's own request, answered once the class's lesson is shown
    student.route("**/api/expressions/presets/*", lambda r: held.append(r))
    expression = longest_expression(base_url)
    student.goto(f"{session['join_url']}#preset={expression}&k=0")
    student.wait_for_function(
        "() => document.querySelector('.live-status')?.textContent.startsWith('Following')"
    )
    same_as(student, presenter, 3)
    assert len(held) == 1, held
    with student.expect_event("requestfinished", lambda r: "/api/expressions/presets/" in r.url):
        held[0].continue_()
    # the expression's lesson, were it loaded, takes one round trip to /api/graph: a second is plenty
    student.wait_for_timeout(1000)
    same_as(student, presenter, 3)
    assert student.input_value("#preset-select") == "tutorial"
