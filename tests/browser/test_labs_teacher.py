"""/labs as a teacher presents it: the controls and the chart they drive on one screen, the data
before training, axes and a colour key that reuse no colour of the step-through page, the
activation explorer's probe, a CSV file, axe, and a phone."""

from __future__ import annotations

import math
import re

import pytest

from tests.browser.test_page import run_axe

pytestmark = pytest.mark.browser


def open_labs(make_page, base_url, width=1366, height=768, **kw):
    page = make_page(width, height, **kw)
    page.goto(f"{base_url}/labs")
    page.wait_for_function(
        "() => /training samples/.test(document.querySelector('#train-status').textContent)"
    )
    return page


def test_train_and_its_chart_share_the_first_screen_and_the_data_shows_first(shared_page, base_url):
    page = open_labs(shared_page, base_url)
    train = page.locator("#train").bounding_box()
    chart = page.locator("#loss-chart").bounding_box()
    plane = page.locator("#boundary").bounding_box()
    assert train["y"] + train["height"] <= 768 and chart["y"] < 768 and plane["y"] < 768
    # XOR's four points are drawn before any training, with a key that names each class
    assert page.locator("#train-status").text_content().startswith("4 training samples")
    keys = page.locator("#boundary-key li").all_text_contents()
    assert keys[:2] == ["class 0 (green)", "class 1 (purple)"]
    # switching the data set draws its points at once
    page.select_option("#dataset", "moons")
    page.wait_for_function(
        "() => document.querySelector('#train-status').textContent.startsWith('200 training samples')"
    )


def _rgb(css: str) -> tuple[int, ...]:
    nums = [float(x) for x in re.findall(r"[\d.]+", css)[:3]]
    return tuple(round(x) for x in nums)


def _hex(h: str) -> tuple[int, ...]:
    h = h.strip().lstrip("#")
    return tuple(int(h[i : i + 2], 16) for i in (0, 2, 4))


def test_class_colours_are_not_the_weight_colours(shared_page, base_url):
    page = open_labs(shared_page, base_url)
    tokens = page.request.get(f"{base_url}/static/css/tokens.css").text()
    weights = {_hex(v) for v in re.findall(r"--(?:pos|neg):\s*(#[0-9a-fA-F]{6})", tokens)}
    assert len(weights) == 4  # + and − in the light and the dark theme
    for k in (0, 1):
        shown = page.evaluate(
            f"() => getComputedStyle(document.querySelector('.class-dot[data-class=\"{k}\"]')).backgroundColor"
        )
        colour = _rgb(shown)
        # far from every weight colour (Euclidean distance in sRGB)
        assert min(math.dist(colour, w) for w in weights) > 80, (k, colour)


def test_the_probe_shows_f_and_its_slope_from_the_engine(shared_page, base_url):
    page = open_labs(shared_page, base_url)
    page.locator("#lab-activations").scroll_into_view_if_needed()
    page.wait_for_selector("#lab-activations .act-probe input[type=text]")
    page.fill("#lab-activations .act-probe input[type=text]", "-1.5")
    page.keyboard.press("Enter")
    s = 1 / (1 + math.exp(1.5))
    readout = page.locator("[data-activation=sigmoid] .probe-readout")
    page.wait_for_function(
        "() => document.querySelector('[data-activation=sigmoid] .probe-readout').textContent.startsWith('f(−1.5)')"
    )
    text = readout.text_content().replace("−", "-")
    f, slope = (float(x) for x in re.findall(r"= (-?[\d.]+)", text))
    assert f == pytest.approx(s, abs=1e-5) and slope == pytest.approx(s * (1 - s), abs=1e-5)
    assert page.locator("[data-activation=linear] .probe-readout").text_content().endswith("= 1")
    # both marks sit on the probe's vertical line
    xs = page.evaluate(
        "() => [...document.querySelectorAll('[data-activation=tanh] .probe')].map((c) => c.getAttribute('cx'))"
    )
    assert len(set(xs)) == 1
    page.fill("#lab-activations .act-probe input[type=text]", "9")
    page.keyboard.press("Enter")
    assert "−6 to 6" in page.locator("#act-probe-hint").text_content()


def test_a_csv_file_is_read_with_the_same_row_by_row_report(shared_page, base_url, tmp_path):
    page = open_labs(shared_page, base_url)
    good = tmp_path / "points.csv"
    good.write_text("a,b,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n0.5,0.5,1\n")
    page.select_option("#dataset", "custom")
    page.set_input_files("#csv-file", str(good))
    page.wait_for_function(
        "() => document.querySelector('#train-status').textContent.startsWith('5 training samples')"
    )
    page.watch.expect_status(422, "/api/datasets")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,label\n0,0,0\n0,x,1\n")
    page.set_input_files("#csv-file", str(bad))
    page.wait_for_function(
        "() => document.querySelector('#train-status').classList.contains('error')"
    )
    assert "row" in page.locator("#train-status").text_content().lower()


def test_labs_is_clean_for_axe_and_fits_a_phone(shared_page, base_url, axe_path):
    page = open_labs(shared_page, base_url, bypass_csp=True)
    page.wait_for_selector("#lab-activations .act-probe")
    assert run_axe(page, axe_path) == []
    phone = open_labs(shared_page, base_url, 390, 844)
    phone.wait_for_selector("#lab-activations .act-probe")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
