"""Iterations on the page: after the update the old values are marked stale, Step starts the next
iteration from the updated parameters (counter, URL, loss chart), Back crosses back, Home goes to
the start of the iteration and then to iteration 1, and a link lands on its iteration."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.pageview import READ_VIEW, mismatches, open_lesson, page_url, wait_cursor
from tests.browser.test_page import TEXT_SIZES, run_axe

pytestmark = pytest.mark.browser

END = 19  # the tutorial's plan: 5 forward, 9 backward, 5 update steps

STALE = """() => {
  const wrap = document.getElementById('graph-wrap');
  const op = (id) => document.getElementById('n-' + id);
  // set lighter: a stale value is drawn in normal weight (a fresh one bold), at full opacity
  const dim = (id) => Number(getComputedStyle(op(id).querySelector('.value')).fontWeight);
  const legend = document.getElementById('legend-stale');
  return {
    flag: wrap.dataset.stale,
    legend: getComputedStyle(legend).visibility === 'visible' ? legend.textContent : null,
    note: document.getElementById('stale-note').textContent,
    z1: dim('z1_0'), loss: dim('L'), x: dim('x0'),
    label: op('z1_0').getAttribute('aria-label'),
    xlabel: op('x0').getAttribute('aria-label'),
  };
}"""

TICKS = """() => [...document.querySelectorAll('#loss-chart text.tick-end')]
  .map((t) => t.textContent).filter((t) => t.includes('.'))"""

STATUS = """() => ({
  counter: document.getElementById('iteration-count').textContent,
  points: Number(document.getElementById('loss-chart').dataset.points),
  circles: document.querySelectorAll('#loss-chart circle:not(.is-next)').length,
  next: document.querySelectorAll('#loss-chart circle.is-next').length,
  step: document.getElementById('btn-step').disabled,
  back: document.getElementById('btn-back').disabled,
})"""


def api(base_url: str, iteration: int, cursor: int) -> dict:
    sc = httpx.get(f"{base_url}/api/presets/tutorial").json()["scenario"]
    body = {"scenario": sc, "cursor": cursor, "iteration": iteration}
    r = httpx.post(f"{base_url}/api/step", json=body)
    r.raise_for_status()
    return r.json()


def press(page, key: str, cursor: int) -> None:
    page.keyboard.press(key)
    wait_cursor(page, cursor)


def test_step_past_the_update_starts_the_next_iteration(shared_page, base_url, axe_path):
    page = shared_page(1366, 768, reduced_motion="reduce", bypass_csp=True)
    open_lesson(page, base_url, f"#preset=tutorial&k={END - 1}")
    fresh = page.evaluate(STALE)
    assert fresh["flag"] == "true"  # the update has begun: W₂ is new, z₁ is not
    press(page, "PageDown", END)

    # the end of iteration 1: what the old weights computed is marked, in words too
    stale = page.evaluate(STALE)
    assert stale["flag"] == "true" and "old weights" in stale["legend"]
    assert stale["z1"] < 600 and stale["loss"] < 600 and stale["x"] >= 600  # inputs not stale
    assert stale["label"].endswith("(stale: computed with the old weights)")
    assert "stale" not in stale["xlabel"]
    assert "iteration 2" in stale["note"]
    status = page.evaluate(STATUS)
    assert status["counter"] == "Iteration 1" and status["step"] is False
    assert page.is_hidden("#loss-chart")  # iteration 1: the loss line tells it
    assert run_axe(page, axe_path) == []

    # Step: iteration 2, from the updated parameters, nothing computed yet
    press(page, "PageDown", 0)
    assert page.evaluate(STATUS)["counter"] == "Iteration 2"
    assert "iteration=2" in page_url(page) and "k=0" in page_url(page)
    assert page.evaluate(STALE)["flag"] == "false"
    view = page.evaluate(READ_VIEW)
    start = api(base_url, 2, 0)
    assert mismatches(view, start) == []
    # the chart's one point, iteration 1's loss, labelled with its own value (not a range's ends)
    ticks = page.evaluate(TICKS)
    assert ticks == [f"{start['history']['losses'][0]:.4f}"], ticks
    for k in range(1, 6):  # the forward pass, to the loss
        press(page, "ArrowRight", k)
    resp = api(base_url, 2, 5)
    assert mismatches(page.evaluate(READ_VIEW), resp) == []
    assert resp["history"]["iterations"] == [1, 2]
    status = page.evaluate(STATUS)
    assert status["points"] == 2 and status["circles"] == 2 and status["next"] == 0

    # Home: the start of iteration 2; Back there: the end of iteration 1, stale again
    press(page, "Home", 0)
    assert page.evaluate(STATUS)["counter"] == "Iteration 2"
    assert page.evaluate(STATUS)["back"] is False
    press(page, "ArrowLeft", END)
    assert page.evaluate(STATUS)["counter"] == "Iteration 1"
    assert page.evaluate(STALE)["flag"] == "true"
    assert mismatches(page.evaluate(READ_VIEW), api(base_url, 1, END)) == []
    assert "iteration=" not in page_url(page)
    # Home twice from iteration 2: its start, then iteration 1's
    press(page, "PageDown", 0)
    press(page, "Home", 0)  # already at the start of iteration 2: back to iteration 1
    page.wait_for_function(
        "() => document.getElementById('iteration-count').textContent === 'Iteration 1'"
    )
    assert page.evaluate(STATUS)["back"] is True


def test_a_link_lands_on_its_iteration(shared_page, base_url):
    page = shared_page(1366, 768, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=tutorial&iteration=3&k=7")
    wait_cursor(page, 7)
    status = page.evaluate(STATUS)
    assert status["counter"] == "Iteration 3" and status["points"] == 3
    assert mismatches(page.evaluate(READ_VIEW), api(base_url, 3, 7)) == []
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    wait_cursor(page, 7)
    assert page.evaluate(STATUS)["counter"] == "Iteration 3"
    # an edit at iteration 3 starts a new lesson from the values shown, at iteration 1
    page.click("#n-x0")
    shown = page.input_value("#value-editor input")
    assert shown == "0.5"
    page.fill("#value-editor input", "0.25")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.getElementById('iteration-count').textContent === 'Iteration 1'"
    )
    assert "iteration=" not in page_url(page)


def test_projector_text_with_the_chart_is_large(shared_page, base_url, screenshots):
    page = shared_page(1920, 1080, reduced_motion="reduce")
    open_lesson(page, base_url, f"#preset=tutorial&iteration=4&k={END}&projector=1")
    wait_cursor(page, END)
    assert page.evaluate(STATUS)["points"] == 4
    sizes = page.evaluate(TEXT_SIZES)
    assert page.locator("#loss-chart text").count() >= 4  # its labels are there, and measured
    small = [s for s in sizes if s[0] < 24 - 1e-6]
    assert small == [], small
    page.screenshot(path=screenshots / "projector-1920-iteration-4.png")
