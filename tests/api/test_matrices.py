"""POST /api/matrices and /api/ledger: the cells each step reads and writes, the answers' agreement
with /api/step, and every refusal a clear 422 naming its field."""

import numpy as np
import pytest


@pytest.fixture(scope="module")
def xor(client):
    return client.get("/api/presets/xor").json()["scenario"]


def cells(view: dict, how: str) -> list[tuple[str, str, int | None]]:
    """(block, id, sample) of every marked cell of the view."""
    out = []
    for b in view["blocks"]:
        for o in (b["result"], *b["terms"]):
            for r, c in o[how]:
                i, j = o["rows"].index(r), o["cols"].index(c)
                sample = (
                    None if o["sample_axis"] is None else (r if o["sample_axis"] == "rows" else c)
                )
                out.append((b["id"], o["ids"][i][j], sample))
    return out


@pytest.mark.parametrize("convention", ["columns", "rows"])
def test_each_step_marks_what_it_reads_and_writes(client, xor, convention):
    total = client.post("/api/graph", json={"scenario": xor}).json()["plan"]["total_steps"]
    for k in range(1, total + 1):
        req = {"scenario": xor, "cursor": k, "sample": 2, "convention": convention}
        view = client.post("/api/matrices", json=req).json()
        step = client.post("/api/step", json={"scenario": xor, "cursor": k, "sample": 2}).json()
        st = step["steps"][0]
        written, read = cells(view, "write"), cells(view, "read")
        assert {i for _, i, _ in written} == {st["target"]}, (k, st)
        assert len({b for b, _, _ in written + read}) == 1  # one equation: the step's own
        assert view["active"] == [written[0][0]]
        ids = {i for _, i, _ in read}
        node, target = st["node"], st["target"]
        if st["phase"] == "forward" and node.startswith("z"):  # a row of W · a column of A, + b
            l, j = node[1:].split("_")
            assert {f"W{l}_{j}_0", f"W{l}_{j}_1"} <= ids and f"b{l}_{j}" in ids
            assert all(s in (None, 2) for _, _, s in read)
        elif st["phase"] == "backward" and target.startswith("W"):  # δ row · Aᵀ column, all s
            assert {s for _, i, s in read if i == node} == {0, 1, 2, 3}
        elif st["phase"] == "backward" and node.startswith("z") and target.startswith("a"):
            l, j = node[1:].split("_")
            i = target.split("_")[1]
            assert ids == {f"W{l}_{j}_{i}", node}  # Wⱼᵢ (of Wᵀ) times δⱼ of the sample
        elif st["phase"] == "update":
            assert ids == {target}  # θ and ∂L/∂θ
        # every cell shown agrees with /api/step for the selected sample
        nodes = {n["id"]: n for n in step["nodes"]}
        for b in view["blocks"]:
            for o in (b["result"], *b["terms"]):
                if o["kind"] not in ("value", "grad") or o["sample_axis"] is None:
                    continue
                for i, r in enumerate(o["rows"]):
                    for j, c in enumerate(o["cols"]):
                        s = r if o["sample_axis"] == "rows" else c
                        if s == 2 and o["ids"][i][j] in nodes:
                            n = nodes[o["ids"][i][j]]
                            want = n["grad"] if o["kind"] == "grad" else n["value"]
                            assert o["cells"][i][j] == want, (k, o["key"])


def test_ledger_agrees_with_the_step(client, xor):
    total = client.post("/api/graph", json={"scenario": xor}).json()["plan"]["total_steps"]
    resp = client.post("/api/ledger", json={"scenario": xor, "cursor": total, "param": "b1_2"})
    led = resp.json()
    step = client.post("/api/step", json={"scenario": xor, "cursor": total}).json()
    p = next(q for q in step["parameters"] if q["id"] == "b1_2")
    assert led["computed"] and len(led["contributions"]) == 4
    assert abs(sum(led["contributions"]) - 4 * p["grad"]) <= 1e-12
    assert led["mean"] == pytest.approx(p["grad"], abs=1e-15)
    assert led["update"] == pytest.approx(p["update"], abs=1e-15)
    assert led["new"] == p["new"] and led["old"] == p["old"]
    early = client.post("/api/ledger", json={"scenario": xor, "cursor": 3, "param": "b1_2"}).json()
    assert not early["computed"] and early["contributions"] is None
    done = client.post(
        "/api/ledger", json={"scenario": xor, "cursor": early["computed_at"], "param": "b1_2"}
    ).json()
    before = client.post(
        "/api/ledger", json={"scenario": xor, "cursor": early["computed_at"] - 1, "param": "b1_2"}
    ).json()
    assert done["computed"] and not before["computed"]


@pytest.mark.parametrize(
    ("path", "patch", "field", "words"),
    [
        ("/api/ledger", {"param": "x0"}, "param", "should match pattern"),
        ("/api/ledger", {"param": "W9_0_0"}, "param", "not a parameter"),
        ("/api/matrices", {"cursor": 10_000}, "cursor", "past the end"),
        ("/api/matrices", {"sample": 4}, None, "4 samples"),
        ("/api/matrices", {"convention": "diagonal"}, "convention", "columns"),
    ],
)
def test_refusals_name_the_field(client, xor, path, patch, field, words):
    body = {"scenario": xor, "cursor": 0, "param": "W1_0_0", **patch}
    if path == "/api/matrices":
        body.pop("param")
    r = client.post(path, json=body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"][0]
    if field:
        assert detail["loc"][-1] == field
    assert words in detail["msg"]


def test_an_expression_has_no_matrices(client):
    sc = {"kind": "expression", "expression": "a * b", "values": {"a": 1, "b": 2}}
    r = client.post("/api/matrices", json={"scenario": sc})
    assert r.status_code == 422
    assert "not made of matrices" in r.json()["detail"][0]["msg"]


def test_too_large_to_step_is_refused(client):
    sc = {
        "layers": [64, 64, 64],
        "activations": ["tanh", "sigmoid"],
        "loss": "mse",
        "init": {"scheme": "normal", "seed": 1},
        "inputs": [[0.0] * 64] * 10_000,
        "targets": [[0.0] * 64] * 10_000,
    }
    # too large for the body limit as JSON, so checked on the model: samples × neurons
    from app.api.schemas.matrices import MatricesRequest

    with pytest.raises(ValueError, match="samples × neurons"):
        MatricesRequest.model_validate({"scenario": sc})


def _cells_by_id(node, out):
    """Every (id → value) a matrices answer shows, wherever it sits in its blocks."""
    if isinstance(node, dict):
        if "ids" in node and "cells" in node:
            for ids, vals in zip(node["ids"], node["cells"], strict=True):
                for i, v in zip(ids, vals, strict=True):
                    if i is not None and v is not None:
                        out.setdefault(i, v)
        for v in node.values():
            _cells_by_id(v, out)
    elif isinstance(node, list):
        for v in node:
            _cells_by_id(v, out)
    return out


def test_the_matrices_follow_the_iteration(client, xor):
    """At iteration 3 the matrix view shows iteration 3's weights, as /api/step does."""
    for iteration in (1, 3):
        body = {"scenario": xor, "iteration": iteration, "cursor": 4, "sample": 1}
        shown = _cells_by_id(client.post("/api/matrices", json=body).json(), {})
        step = client.post("/api/step", json=body).json()
        truth = {p["id"]: p["value"] for p in step["parameters"]}  # one value per parameter
        common = set(shown) & set(truth)
        assert {"W1_0_0", "W2_0_3"} <= common
        for i in common:
            assert shown[i] == pytest.approx(truth[i], abs=1e-12), (iteration, i)
    r = client.post("/api/matrices", json={"scenario": xor, "iteration": 0})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "iteration"]


def _forward(sc: dict, params: dict, pts: np.ndarray) -> np.ndarray:
    """A NumPy reference: the network's outputs (outputs × points) from its parameter values."""
    act = {
        "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0),
    }
    a = pts.T
    for l in range(1, len(sc["layers"])):
        n, m = sc["layers"][l], sc["layers"][l - 1]
        W = np.array([[params[f"W{l}_{j}_{i}"] for i in range(m)] for j in range(n)])
        b = np.array([[params[f"b{l}_{j}"]] for j in range(n)])
        a = act[sc["activations"][l - 1]](W @ a + b)
    return a


@pytest.mark.parametrize("iteration", [1, 3])
def test_the_plane_is_the_iterations_network(client, xor, iteration):
    """/api/plane: the outputs over the samples' box are a forward pass (NumPy, here) of the
    parameters /api/step says the iteration starts from."""
    body = {"scenario": xor, "iteration": iteration, "grid": 12}
    plane = client.post("/api/plane", json=body).json()
    step = {"scenario": xor, "iteration": iteration, "cursor": 0}
    params = {p["id"]: p["value"] for p in client.post("/api/step", json=step).json()["parameters"]}
    x, y = np.array(plane["x"]), np.array(plane["y"])
    lo, hi = np.min(xor["inputs"], axis=0), np.max(xor["inputs"], axis=0)
    assert plane["extent"][0] < lo[0] and plane["extent"][1] > hi[0]  # every sample inside
    assert plane["extent"][2] < lo[1] and plane["extent"][3] > hi[1]
    assert x[0] == plane["extent"][0] and y[0] == plane["extent"][3]  # rows from the top
    gx, gy = np.meshgrid(x, y)
    want = _forward(xor, params, np.c_[gx.ravel(), gy.ravel()]).reshape(-1, 12, 12)
    assert np.abs(np.array(plane["outputs"]) - want).max() < 1e-12
    assert plane["iteration"] == iteration


@pytest.mark.parametrize(
    ("patch", "field", "words"),
    [
        ({"grid": 65}, "grid", "less than or equal to 64"),
        ({"grid": 4}, "grid", "greater than or equal to 8"),
        ({"layers": [3, 4, 1]}, None, "2 inputs"),
    ],
)
def test_the_plane_refuses_clearly(client, xor, patch, field, words):
    sc = dict(xor)
    if "layers" in patch:
        sc = {**xor, "layers": patch.pop("layers"), "weights": None, "biases": None}
        sc["inputs"] = [[*x, 0.0] for x in xor["inputs"]]
    r = client.post("/api/plane", json={"scenario": sc, **patch})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"][0]
    if field:
        assert detail["loc"][-1] == field
    assert words in detail["msg"]
