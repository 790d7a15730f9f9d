"""/api/train/twins and its stream: two copies of one network trained in lockstep.

Twins whose differing setting is set equal are the same run, bit for bit; twins that differ are
exactly the two single /api/train runs of their settings (same seed, same data, same batch
order), so they differ in the chosen setting and nothing else; both advance epoch for epoch, stop
together, and the pair keeps a single run's bounds."""

from __future__ import annotations

import copy

import pytest
from fastapi.testclient import TestClient

import app.api.routes.train as train_routes
import app.api.routes.twins as twin_routes
from app.api.schemas.twins import TwinStreamRequest
from app.api.twins import Twins
from app.limits import MAX_STREAM_SECONDS, MAX_TRAIN_SECONDS, MAX_TWIN_STREAMED_PARAMETERS
from app.main import app
from tests.api.test_train_api import events, kinds_until_left, strict_json


@pytest.fixture(scope="module")
def client():
    return TestClient(app)


SCENARIO = {
    "layers": [2, 5, 4, 1],
    "activations": ["tanh", "tanh", "sigmoid"],
    "loss": "mse",
    "init": {"scheme": "xavier", "seed": 3},
    "inputs": [[0, 0]],
    "targets": [[0]],
    "learning_rate": 0.3,
}
DATASET = {"name": "moons", "samples": 48, "noise": 0.1, "seed": 2, "test_fraction": 0.25}


def request(epochs=25, **extra) -> dict:
    return {
        "scenario": copy.deepcopy(SCENARIO),
        "dataset": DATASET,
        "epochs": epochs,
        "shuffle_seed": 7,
        "grid": 3,
        **extra,
    }


def train(client, body: dict) -> dict:
    r = client.post("/api/train", json=body)
    assert r.status_code == 200, r.text
    return strict_json(r.text)


def twins(client, body: dict) -> tuple[dict, dict]:
    r = client.post("/api/train/twins", json=body)
    assert r.status_code == 200, r.text
    out = strict_json(r.text)
    return out["a"], out["b"]


RUN = ("train_loss", "test_loss", "grad_norm", "weights", "biases", "predictions", "grid")


def same_run(x: dict, y: dict) -> None:
    """Bit for bit: == on the floats the JSON carries (Python's repr round-trips them exactly)."""
    for key in (*RUN, "epochs_run", "updates", "stopped", "final_train_loss"):
        assert x[key] == y[key], key


# The twin set to the request's own value, for each setting that can differ.
EQUAL = {
    "learning_rate": {"setting": "learning_rate", "learning_rate": 0.3},
    "init": {"setting": "init", "init": {"scheme": "xavier", "seed": 3}},
    "activation all hidden": {"setting": "activation", "activation": "tanh", "layer": None},
    "activation of layer 2": {"setting": "activation", "activation": "tanh", "layer": 2},
    "optimizer": {"setting": "optimizer", "optimizer": None},
    "optimizer with the shared η named": {
        "setting": "optimizer",
        "optimizer": None,
        "learning_rate": 0.3,
    },
    "batch_size": {"setting": "batch_size", "batch_size": 8},
}


@pytest.mark.parametrize("name", EQUAL)
def test_twins_set_equal_are_the_same_run_bit_for_bit(client, name):
    body = request(twin=EQUAL[name], batch_size=8 if name == "batch_size" else None)
    a, b = twins(client, body)
    same_run(a, b)
    assert a["epochs_run"] == 25 and a["scenario"] == b["scenario"]
    assert a["train_loss"][-1] < a["train_loss"][0]  # it did train


def with_scenario(body: dict, **changes) -> dict:
    return {**body, "scenario": {**body["scenario"], **changes}}


# (twin, the single-run request of the twin's own settings)
DIFFER = {
    "learning_rate": (
        {"setting": "learning_rate", "learning_rate": 1.5},
        lambda b: with_scenario(b, learning_rate=1.5),
    ),
    "init": (
        {"setting": "init", "init": {"scheme": "he", "seed": 11}},
        lambda b: with_scenario(b, init={"scheme": "he", "seed": 11}),
    ),
    "activation all hidden": (
        {"setting": "activation", "activation": "relu"},
        lambda b: with_scenario(b, activations=["relu", "relu", "sigmoid"]),
    ),
    "activation of layer 1": (
        {"setting": "activation", "activation": "gelu", "layer": 1},
        lambda b: with_scenario(b, activations=["gelu", "tanh", "sigmoid"]),
    ),
    "optimizer": (
        {"setting": "optimizer", "optimizer": {"name": "adam", "betas": [0.8, 0.99]}},
        lambda b: with_scenario(b, optimizer={"name": "adam", "betas": [0.8, 0.99]}),
    ),
    # Adam with its own η (torch.optim's lr goes with the optimizer), and plain SGD given one
    "optimizer with its own η": (
        {"setting": "optimizer", "optimizer": {"name": "adam"}, "learning_rate": 0.05},
        lambda b: with_scenario(b, optimizer={"name": "adam"}, learning_rate=0.05),
    ),
    "plain SGD with its own η": (
        {"setting": "optimizer", "optimizer": None, "learning_rate": 1.5},
        lambda b: with_scenario(b, learning_rate=1.5),
    ),
    "batch_size": (
        {"setting": "batch_size", "batch_size": 6},
        lambda b: {**b, "batch_size": 6},
    ),
}


@pytest.mark.parametrize("name", DIFFER)
def test_twins_are_the_two_single_runs_of_their_settings(client, name):
    twin, own = DIFFER[name]
    body = request()
    a, b = twins(client, {**body, "twin": twin})
    same_run(a, train(client, body))
    same_run(b, train(client, own(body)))
    assert a["train_loss"][1:] != b["train_loss"][1:]  # the setting made a difference
    # the data is shared: the same samples in both trained scenarios
    assert a["scenario"]["inputs"] == b["scenario"]["inputs"]


def test_twins_take_the_scenarios_batches_as_a_single_run_does(client):
    """batch_size and shuffle_seed in the scenario (the step page's) and not in the request: both
    twins train with them, as /api/train does; a batch-size twin overrides them for B alone."""
    body = request(epochs=6)
    del body["shuffle_seed"]
    # the dataset replaces these rows; they only need to allow a batch of 5
    body["scenario"].update(inputs=[[0, 0]] * 5, targets=[[0]] * 5, batch_size=5, shuffle_seed=3)
    a, b = twins(client, {**body, "twin": {"setting": "learning_rate", "learning_rate": 0.05}})
    single = train(client, body)
    assert single["updates"] == 6 * 8  # 36 samples in batches of 5: 8 a epoch
    same_run(a, single)
    same_run(b, train(client, with_scenario(body, learning_rate=0.05)))
    a, b = twins(client, {**body, "twin": {"setting": "batch_size", "batch_size": None}})
    same_run(a, single)
    same_run(b, train(client, {**body, "batch_size": None}))
    assert b["updates"] == 6


def test_a_twin_of_an_explicit_network_changes_only_its_setting(client):
    """Weights given (no init): the twin keeps them; a twin with another init draws its own."""
    body = request(epochs=5)
    start = train(client, {**body, "epochs": 1})["scenario"]  # a network with explicit weights
    body["scenario"] = start
    a, b = twins(client, {**body, "twin": {"setting": "learning_rate", "learning_rate": 0.01}})
    assert a["train_loss"][0] == b["train_loss"][0]  # the same starting weights
    a, b = twins(client, {**body, "twin": {"setting": "init", "init": {"seed": 9}}})
    assert a["train_loss"][0] != b["train_loss"][0]
    same_run(b, train(client, with_scenario(body, weights=None, biases=None, init={"seed": 9})))


def test_the_stream_advances_both_epoch_for_epoch(client, monkeypatch):
    monkeypatch.setattr(train_routes, "MAX_STREAM_BYTES_PER_SECOND", 10**12)
    body = request(epochs=40, twin={"setting": "batch_size", "batch_size": 1})
    r = client.post("/api/train/twins/stream", json={**body, "report_every": 13})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    ev = events(r.text)
    assert ev[0] == ("start", {"epochs": 40, "samples": 36})
    progress = [d for e, d in ev if e == "progress"]
    # full batch and one sample a batch cost 36× apart per epoch, and still report together,
    # every 13 epochs or sooner (a chunk of CHUNK_SECONDS)
    at = [p["epoch"] for p in progress]
    assert at[-1] == 40 and all(0 < e - d <= 13 for d, e in zip([0, *at], at, strict=False))
    for p in progress:
        assert p["a"]["epoch"] == p["b"]["epoch"] == p["epoch"]
        assert p["a"]["from"] == p["b"]["from"]
        assert len(p["a"]["train_loss"]) == len(p["b"]["train_loss"])
        assert len(p["a"]["grid"]["outputs"][0]) == 3
    kind, done = ev[-1]
    assert kind == "done"
    whole_a, whole_b = twins(client, {**body})
    for got, whole, k in ((done["a"], whole_a, "a"), (done["b"], whole_b, "b")):
        same_run(got, whole)
        assert [v for p in progress for v in p[k]["train_loss"]] == got["train_loss"]
    # each progress event's weights are its twin's after that many epochs, replayed alone
    p = progress[1]
    own = {k: v for k, v in body.items() if k != "twin"}
    replay = train(client, {**own, "epochs": p["epoch"], "batch_size": 1, "time_budget": 10})
    assert replay["stopped"] == "epochs" and replay["epochs_run"] == p["epoch"]
    assert p["b"]["weights"] == replay["weights"]


def test_a_twin_stops_on_its_own_and_the_other_goes_on(client):
    """One twin diverges at η = 10⁶: it stops there, the other trains to the end."""
    body = request(epochs=30, twin={"setting": "learning_rate", "learning_rate": 1e6})
    body["scenario"]["activations"] = ["linear", "linear", "linear"]
    a, b = twins(client, body)
    assert a["stopped"] == "epochs" and a["epochs_run"] == 30
    assert b["stopped"] == "diverged" and b["epochs_run"] < 30 and b["scenario"] is None


def test_the_pair_shares_one_time_budget_and_stops_at_one_epoch(client):
    """20,000 epochs cannot finish in 0.5 s: both stop on time, at the same epoch, although one
    twin's epoch costs 36 updates and the other's one."""
    body = request(epochs=20000, time_budget=0.5, grid=0)
    body["twin"] = {"setting": "batch_size", "batch_size": 1}
    a, b = twins(client, body)
    assert a["stopped"] == b["stopped"] == "time"
    assert a["epochs_run"] == b["epochs_run"] > 0
    assert b["updates"] == 36 * a["updates"]
    assert 0.5 <= max(a["seconds"], b["seconds"]) < 2.5  # a chunk may end past the budget


def test_closing_the_stream_stops_both_at_one_epoch(monkeypatch):
    monkeypatch.setattr(train_routes, "MAX_STREAM_BYTES_PER_SECOND", 10**12)
    req = TwinStreamRequest.model_validate(
        request(epochs=20000, time_budget=30, twin={"setting": "learning_rate", "learning_rate": 1})
    )
    pair = Twins(req)
    kinds = kinds_until_left(twin_routes.stream_events, pair)
    assert kinds == ["event: start", "event: progress", "event: progress"]
    assert [j.trainer.state.stopped for j in pair.jobs] == ["cancelled", "cancelled"]
    assert [j.trainer.state.epoch for j in pair.jobs] == [30, 30]


@pytest.mark.parametrize("limit,carried", [(4417, True), (4416, False)])
def test_events_carry_each_twins_weights_up_to_half_the_single_limit(
    client, monkeypatch, limit, carried
):
    """2 → 64 → 64 → 1 has 4,417 parameters; a twin run's events carry both twins' weights only
    while each has at most MAX_TWIN_STREAMED_PARAMETERS (half a single run's limit)."""
    assert MAX_TWIN_STREAMED_PARAMETERS * 2 == train_routes.MAX_STREAMED_PARAMETERS
    monkeypatch.setattr(twin_routes, "MAX_TWIN_STREAMED_PARAMETERS", limit)
    body = request(
        epochs=2, report_every=1, grid=0, twin={"setting": "batch_size", "batch_size": 9}
    )
    body["scenario"].update(layers=[2, 64, 64, 1])
    ev = events(client.post("/api/train/twins/stream", json=body).text)
    progress = [d for e, d in ev if e == "progress"]
    assert progress
    for p in progress:
        for k in "ab":
            assert (p[k]["weights"] is not None) is carried


@pytest.mark.parametrize(
    "path,patch,loc,words",
    [
        ("/api/train/twins", {"time_budget": MAX_TRAIN_SECONDS + 1}, ["time_budget"], "10"),
        ("/api/train/twins/stream", {"time_budget": MAX_STREAM_SECONDS + 1}, ["time_budget"], "60"),
        ("/api/train/twins", {"epochs": 20001}, ["epochs"], "20000"),
        ("/api/train/twins", {"twin": None}, ["twin"], ""),
        ("/api/train/twins", {"twin": {"setting": "seed"}}, ["twin"], "learning_rate"),
        (
            "/api/train/twins",
            {"twin": {"setting": "learning_rate", "learning_rate": -1}},
            ["twin", "learning_rate", "learning_rate"],
            "0",
        ),
        (
            "/api/train/twins",
            {"twin": {"setting": "optimizer", "optimizer": None, "learning_rate": -1}},
            ["twin", "optimizer", "learning_rate"],
            "0",
        ),
        (
            "/api/train/twins",
            {"twin": {"setting": "activation", "activation": "relu", "layer": 4}},
            ["twin", "activation", "layer"],
            "3 weight layers (1 to 3)",
        ),
        (
            "/api/train/twins",
            {"twin": {"setting": "activation", "activation": "softmax", "layer": 1}},
            ["twin", "activation"],
            "output layer only",
        ),
        (
            "/api/train/twins",
            {"twin": {"setting": "batch_size", "batch_size": 0}},
            ["twin", "batch_size", "batch_size"],
            "1",
        ),
        (
            "/api/train/twins",
            {"twin": {"setting": "learning_rate", "learning_rate": 1, "batch_size": 3}},
            ["twin", "learning_rate", "batch_size"],
            "not permitted",
        ),
    ],
)
def test_bad_twins_are_refused_before_any_work_naming_the_field(client, path, patch, loc, words):
    body = {**request(twin={"setting": "learning_rate", "learning_rate": 1}), **patch}
    r = client.post(path, json=body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail[0]["loc"] == ["body", *loc], detail
    assert words in detail[0]["msg"], detail
