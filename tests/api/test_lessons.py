"""/api/presets, /api/graph, /api/step, /api/run and /healthz through the HTTP layer."""

import copy
import os

import numpy as np
import pytest

from app.engine.presets import PRESETS

PRESET_IDS = list(PRESETS)


def test_health(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok" and r.json()["version"]


def test_presets_list_and_read(client):
    listed = client.get("/api/presets").json()
    assert [p["id"] for p in listed] == PRESET_IDS
    assert all(p["title"] and len(p["description"]) > 80 for p in listed)
    for pid in PRESET_IDS:
        r = client.get(f"/api/presets/{pid}")
        assert r.status_code == 200 and r.json()["id"] == pid


def test_unknown_preset_is_404(client):
    r = client.get("/api/presets/nope")
    assert r.status_code == 404 and "unknown preset" in r.json()["detail"]


@pytest.mark.parametrize("pid", PRESET_IDS)
def test_graph_has_stable_ids_and_a_plan(client, pid):
    sc = client.get(f"/api/presets/{pid}").json()["scenario"]
    g = client.post("/api/graph", json={"scenario": sc}).json()
    ids = [n["id"] for n in g["nodes"]]
    assert len(ids) == len(set(ids))
    assert {e["source"] for e in g["edges"]} <= set(ids) and {
        e["target"] for e in g["edges"]
    } <= set(ids)
    assert all(e["id"] == f"{e['source']}__{e['target']}" for e in g["edges"])
    plan = g["plan"]["granularities"]
    assert plan["pass"]["total"] == 3 and plan["step"]["total"] == g["plan"]["total_steps"]
    weights = [p for p in g["parameters"] if p["tensor"].startswith("W")]
    assert all(p["edge"] in {e["id"] for e in g["edges"]} for p in weights)


@pytest.mark.parametrize("pid", PRESET_IDS)
def test_stepping_to_the_end_and_back_gives_identical_states(client, pid):
    sc = client.get(f"/api/presets/{pid}").json()["scenario"]
    total = client.post("/api/graph", json={"scenario": sc}).json()["plan"]["total_steps"]
    ahead = [
        client.post("/api/step", json={"scenario": sc, "cursor": c}).json()
        for c in range(total + 1)
    ]
    back = [
        client.post("/api/step", json={"scenario": sc, "cursor": c}).json()
        for c in range(total, -1, -1)
    ]
    assert ahead == back[::-1]
    assert ahead[0]["phase"] == "start" and ahead[-1]["phase"] == "done"
    for c, view in enumerate(ahead[1:], start=1):  # each cursor took exactly step c − 1
        assert [s["index"] for s in view["steps"]] == [c - 1]


def test_step_selects_a_sample_and_averages_parameter_gradients(client):
    sc = client.get("/api/presets/xor").json()["scenario"]
    g = client.post("/api/graph", json={"scenario": sc}).json()
    end_bw = g["plan"]["granularities"]["step"]["phase_starts"]["update"]
    views = [
        client.post("/api/step", json={"scenario": sc, "cursor": end_bw, "sample": s}).json()
        for s in range(4)
    ]
    outs = [next(n for n in v["nodes"] if n["id"] == "a2_0")["value"] for v in views]
    assert len(set(outs)) == 4  # each sample's own forward value
    assert all(v["parameters"] == views[0]["parameters"] for v in views)  # the batch mean
    run = client.post("/api/run", json={"scenario": sc, "include_steps": False}).json()
    grad = next(p for p in views[0]["parameters"] if p["id"] == "W2_0_1")["grad"]
    assert grad == pytest.approx(run["gradients"]["weights"][1][0][1], rel=1e-12)
    sentence = views[1]["steps"][0]["explanation"]["sentence"]
    # the sample's term of the mean, said where the mean is taken (not "sample k of m" on
    # every step any more: classroom review, finding 10)
    assert "This sample's term is" in sentence and "mean of all 4 samples' terms" in sentence


def test_run_shapes_match_the_scenario(client):
    sc = client.get("/api/presets/deep").json()["scenario"]
    r = client.post("/api/run", json={"scenario": sc}).json()
    shapes = [(a, b) for a, b in zip(sc["layers"][1:], sc["layers"][:-1], strict=True)]
    assert [np.shape(w) for w in r["gradients"]["weights"]] == shapes
    assert [np.shape(w) for w in r["updated"]["weights"]] == shapes
    assert [len(b) for b in r["updated"]["biases"]] == sc["layers"][1:]
    assert np.shape(r["outputs"]) == (len(sc["inputs"]), sc["layers"][-1])
    assert (
        len(r["steps"])
        == client.post("/api/graph", json={"scenario": sc}).json()["plan"]["total_steps"]
    )


@pytest.mark.parametrize("pid", PRESET_IDS)
def test_run_agrees_with_torch(client, pid):
    torch = __import__("torch") if os.environ.get("CI") else pytest.importorskip("torch")
    sc = client.get(f"/api/presets/{pid}").json()["scenario"]
    r = client.post("/api/run", json={"scenario": sc, "include_steps": False}).json()
    g = client.post("/api/graph", json={"scenario": sc}).json()
    depth = len(sc["layers"]) - 1
    ws = [np.zeros((sc["layers"][l + 1], sc["layers"][l])) for l in range(depth)]
    bs = [np.zeros(sc["layers"][l + 1]) for l in range(depth)]
    for p in g["parameters"]:
        (ws if p["tensor"][0] == "W" else bs)[int(p["tensor"][1:]) - 1][tuple(p["index"])] = p[
            "value"
        ]
    tw = [torch.tensor(w, requires_grad=True) for w in ws]
    tb = [torch.tensor(b, requires_grad=True) for b in bs]
    a = torch.tensor(np.array(sc["inputs"], dtype=float))
    y = torch.tensor(np.array(sc["targets"], dtype=float))
    f = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "linear": lambda z: z,
        "softmax": lambda z: torch.softmax(z, dim=1),
    }
    for w, b, act in zip(tw, tb, sc["activations"], strict=True):
        a = f[act](a @ w.T + b)
    per = (0.5 * ((a - y) ** 2).sum(1)) if sc["loss"] == "mse" else -(y * torch.log(a)).sum(1)
    loss = per.mean()
    loss.backward()
    assert r["loss"] == pytest.approx(loss.item(), rel=1e-10)
    lr = sc["learning_rate"]
    for l in range(depth):
        np.testing.assert_allclose(
            r["gradients"]["weights"][l], tw[l].grad.numpy(), rtol=1e-10, atol=1e-12
        )
        np.testing.assert_allclose(
            r["gradients"]["biases"][l], tb[l].grad.numpy(), rtol=1e-10, atol=1e-12
        )
        np.testing.assert_allclose(
            r["updated"]["weights"][l],
            (tw[l] - lr * tw[l].grad).detach().numpy(),
            rtol=1e-10,
            atol=1e-12,
        )


def test_granularity_units_and_phase_starts(client, tutorial):
    g = client.post("/api/graph", json={"scenario": tutorial}).json()["plan"]["granularities"]
    assert g["pass"]["phase_starts"] == {"forward": 0, "backward": 1, "update": 2}
    r = client.post(
        "/api/step", json={"scenario": tutorial, "cursor": 2, "granularity": "pass"}
    ).json()
    assert (
        r["phase"] == "backward"
        and len(r["steps"])
        == g["step"]["phase_starts"]["update"] - g["step"]["phase_starts"]["backward"]
    )


def test_precision_and_max_explained(client, tutorial):
    r = client.post("/api/step", json={"scenario": tutorial, "cursor": 1, "precision": 8}).json()
    assert "0.50000000" in r["steps"][0]["explanation"]["substituted"]["text"]
    r = client.post(
        "/api/step",
        json={"scenario": tutorial, "cursor": 1, "granularity": "pass", "max_explained": 2},
    ).json()
    assert len(r["steps"]) == 2 and r["steps_omitted"] == 3
    assert all(n["value"] is not None for n in r["nodes"])


def test_huge_learning_rate_diverges_with_finite_json(client, tutorial):
    sc = copy.deepcopy(tutorial)
    sc.update(
        learning_rate=1e6,
        weights=[[[1e6, 1e6]], [[1e6]]],
        activations=["linear", "linear"],
        layers=[2, 1, 1],
    )
    r = client.post("/api/run", json={"scenario": sc, "include_steps": False})
    assert r.status_code == 200 and "NaN" not in r.text and "Infinity" not in r.text
    steps = client.post("/api/graph", json={"scenario": sc}).json()["plan"]["total_steps"]
    s = client.post("/api/step", json={"scenario": sc, "cursor": steps})
    assert s.status_code == 200 and "NaN" not in s.text and "Infinity" not in s.text


def test_cursors_in_every_granularity(client, tutorial):
    plan = client.post("/api/graph", json={"scenario": tutorial}).json()["plan"]["granularities"]
    for fine in range(plan["step"]["total"] + 1):
        view = client.post("/api/step", json={"scenario": tutorial, "cursor": fine}).json()
        assert view["cursors"]["step"] == fine
        for gran in ("node", "layer", "pass"):
            c = view["cursors"][gran]
            done = client.post(
                "/api/step", json={"scenario": tutorial, "cursor": c, "granularity": gran}
            ).json()
            assert done["fine_cursor"] <= fine  # never past this position...
            if c < plan[gran]["total"]:  # ...and the next unit would be
                nxt = client.post(
                    "/api/step", json={"scenario": tutorial, "cursor": c + 1, "granularity": gran}
                ).json()
                assert nxt["fine_cursor"] > fine
