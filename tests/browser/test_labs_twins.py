"""/labs twin runs as a teacher uses them: chosen and started from the keyboard, both curves on one
chart (their own colours, solid and dashed), both planes side by side on one screen, the page's
hand-off links holding exactly the networks the API trains, Stop showing both stopped twins at
one epoch, axe clean and a phone's width."""

from __future__ import annotations

import base64
import json
import math
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.browser.test_labs_page import CANVAS_TICKS_JS
from tests.browser.test_labs_stop import RECORD_STREAM, progress_events
from tests.browser.test_labs_teacher import _hex, _rgb, open_labs
from tests.browser.test_page import run_axe

pytestmark = pytest.mark.browser


def linked_scenario(page, sel: str) -> tuple[dict, dict]:
    href = page.get_attribute(sel, "href")
    params = parse_qs(urlsplit(href).fragment)
    s = params["s"][0]
    return json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))), params


def twin_status(page) -> str:
    return page.locator("#twin-status").text_content()


def choose_moons(page, epochs: str) -> None:
    page.select_option("#dataset", "moons")
    page.wait_for_function(
        "() => document.querySelector('#train-status').textContent.startsWith('200 training samples')"
    )
    page.fill("input[name=epochs]", epochs)


def test_twins_from_the_keyboard_two_curves_two_planes_and_the_hand_off(
    make_page, base_url, axe_path
):
    page = open_labs(make_page, base_url, bypass_csp=True)
    choose_moons(page, "300")
    page.fill("input[name=lr]", "1")
    sent = []
    page.on(
        "request",
        lambda r: sent.append(r.post_data_json) if r.url.endswith("/api/train/twins/stream") else 0,
    )
    # keyboard only: the nav link, then Tab through the twin bar
    page.focus(".lab-nav a[href='#twins']")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "twin-train"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Tab")  # Stop both is disabled: the next stop is the setting
    assert page.evaluate("document.activeElement.id") == "twin-what"
    assert page.input_value("#twin-what") == "learning_rate"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "twin_lr"
    page.keyboard.press("Control+a")
    page.keyboard.type("0.1")
    assert page.locator("#twin-readout").text_content() == (
        "A: η = 1 (the training panel’s) · B: η = 0.1"
    )
    shared = page.locator("#twin-shared").text_content()
    assert "Two moons" in shared and "η" not in shared  # the differing setting is not "shared"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#twin-status.ok", timeout=60000)
    assert twin_status(page).startswith("Trained in lockstep: 300 epochs (300 updates) each")

    # one chart, two curves: their own colours (not the weights', not the classes'), A solid,
    # B dashed, each named in the key by its value
    paths = {k: page.locator(f"#twin-chart path.series.twin-{k}") for k in "ab"}
    for k in "ab":
        assert paths[k].get_attribute("d").count("L") >= 250
    dash = {k: paths[k].evaluate("p => getComputedStyle(p).strokeDasharray") for k in "ab"}
    assert dash["a"] == "none" and dash["b"] != "none"
    tokens = page.request.get(f"{base_url}/static/css/tokens.css").text()
    used = {_hex(v) for v in re.findall(r"--(?:pos|neg):\s*(#[0-9a-fA-F]{6})", tokens)}
    used |= {(77, 146, 33), (118, 42, 131), (64, 64, 64)}  # the classes' green, purple, grey
    strokes = [_rgb(paths[k].evaluate("p => getComputedStyle(p).stroke")) for k in "ab"]
    for colour in strokes:
        assert min(math.dist(colour, c) for c in used) > 60, colour
    assert math.dist(*strokes) > 100
    assert page.locator("#twin-key").text_content() == "A · η = 1 (solid)B · η = 0.1 (dashed)"

    # two planes side by side, same size, titled by their setting, with the chart on one screen
    page.evaluate("() => document.getElementById('twins').scrollIntoView()")
    boxes = [page.locator(f"#twin-boundary-{k}").bounding_box() for k in "ab"]
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[0]["width"] == boxes[1]["width"] > 300
    assert boxes[0]["x"] + boxes[0]["width"] < boxes[1]["x"]
    chart = page.locator("#twin-chart").bounding_box()
    button = page.locator("#twin-train").bounding_box()
    assert button["y"] > 0 and chart["y"] < boxes[0]["y"] + 60 and boxes[0]["y"] < 768 * 0.6
    assert page.locator("#twin-title-a").text_content() == "A · η = 1"
    assert page.locator("#twin-title-b").text_content() == "B · η = 0.1"
    pixels = [
        page.evaluate(
            f"""() => {{ const c = document.getElementById('twin-boundary-{k}');
            return Array.from(c.getContext('2d').getImageData(100, 100, 300, 300).data
              .filter((_, i) => i % 16 === 0)); }}"""
        )
        for k in "ab"
    ]
    assert pixels[0] != pixels[1]  # η made a difference to what the network says

    # each hand-off link carries its twin's run on at the same cursor: iteration 301, k = 0, whose
    # parameters (the server recomputes them from the link alone) are those the API trained
    page.wait_for_function(
        "() => /Both open at iteration 301/.test(document.querySelector('#twin-handoff-note').textContent)"
    )
    body = {k: v for k, v in sent[0].items() if k != "report_every"}
    body["time_budget"] = 10
    answer = httpx.post(f"{base_url}/api/train/twins", json=body, timeout=60).json()
    for k in "ab":
        sc, params = linked_scenario(page, f"#twin-handoff-{k}")
        assert params["k"] == ["0"] and params["iteration"] == ["301"]
        assert sc["learning_rate"] == {"a": 1, "b": 0.1}[k]
        graph = httpx.post(
            f"{base_url}/api/graph",
            json={"scenario": sc, "iteration": 301, "labels": "text"},
            timeout=60,
        ).json()
        for p in graph["parameters"]:
            l = int(p["tensor"][1:]) - 1
            want = (answer[k]["weights"] if p["tensor"][0] == "W" else answer[k]["biases"])[l]
            for i in p["index"]:
                want = want[i]
            assert p["value"] == pytest.approx(want, rel=1e-9, abs=1e-12), p["id"]
        assert page.locator(f"#twin-handoff-{k}").get_attribute("target") == "_blank"
    assert run_axe(page, axe_path) == []


def test_stop_stops_both_and_shows_both_at_one_epoch(make_page, base_url):
    page = make_page(1366, 768)
    page.context.add_init_script(RECORD_STREAM)
    page.goto(f"{base_url}/labs")
    choose_moons(page, "20000")
    page.select_option("#twin-what", "batch_size")
    page.fill("input[name=twin_batch]", "1")  # slow enough to stop part-way
    page.evaluate("() => { window.__sse = ''; }")
    page.click("#twin-train")
    page.wait_for_function(
        "() => (window.__sse.match(/event: progress/g) || []).length >= 2", timeout=30000
    )
    page.keyboard.press("Escape")  # the keyboard's Stop
    page.wait_for_function(
        "() => /both twins as they were then/.test(document.querySelector('#twin-status').textContent)",
        timeout=30000,
    )
    last = progress_events(page)[-1]
    n = last["epoch"]
    assert last["a"]["epoch"] == last["b"]["epoch"] == n
    for k, updates in (("a", n), ("b", 200 * n)):  # full batch; one sample a batch, 200 samples
        assert last[k]["updates"] == updates
        assert f"stopped at epoch {n:,}" in page.locator(f"#twin-result-{k}").text_content()
        sc, params = linked_scenario(page, f"#twin-handoff-{k}")
        # 2 and 400 updates: no one iteration continues both, so both open their weights at 1
        assert sc["weights"] == last[k]["weights"] and params["k"] == ["0"]
        assert params.get("iteration", ["1"]) == ["1"]
    assert page.is_disabled("#twin-stop") and not page.is_disabled("#twin-train")
    # the chart's epoch axis ends where the run stopped
    ticks = page.locator("#twin-chart .tick").all_text_contents()
    assert float(ticks[-1].replace(",", "")) <= n


def test_twin_planes_read_from_the_back_of_the_room(shared_page, base_url):
    """Projector mode at 1920 × 1080: both planes side by side, each plane's tick values ≥ 24 px."""
    page = shared_page(1920, 1080)
    page.goto(f"{base_url}/labs?projector")
    choose_moons(page, "30")
    page.click("#twin-train")
    page.wait_for_function(
        "() => /^Trained in lockstep/.test(document.querySelector('#twin-status').textContent)",
        timeout=30000,
    )
    a, b = (page.locator(f"#twin-boundary-{k}").bounding_box() for k in "ab")
    assert a["y"] == b["y"] and a["x"] + a["width"] <= b["x"]  # side by side, apart
    assert page.evaluate(CANVAS_TICKS_JS) == []


def test_twins_fit_a_phone_and_keep_their_value_while_shared_settings_change(shared_page, base_url):
    page = open_labs(shared_page, base_url, 390, 844)
    # the header scrolls away and keeps to two lines: sticky, it covered a quarter of the screen
    top = page.evaluate(
        "() => { const h = document.querySelector('header.top');"
        " return [getComputedStyle(h).position, h.getBoundingClientRect().height,"
        " document.documentElement.scrollWidth]; }"
    )
    assert top[0] == "static" and top[1] <= 110 and top[2] <= 390, top
    choose_moons(page, "100")
    page.fill("input[name=hidden]", "6, 6")
    page.locator("input[name=hidden]").blur()
    page.select_option("#twin-what", "activation")
    page.select_option("select[name=twin_act]", "relu")
    page.select_option("select[name=twin_layer]", "2")
    page.fill("input[name=hidden]", "6, 6, 6")  # the shared network grows a layer
    page.locator("input[name=hidden]").blur()
    assert page.locator("select[name=twin_layer] option").count() == 4
    assert page.input_value("select[name=twin_layer]") == "2"
    assert page.locator("#twin-readout").text_content() == (
        "A: Tanh in layer 2 (the training panel’s) · B: ReLU in layer 2"
    )
    page.click("#twin-train")
    page.wait_for_selector("#twin-status.ok", timeout=60000)
    assert page.locator("#twin-title-b").text_content() == "B · ReLU in layer 2"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    boxes = [page.locator(f"#twin-boundary-{k}").bounding_box() for k in "ab"]
    assert boxes[0]["y"] + boxes[0]["height"] <= boxes[1]["y"]  # one above the other
    assert all(b["x"] >= 0 and b["x"] + b["width"] <= 390 for b in boxes)
