"""Hostile and careless input: each case gets a clear 4xx naming the field and the limit, fast,
and never a 500 or a NaN in the JSON."""

import json
import time
import tracemalloc

import numpy as np
import pytest

from app.limits import MAX_BODY_BYTES, MAX_LAYERS, MAX_WIDTH
from tests.ops.conftest import strict_json


def post_raw(client, path: str, text: str):
    return client.post(path, content=text, headers={"content-type": "application/json"})


def locs(response) -> list[list]:
    return [e["loc"] for e in response.json()["detail"]]


def test_a_100000_neuron_layer_is_refused_in_milliseconds_without_allocating(client, tutorial):
    sc = {**tutorial, "layers": [64, 100_000, 64], "weights": None, "biases": None}
    sc["inputs"], sc["targets"] = [[0.0] * 64], [[0.0] * 64]
    body = json.dumps({"scenario": sc, "cursor": 0})
    post_raw(client, "/api/step", body)  # warm up imports and caches
    tracemalloc.start()
    t = time.process_time()
    r = post_raw(client, "/api/step", body)
    elapsed = time.process_time() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert r.status_code == 422
    assert locs(r) == [["body", "scenario", "layers", 1]]  # a bound the schema states
    assert f"less than or equal to {MAX_WIDTH}" in r.json()["detail"][0]["msg"]
    # CPU seconds of this process, so other processes' load does not count; typically ~2 ms
    assert elapsed < 0.25, elapsed
    # 64×100,000 weights alone would be 51 MB; the refusal allocates almost nothing.
    assert peak < 2_000_000, peak


@pytest.mark.parametrize("path", ["/api/step", "/api/graph", "/api/run"])
def test_too_many_layers_is_refused_naming_the_limit(client, tutorial, path):
    sc = {**tutorial, "layers": [2] * (MAX_LAYERS + 2), "weights": None, "biases": None}
    sc["activations"] = ["sigmoid"] * (MAX_LAYERS + 1)
    sc["targets"] = [[1.0, 0.0]]
    r = client.post(path, json={"scenario": sc})
    assert r.status_code == 422
    assert ["body", "scenario", "layers"] in locs(r)
    assert str(MAX_LAYERS + 1) in json.dumps(r.json())


def test_a_10_mib_body_gets_413_json_naming_the_limit(client, tutorial):
    padding = " " * (10 * 1_048_576)
    r = post_raw(client, "/api/step", json.dumps({"scenario": tutorial}) + padding)
    assert r.status_code == 413
    assert r.json()["limit"] == MAX_BODY_BYTES
    assert "1,048,576 bytes" in r.json()["detail"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_a_body_just_under_the_limit_is_parsed(client, tutorial):
    text = json.dumps({"scenario": tutorial, "cursor": 1})
    r = post_raw(client, "/api/step", text + " " * (MAX_BODY_BYTES - len(text)))
    assert r.status_code == 200


@pytest.mark.parametrize("depth", [40, 1000, 200_000])
def test_deeply_nested_json_is_a_clear_400(client, depth):
    r = post_raw(client, "/api/step", "[" * depth + "]" * depth)
    assert r.status_code == 400
    assert "nested more than 32 levels" in r.json()["detail"]


def test_brackets_inside_strings_do_not_count_as_nesting(client, tutorial):
    # 100 '[' in a string: not nesting. The request is refused for the bad name, not for depth.
    sc = {**tutorial, "frozen": ["[" * 100 + '\\"{']}
    r = client.post("/api/step", json={"scenario": sc})
    assert r.status_code == 422
    assert locs(r) == [["body", "scenario", "frozen", 0]]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_literals_are_refused_with_finite_json(client, tutorial, literal):
    text = json.dumps({"scenario": tutorial}).replace("0.4", literal, 1)
    r = post_raw(client, "/api/step", text)
    assert r.status_code == 422
    body = strict_json(r.text)  # the error echo must not carry NaN either
    assert body["detail"] == [
        {
            "type": "finite_number",
            "loc": ["body", "scenario", "weights", 0, 0, 0],
            "msg": "Input should be a finite number",
        }
    ]


@pytest.mark.parametrize("bad", ["0.5", "", True, False, None, [0.5], {"v": 0.5}])
def test_anything_but_a_number_where_a_number_belongs_is_one_clear_error(client, tutorial, bad):
    tutorial["inputs"] = [[bad, 0.8]]
    r = client.post("/api/step", json={"scenario": tutorial})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert len(detail) == 1  # one error per bad value, not one per member of a union
    assert detail[0]["loc"] == ["body", "scenario", "inputs", 0, 0]


@pytest.mark.parametrize("field", ["learning_rate", "leaky_slope"])
def test_strings_for_scalar_numbers_are_refused(client, tutorial, field):
    tutorial[field] = "0.1"
    r = client.post("/api/step", json={"scenario": tutorial})
    assert r.status_code == 422
    assert locs(r) == [["body", "scenario", field]]


def test_strings_for_integers_are_refused(client, tutorial):
    r = client.post("/api/step", json={"scenario": tutorial, "cursor": "3"})
    assert r.status_code == 422
    assert locs(r) == [["body", "cursor"]]


def test_an_unknown_preset_is_404_listing_the_known_ones(client):
    r = client.get("/api/presets/no-such-preset")
    assert r.status_code == 404
    assert "unknown preset 'no-such-preset'" in r.json()["detail"]
    assert "tutorial" in r.json()["detail"]


def test_a_cursor_past_the_end_is_422_naming_the_last_valid_cursor(client, tutorial):
    total = client.post("/api/graph", json={"scenario": tutorial}).json()["plan"]["total_steps"]
    assert client.post("/api/step", json={"scenario": tutorial, "cursor": total}).status_code == 200
    r = client.post("/api/step", json={"scenario": tutorial, "cursor": total + 1})
    assert r.status_code == 422
    assert locs(r) == [["body", "cursor"]]
    assert f"cursor 0 to {total}" in r.json()["detail"][0]["msg"]


def reference_losses(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float):
    """A linear network's MSE loss before and after one gradient step, in plain NumPy."""
    with np.errstate(all="ignore"):
        acts = [x]
        for W in weights:
            acts.append(acts[-1] @ W.T)
        loss = 0.5 * np.sum((acts[-1] - y) ** 2) / len(x)
        delta = (acts[-1] - y) / len(x)
        grads = []
        for l in range(len(weights) - 1, -1, -1):
            grads.insert(0, delta.T @ acts[l])
            delta = delta @ weights[l]
        new = [W - lr * g for W, g in zip(weights, grads, strict=True)]
        out = x
        for W in new:
            out = out @ W.T
        return loss, 0.5 * np.sum((out - y) ** 2) / len(x)


def test_a_huge_learning_rate_diverges_and_says_so_in_finite_json(client):
    width, depth, lr = 4, 10, 1e6
    weights = [np.full((width, width), 100.0) for _ in range(depth)]
    x, y = np.full((1, width), 1e6), np.zeros((1, width))
    before, after = reference_losses(weights, x, y, lr)
    assert np.isfinite(before) and not np.isfinite(after)  # the oracle: this step overflows
    sc = {
        "layers": [width] * (depth + 1),
        "activations": ["linear"] * depth,
        "weights": [W.tolist() for W in weights],
        "inputs": x.tolist(),
        "targets": y.tolist(),
        "learning_rate": lr,
    }
    run = strict_json(client.post("/api/run", json={"scenario": sc}).text)
    assert run["diverged"] is True
    assert run["loss"] == pytest.approx(before, rel=1e-12)
    assert run["loss_after"] is None
    total = client.post("/api/graph", json={"scenario": sc}).json()["plan"]["total_steps"]
    r = client.post("/api/step", json={"scenario": sc, "cursor": total})
    assert r.status_code == 200
    end = strict_json(r.text)
    assert end["loss"]["before"] == pytest.approx(before, rel=1e-12)
    assert end["loss"]["after"] is None
    assert end["diverged"] is not None and end["diverged"]["message"]
