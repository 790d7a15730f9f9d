"""The column format of /api/graph and /api/step (`"format": "columns"`, app/api/columns.py)
decodes to exactly the usual answer, for random networks, at random cursors, with `since`, with
non-finite values, and expanded; and it is the smaller answer."""

from __future__ import annotations

import json
import math
import random

import pytest

from app.api.columns import MEDIA_TYPE, columns, from_columns
from app.api.serialize import plain
from app.engine.answers import ParamView

ACTIVATIONS = ["sigmoid", "tanh", "relu", "linear"]


def random_network(rng: random.Random) -> dict:
    layers = [rng.randint(1, 5) for _ in range(rng.randint(2, 4))]
    samples = rng.randint(1, 3)
    return {
        "layers": layers,
        "activations": [rng.choice(ACTIVATIONS) for _ in layers[1:]],
        "loss": "mse",
        "init": {"scheme": "xavier", "seed": rng.randint(0, 10**6)},
        "inputs": [[rng.uniform(-2, 2) for _ in range(layers[0])] for _ in range(samples)],
        "targets": [[rng.uniform(-1, 1) for _ in range(layers[-1])] for _ in range(samples)],
        "learning_rate": rng.choice([0.1, 0.5, 1.0]),
    }


def both(client, path: str, body: dict) -> tuple[dict, dict]:
    usual = client.post(path, json=body)
    packed = client.post(path, json={**body, "format": "columns"})
    assert usual.status_code == packed.status_code == 200, (usual.text[:300], packed.text[:300])
    assert packed.headers["content-type"] == MEDIA_TYPE
    return usual.json(), packed.json()


@pytest.mark.parametrize("seed", range(6))
def test_random_networks_decode_to_the_usual_answer(client, seed):
    rng = random.Random(seed)
    scenario = random_network(rng)
    expand = seed % 3 == 2
    graph, packed = both(client, "/api/graph", {"scenario": scenario, "expand": expand})
    assert set(packed["nodes"]) == {"length", "columns"}
    assert set(packed["nodes"]["columns"]["label"]) == {"length", "columns"}  # nested
    assert from_columns(packed) == graph
    total = graph["plan"]["granularities"]["step"]["total"]
    cursors = sorted({0, total, *(rng.randint(0, total) for _ in range(3))})
    for cursor in cursors:
        body = {"scenario": scenario, "expand": expand, "cursor": cursor}
        body["sample"] = rng.randrange(len(scenario["inputs"]))
        if cursor and rng.random() < 0.5:
            body["since"] = rng.randint(0, cursor)
        usual, packed = both(client, "/api/step", body)
        assert from_columns(packed) == usual, body
        assert json.dumps(from_columns(packed)) == json.dumps(usual)  # the same keys, in order


def test_non_finite_values_become_null_as_in_the_usual_format():
    """A diverged lesson's infinities and NaNs: null in both formats, row for row."""
    rows = [
        ParamView("W1_0_0", 1.0, math.inf, -math.inf, [0, 1], math.nan, None, "up"),
        ParamView("b1_0", 0.5, 0.25, None, [1, 1], 0.125, 0.375, None),
    ]
    packed = columns(rows)
    assert packed["columns"]["value"] == [None, 0.25]
    assert packed["columns"]["grad"] == [None, None]
    assert from_columns({"parameters": packed})["parameters"] == plain(rows)
    json.dumps(packed, allow_nan=False)  # no NaN reaches JSON


def test_a_large_network_is_a_fraction_of_the_size(client):
    scenario = {
        "layers": [16, 16, 16],
        "activations": ["relu", "sigmoid"],
        "loss": "mse",
        "init": {"scheme": "he", "seed": 3},
        "inputs": [[0.1] * 16],
        "targets": [[0.5] * 16],
    }
    body = {"scenario": scenario, "labels": "text"}
    usual = client.post("/api/graph", json=body)
    packed = client.post("/api/graph", json={**body, "format": "columns"})
    assert len(packed.content) < 0.6 * len(usual.content)
    assert from_columns(packed.json()) == usual.json()


def test_an_unknown_format_is_refused_naming_the_field(client, tutorial):
    r = client.post("/api/graph", json={"scenario": tutorial, "format": "rows"})
    assert r.status_code == 422
    assert "format" in r.text
