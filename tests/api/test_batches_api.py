"""Mini-batches through the API: the step page at iteration k is where /api/train is after k − 1
mini-batch updates; bad batch settings are refused naming the field and its limit."""

import copy

import numpy as np
import pytest

from app.engine.presets import PRESETS

TOL = {"rtol": 1e-12, "atol": 1e-12}


def xor(**extra):
    sc = copy.deepcopy(PRESETS["xor"]["scenario"])  # 4 samples: batches of 3 leave 1 over
    sc.update(extra)
    return sc


def values(answer):
    return {p["id"]: p["value"] for p in answer["parameters"]}


def trained_params(res):
    out = {}
    for l, (W, b) in enumerate(zip(res["weights"], res["biases"], strict=True), start=1):
        for i, row in enumerate(W):
            out.update({f"W{l}_{i}_{j}": v for j, v in enumerate(row)})
        out.update({f"b{l}_{i}": v for i, v in enumerate(b)})
    return out


@pytest.mark.parametrize("optimizer", [None, {"name": "adam"}])
def test_step_page_continues_where_train_stops(client, optimizer):
    sc = xor(batch_size=3, shuffle_seed=11, learning_rate=0.3)
    if optimizer:
        sc["optimizer"] = optimizer
    res = client.post("/api/train", json={"scenario": sc, "epochs": 3}).json()
    assert res["updates"] == 6  # 2 batches an epoch, the scenario's batch size
    assert res["scenario"]["batch_size"] == 3 and res["scenario"]["shuffle_seed"] == 11
    g = client.post("/api/graph", json={"scenario": sc, "iteration": 7, "labels": "text"}).json()
    assert g["batch"]["epoch"] == 4 and g["batch"]["batch"] == 1 and g["batch"]["batches"] == 2
    want = trained_params(res)
    got = values(g)
    assert got.keys() == want.keys()
    np.testing.assert_allclose([got[k] for k in want], list(want.values()), **TOL)
    # stepping iteration 6 to its end (its batch is epoch 3's last, 1 sample) updates to them
    end = client.post(
        "/api/step", json={"scenario": sc, "iteration": 6, "granularity": "pass", "cursor": 3}
    ).json()
    assert end["phase"] == "done" and end["samples"] == 1 and len(end["batch"]["indices"]) == 1
    new = {p["id"]: p["new"] for p in end["parameters"]}
    np.testing.assert_allclose([new[k] for k in want], list(want.values()), **TOL)


def test_the_batch_is_the_lessons_data(client):
    sc = xor(batch_size=2, shuffle_seed=3)
    rng = np.random.RandomState(3)  # the trainer's order: one permutation per epoch
    perm, second = rng.permutation(4), rng.permutation(4)
    a = client.post(
        "/api/step", json={"scenario": sc, "iteration": 4, "cursor": 1, "sample": 1}
    ).json()
    assert a["batch"] == {"epoch": 2, "batch": 2, "batches": 2, "size": 2, "samples": 4,
                          "indices": second[2:].tolist(), "seed": 3}  # fmt: skip
    assert a["samples"] == 2 and a["sample"] == 1
    first = client.post("/api/step", json={"scenario": sc, "cursor": 1}).json()
    assert first["batch"]["indices"] == perm[:2].tolist() and first["iteration"] == 1
    # the loss is the mean over the batch's samples only
    full = client.post(
        "/api/step", json={"scenario": xor(), "granularity": "pass", "cursor": 1}
    ).json()
    mine = client.post(
        "/api/step", json={"scenario": sc, "granularity": "pass", "cursor": 1}
    ).json()
    assert mine["loss"]["before"] != pytest.approx(full["loss"]["before"])
    led = client.post(
        "/api/ledger", json={"scenario": sc, "param": "W2_0_0", "granularity": "pass", "cursor": 2}
    ).json()
    assert led["samples"] == 2 and led["batch"]["indices"] == perm[:2].tolist()
    assert len(led["contributions"]) == 2
    assert led["mean"] == pytest.approx(np.mean(led["contributions"]), abs=1e-15)
    mat = client.post(
        "/api/matrices", json={"scenario": sc, "granularity": "pass", "cursor": 1}
    ).json()
    assert mat["samples"] == 2


def test_batch_size_of_every_sample_is_full_batch(client):
    body = {"granularity": "pass", "cursor": 3, "iteration": 3}
    a = client.post("/api/step", json={"scenario": xor(), **body}).json()
    b = client.post(
        "/api/step", json={"scenario": xor(batch_size=4, shuffle_seed=9), **body}
    ).json()
    assert a["batch"] is None and b["batch"] is None
    assert a["parameters"] == b["parameters"] and a["loss"] == b["loss"]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"batch_size": 0}, ["batch_size", "greater than or equal to 1"]),
        ({"batch_size": 5}, ["batch_size is 5", "1 to 4"]),
        ({"batch_size": 1.5}, ["batch_size"]),
        ({"shuffle_seed": -1}, ["shuffle_seed", "greater than or equal to 0"]),
        ({"shuffle_seed": 2**32}, ["shuffle_seed", "4294967295"]),
    ],
)
def test_bad_batch_settings_are_refused_by_name(client, extra, words):
    r = client.post("/api/step", json={"scenario": xor(**extra)})
    assert r.status_code == 422
    text = " ".join(f"{'.'.join(map(str, e['loc']))} {e['msg']}" for e in r.json()["detail"])
    for w in words:
        assert w in text, text


def test_a_sample_past_the_batch_is_refused(client):
    sc = xor(batch_size=3)
    r = client.post("/api/step", json={"scenario": sc, "iteration": 2, "sample": 1})
    assert r.status_code == 422
    (err,) = r.json()["detail"]
    assert err["loc"] == ["body", "sample"] and "sample 0 to 0" in err["msg"]
    assert (
        client.post("/api/matrices", json={"scenario": sc, "iteration": 2, "sample": 1}).status_code
        == 422
    )
    assert (
        client.post("/api/step", json={"scenario": sc, "iteration": 3, "sample": 2}).status_code
        == 200
    )


def test_run_is_iteration_one_on_the_first_batch(client):
    sc = xor(batch_size=3, shuffle_seed=3)
    run = client.post("/api/run", json={"scenario": sc}).json()
    step = client.post(
        "/api/step", json={"scenario": sc, "granularity": "pass", "cursor": 3}
    ).json()
    assert len(run["outputs"]) == 3 and run["loss"] == step["loss"]["before"]
    new = {p["id"]: p["new"] for p in step["parameters"]}
    assert run["updated"]["weights"][0][0][0] == new["W1_0_0"]
    assert run["updated"]["biases"][1][0] == new["b2_0"]
