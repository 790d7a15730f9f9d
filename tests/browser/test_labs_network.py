"""/labs in headless Chromium: the hidden-layers field says what it means and sets the depth and
width of the network that trains, and the gradient-check and blame panels examine the student's
network (trained, once trained), with every number checked against a NumPy reference."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import numpy as np
import pytest

from app.engine.notation import Notation
from app.limits import MAX_GRADCHECK_WORK
from tests.browser.pageview import number
from tests.oracles_train import mlp_grads

pytestmark = pytest.mark.browser

HIDDEN = "input[name=hidden]"
READOUT = "#hidden-readout"


@pytest.fixture
def labs_page(shared_page, base_url):
    """/labs at 1920×1080 (conftest.py's labs_page, on a page kept for the module's next tests:
    a new context is about a second a test)."""
    pg = shared_page(1920, 1080)
    pg.goto(f"{base_url}/labs")
    return pg


@pytest.fixture
def posted():
    """posted(page, path) collects the JSON bodies the page posts to `path`, from now on, until
    the test ends (the shared page outlives it: its listener is taken off)."""
    listening = []

    def collect(page, path: str) -> list[dict]:
        bodies: list[dict] = []

        def heard(r):
            if urlsplit(r.url).path == path:
                bodies.append(r.post_data_json)

        page.on("request", heard)
        listening.append((page, heard))
        return bodies

    yield collect
    for page, heard in listening:
        page.remove_listener("request", heard)


def train(page, dataset: str, hidden: str, epochs: int, samples: int | None = None) -> None:
    page.select_option("#dataset", dataset)
    if samples is not None:
        page.fill("input[name=samples]", str(samples))
    page.fill(HIDDEN, hidden)
    page.fill("input[name=epochs]", str(epochs))
    page.click("#train")
    page.wait_for_selector("#train-status.ok", timeout=30000)


def trained_scenario(page) -> dict:
    page.click("#copy-scenario")  # fills the text box before it tries the clipboard
    return json.loads(page.input_value("#scenario-json"))


def wait_for_lab(page, name: str, words: str) -> str:
    """The lab's "which network" line once a run that names `words` has finished."""
    page.wait_for_function(
        """([name, words]) => {
          const s = document.querySelector(`#lab-${name}`);
          return s.classList.contains('ran') && !s.classList.contains('busy')
            && s.querySelector('.which').textContent.includes(words);
        }""",
        arg=[name, words],
        timeout=30000,
    )
    return page.inner_text(f"#lab-{name} .which")


def reference(scenario: dict) -> tuple[float, dict[str, float]]:
    """The loss and ∂L/∂θ by parameter id (W{l}_{row}_{col}, b{l}_{row}), from the NumPy MLP."""
    weights = [np.array(w, float) for w in scenario["weights"]]
    biases = [np.array(b, float) for b in scenario["biases"]]
    x, y = np.array(scenario["inputs"], float), np.array(scenario["targets"], float)
    assert scenario["loss"] == "mse"
    loss, dws, dbs = mlp_grads(weights, biases, scenario["activations"], x, y)
    grads = {}
    for l, (dw, db) in enumerate(zip(dws, dbs, strict=True), start=1):
        for j in range(dw.shape[0]):
            for i in range(dw.shape[1]):
                grads[f"W{l}_{j}_{i}"] = float(dw[j, i])
            grads[f"b{l}_{j}"] = float(db[j])
    return float(loss), grads


def gradcheck_table(page) -> dict[str, tuple[float, float]]:
    rows = page.locator("#lab-gradcheck tbody tr").all()
    cells = [r.locator("td").all_inner_texts() for r in rows]
    return {c[0]: (number(c[1]), number(c[2])) for c in cells}


def by_name(grads: dict[str, float], layers: list[int]) -> dict[str, float]:
    """The reference's gradients keyed by the names the page shows (README, Notation)."""
    name = Notation(layers).text
    return {name(pid): g for pid, g in grads.items()}


def assert_gradcheck_shows(page, grads: dict[str, float], layers: list[int]) -> None:
    shown, named = gradcheck_table(page), by_name(grads, layers)
    assert set(shown) == set(named)
    for name, (backprop, numeric) in shown.items():
        # 8 significant digits on the page; central differences are good to ~1e-9 here
        assert backprop == pytest.approx(named[name], rel=1e-6, abs=1e-12), name
        assert numeric == pytest.approx(named[name], rel=1e-5, abs=1e-9), name


# ── the hidden-layers field ─────────────────────────────────────────────────


def test_the_field_says_it_holds_neurons_per_hidden_layer(labs_page):
    page = labs_page
    label = page.locator("label", has=page.locator(HIDDEN)).inner_text()
    assert "Neurons per hidden layer" in label
    assert page.inner_text(READOUT) == "1 hidden layer of 4 neurons: inputs → 4 → output"
    cases = {
        "8, 8": "2 hidden layers of 8 neurons each: inputs → 8 → 8 → output",
        "16 8 4": "3 hidden layers, of 16, 8 and 4 neurons: inputs → 16 → 8 → 4 → output",
        "1": "1 hidden layer of 1 neuron: inputs → 1 → output",
        "": "No hidden layer: the inputs feed the output directly: inputs → output",
    }
    for typed, says in cases.items():
        page.fill(HIDDEN, typed)
        assert page.inner_text(READOUT) == says
        assert page.get_attribute(HIDDEN, "aria-invalid") is None


def test_bad_hidden_layers_are_refused_in_words_before_any_request(labs_page, posted):
    page = labs_page
    wait_for_lab(page, "blame", "your network")  # the labs' own first runs are over
    datasets, streams = posted(page, "/api/datasets"), posted(page, "/api/train/stream")
    for typed, words in {
        "8, 0": "“0” is not a neuron count; give one whole number from 1 to 64",
        "8, 65": "“65” is not a neuron count",
        "8, 2.5": "“2.5” is not a neuron count",
        "eight": "“eight” is not a neuron count",
        ", ".join(["4"] * 10): "10 given; the limit is 9",
    }.items():
        page.fill(HIDDEN, typed)
        assert words in page.inner_text(READOUT)
        assert page.get_attribute(HIDDEN, "aria-invalid") == "true"
        page.click("#train")
        page.wait_for_selector("#train-status.error")
        assert words in page.inner_text("#train-status")
    page.click("#lab-gradcheck .run-lab")
    page.wait_for_function(
        "() => document.querySelector('#lab-gradcheck .which').textContent.includes('could not')"
    )
    assert words in page.inner_text("#lab-gradcheck .lab-out")
    assert datasets == [] and streams == []


def test_two_hidden_layers_of_eight_train_as_such(labs_page, posted):
    page = labs_page
    streams = posted(page, "/api/train/stream")
    train(page, "moons", "8, 8", epochs=20, samples=40)
    (sent,) = streams
    assert sent["scenario"]["layers"] == [2, 8, 8, 1]
    assert sent["scenario"]["activations"] == ["tanh", "tanh", "sigmoid"]
    trained = trained_scenario(page)
    shapes = [np.array(w).shape for w in trained["weights"]]
    assert shapes == [(8, 2), (8, 8), (1, 8)]
    assert page.locator("#neurons canvas").count() == 16  # every hidden neuron's map


def test_no_hidden_layer_trains_the_inputs_straight_into_the_output(labs_page, posted):
    page = labs_page
    streams = posted(page, "/api/train/stream")
    train(page, "clusters2", "", epochs=10, samples=40)
    assert streams[0]["scenario"]["layers"] == [2, 1]
    assert np.array(trained_scenario(page)["weights"][0]).shape == (1, 2)


# ── gradient check and blame on the student's network ───────────────────────


def test_the_checks_start_on_the_training_panels_network(labs_page, posted):
    page = labs_page
    checks = posted(page, "/api/gradcheck")
    which = wait_for_lab(page, "gradcheck", "your network")
    assert which.startswith("Checked: your network 2 → 4 → 1 (sigmoid hidden layer")
    assert "before training" in which and "seed 42" in which
    assert checks[-1]["scenario"]["layers"] == [2, 4, 1]
    assert page.locator("#lab-gradcheck tbody tr").count() == 17
    assert "your network 2 → 4 → 1" in wait_for_lab(page, "blame", "your network")


def test_gradcheck_and_blame_examine_the_trained_network(labs_page, posted):
    page = labs_page
    checks, blames = posted(page, "/api/gradcheck"), posted(page, "/api/labs/blame")
    page.select_option("select[name=activation]", "tanh")
    train(page, "moons", "3, 2", epochs=25, samples=30)
    trained = trained_scenario(page)
    assert trained["layers"] == [2, 3, 2, 1]

    which = wait_for_lab(page, "gradcheck", "after 25 epochs")
    assert which.startswith("Checked: your network 2 → 3 → 2 → 1 (tanh hidden layers")
    assert "on Two moons, 30 training samples" in which
    assert checks[-1]["scenario"] == trained  # the trained weights, nothing else
    loss, grads = reference(trained)
    assert len(grads) == 20
    assert_gradcheck_shows(page, grads, trained["layers"])
    assert page.locator("#lab-gradcheck tbody tr.bad").count() == 0  # backprop is right
    assert page.locator("#lab-gradcheck .finding.good").count() == 1

    wait_for_lab(page, "blame", "after 25 epochs")
    assert blames[-1]["scenario"] == trained
    total = sum(abs(g) for g in grads.values())
    titles = page.locator("#lab-blame svg rect.bar title").all_text_contents()
    assert len(titles) == 20
    named = by_name(grads, trained["layers"])
    for t in titles:
        name, pct = re.fullmatch(r"(\S+): ([\d.]+) %", t).groups()
        assert float(pct) == pytest.approx(100 * abs(named[name]) / total, abs=0.0051), name
    keys = page.locator("#lab-blame .legend .key").all_inner_texts()
    for l, key in enumerate(keys, start=1):
        layer = sum(abs(g) for pid, g in grads.items() if pid[1:].startswith(f"{l}_"))
        assert float(re.search(r"([\d.]+) %", key).group(1)) == pytest.approx(
            100 * layer / total, abs=0.051
        )
    shown_loss = re.search(r"Loss ([\d.e+−-]+)\.", page.inner_text("#lab-blame .lab-out")).group(1)
    assert number(shown_loss) == pytest.approx(loss, rel=1e-4)

    # Change the network in the form: the next check is of that one, before training.
    page.fill(HIDDEN, "5")
    page.click("#lab-gradcheck .run-lab")
    which = wait_for_lab(page, "gradcheck", "2 → 5 → 1")
    assert "before training" in which
    assert page.locator("#lab-gradcheck tbody tr").count() == 5 * 3 + 6


def test_a_network_too_large_to_check_is_refused_naming_it_and_the_limit(labs_page):
    page = labs_page
    page.watch.expect_status(422, "/api/gradcheck")
    wait_for_lab(page, "gradcheck", "your network")
    page.select_option("#dataset", "moons")
    page.fill("input[name=samples]", "1000")
    page.fill(HIDDEN, "64, 64, 64")
    page.click("#lab-gradcheck .run-lab")
    page.wait_for_function(
        "() => document.querySelector('#lab-gradcheck .which').textContent.startsWith('Refused')"
    )
    assert "your network 2 → 64 → 64 → 64 → 1" in page.inner_text("#lab-gradcheck .which")
    said = page.inner_text("#lab-gradcheck .lab-out")
    assert said.startswith("gradient check too large: its estimated cost is ")
    assert f"the limit is {MAX_GRADCHECK_WORK:,}" in said


def test_the_tutorial_example_is_still_one_choice_away(labs_page):
    page = labs_page
    wait_for_lab(page, "gradcheck", "your network")
    page.select_option("#lab-gradcheck select[name=network]", "tutorial")
    which = wait_for_lab(page, "gradcheck", "the tutorial’s 2 → 1 → 1 example")
    assert which.startswith("Checked: the tutorial’s 2 → 1 → 1 example")
    tutorial = {
        "weights": [[[0.4, 0.6]], [[0.9]]],
        "biases": [[0.1], [0.1]],
        "activations": ["sigmoid", "sigmoid"],
        "loss": "mse",
        "inputs": [[0.5, 0.8]],
        "targets": [[1.0]],
    }
    assert_gradcheck_shows(page, reference(tutorial)[1], [2, 1, 1])


def test_the_trained_networks_ledger_and_the_plot_select_each_other(labs_page):
    """After a run: the trained network's batch ledger (each sample's ∂ℓₛ/∂θ, against the NumPy
    MLP on that sample alone); a row rings its point on the plot, a point chooses its row."""
    page = labs_page
    train(page, "moons", "3", epochs=20, samples=30)
    trained = trained_scenario(page)
    page.wait_for_selector("#labs-ledger .ledger-row")
    page.select_option("#labs-ledger select", "W1_1_0")
    page.wait_for_function(
        "() => document.querySelector('#labs-ledger .ledger-summary dd')?.textContent.startsWith('W⁽¹⁾₂₁')"
    )
    for s in range(5):
        one = {
            **trained,
            "inputs": trained["inputs"][s : s + 1],
            "targets": trained["targets"][s : s + 1],
        }
        want = reference(one)[1]["W1_1_0"]
        shown = page.inner_text(f"#labs-ledger .ledger-row[data-sample='{s}'] .num")
        assert number(shown) == pytest.approx(want, abs=5.1e-5), (s, shown, want)
    page.click("#labs-ledger .ledger-row[data-sample='4']")
    page.wait_for_selector("#boundary[data-sample='4']")
    # the point farthest from its neighbours, clicked where it is drawn
    page.locator("#boundary").scroll_into_view_if_needed()
    at = page.evaluate(
        """(inputs) => import('/static/js/labs/heatmap.js').then((m) => {
          const c = document.getElementById('boundary'), b = c.getBoundingClientRect();
          const extent = JSON.parse(c.dataset.extent);
          const pts = inputs.map((x) => m.planePoint(c, extent, x));
          const gap = pts.map((p, i) => Math.min(...pts.filter((_, j) => j !== i)
            .map((q) => Math.hypot(p[0] - q[0], p[1] - q[1]))));
          const s = gap.indexOf(Math.max(...gap));
          return { s, gap: gap[s], css: [b.left + pts[s][0] * b.width / c.width, b.top + pts[s][1] * b.height / c.height] };
        })""",
        trained["inputs"],
    )
    assert at["gap"] > 25 and at["s"] != 4, at
    page.mouse.click(*at["css"])
    page.wait_for_selector(f"#boundary[data-sample='{at['s']}']")
    row = page.locator(f"#labs-ledger .ledger-row[data-sample='{at['s']}']")
    assert row.get_attribute("aria-selected") == "true" and row.is_visible()
