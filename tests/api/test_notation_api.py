"""One name per parameter in every answer a person reads: the graph, /api/step's equations, the
worksheet, the labs (blame, gradient check, hidden units) and the exported scripts.

The expected names are written out from the documented scheme (README, "Notation"); the one
pinned here is the case that read W₃₁ before: a weight into a one-neuron output layer."""

import pytest

from app.engine.notation import Notation

# 2 → 3 → 2 → 1: W3_0_1 is row 1, column 2 of the third weight matrix
NET = {
    "layers": [2, 3, 2, 1],
    "activations": ["tanh", "tanh", "sigmoid"],
    "init": {"scheme": "normal", "seed": 3},
    "inputs": [[0.5, -0.2], [0.1, 0.9]],
    "targets": [[1.0], [0.0]],
}
PID, TEXT, LATEX = "W3_0_1", "W⁽³⁾₁₂", "W^{(3)}_{12}"
MATHML = "<msubsup><mi>W</mi><mn>12</mn><mn>(3)</mn></msubsup>"
OLD = ("W₃₂", "W3_0_1 ", "W₃,₂")  # the names it had, and a raw id where a name belongs


def ok(r):
    assert r.status_code == 200, r.text
    return r


def test_one_parameter_has_one_name_in_every_answer(client):
    graph = ok(client.post("/api/graph", json={"scenario": NET})).json()
    label = next(p["label"] for p in graph["parameters"] if p["id"] == PID)
    assert (label["text"], label["latex"]) == (TEXT, LATEX)
    assert MATHML in label["mathml"]
    assert label == Notation(NET["layers"]).label(PID)  # the one function everything reads

    # /api/step: the backward step that writes ∂L/∂W⁽³⁾₁₂ and the update of W⁽³⁾₁₂
    body = {"scenario": NET, "granularity": "pass", "max_explained": 5000}
    steps = []
    for cursor in (1, 2, 3):  # forward, backward, update: one pass each
        steps += ok(client.post("/api/step", json={**body, "cursor": cursor})).json()["steps"]
    mine = [s for s in steps if s["target"] == PID]
    assert {s["phase"] for s in mine} == {"backward", "update"}
    for s in mine:
        formula = s["explanation"]["formula"]
        assert TEXT in formula["text"] and LATEX in formula["latex"], formula
        assert MATHML in formula["mathml"]
        assert TEXT in s["explanation"]["result"]["text"]
    every = "\n".join(s["explanation"][k]["text"] for s in steps for k in ("formula", "result"))
    assert not any(old in every for old in OLD)

    sheet = ok(client.post("/api/worksheet", json={"scenario": NET})).json()["quantities"]
    labels = {q["key"]: q["label"]["text"] for q in sheet}
    assert labels[f"grad:{PID}"] == f"∂L/∂{TEXT}"
    assert labels[f"new:{PID}"] == "W⁽³⁾⁺₁₂"

    blame = ok(client.post("/api/labs/blame", json={"scenario": NET})).json()["parameters"]
    check = ok(client.post("/api/gradcheck", json={"scenario": NET})).json()["parameters"]
    for rows in (blame, check):
        assert next(p["label"] for p in rows if p["id"] == PID) == TEXT
        assert all(not p["label"].startswith("W3_") for p in rows)

    for fmt in ("numpy", "pytorch"):
        script = ok(client.post("/api/export", json={"scenario": NET, "format": fmt})).text
        assert f"W⁽³⁾ on the page, row by row: {TEXT.replace('₂', '₁')} {TEXT}" in script
        assert "∂L/∂W⁽³⁾" in script or "∂L/∂z⁽³⁾" in script


@pytest.mark.parametrize("layers", [[2, 3, 2, 1], [2, 12, 10, 1]])
def test_labs_name_every_parameter_as_the_graph_does(client, layers):
    net = {**NET, "layers": layers, "activations": ["tanh"] * (len(layers) - 2) + ["sigmoid"]}
    graph = ok(client.post("/api/graph", json={"scenario": net, "labels": "text"})).json()
    names = {p["id"]: p["label"]["text"] for p in graph["parameters"]}
    blame = ok(client.post("/api/labs/blame", json={"scenario": net})).json()["parameters"]
    assert {p["id"]: p["label"] for p in blame} == names
    assert len(set(names.values())) == len(names)


def test_hidden_units_on_the_labs_are_named_as_on_the_page(client):
    dead = ok(client.post("/api/labs/dead-relu", json={"epochs": 1})).json()
    units = dead["relu"]["before"]
    assert units and all(u["label"] == f"a⁽{'¹'}⁾{sub(u['row'] + 1)}" for u in units)
    zg = ok(client.post("/api/labs/zero-grad", json={"iterations": 1})).json()
    assert (zg["parameter"], zg["parameter_label"]) == ("W2_0_0", "W⁽²⁾₁₁")


def sub(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
