"""The SVG export as a teacher sees it: the focus as the page shows it, and a small graph's file,
written at once (the largest network's, written in short tasks while the page goes on, is
test_largest_export.py's, on the page that exports its PNG)."""

from __future__ import annotations

import re

import pytest

from tests.browser.pageview import wait_cursor
from tests.browser.test_largest_export import click, size_text
from tests.browser.test_largest_network import LOAD_MS, lesson_hash

pytestmark = pytest.mark.browser


def test_the_focused_nodes_ring_alone_is_drawn_in_the_largest_networks_svg(shared_page, base_url):
    """The file shows the focus as the page does: the keyboard-focused data node's ring, and no
    other of the 56 (the styles of a large graph's elements are read once per kind: the focused
    one is a kind of its own)."""
    page = shared_page(1280, 800, reduced_motion="reduce", color_scheme="light")
    page.goto(f"{base_url}/{lesson_hash()}&k=0")
    page.wait_for_selector("html[data-ready=true]", timeout=LOAD_MS)
    page.focus("#graph .editable")
    page.keyboard.press("Shift")  # a key: the focus is shown (:focus-visible)
    rings, colour = page.evaluate(
        """() => {
      const ring = document.activeElement.querySelector('.focus-ring');
      const drawn = (r) => getComputedStyle(r).stroke !== 'none';
      return [[...document.querySelectorAll('#graph .focus-ring')].filter(drawn).length,
              getComputedStyle(ring).stroke];
    }"""
    )
    assert rings == 1 and colour.startswith("rgb(")
    with page.expect_download(timeout=LOAD_MS) as svg:
        page.evaluate(click("export-svg"))  # (a click would take the focus to the button)
    text = open(svg.value.path(), encoding="utf-8").read()
    assert page.evaluate("document.activeElement.classList.contains('editable')")
    assert len(re.findall(rf'<rect [^>]*stroke="{re.escape(colour)}"', text)) == 1


def test_a_small_graphs_svg_says_its_name_and_size(shared_page, base_url):
    """The tutorial's SVG is written at once, as before; the toast says what was saved."""
    page = shared_page()
    page.goto(f"{base_url}/#preset=tutorial&k=5")
    page.wait_for_selector("html[data-ready=true]")
    wait_cursor(page, 5)
    with page.expect_download() as svg:
        page.click("#export-svg")
    data = open(svg.value.path(), "rb").read()
    assert data.startswith(b"<svg") and "W₁₁".encode() in data
    name = svg.value.suggested_filename
    assert name == "backstep-tutorial-step-5.svg"
    page.wait_for_function("() => /Saved/.test(document.getElementById('toast').textContent)")
    assert f"Saved {name} ({size_text(len(data))})" in page.text_content("#toast")
