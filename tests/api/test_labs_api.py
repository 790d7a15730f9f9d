"""/api/gradcheck and /api/labs/*: shapes, numbers from independent computations, bounds."""

import json

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.engine.presets import get_preset
from app.main import app
from tests.oracles_train import mlp_grads


@pytest.fixture(scope="module")
def client():
    return TestClient(app)


def strict(r):
    def bad(token):
        raise AssertionError(f"non-JSON number {token}")

    assert r.status_code == 200, r.text
    return json.loads(r.text, parse_constant=bad)


TUTORIAL = get_preset("tutorial")["scenario"]


def tutorial_grads():
    sc = TUTORIAL
    W = [np.array(w, float) for w in sc["weights"]]
    B = [np.array(b, float) for b in sc["biases"]]
    _, dws, dbs = mlp_grads(
        W, B, ["sigmoid", "sigmoid"], np.array(sc["inputs"], float), np.array(sc["targets"], float)
    )
    return {
        "W1_0_0": dws[0][0, 0],
        "W1_0_1": dws[0][0, 1],
        "b1_0": dbs[0][0],
        "W2_0_0": dws[1][0, 0],
        "b2_0": dbs[1][0],
    }


def test_gradcheck_on_the_tutorial_network(client):
    body = strict(client.post("/api/gradcheck", json={"scenario": TUTORIAL}))
    ref = tutorial_grads()
    assert [p["id"] for p in body["parameters"]] == list(ref)
    for p in body["parameters"]:
        assert p["backprop"] == pytest.approx(ref[p["id"]], abs=1e-15)
        assert p["numeric"] == pytest.approx(ref[p["id"]], abs=1e-9)
        assert p["rel_error"] == pytest.approx(
            abs(p["numeric"] - p["backprop"]) / (abs(p["numeric"]) + abs(p["backprop"]))
        )
    assert body["forward_passes_numeric"] == 10
    assert body["passes_backprop"] == {"forward": 1, "backward": 1}


def test_gradcheck_bounds(client):
    r = client.post("/api/gradcheck", json={"scenario": TUTORIAL, "eps": 1.0})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "eps"]
    big = {
        "layers": [64, 64, 64],
        "activations": ["tanh", "linear"],
        "init": {"scheme": "xavier"},
        "inputs": [[0.0] * 64] * 300,
        "targets": [[0.0] * 64] * 300,
    }
    r = client.post("/api/gradcheck", json={"scenario": big})
    assert r.status_code == 422 and "limit is 1,000,000,000" in r.json()["detail"][0]["msg"]


def test_blame_shares(client):
    body = strict(client.post("/api/labs/blame", json={"scenario": TUTORIAL}))
    ref = tutorial_grads()
    total = sum(abs(v) for v in ref.values())
    for p in body["parameters"]:
        assert p["share"] == pytest.approx(abs(ref[p["id"]]) / total, abs=1e-15)
        assert p["update"] == pytest.approx(-0.5 * ref[p["id"]], abs=1e-15)
    l1 = sum(abs(ref[k]) for k in ("W1_0_0", "W1_0_1", "b1_0")) / total
    assert body["layers"][0] == {"layer": 1, "share": pytest.approx(l1, abs=1e-15)}


def test_vanishing_lab(client):
    body = strict(client.post("/api/labs/vanishing", json={"depth": 6, "width": 4}))
    assert [r["activation"] for r in body["runs"]] == ["sigmoid", "tanh", "relu"]
    assert all(len(r["grad_norms"]) == 6 for r in body["runs"])
    assert body["bound_first_over_last"] == 0.25**5


def test_exploding_lab_never_sends_nan(client):
    body = strict(client.post("/api/labs/exploding", json={}))
    plain = body["plain"]
    d = plain["diverged"]
    assert plain["train_loss"][d["step"]] is None and plain["final_loss"] is None
    assert all(v is not None for v in body["clipped"]["train_loss"])


def test_dead_relu_lab(client):
    body = strict(client.post("/api/labs/dead-relu", json={"epochs": 100}))
    relu = body["relu"]
    assert relu["dead_before"] == sum(n["dead"] for n in relu["before"])
    assert {n["id"] for n in relu["before"]} == {f"a1_{j}" for j in range(8)}


def test_zero_grad_lab(client):
    body = strict(client.post("/api/labs/zero-grad", json={"iterations": 4}))
    acc = body["accumulated"]
    np.testing.assert_allclose(acc["used_grad"], np.cumsum(acc["fresh_grad"]), rtol=1e-12)


def test_activations_lab(client):
    body = strict(client.post("/api/labs/activations", json={"lo": -2, "hi": 2, "points": 5}))
    sig = body["activations"][0]
    assert sig["name"] == "sigmoid" and sig["z"] == [-2, -1, 0, 1, 2]
    np.testing.assert_allclose(sig["value"], 1 / (1 + np.exp(-np.array(sig["z"]))), atol=1e-15)


@pytest.mark.parametrize(
    "path,payload,field",
    [
        ("vanishing", {"depth": 11}, "depth"),
        ("vanishing", {"width": 33}, "width"),
        ("exploding", {"epochs": 2001}, "epochs"),
        ("exploding", {"scale": 0}, "scale"),
        ("dead-relu", {"slope": 1}, "slope"),
        ("zero-grad", {"iterations": 101}, "iterations"),
        ("activations", {"points": 5000}, "points"),
        ("vanishing", {"bogus": 1}, "bogus"),
    ],
)
def test_lab_bounds(client, path, payload, field):
    r = client.post(f"/api/labs/{path}", json=payload)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == field


def test_activations_lo_must_be_below_hi(client):
    r = client.post("/api/labs/activations", json={"lo": 1, "hi": 1})
    assert r.status_code == 422 and "greater than lo" in r.json()["detail"][0]["msg"]
