"""The iteration of /api/step and /api/graph: validation, and iteration k against a hand-written
NumPy loop of k − 1 updates."""

import copy

import numpy as np
import pytest

from app.api.convert import to_spec
from app.api.schemas.scenario import Scenario
from app.engine.iterations import iteration_work
from app.engine.presets import PRESETS
from app.limits import MAX_ITERATION, MAX_ITERATION_WORK, MAX_LOSS_HISTORY
from tests.oracle_sgd import reference_sgd


def sc(name="tutorial"):
    return copy.deepcopy(PRESETS[name]["scenario"])


def values(params, key):
    return {p["id"]: p[key] for p in params}


def by_id(spec_tensors, prefix):
    out = {}
    for l, t in enumerate(spec_tensors, start=1):
        for idx in np.ndindex(t.shape):
            out[f"{prefix}{l}_" + "_".join(map(str, idx))] = float(t[idx])
    return out


def reference_params(name, updates):
    Ws, bs, losses = reference_sgd(to_spec(Scenario.model_validate(sc(name))), updates)
    return {**by_id(Ws, "W"), **by_id(bs, "b")}, losses


def error(resp):
    assert resp.status_code == 422, resp.text
    return resp.json()["detail"]


@pytest.mark.parametrize("bad", [0, -1, MAX_ITERATION + 1, 2.5, "2", None])
def test_iteration_out_of_range_is_refused_at_the_field(client, bad):
    for path in ("/api/step", "/api/graph"):
        detail = error(client.post(path, json={"scenario": sc(), "iteration": bad}))
        assert detail[0]["loc"] == ["body", "iteration"]


def test_iteration_beyond_the_work_budget_is_refused_naming_it(client):
    big = {
        "layers": [8, 16, 16, 1],
        "activations": ["tanh", "tanh", "sigmoid"],
        "loss": "mse",
        "inputs": [[0.1] * 8] * 400,
        "targets": [[0.5]] * 400,
        "learning_rate": 0.1,
    }
    per = iteration_work(big["layers"], 400)
    most = 1 + MAX_ITERATION_WORK // per
    assert most < MAX_ITERATION  # within the range, beyond the work
    for path in ("/api/step", "/api/graph"):
        detail = error(client.post(path, json={"scenario": big, "iteration": most + 1}))
        assert detail[0]["loc"] == ["body", "iteration"]
        assert f"{MAX_ITERATION_WORK:,}" in detail[0]["msg"] and f"{most:,}" in detail[0]["msg"]
    ok = client.post("/api/graph", json={"scenario": big, "iteration": min(most, 3)})
    assert ok.status_code == 200


def test_an_expression_has_one_iteration(client):
    expr = client.get("/api/expressions/presets").json()[0]
    scenario = client.get(f"/api/expressions/presets/{expr['id']}").json()["scenario"]
    detail = error(client.post("/api/step", json={"scenario": scenario, "iteration": 2}))
    assert detail[0]["loc"] == ["body", "iteration"] and "network" in detail[0]["msg"]
    one = client.post("/api/step", json={"scenario": scenario, "iteration": 1}).json()
    assert one["iteration"] == 1 and one["history"] == {
        "iterations": [],
        "losses": [],
        "complete": True,
    }


def test_a_diverging_scenario_names_its_last_iteration(client):
    wild = sc() | {"activations": ["linear", "linear"], "learning_rate": 1e6}
    detail = error(client.post("/api/step", json={"scenario": wild, "iteration": 200}))
    assert detail[0]["loc"] == ["body", "iteration"] and "non-finite" in detail[0]["msg"]


def test_tutorial_iteration_two_starts_from_one_update(client):
    ref, losses = reference_params("tutorial", 1)
    g = client.post("/api/graph", json={"scenario": sc(), "iteration": 2}).json()
    got = values(g["parameters"], "value")
    assert got == pytest.approx(ref, abs=1e-12)
    r = client.post(
        "/api/step", json={"scenario": sc(), "iteration": 2, "cursor": 1, "granularity": "pass"}
    ).json()
    assert r["iteration"] == 2
    assert r["loss"]["before"] == pytest.approx(losses[1], abs=1e-12)
    assert r["history"]["iterations"] == [1, 2]
    assert r["history"]["losses"] == pytest.approx(losses, abs=1e-12)
    assert r["history"]["complete"] is True


@pytest.mark.parametrize("name", ["tutorial", "xor", "softmax"])
def test_iteration_1000_equals_999_reference_updates(client, name):
    ref_start, losses = reference_params(name, 999)
    ref_end, _ = reference_params(name, 1000)
    req = {"scenario": sc(name), "iteration": 1000, "granularity": "pass", "cursor": 3}
    r = client.post("/api/step", json=req).json()
    assert r["iteration"] == 1000 and r["phase"] == "done"
    assert values(r["parameters"], "old") == pytest.approx(ref_start, abs=1e-12)
    assert values(r["parameters"], "new") == pytest.approx(ref_end, abs=1e-12)
    assert r["loss"]["before"] == pytest.approx(losses[999], abs=1e-12)
    h = r["history"]
    assert len(h["iterations"]) == MAX_LOSS_HISTORY and h["complete"] is False
    assert h["iterations"][0] == 1 and h["iterations"][-1] == 1000
    assert h["losses"] == pytest.approx([losses[i - 1] for i in h["iterations"]], abs=1e-12)
    # the same request, the same bytes (answers are a pure function of the request)
    again = client.post("/api/step", json=req)
    assert again.content == client.post("/api/step", json=req).content


def test_frozen_tensors_stay_frozen_across_iterations(client):
    scenario = sc("xor") | {"frozen": ["W1"]}
    one = client.post("/api/graph", json={"scenario": scenario}).json()
    fifty = client.post("/api/graph", json={"scenario": scenario, "iteration": 50}).json()
    v1, v50 = values(one["parameters"], "value"), values(fifty["parameters"], "value")
    assert all(v50[k] == v1[k] for k in v1 if k.startswith("W1"))
    assert any(v50[k] != v1[k] for k in v1 if k.startswith("W2"))


def test_iteration_is_part_of_the_answer_key(client):
    """A cached iteration-1 answer is never served for iteration 2 (or the other way)."""
    a = client.post("/api/step", json={"scenario": sc(), "cursor": 1}).json()
    b = client.post("/api/step", json={"scenario": sc(), "cursor": 1, "iteration": 2}).json()
    c = client.post("/api/step", json={"scenario": sc(), "cursor": 1}).json()
    assert a == c and a["steps"][0]["value"] != b["steps"][0]["value"]
