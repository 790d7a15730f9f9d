"""Every registered activation and loss reaches the page's menus, and a lesson built from the menu
steps through it in the registry's own words (tests/api/test_registry.py walks the API)."""

import pytest

from app.engine.registry import ACTIVATIONS, LOSSES
from tests.browser.pageview import open_lesson

pytestmark = pytest.mark.browser

HIDDEN = [name for name, a in ACTIVATIONS.items() if not a.output_only]


def options(page, selector: str) -> list[tuple[str, str]]:
    return page.eval_on_selector_all(
        f"{selector} option", "els => els.map((o) => [o.value, o.textContent.trim()])"
    )


def pairs(items) -> list[list[str]]:
    return [[value, title] for value, title in items]


def test_network_menus_list_the_registry(page, base_url):
    open_lesson(page, base_url, "#preset=tutorial")
    # the tutorial is 2 → 1 → 1: layer 1 is hidden, layer 2 the output
    assert options(page, "#arch-act-0") == pairs((n, ACTIVATIONS[n].title) for n in HIDDEN)
    assert options(page, "#arch-act-1") == pairs((n, a.title) for n, a in ACTIVATIONS.items())
    assert options(page, "#arch-loss") == pairs((n, s.title) for n, s in LOSSES.items())


@pytest.mark.parametrize("name", HIDDEN)
def test_an_activation_picked_in_the_menu_steps_in_its_own_words(page, base_url, name):
    open_lesson(page, base_url, "#preset=tutorial")
    page.select_option("#arch-act-0", name)
    page.click("#arch-apply")
    # the edited network is "Your own" lesson, back at its start
    page.wait_for_function(
        "() => document.getElementById('preset-select').value === '' "
        "&& document.documentElement.dataset.cursor === '0'"
    )
    page.locator("#graph").click()  # the lesson has the keys, as after any click on the graph
    for k in (1, 2):  # z₁, then a₁ = f(z₁)
        page.keyboard.press("ArrowRight")
        page.wait_for_selector(f"html[data-cursor='{k}'][data-ready=true]")
    act = ACTIVATIONS[name]
    sentence = page.text_content("#sentence")
    assert sentence.startswith(act.words.format(z="z₁")), sentence
    assert page.is_visible("#eq-formula math")


def test_labs_training_menu_lists_every_hidden_activation(make_page, base_url):
    page = make_page(1280, 800)
    page.goto(f"{base_url}/labs")
    assert options(page, "select[name=activation]") == pairs(
        (n, ACTIVATIONS[n].title) for n in HIDDEN
    )
