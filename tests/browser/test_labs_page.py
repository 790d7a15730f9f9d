"""/labs in headless Chromium: the live loss curve grows, Stop stops it, every lab panel shows the
engine's numbers, projector mode is legible, and the page makes no off-origin request and logs
no console error or warning. The server and the page are the shared fixtures of conftest.py."""

import re

import pytest

from app.engine.registry import ACTIVATIONS
from tests.browser.pageview import number

LABS = ["vanishing", "exploding", "dead-relu", "zero-grad", "gradcheck", "blame", "activations"]

pytestmark = pytest.mark.browser


@pytest.fixture
def page(labs_page):
    return labs_page


def segments(pg) -> int:
    """Points drawn in the training-loss line so far."""
    d = pg.locator("#loss-chart path.series.train").get_attribute("d") or ""
    return len(re.findall(r"[ML]", d))


def test_live_loss_curve_grows_and_stop_stops(page):
    page.fill("input[name=epochs]", "20000")
    page.click("#train")
    # Function form: a bare expression string needs eval, which the page's CSP forbids.
    page.wait_for_function("() => document.querySelector('#progress').value > 0.02", timeout=20000)
    first = segments(page)
    page.wait_for_function(
        f"() => (document.querySelector('#loss-chart path.series.train')?.getAttribute('d') || '')"
        f".split(/[ML]/).length - 1 > {first}",
        timeout=20000,
    )
    grown = segments(page)
    assert grown > first > 0
    assert page.locator("#train").is_disabled() and page.locator("#stop").is_enabled()
    page.click("#stop")
    page.wait_for_selector("#train-status.warn", timeout=10000)
    assert "Stopped by you" in page.inner_text("#train-status")
    progress = page.eval_on_selector("#progress", "p => p.value")
    assert 0 < progress < 1
    after = segments(page)
    page.wait_for_timeout(800)
    assert segments(page) == after  # nothing arrives after Stop
    assert page.locator("#train").is_enabled() and page.locator("#stop").is_disabled()


def test_xor_trains_to_the_tutorial_result(page):
    page.click("#train")
    page.wait_for_selector("#train-status.ok", timeout=30000)
    status = page.inner_text("#train-status")
    assert status.startswith("All 5,000 epochs done (") and "accuracy 100.0 %" in status
    rounded = page.locator("#predictions tbody tr td:nth-child(4)").all_inner_texts()
    # the tutorial's program prints these after its loop; the engine tests derive them again
    assert [round(number(v)) for v in rounded] == [0, 1, 1, 0]
    assert page.locator("#neurons canvas").count() == 4
    assert page.locator("#handoff-box").is_visible()
    assert page.locator("#handoff-sample option").count() == 5


def test_regression_draws_the_fitted_curve(page):
    page.select_option("#dataset", "sine")
    page.fill("input[name=epochs]", "300")
    page.click("#train")
    page.wait_for_selector("#train-status.ok", timeout=30000)
    assert page.locator("#curve path.series.fit").count() == 1
    assert page.locator("#curve circle.pt").count() == 100
    assert page.locator("#boundary").is_hidden()


def test_bad_input_shows_the_servers_message(page):
    page.watch.expect_status(422, "/api/datasets")  # the browser logs the refused request
    page.select_option("#dataset", "custom")
    page.fill("textarea[name=csv]", "x1,x2,label\n0,0,0\n1,oops,1\n")
    page.click("#train")
    page.wait_for_selector("#train-status.error", timeout=10000)
    assert "row 2, column 'x2': 'oops' is not a number" in page.inner_text("#train-status")


def lab_numbers(page, name) -> str:
    page.wait_for_selector(f"#lab-{name}.ran", timeout=30000)
    text = page.inner_text(f"#lab-{name} .lab-out")
    assert re.search(r"\d\.\d", text), f"{name} shows no numbers"
    return text


def test_every_lab_panel_shows_the_engines_numbers(page):
    for name in LABS:
        lab_numbers(page, name)
        assert page.locator(f"#lab-{name} .lab-out svg, #lab-{name} .lab-out .dot").count() >= 1
    assert "0.25^9" in lab_numbers(page, "vanishing")
    assert "non-finite loss after update" in lab_numbers(page, "exploding")
    assert re.search(r"\d+ of 8 ReLUs are negative", lab_numbers(page, "dead-relu"))
    assert page.locator("#lab-dead-relu .dot").count() == 2 * 2 * 8  # relu/leaky × before/after
    assert "goes up" in lab_numbers(page, "zero-grad")
    # the training panel's network to start with: XOR's 2 → 4 → 1, 17 parameters
    gc = page.locator("#lab-gradcheck tbody tr td:nth-child(4)").all_inner_texts()
    assert len(gc) == 17 and all(number(v) < 1e-6 for v in gc)
    assert "34 forward passes" in lab_numbers(page, "gradcheck")
    shares = page.locator("#lab-blame .legend .key").all_inner_texts()
    assert sum(float(re.search(r"([\d.]+) %", s).group(1)) for s in shares) == pytest.approx(
        100, abs=0.11
    )
    assert page.locator("#lab-activations .act-cell").count() == len(ACTIVATIONS)


SMALL_TEXT_JS = """
() => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || el.closest('[hidden], option, title')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    let px = parseFloat(getComputedStyle(el).fontSize);
    if (el instanceof SVGElement) px *= el.ownerSVGElement.getScreenCTM().a;
    if (px < 23.5) small.push(`${el.tagName}.${el.getAttribute('class')}: "${n.textContent.trim().slice(0, 30)}" ${px.toFixed(1)}px`);
  }
  return small;
}
"""


# a canvas's text is its font size (data-tick-px, in canvas pixels) times the scale it is shown at
CANVAS_TICKS_JS = """() => [...document.querySelectorAll('canvas[data-tick-px]')]
  .filter((c) => c.getBoundingClientRect().width > 0)
  .map((c) => [c.id, Number(c.dataset.tickPx) * c.getBoundingClientRect().width / c.width])
  .filter(([, px]) => px < 23.5)"""


def test_projector_mode_text_is_at_least_24px(page):
    for name in LABS:
        page.wait_for_selector(f"#lab-{name}.ran", timeout=30000)
    page.click("#projector-toggle")
    page.click("#train")
    page.wait_for_selector("#train-status.ok", timeout=30000)
    assert page.evaluate("document.body.classList.contains('projector')")
    small = page.evaluate(SMALL_TEXT_JS)
    assert small == [], small[:20]
    assert page.evaluate(CANVAS_TICKS_JS) == [], "a plane's tick values under 24 px"
