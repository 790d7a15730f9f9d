"""/labs twins that differ in the optimizer: each optimizer with its own η. At one shared η the
comparison was false: XOR's η = 2 (the tutorial's, for plain SGD) made the Adam twin's curve
noise, which teaches that Adam does not work. The twin's η starts at its optimizer's usual scale
(the catalog's typical_lr), follows its menu until a person types one, is said in the twins'
names, and is what the run trains with (the stream's request: the API's tests show such a twin
is the single run of its own settings)."""

import pytest

from app.engine.registry import OPTIMIZERS

pytestmark = pytest.mark.browser

ADAM = OPTIMIZERS["adam"].typical_lr
RMSPROP = OPTIMIZERS["rmsprop"].typical_lr


def readout(page) -> str:
    return " ".join(page.inner_text("#twin-readout").split())


def test_an_optimizer_twin_brings_its_own_eta(make_page, base_url):
    page = make_page(1366, 768)
    sent = []
    page.on(
        "request",
        lambda r: sent.append(r.post_data_json) if r.url.endswith("/api/train/twins/stream") else 0,
    )
    page.goto(f"{base_url}/labs")
    page.select_option("#dataset", "xor")
    assert page.input_value("input[name=lr]") == "2"
    page.select_option("#twin-what", "optimizer")
    eta = page.locator("input[name=twin_opt_lr]")
    # Adam at its usual η, and the readout names both twins' η
    assert page.input_value("select[name=twin_opt]") == "adam"
    assert eta.input_value() == str(ADAM)
    assert readout(page) == f"A: SGD, η = 2 (the training panel’s) · B: Adam, η = {ADAM}"
    shared = page.inner_text("#twin-shared")
    assert "learning rate" not in shared and "network" in shared  # η is not shared now
    # the η follows the menu: RMSprop's, then plain SGD's (A's own, the data set's 2)
    page.select_option("select[name=twin_opt]", "rmsprop")
    assert eta.input_value() == str(RMSPROP)
    page.select_option("select[name=twin_opt]", "sgd")
    assert eta.input_value() == "2"
    # A on Adam's scale: an SGD twin starts at the data set's η, not at A's 0.05
    page.select_option("select[name=optimizer]", "adam")
    assert page.input_value("input[name=lr]") == str(ADAM)
    assert eta.input_value() == "2"
    assert readout(page) == f"A: Adam, η = {ADAM} (the training panel’s) · B: SGD, η = 2"
    page.select_option("select[name=optimizer]", "sgd")
    # typed, it is the teacher's: another optimizer keeps it
    page.select_option("select[name=twin_opt]", "adam")
    eta.fill("0.1")
    page.select_option("select[name=twin_opt]", "rmsprop")
    assert eta.input_value() == "0.1"
    assert readout(page) == "A: SGD, η = 2 (the training panel’s) · B: RMSprop, η = 0.1"
    # the run trains with it: A at the shared η, the twin at its own
    page.select_option("select[name=twin_opt]", "adam")
    page.fill("input[name=epochs]", "40")
    page.click("#twin-train")
    page.wait_for_function(
        "() => document.getElementById('twin-status').textContent.startsWith('Trained in lockstep')",
        timeout=30000,
    )
    body = sent[-1]
    assert body["scenario"]["learning_rate"] == 2
    assert body["twin"]["setting"] == "optimizer"
    assert body["twin"]["optimizer"]["name"] == "adam"
    assert body["twin"]["learning_rate"] == 0.1
    assert page.inner_text("#twin-title-b") == "B · Adam, η = 0.1"
