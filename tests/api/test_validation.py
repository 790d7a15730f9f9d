"""Every error path: a clear 4xx that names the field, never a 500."""

import copy

import pytest


def post(client, path, body):
    r = client.post(path, json=body)
    assert r.status_code == 422, r.text
    return " ".join(str(d["loc"]) + " " + d["msg"] for d in r.json()["detail"])


def with_changes(sc, **changes):
    out = copy.deepcopy(sc)
    out.update(changes)
    return out


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"weights": [[[0.4]], [[0.9]]]}, "weights[0] (W1) must be 1×2"),
        ({"weights": [[[0.4, 0.6]], [[0.9, 1.0]]]}, "weights[1] (W2) must be 1×1"),
        ({"biases": [[0.1, 0.2], [0.1]]}, "biases[0] (b1) must have 1 values"),
        ({"activations": ["sigmoid", "swish"]}, "activations"),
        ({"activations": ["sigmoid"]}, "activations has 1 entries"),
        ({"loss": "hinge"}, "loss"),
        ({"loss": "cross_entropy"}, "cross_entropy needs a softmax output"),
        ({"activations": ["softmax", "sigmoid"]}, "softmax is for the output layer only"),
        ({"loss": "bce", "activations": ["sigmoid", "relu"]}, "bce needs a sigmoid output"),
        ({"inputs": [[0.5]]}, "inputs[0] has 1 values; layers[0] is 2"),
        ({"targets": [[1.0, 0.0]]}, "targets[0] has 2 values"),
        ({"targets": [[1.0], [0.0]]}, "targets has 2 rows but inputs has 1"),
        (
            {"layers": [2, 1, 65], "activations": ["sigmoid", "sigmoid"]},
            "['body', 'scenario', 'layers', 2] Input should be less than or equal to 64",
        ),
        ({"layers": [2] * 12, "activations": ["sigmoid"] * 11}, "layers"),
        ({"inputs": [[0.5, 1e7]]}, "less than or equal to 1000000"),
        ({"frozen": ["W9"]}, "frozen[0] is 'W9'"),
        ({"learning_rate": -1}, "learning_rate"),
        ({"inputs": [[True, 0.8]]}, "inputs"),
        ({"inputs": [["0.5", 0.8]]}, "inputs"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_scenario_errors_name_the_field(client, tutorial, changes, words):
    assert words in post(client, "/api/step", {"scenario": with_changes(tutorial, **changes)})


def test_softmax_output_needs_two_neurons_and_distribution_targets(client):
    sc = client.get("/api/presets/softmax").json()["scenario"]
    assert "distribution" in post(
        client, "/api/graph", {"scenario": with_changes(sc, targets=[[1, 1, 0]])}
    )
    assert "bce" in post(client, "/api/graph", {"scenario": with_changes(sc, loss="bce")})


def test_non_finite_literals_are_refused(client, tutorial):
    body = '{"scenario": %s, "cursor": 1}'
    import json

    for bad in ("NaN", "Infinity", "-Infinity"):
        text = body % json.dumps(tutorial).replace("0.5,", f"{bad},", 1)
        r = client.post("/api/step", content=text, headers={"content-type": "application/json"})
        assert r.status_code == 422, (bad, r.text)


def test_cursor_past_the_end_and_bad_sample(client, tutorial):
    assert "cursor 20 is past the end" in post(
        client, "/api/step", {"scenario": tutorial, "cursor": 20}
    )
    assert "cursor" in post(client, "/api/step", {"scenario": tutorial, "cursor": -1})
    assert "sample is 1" in post(client, "/api/step", {"scenario": tutorial, "sample": 1})
    assert "granularity" in post(
        client, "/api/step", {"scenario": tutorial, "granularity": "epoch"}
    )


def test_too_large_to_step(client):
    sc = {
        "layers": [64] * 11,
        "activations": ["relu"] * 10,
        "loss": "mse",
        "inputs": [[0.0] * 64] * 2000,
        "targets": [[0.0] * 64] * 2000,
    }
    assert "samples × neurons" in post(client, "/api/step", {"scenario": sc})


def test_run_refuses_to_list_too_many_steps(client):
    sc = {
        "layers": [64] * 5,
        "activations": ["relu"] * 4,
        "loss": "mse",
        "inputs": [[0.0] * 64],
        "targets": [[0.0] * 64],
    }
    assert "include_steps" in post(client, "/api/run", {"scenario": sc})
    r = client.post("/api/run", json={"scenario": sc, "include_steps": False})
    assert r.status_code == 200 and r.json()["steps"] is None


EXPRESSION = {
    "kind": "expression",
    "expression": "log(x)",
    "values": {"x": 0},
    "learning_rate": 0.1,
}


@pytest.mark.parametrize(
    ("path", "route", "extra"),
    [
        ("/api/run", "/api/run", {}),
        ("/api/train", "/api/train", {}),
        ("/api/train/stream", "/api/train/stream", {}),
        ("/api/labs/predict", "/api/labs/predict", {}),
        ("/api/gradcheck", "/api/gradcheck", {}),
        ("/api/labs/blame", "/api/labs/blame", {}),
    ],
)
def test_an_expression_on_a_network_only_route_is_one_error_naming_api_step(
    client, path, route, extra
):
    """/api/run answered an expression with the network model's every field (kind should be
    'mlp', layers required, activations required, …: classroom review, finding 13). It is one
    error at scenario.kind that names the route and where expressions are stepped, as
    /api/matrices does."""
    r = client.post(path, json={"scenario": EXPRESSION, **extra})
    assert r.status_code == 422, r.text
    (err,) = r.json()["detail"]
    assert err["loc"] == ["body", "scenario", "kind"]
    assert route in err["msg"] and "is for networks" in err["msg"] and "/api/step" in err["msg"]


def test_a_network_on_api_run_still_names_its_own_missing_field(client, tutorial):
    sc = {k: v for k, v in tutorial.items() if k != "layers"}
    assert "['body', 'scenario', 'layers'] Field required" in post(
        client, "/api/run", {"scenario": sc}
    )
