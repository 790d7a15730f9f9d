"""Predict, then reveal: with predict mode on (key Q, `predict=1` in the URL) a press shows the
next step's equation with its numbers and the result as "?", and "?" on the graph where the value
goes; the next press reveals exactly the API's value. Back goes to the revealed step before."""

from __future__ import annotations

import pytest

from tests.browser.pageview import (
    READ_VIEW,
    api_step,
    mismatches,
    numbers,
    open_lesson,
    page_url,
    tutorial,
    wait_cursor,
)

pytestmark = pytest.mark.browser

ASKING = "() => document.documentElement.hasAttribute('data-asking')"
PRESSED = "() => document.getElementById('btn-predict').getAttribute('aria-pressed')"


def revealed(page, k: int) -> dict:
    """The view once step k is shown revealed and its pulses have landed."""
    page.wait_for_function(
        f"() => !({ASKING[6:]}) && document.documentElement.dataset.cursor === '{k}'"
    )
    wait_cursor(page, k)
    return page.evaluate(READ_VIEW)


def asked(page, k: int) -> dict:
    page.wait_for_function(
        f"() => ({ASKING[6:]}) && document.documentElement.dataset.cursor === '{k}'"
    )
    return page.evaluate(READ_VIEW)


def test_q_toggles_predict_and_the_url_keeps_it(shared_page, base_url):
    page = shared_page()
    open_lesson(page, base_url, "#preset=tutorial&k=0")
    assert page.evaluate(PRESSED) == "false"
    page.keyboard.press("?")  # the keyboard help lists it
    assert "predict mode" in page.text_content("#help")
    page.keyboard.press("Escape")
    page.keyboard.press("q")
    assert page.evaluate(PRESSED) == "true"
    assert "predict=1" in page_url(page)
    assert "Predict mode on" in page.text_content("#live")
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    assert page.evaluate(PRESSED) == "true"  # a reload keeps it
    page.keyboard.press("PageDown")
    asked(page, 1)
    page.keyboard.press("Q")  # off while asking: the value is revealed, stepping is plain again
    assert page.evaluate(PRESSED) == "false"
    assert "predict" not in page_url(page)
    sc = tutorial(base_url)
    assert mismatches(revealed(page, 1), api_step(base_url, sc, 1)) == []
    page.keyboard.press("PageDown")
    assert mismatches(revealed(page, 2), api_step(base_url, sc, 2)) == []


def test_a_press_asks_the_next_press_reveals_the_api_value(shared_page, base_url):
    page = shared_page()
    sc = tutorial(base_url)
    open_lesson(page, base_url, "#preset=tutorial&k=8&predict=1")
    wait_cursor(page, 8)
    # what a live class collects answers by (live/live.js): the question, then its true value
    page.evaluate(
        "() => { window.__q = []; document.addEventListener('backstep:predict', (e) => __q.push(e.detail)); }"
    )
    page.keyboard.press("ArrowRight")
    view = asked(page, 9)
    e = api_step(base_url, sc, 9)["steps"][-1]["explanation"]
    # the equation: the formula and its numbers as the API gives them, the result a question
    assert numbers(view["substituted"]) == numbers(e["substituted"]["text"]) != []
    assert view["result"].endswith("=?") and numbers(view["result"]) == []
    assert view["nodes"]["b2_0"]["grad"] == "∇\u2009?"  # the bias's gradient, on the graph
    assert "?" in view["live"] and e["result"]["text"] not in view["live"]
    assert view["summary"]["b2_0"]["grad"] in ("", None)  # the summary does not give it away
    page.keyboard.press("ArrowRight")  # reveal: the exact value the API gives, everywhere
    assert mismatches(revealed(page, 9), api_step(base_url, sc, 9)) == []
    told = page.evaluate("window.__q")
    assert [q["open"] for q in told] == [True, False] and told[0]["label"] == "∂L/∂b₂"
    truth = api_step(base_url, sc, 9)["steps"][0]["value"]
    assert told[1]["question"] == told[0]["question"] and told[1]["truth"] == truth
    page.keyboard.press("ArrowRight")
    assert asked(page, 10)["nodes"]["a1_0"]["grad"] == "∇\u2009?"
    page.keyboard.press("ArrowLeft")  # back: the revealed step before
    assert mismatches(revealed(page, 9), api_step(base_url, sc, 9)) == []


def test_a_coarse_unit_asks_for_all_its_values_and_the_end_can_be_revealed(shared_page, base_url):
    page = shared_page()
    sc = tutorial(base_url)
    open_lesson(page, base_url, "#preset=tutorial&k=0&g=layer&predict=1")
    wait_cursor(page, 0)
    page.keyboard.press("Space")
    view = asked(page, 1)
    resp = api_step(base_url, sc, 1, granularity="layer")
    assert len(resp["steps"]) > 1
    # the unit's first equation: its numbers are known before the unit (a later one's are not)
    first = resp["steps"][0]["explanation"]
    assert numbers(view["substituted"]) == numbers(first["substituted"]["text"]) != []
    assert view["result"].endswith("=?")
    for st in resp["steps"]:  # every value the layer computes is a question
        assert view["nodes"][st["target"]]["value"] == "?", st["target"]
    page.keyboard.press("Space")
    assert mismatches(revealed(page, 1), resp) == []
    # the last unit: Step stays enabled while it asks, and reveals it
    total = resp["total"]
    page.keyboard.press("End")
    wait_cursor(page, total)
    page.keyboard.press("ArrowLeft")
    wait_cursor(page, total - 1)
    page.keyboard.press("ArrowRight")
    asked(page, total)
    assert page.is_enabled("#btn-step")
    page.click("#btn-step")
    assert (
        mismatches(revealed(page, total), api_step(base_url, sc, total, granularity="layer")) == []
    )
    assert page.is_disabled("#btn-step")
