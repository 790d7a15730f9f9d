"""Every registered activation and loss reaches the page's menus, and a lesson built from the menu
steps through it in the registry's own words (tests/api/test_registry.py walks the API)."""

import re

import pytest

from app.engine.registry import ACTIVATIONS, LOSSES, OPTIMIZERS
from tests.arithmetic import read_arithmetic
from tests.browser.pageview import open_lesson, page_url
from tests.browser.test_widths import sized

pytestmark = pytest.mark.browser

HIDDEN = [name for name, a in ACTIVATIONS.items() if not a.output_only]


def options(page, selector: str) -> list[tuple[str, str]]:
    return page.eval_on_selector_all(
        f"{selector} option", "els => els.map((o) => [o.value, o.textContent.trim()])"
    )


def pairs(items) -> list[list[str]]:
    return [[value, title] for value, title in items]


def test_network_menus_list_the_registry(shared_page, base_url):
    page = shared_page()
    open_lesson(page, base_url, "#preset=tutorial")
    # the tutorial is 2 → 1 → 1: layer 1 is hidden, layer 2 the output
    assert options(page, "#arch-act-0") == pairs((n, ACTIVATIONS[n].title) for n in HIDDEN)
    assert options(page, "#arch-act-1") == pairs((n, a.title) for n, a in ACTIVATIONS.items())
    assert options(page, "#arch-loss") == pairs((n, s.title) for n, s in LOSSES.items())


@pytest.mark.parametrize("name", HIDDEN)
def test_an_activation_picked_in_the_menu_steps_in_its_own_words(shared_page, base_url, name):
    page = shared_page()
    open_lesson(page, base_url, "#preset=tutorial")
    page.select_option("#arch-act-0", name)
    page.click("#arch-apply")
    # the edited network is "Your own" lesson, back at its start
    page.wait_for_function(
        "() => document.getElementById('preset-select').value === '' "
        "&& document.documentElement.dataset.cursor === '0'"
    )
    # the lesson has the keys, as after any click on the graph (on an empty place: a weight or a
    # bias clicked opens its value editor, which keeps the keys while it is open)
    page.locator("#graph").click(position={"x": 4, "y": 4})
    for k in (1, 2):  # z₁, then a₁ = f(z₁)
        page.keyboard.press("ArrowRight")
        page.wait_for_selector(f"html[data-cursor='{k}'][data-ready=true]")
    act = ACTIVATIONS[name]
    sentence = page.text_content("#sentence")
    assert sentence.startswith(act.words.format(z="z₁")), sentence
    assert page.is_visible("#eq-formula math")


def test_labs_training_menu_lists_every_hidden_activation(shared_page, base_url):
    page = sized(shared_page, 1280, 800)
    page.goto(f"{base_url}/labs")
    assert options(page, "select[name=activation]") == pairs(
        (n, ACTIVATIONS[n].title) for n in HIDDEN
    )


def test_the_optimizer_menu_steps_the_update_with_its_state_and_stays_in_the_link(
    shared_page, base_url
):
    """Adam picked in the Network panel (its fields from the catalog, β₁ changed): the update
    steps show m, v, m̂, v̂ with numbers above the parameter's equation, and the link keeps it."""
    page = shared_page()
    open_lesson(page, base_url, "#preset=tutorial")
    assert options(page, "#arch-optimizer") == pairs((n, o.title) for n, o in OPTIMIZERS.items())
    page.select_option("#arch-optimizer", "adam")
    labels = page.eval_on_selector_all(
        "#arch-optimizer-fields input", "els => els.map((e) => e.id)"
    )
    assert labels == [
        "arch-opt-betas-0", "arch-opt-betas-1", "arch-opt-eps", "arch-opt-weight_decay",
        "arch-opt-amsgrad",
    ]  # fmt: skip
    page.fill("#arch-opt-betas-0", "1.5")  # out of range: refused before any request
    page.click("#arch-apply")
    assert "betas 1 is 1.5: it must be ≥ 0 and < 1" in page.text_content("#arch-errors")
    page.fill("#arch-opt-betas-0", "0.8")
    page.click("#arch-apply")
    page.wait_for_function(
        "() => document.getElementById('preset-select').value === '' "
        "&& document.documentElement.dataset.cursor === '0'"
    )
    page.locator("#graph").click(position={"x": 4, "y": 4})
    page.keyboard.press("End")
    page.wait_for_selector("html[data-phase=done], html[data-ready=true]")
    page.wait_for_function("() => !document.getElementById('eq-state').hidden")
    rows = page.eval_on_selector_all(
        "#eq-state .eq-state-row",
        "rows => rows.map((r) => [...r.children].map((c) => c.textContent.replace(/\\s+/g, '')))",
    )
    assert [r[0].split("←")[0].split("=")[0] for r in rows] == ["m", "v", "m̂", "v̂"]
    assert rows[0][1].startswith("m←0.8000×")  # β₁ as chosen, with the step's numbers
    _, numbers, result = rows[0]  # the m line as shown, worked out again, gives its result
    got = read_arithmetic(re.split("←|=", numbers, maxsplit=1)[1])
    assert got == pytest.approx(float(result.split("=")[1].replace("−", "-")), abs=1e-4)
    url = page_url(page)
    page.goto("about:blank")
    open_lesson(page, base_url, url[url.index("#") :])
    assert page.input_value("#arch-optimizer") == "adam"
    assert page.input_value("#arch-opt-betas-0") == "0.8"
