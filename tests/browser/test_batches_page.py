"""Mini-batches on the step page, in headless Chromium: a link opens at its epoch and batch, the
counter, the Sample menu and the ledger name the batch's samples as the API gives them, stepping
past an update goes on to the next batch (and epoch), the Network panel sets the batch size, and
/labs hands a run off at its next iteration, to the last digit of /api/train's weights."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import numpy as np
import pytest

from app.engine.presets import PRESETS
from tests.browser.pageview import open_lesson, open_worksheet, page_url
from tests.browser.test_page import run_axe

pytestmark = pytest.mark.browser


def link(scenario: dict, **rest) -> str:
    s = base64.urlsafe_b64encode(json.dumps(scenario).encode()).decode().rstrip("=")
    return "#" + "&".join([f"s={s}", *(f"{k}={v}" for k, v in rest.items())])


def from_link(href: str) -> tuple[dict, dict]:
    q = parse_qs(urlsplit(href).fragment)
    s = q.pop("s")[0]
    return json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))), q


def counter(page) -> str:
    return " ".join(page.inner_text("#iteration-count").split())


def wait_counter(page, words: str) -> None:
    page.wait_for_function(
        "(w) => document.getElementById('iteration-count').textContent.includes(w)", arg=words
    )


def test_the_step_page_walks_the_batches_of_an_epoch(shared_page, base_url):
    page = shared_page(1366, 768)
    sc = copy.deepcopy(PRESETS["xor"]["scenario"])
    sc.update(batch_size=2, shuffle_seed=3)
    rng = np.random.RandomState(3)  # the trainer's order: a permutation of the 4 samples an epoch
    epochs = [rng.permutation(4) for _ in range(3)]
    open_lesson(page, base_url, link(sc, iteration=4, g="pass", k=3))
    wait_counter(page, "epoch 2")
    second = epochs[1][2:] + 1  # epoch 2, batch 2: the data set's numbering, from 1
    assert counter(page) == f"Iteration 4 epoch 2 · batch 2 of 2 samples {second[0]}, {second[1]}"
    # the counter leaves the timeline room at 1366 px: every phase's name inside its button
    clipped = page.eval_on_selector_all(
        ".phase-seg:not([hidden])",
        """bs => bs.filter(b => b.querySelector('.phase-name').getBoundingClientRect().right
                              > b.getBoundingClientRect().right).map(b => b.dataset.phase)""",
    )
    assert clipped == []
    menu = page.eval_on_selector_all("#sample-select option", "os => os.map(o => o.textContent)")
    assert menu == [f"{second[0]} (1 of 2 in batch)", f"{second[1]} (2 of 2 in batch)"]
    # the update is done: Step starts the next iteration, the first batch of epoch 3
    page.keyboard.press("ArrowRight")
    wait_counter(page, "epoch 3")
    third = epochs[2][:2] + 1
    assert counter(page) == f"Iteration 5 epoch 3 · batch 1 of 2 samples {third[0]}, {third[1]}"
    # the link keeps it: opened afresh, the same batch of the same epoch
    url = page_url(page)
    assert "iteration=5" in url
    page.goto("about:blank")
    page.goto(url)
    page.wait_for_selector("html[data-ready=true]")
    wait_counter(page, "epoch 3")
    assert counter(page) == f"Iteration 5 epoch 3 · batch 1 of 2 samples {third[0]}, {third[1]}"


def test_the_network_panel_sets_the_batch_size(shared_page, base_url):
    page = shared_page()
    open_lesson(page, base_url, "#preset=xor")
    assert page.input_value("#arch-batch-size") == ""  # full batch
    assert counter(page) == "Iteration 1"
    page.fill("#arch-batch-size", "9")
    page.click("#arch-apply")
    errors = page.text_content("#arch-errors")
    assert "Batch size “9” must be a whole number from 1 to 4" in errors, errors
    page.fill("#arch-batch-size", "3")
    page.fill("#arch-shuffle-seed", "4294967296")
    page.click("#arch-apply")
    assert "0 to 4294967295" in page.text_content("#arch-errors")
    page.fill("#arch-shuffle-seed", "3")
    page.click("#arch-apply")
    wait_counter(page, "epoch 1")
    first = np.random.RandomState(3).permutation(4)[:3] + 1
    assert counter(page) == (
        f"Iteration 1 epoch 1 · batch 1 of 2 samples {', '.join(map(str, first))}"
    )
    sc, _ = from_link(page_url(page))
    assert sc["batch_size"] == 3 and sc["shuffle_seed"] == 3


def trained_values(sc: dict) -> list[float]:
    return [v for W in sc["weights"] for row in W for v in row] + [
        v for b in sc["biases"] for v in b
    ]


def test_labs_hands_the_run_on_at_its_next_iteration(shared_page, base_url):
    page = shared_page(1366, 768)
    page.goto(f"{base_url}/labs")
    page.wait_for_function(
        "() => /^4 training samples/.test(document.querySelector('#train-status').textContent)"
    )
    page.fill("input[name=epochs]", "30")
    page.fill("input[name=batch_size]", "3")
    if page.locator("select[name=optimizer]").count():
        page.select_option("select[name=optimizer]", "adam")  # state that must carry on
    page.click("#train")
    page.wait_for_selector("#train-status.ok", timeout=30000)
    page.wait_for_selector("#handoff-note")
    assert "60 updates" in page.text_content("#train-status")
    note = page.text_content("#handoff-note")
    assert note.startswith("Opens at iteration 61 (epoch 31 · batch 1 of 2)"), note
    sc, rest = from_link(page.get_attribute("#handoff", "href"))
    assert rest["iteration"] == ["61"] and sc["batch_size"] == 3 and "weights" not in sc
    page.click("#copy-scenario")
    trained = json.loads(page.input_value("#scenario-json"))
    # the step page's iteration 61 starts from exactly the weights the run ended with
    g = page.request.post(
        f"{base_url}/api/graph", data={"scenario": sc, "iteration": 61, "labels": "text"}
    ).json()
    got = {p["id"]: p["value"] for p in g["parameters"]}
    ids = [p["id"] for p in g["parameters"] if p["id"].startswith("W")]
    ids += [p["id"] for p in g["parameters"] if p["id"].startswith("b")]
    np.testing.assert_allclose(
        [got[i] for i in ids], trained_values(trained), rtol=1e-12, atol=1e-12
    )
    page.click("#handoff")
    page.wait_for_selector("html[data-ready=true]")
    wait_counter(page, "epoch 31")
    assert counter(page).startswith("Iteration 61 epoch 31 · batch 1 of 2")

    # clipping is not replayed by the step page: the trained weights, and the note says so
    page.goto(f"{base_url}/labs")
    page.wait_for_function(
        "() => /^4 training samples/.test(document.querySelector('#train-status').textContent)"
    )
    page.fill("input[name=epochs]", "20")
    page.fill("input[name=batch_size]", "2")
    page.fill("input[name=clip_norm]", "0.5")
    page.click("#train")
    page.wait_for_selector("#train-status.ok", timeout=30000)
    page.wait_for_function(
        "() => /clipped/.test(document.querySelector('#handoff-note')?.textContent || '')"
    )
    note = page.text_content("#handoff-note")
    assert "iteration 1" in note and "batch order" in note, note
    sc, rest = from_link(page.get_attribute("#handoff", "href"))
    assert "iteration" not in rest and sc["weights"]


def test_a_batch_reads_from_the_back_of_the_room(shared_page, base_url, axe_path):
    """Projector mode: the epoch, batch and samples are 24 px or more, and the page is axe clean."""
    sc = copy.deepcopy(PRESETS["xor"]["scenario"])
    sc.update(batch_size=2)
    page = shared_page(1920, 1080, reduced_motion="reduce", bypass_csp=True)
    open_lesson(page, base_url, link(sc, iteration=3, k=13, projector=1))
    wait_counter(page, "epoch 2")
    sizes = page.eval_on_selector_all(
        "#iteration-count, #iteration-count *",
        "els => els.map(e => [parseFloat(getComputedStyle(e).fontSize), e.textContent])",
    )
    assert len(sizes) == 3 and all(s >= 24 for s, _ in sizes), sizes
    box = page.locator("#iteration-count").bounding_box()
    timeline = page.locator("#timeline").bounding_box()
    assert box["x"] + box["width"] <= timeline["x"]  # beside the timeline, not over it
    assert run_axe(page, axe_path) == []


def test_worksheet_and_export_at_iteration_k_use_that_iterations_optimizer_state(
    shared_page, base_url
):
    """Adam at iteration 4 of a mini-batch lesson: "Check my working" checks that update (Adam's
    state carried in, as the step shows it), and the exported script starts at that iteration."""
    page = shared_page(1366, 768, reduced_motion="reduce")
    sc = copy.deepcopy(PRESETS["xor"]["scenario"])
    sc.update(batch_size=2, shuffle_seed=3, optimizer={"name": "adam"}, learning_rate=0.05)
    body = {"scenario": sc, "iteration": 4, "granularity": "pass", "cursor": 3, "precision": 12}
    shown = httpx.post(f"{base_url}/api/step", json=body).json()
    new = {p["id"]: p["new"] for p in shown["parameters"]}
    open_lesson(page, base_url, link(sc, iteration=4, g="pass", k=3))
    wait_counter(page, "epoch 2")
    open_worksheet(page)
    cell = page.locator("#panel-worksheet tr[data-key='new:W1_0_0'] input")
    cell.wait_for()
    cell.fill(f"{new['W1_0_0']:.6f}")
    page.click("#panel-worksheet .bs-ws-check")
    verdict = page.locator("#panel-worksheet tr[data-key='new:W1_0_0'] td").nth(1)
    page.wait_for_function(
        "(el) => el.textContent.trim() !== ''", arg=verdict.element_handle(), timeout=10_000
    )
    assert verdict.inner_text() == "✓ right"
    with page.expect_download() as dl:
        page.click("#panel-export-code .bs-export-btn[data-format='numpy']")
    text = Path(dl.value.path()).read_text()
    assert "Iteration 4 of the scenario" in text and "epoch 2, batch 2 of 2" in text
