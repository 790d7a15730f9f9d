"""/api/train, /api/train/stream, /api/datasets: numbers from references written here, bounds
answered with 422 naming the field, and never NaN or Infinity in the JSON."""

import json

import numpy as np
import pytest
from fastapi.testclient import TestClient

import app.api.routes.train as train_routes
from app.api.routes.train import stream_events
from app.api.schemas import TrainStreamRequest
from app.api.training import Job
from app.engine.presets import get_preset
from app.main import app
from tests.aio import run_alone
from tests.engine.test_train_loop import tutorial_xor
from tests.oracles_train import mlp_grads


@pytest.fixture(scope="module")
def client():
    return TestClient(app)


def strict_json(text: str):
    """json.loads that fails on NaN / Infinity, which browsers reject."""

    def bad(token):
        raise AssertionError(f"non-JSON number {token} in the response")

    return json.loads(text, parse_constant=bad)


XOR = get_preset("xor")["scenario"]


def test_train_xor_reproduces_the_tutorial(client):
    r = client.post("/api/train", json={"scenario": XOR, "epochs": 5000, "time_budget": 10})
    assert r.status_code == 200
    body = strict_json(r.text)
    losses, y_hat, _ = tutorial_xor()
    np.testing.assert_allclose(body["train_loss"], losses, rtol=0, atol=1e-12)
    assert body["stopped"] == "epochs" and body["epochs_run"] == 5000
    assert (
        np.round(np.array(body["predictions"])[:, 0], 2).tolist() == np.round(y_hat[0], 2).tolist()
    )
    assert body["train_accuracy"] == 1.0
    assert body["test_loss"] is None


def test_trained_scenario_steps_on_from_the_trained_weights(client):
    body = client.post("/api/train", json={"scenario": XOR, "epochs": 50}).json()
    sc = body["scenario"]
    assert sc["weights"] == body["weights"] and sc["biases"] == body["biases"]
    assert "init" not in sc or sc["init"] is None
    step = client.post("/api/run", json={"scenario": sc, "include_steps": False})
    assert step.status_code == 200
    loss_ref = mlp_grads(
        [np.array(w) for w in sc["weights"]], [np.array(b) for b in sc["biases"]],
        ["sigmoid", "sigmoid"], np.array(sc["inputs"], float), np.array(sc["targets"], float),
    )[0]  # fmt: skip
    assert step.json()["loss"] == pytest.approx(loss_ref, abs=1e-15)
    assert body["final_train_loss"] == pytest.approx(loss_ref, abs=1e-15)


def test_train_with_a_dataset_reports_test_loss_and_grid(client):
    sc = {**XOR, "learning_rate": 1.0}
    req = {
        "scenario": sc,
        "dataset": {"name": "moons", "samples": 60, "noise": 0.1, "test_fraction": 0.25},
        "epochs": 40,
        "grid": 6,
    }
    body = strict_json(client.post("/api/train", json=req).text)
    assert len(body["train_loss"]) == len(body["test_loss"]) == 40
    ds = client.post("/api/datasets", json=req["dataset"]).json()
    assert body["scenario"]["inputs"] == ds["inputs"]
    W = [np.array(w) for w in body["weights"]]
    B = [np.array(b) for b in body["biases"]]
    ref = mlp_grads(
        W, B, ["sigmoid", "sigmoid"], np.array(ds["test_inputs"]), np.array(ds["test_targets"])
    )
    assert body["final_test_loss"] == pytest.approx(ref[0], abs=1e-14)
    g = body["grid"]
    assert len(g["x"]) == 6 and len(g["outputs"][0]) == 6 and len(g["neurons"]) == 4
    x, y = g["x"][2], g["y"][4]
    h = 1 / (1 + np.exp(-(W[0] @ [x, y] + B[0])))
    out = 1 / (1 + np.exp(-(W[1] @ h + B[1])))
    assert g["outputs"][0][4][2] == pytest.approx(out[0], abs=1e-14)


def test_one_dimensional_regression_returns_the_fitted_curve(client):
    sc = {**XOR, "layers": [1, 6, 1], "activations": ["tanh", "linear"], "learning_rate": 0.1}
    sc.update(inputs=[[0.0]], targets=[[0.0]])  # the scenario must be valid on its own
    req = {"scenario": sc, "dataset": {"name": "sine", "samples": 40, "noise": 0.1}, "epochs": 30}
    body = strict_json(client.post("/api/train", json=req).text)
    c = body["curve"]
    assert len(c["x"]) == 101 and body["train_accuracy"] is None
    W = [np.array(w) for w in body["weights"]]
    B = [np.array(b) for b in body["biases"]]
    y = W[1] @ np.tanh(W[0] @ [c["x"][50]] + B[0]) + B[1]
    assert c["y"][50][0] == pytest.approx(y[0], abs=1e-14)


def test_divergence_is_null_in_json_and_located(client):
    sc = {
        "layers": [1, 16, 16, 16, 1],
        "activations": ["relu", "relu", "relu", "linear"],
        "init": {"scheme": "normal", "seed": 0, "scale": 1.0},
        "inputs": [[0]],
        "targets": [[0]],
        "learning_rate": 0.05,
    }
    req = {
        "scenario": sc,
        "dataset": {"name": "sine", "samples": 64, "noise": 0.1},
        "epochs": 100,
        "grid": 4,
    }
    r = client.post("/api/train", json=req)
    assert r.status_code == 200
    body = strict_json(r.text)
    d = body["diverged"]
    assert d["where"] == "loss" and body["train_loss"][d["step"]] is None
    assert all(v is not None for v in body["train_loss"][: d["step"]])
    assert body["scenario"] is None and body["stopped"] == "diverged"
    assert "non-finite" in d["message"]


@pytest.mark.parametrize(
    "patch,field,limit",
    [
        ({"epochs": 20001}, "epochs", "20000"),
        ({"epochs": 0}, "epochs", "1"),
        ({"time_budget": 11}, "time_budget", "10"),
        ({"grid": 65}, "grid", "64"),
        ({"batch_size": 0}, "batch_size", "1"),
        ({"clip_norm": 0}, "clip_norm", "0"),
    ],
)
def test_bounds_answer_422_naming_the_field(client, patch, field, limit):
    r = client.post("/api/train", json={"scenario": XOR, **patch})
    assert r.status_code == 422
    errs = r.json()["detail"]
    assert any(e["loc"][-1] == field and limit in e["msg"] for e in errs), errs


def test_stream_budget_is_sixty_seconds(client):
    r = client.post("/api/train/stream", json={"scenario": XOR, "time_budget": 61})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "time_budget"]
    assert "60" in r.json()["detail"][0]["msg"]


def test_dataset_that_does_not_fit_the_network_is_422(client):
    r = client.post("/api/train", json={"scenario": XOR, "dataset": {"name": "clusters3"}})
    assert r.status_code == 422
    d = r.json()["detail"]
    assert d[0]["loc"] == ["body", "dataset"] and "layers[-1]" in d[0]["msg"]


def test_csv_errors_are_listed_per_row(client):
    r = client.post("/api/datasets", json={"csv": "x,y,label\n1,2,0\n1,,1\n3,4,5,6\n"})
    assert r.status_code == 422
    msgs = [e["msg"] for e in r.json()["detail"]]
    assert msgs == [
        "row 2, column 'y': '' is not a number",
        "row 3: expected 3 values (x,y,label), got 4",
    ]
    assert all(e["loc"] == ["body", "csv"] for e in r.json()["detail"])


def test_csv_points_train(client):
    text = "x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"
    ds = client.post("/api/datasets", json={"csv": text}).json()
    assert ds["inputs"] == [[0, 0], [0, 1], [1, 0], [1, 1]] and ds["targets"] == [
        [0],
        [1],
        [1],
        [0],
    ]
    r = client.post("/api/train", json={"scenario": XOR, "dataset": {"csv": text}, "epochs": 500})
    losses, _, _ = tutorial_xor(500)
    np.testing.assert_allclose(r.json()["train_loss"], losses, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "payload,needle",
    [
        ({}, "exactly one of"),
        ({"name": "xor", "csv": "a,b\n1,2"}, "exactly one of"),
        ({"points": [[1, 2], [1]]}, "same length"),
        ({"name": "moons", "test_fraction": 0.95}, "0.9"),
        ({"name": "nope"}, "xor"),
    ],
)
def test_dataset_request_errors(client, payload, needle):
    r = client.post("/api/datasets", json=payload)
    assert r.status_code == 422 and needle in json.dumps(r.json())


def test_datasets_are_seeded(client):
    a = client.post("/api/datasets", json={"name": "spirals", "seed": 3, "noise": 0.1}).json()
    b = client.post("/api/datasets", json={"name": "spirals", "seed": 3, "noise": 0.1}).json()
    assert a == b and len(a["inputs"]) == 200
    xs = np.array(a["inputs"])
    lo, hi = xs.min(axis=0), xs.max(axis=0)
    assert a["extent"][0] < lo[0] and a["extent"][1] > hi[0] and a["extent"][2] < lo[1]


def events(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        out.append((lines["event"], strict_json(lines["data"])))
    return out


def test_stream_reports_progress_then_the_whole_result(client, monkeypatch):
    # every report_every epochs however fast training is (the byte rate: tests/ops/test_cost.py)
    monkeypatch.setattr(train_routes, "MAX_STREAM_BYTES_PER_SECOND", 10**12)
    req = {"scenario": XOR, "epochs": 300, "report_every": 50, "grid": 4}
    r = client.post("/api/train/stream", json=req)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    ev = events(r.text)
    assert ev[0] == ("start", {"epochs": 300, "samples": 4})
    progress = [d for e, d in ev if e == "progress"]
    assert len(progress) >= 6 and progress[-1]["epoch"] == 300
    assert all(len(p["grid"]["outputs"][0]) == 4 for p in progress)
    streamed = [v for p in progress for v in p["train_loss"]]
    assert [p["from"] for p in progress] == list(
        np.cumsum([0] + [len(p["train_loss"]) for p in progress[:-1]])
    )
    kind, done = ev[-1]
    assert kind == "done"
    assert streamed == done["train_loss"]
    whole = client.post(
        "/api/train", json={k: v for k, v in req.items() if k != "report_every"}
    ).json()
    assert done["train_loss"] == whole["train_loss"] and done["weights"] == whole["weights"]


def test_stream_stops_training_when_the_client_leaves(monkeypatch):
    # an event per chunk: the byte budget would hold back one that follows its last too closely
    monkeypatch.setattr(train_routes, "MAX_STREAM_BYTES_PER_SECOND", 10**12)
    req = TrainStreamRequest.model_validate(
        {"scenario": XOR, "epochs": 20000, "report_every": 10, "time_budget": 30}
    )
    job = Job(req)
    kinds = kinds_until_left(stream_events, job)
    assert kinds == ["event: start", "event: progress", "event: progress"]
    assert job.trainer.state.stopped == "cancelled"
    assert job.trainer.state.epoch == 30  # three chunks of 10 epochs, then nothing more


def kinds_until_left(stream, work, chunk=10, checks=3) -> list[str]:
    """The event kinds `stream(work, chunk, disconnected)` sends when the client leaves at the
    `checks`-th time the stream asks whether it is still there."""
    asked = 0

    async def disconnected():
        nonlocal asked
        asked += 1
        return asked >= checks

    async def collect():
        return [c async for c in stream(work, chunk, disconnected)]

    return [c.split("\n", 1)[0] for c in run_alone(collect())]


@pytest.mark.parametrize("field", ["clip_norm", "time_budget", "target_loss"])
def test_nan_in_a_training_field_is_422_not_500(client, field):
    body = json.dumps({"scenario": XOR, field: float("nan")})  # Python writes the bare NaN token
    r = client.post("/api/train", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", field]


def moons_request(**extra) -> dict:
    sc = {
        "layers": [2, 6, 1],
        "activations": ["tanh", "sigmoid"],
        "loss": "mse",
        "init": {"scheme": "xavier", "seed": 3},
        "inputs": [[0, 0]],
        "targets": [[0]],
        "learning_rate": 0.05,
        "optimizer": {"name": "adam"},
    }
    ds = {"name": "moons", "samples": 60, "noise": 0.1, "test_fraction": 0.25}
    return {"scenario": sc, "dataset": ds, "grid": 5, **extra}


@pytest.mark.parametrize("batch_size", [None, 8])
def test_progress_events_carry_the_parameters_a_replay_reaches(client, monkeypatch, batch_size):
    """What a page rebuilds after Stop: each progress event's weights are those of training the
    same request for that event's epochs, replayed on its own by /api/train."""
    monkeypatch.setattr(train_routes, "MAX_STREAM_BYTES_PER_SECOND", 10**12)
    monkeypatch.setattr(train_routes, "CHUNK_SECONDS", 60)  # report by epochs, however loaded
    req = moons_request(epochs=40, batch_size=batch_size)
    ev = events(client.post("/api/train/stream", json={**req, "report_every": 13}).text)
    progress = [d for e, d in ev if e == "progress"]
    assert [p["epoch"] for p in progress] == [13, 26, 39, 40]
    for p in progress[:2]:
        replay = client.post("/api/train", json={**req, "epochs": p["epoch"]}).json()
        assert replay["epochs_run"] == p["epoch"] and replay["updates"] == p["updates"]
        for got, want in zip(
            p["weights"] + p["biases"], replay["weights"] + replay["biases"], strict=True
        ):
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_predict_shows_a_stopped_network_as_numpy_computes_it(client, monkeypatch):
    """/api/labs/predict on the network of a progress event: outputs, loss and accuracy as a
    forward pass written here gives them, and the scenario ready for the step-through view."""
    monkeypatch.setattr(train_routes, "MAX_STREAM_BYTES_PER_SECOND", 10**12)
    req = moons_request(epochs=30)
    ev = events(client.post("/api/train/stream", json={**req, "report_every": 10}).text)
    p = [d for e, d in ev if e == "progress"][1]
    ds = client.post("/api/datasets", json=req["dataset"]).json()
    sc = {k: v for k, v in req["scenario"].items() if k != "init"}
    sc.update(inputs=ds["inputs"], targets=ds["targets"], weights=p["weights"], biases=p["biases"])
    body = {"scenario": sc, "grid": 5, "test_inputs": ds["test_inputs"]}
    body["test_targets"] = ds["test_targets"]
    r = client.post("/api/labs/predict", json=body)
    assert r.status_code == 200
    out = strict_json(r.text)

    def forward(x):
        (W1, W2), (b1, b2) = map(np.array, p["weights"]), map(np.array, p["biases"])
        h = np.tanh(np.array(x) @ W1.T + b1)
        return 1 / (1 + np.exp(-(h @ W2.T + b2)))

    for x, y, pred, loss, acc in (
        (ds["inputs"], ds["targets"], "predictions", "loss", "accuracy"),
        (ds["test_inputs"], ds["test_targets"], "test_predictions", "test_loss", "test_accuracy"),
    ):
        yhat, y = forward(x), np.array(y)
        np.testing.assert_allclose(out[pred], yhat, rtol=0, atol=1e-12)
        assert out[loss] == pytest.approx(np.mean(0.5 * np.sum((yhat - y) ** 2, axis=1)), abs=1e-12)
        assert out[acc] == np.mean((yhat >= 0.5) == (y >= 0.5))
    assert out["scenario"]["weights"] == p["weights"] and out["scenario"].get("init") is None
    assert len(out["grid"]["outputs"][0]) == 5
    # the stopped network steps on in the step-through view
    assert (
        client.post("/api/step", json={"scenario": out["scenario"], "cursor": 1}).status_code == 200
    )
    bad = client.post("/api/labs/predict", json={**body, "test_targets": None})
    assert bad.status_code == 422 and "together" in bad.text


@pytest.mark.parametrize("limit,carried", [(4417, True), (4416, False)])
def test_progress_events_carry_parameters_up_to_the_limit(client, monkeypatch, limit, carried):
    """2 → 64 → 64 → 1 has 4,417 parameters: carried at a limit of 4,417, not at 4,416."""
    monkeypatch.setattr(train_routes, "MAX_STREAMED_PARAMETERS", limit)
    req = moons_request(epochs=2, report_every=1, grid=0)
    req["scenario"] = {
        **req["scenario"],
        "layers": [2, 64, 64, 1],
        "activations": ["tanh", "tanh", "sigmoid"],
    }
    ev = events(client.post("/api/train/stream", json=req).text)
    progress = [d for e, d in ev if e == "progress"]
    assert progress
    for p in progress:
        if carried:
            assert [np.shape(w) for w in p["weights"]] == [(64, 2), (64, 64), (1, 64)]
        else:
            assert p["weights"] is None and p["biases"] is None
