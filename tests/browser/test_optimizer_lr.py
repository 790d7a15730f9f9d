"""The Network panel's learning rate follows the optimizer menu while it is the lesson's own:
XOR's η = 2 (the tutorial's, for plain SGD) becomes Adam's usual 0.05 with a note saying so and
one button back; an η a person typed is never overwritten. The applied lesson (its link, its
steps) has the η the field shows."""

import base64
import json

import pytest

from app.engine.registry import OPTIMIZERS
from tests.browser.pageview import open_lesson, page_url
from tests.browser.test_live_class import follow, go_live

pytestmark = pytest.mark.browser

ADAM = OPTIMIZERS["adam"].typical_lr
RMSPROP = OPTIMIZERS["rmsprop"].typical_lr


def note(page) -> str:
    box = page.locator("#arch-lr-note")
    return "" if box.is_hidden() else " ".join(box.inner_text().split())


def linked_scenario(page) -> dict:
    url = page_url(page)
    s = dict(p.split("=", 1) for p in url[url.index("#") + 1 :].split("&"))["s"]
    return json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))


def test_adam_on_xor_gets_its_usual_eta_and_the_keyboard_goes_back(shared_page, base_url):
    page = shared_page()
    open_lesson(page, base_url, "#preset=xor")
    assert page.input_value("#arch-lr") == "2"
    assert note(page) == ""
    page.select_option("#arch-optimizer", "adam")
    assert page.input_value("#arch-lr") == str(ADAM)
    said = note(page)
    assert f"η set to {ADAM}, Adam’s usual scale; the lesson’s was 2." in said, said
    assert page.get_attribute("#arch-lr", "aria-describedby") == "arch-lr-note"
    # applied: the lesson, its link and its update steps have the η shown, and the note stays
    page.click("#arch-apply")
    page.wait_for_function("() => document.getElementById('preset-select').value === ''")
    sc = linked_scenario(page)
    assert sc["learning_rate"] == ADAM and sc["optimizer"]["name"] == "adam"
    assert page.input_value("#arch-lr") == str(ADAM)
    assert "the lesson’s was 2" in note(page)
    # back with the keyboard alone: Tab from η reaches the button, Enter takes the lesson's η
    page.focus("#arch-lr")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "arch-lr-back"
    page.keyboard.press("Enter")
    assert page.input_value("#arch-lr") == "2"
    assert page.evaluate("document.activeElement.id") == "arch-lr"  # not lost with the button
    said = note(page)
    assert f"η = 2 is 40 × Adam’s usual scale (about {ADAM})" in said, said
    # taken back on purpose, it is the teacher's own: another optimizer leaves it, and warns
    page.select_option("#arch-optimizer", "rmsprop")
    assert page.input_value("#arch-lr") == "2"
    assert f"200 × RMSprop’s usual scale (about {RMSPROP})" in note(page)


def test_a_typed_eta_survives_every_switch(shared_page, base_url):
    page = shared_page()
    open_lesson(page, base_url, "#preset=xor")
    page.fill("#arch-lr", "0.3")
    for name in ("adam", "rmsprop", "sgd", "adamw"):
        page.select_option("#arch-optimizer", name)
        assert page.input_value("#arch-lr") == "0.3", name
    assert note(page) == ""  # 6 × AdamW's 0.05: not far off
    page.fill("#arch-lr", "0.0001")
    assert "far below AdamW’s usual scale" in note(page)
    # another lesson: its own η, untouched; SGD gives it back after an optimizer's usual scale
    page.select_option("#preset-select", "softmax")
    page.wait_for_function("() => document.getElementById('arch-lr').value === '0.5'")
    assert note(page) == ""
    page.select_option("#arch-optimizer", "rmsprop")
    assert page.input_value("#arch-lr") == str(RMSPROP)
    page.select_option("#arch-optimizer", "sgd")
    assert page.input_value("#arch-lr") == "0.5"
    assert note(page) == ""


def test_a_live_class_follows_the_applied_eta(shared_page, base_url):
    """The presenter picks Adam and applies: every follower's lesson has η = 0.05, as shown."""
    presenter = shared_page(1366, 768)
    open_lesson(presenter, base_url, "#preset=xor&k=0")
    session = go_live(presenter)
    follower = follow(shared_page, session["join_url"])
    presenter.keyboard.press("Escape")  # the live panel hides; the class stays live
    presenter.select_option("#arch-optimizer", "adam")
    presenter.click("#arch-apply")
    presenter.wait_for_function("() => document.getElementById('preset-select').value === ''")
    shown = presenter.input_value("#arch-lr")
    assert shown == str(ADAM)
    follower.wait_for_function("() => new URLSearchParams(location.hash.slice(1)).has('s')")
    sc = linked_scenario(follower)
    assert sc["learning_rate"] == float(shown) and sc["optimizer"]["name"] == "adam"


def test_labs_train_moons_with_adams_usual_eta(make_page, base_url):
    """/labs has the same menu: moons' η = 1 becomes Adam's 0.05, and the run trains with it."""
    page = make_page(1366, 768)
    sent = []
    page.on("request", lambda r: r.url.endswith("/api/train/stream") and sent.append(r))
    page.goto(f"{base_url}/labs")
    page.select_option("#dataset", "moons")
    assert page.input_value("input[name=lr]") == "1"
    page.select_option("select[name=optimizer]", "adam")
    assert page.input_value("input[name=lr]") == str(ADAM)
    said = page.inner_text("#lr-note")
    assert f"η set to {ADAM}, Adam’s usual scale; the data set’s was 1." in " ".join(said.split())
    page.fill("input[name=epochs]", "50")
    page.click("#train")
    page.wait_for_selector("#train-status.ok", timeout=30000)
    body = json.loads(sent[0].post_data)
    assert body["scenario"]["learning_rate"] == ADAM
    assert body["scenario"]["optimizer"] == {"name": "adam"}


def test_labs_says_it_is_the_tutorials_program_only_while_it_is(shared_page, base_url):
    """/labs' XOR note ("These settings are the tutorial's XOR program: its loss at every epoch")
    stayed after Adam was picked, or η or the network was changed: then untrue."""
    page = shared_page(1366, 768)
    page.goto(f"{base_url}/labs")
    page.select_option("#dataset", "xor")
    note = page.locator("#tutorial-note")
    assert note.is_visible()
    page.select_option("select[name=optimizer]", "adam")
    assert note.is_hidden()
    page.select_option("select[name=optimizer]", "sgd")  # η back to the data set's 2
    assert page.input_value("input[name=lr]") == "2"
    assert note.is_visible()
    page.fill("input[name=lr]", "1.5")
    assert note.is_hidden()
    page.fill("input[name=lr]", "2")
    assert note.is_visible()
    page.fill("input[name=hidden]", "4, 4")
    assert note.is_hidden()
    page.select_option("#dataset", "moons")
    page.select_option("#dataset", "xor")  # the data set's defaults again
    assert note.is_visible()
    page.fill("input[name=batch_size]", "2")
    assert note.is_hidden()
