"""/api/graph's block form (`"format": "blocks"`, app/api/blocks.py): expanded by the rules of a
dense network's graph (written out here, independently of the page's decoder, which
tests/js/graph-blocks.test.mjs checks), it is exactly the usual answer with labels "text", for
the tutorial, the deep preset, softmax, frozen tensors, a later iteration and a 64-wide network;
a first iteration answered from its scenario alone is the same bytes as from its lesson; any
other graph asked for as blocks comes as columns."""

from __future__ import annotations

import pytest

from app.api.blocks import MEDIA_TYPE, dump_blocks, spec_blocks
from app.api.columns import MEDIA_TYPE as COLUMNS
from app.api.columns import from_columns
from app.api.convert import to_spec
from app.api.schemas.scenario import Scenario
from app.engine.lesson import Lesson
from app.engine.notation import Notation
from app.engine.presets import PRESETS


def net(layers: list[int], acts: list[str], **kw) -> dict:
    return {
        "layers": layers,
        "activations": acts,
        "init": {"scheme": "xavier", "seed": 5},
        "inputs": [[0.1 * (i + 1) for i in range(layers[0])], [0.3] * layers[0]],
        "targets": [[0.5] * layers[-1], [0.1] * layers[-1]],
        **kw,
    }


def expand(answer: dict) -> dict:
    """The usual answer from the block form: build_nodes' order, notation's names."""
    n = answer["network"]
    layers, lab, values = n["layers"], Notation(n["layers"]), iter(answer["values"])
    nodes, params = [], []

    def add(id, kind, role, sym, layer, row, op=None, act=None, loss=None, inputs=(), grad=True):
        text = sym if isinstance(sym, str) else lab.text(id)
        label = {"text": text, "latex": None, "mathml": None}
        nodes.append(
            dict(id=id, kind=kind, role=role, op=op, activation=act, loss=loss, label=label,
                 layer=layer, row=row, inputs=list(inputs), requires_grad=grad)
        )  # fmt: skip
        return id

    prev = [add(f"x{i}", "input", "x", 0, 0, i, grad=False) for i in range(layers[0])]
    for l in range(1, len(layers)):
        act, zs, acts = n["activations"][l - 1], [], []
        for j in range(layers[l]):
            z, ws = f"z{l}_{j}", []
            for k, src in enumerate(prev):
                ws.append(add(f"W{l}_{j}_{k}", "param", "W", 0, l, j))
                params.append((ws[-1], f"W{l}", [j, k], f"{src}__{z}", z))
            b = add(f"b{l}_{j}", "param", "b", 0, l, j)
            params.append((b, f"b{l}", [j], None, z))
            zs.append(add(z, "op", "z", 0, l, j, op="wsum", inputs=(*prev, *ws, b)))
            if not n["coupled"][l - 1]:
                acts.append(add(f"a{l}_{j}", "op", "a", 0, l, j, op="act", act=act, inputs=(z,)))
        if n["coupled"][l - 1]:
            acts = [
                add(f"a{l}_{j}", "op", "a", 0, l, j, op="act", act=act, inputs=zs)
                for j in range(layers[l])
            ]
        prev = acts
    out = len(layers)
    ys = [add(f"y{j}", "target", "y", 0, out, j, grad=False) for j in range(layers[-1])]
    loss_name = "ℓ" if answer["plan"]["samples"] > 1 else "L"  # one sample's loss: ℓ
    add("L", "op", "loss", loss_name, out, 0, op="loss", loss=n["loss"], inputs=(*prev, *ys))
    by_id = {nd["id"]: nd for nd in nodes}
    edges = [
        dict(id=f"{s}__{nd['id']}", source=s, target=nd["id"], position=k,
             requires_grad=by_id[s]["requires_grad"])
        for nd in nodes for k, s in enumerate(nd["inputs"])
    ]  # fmt: skip
    parameters = [
        dict(id=id, tensor=t, index=ix, label=by_id[id]["label"], value=next(values),
             frozen=t in n["frozen"], edge=edge, node=z)
        for id, t, ix, edge, z in params
    ]  # fmt: skip
    return {"nodes": nodes, "edges": edges, "parameters": parameters,
            "plan": answer["plan"], "batch": answer["batch"]}  # fmt: skip


CASES = {
    "tutorial": {"scenario": PRESETS["tutorial"]["scenario"]},
    "deep": {"scenario": PRESETS["deep"]["scenario"]},
    "softmax": {"scenario": PRESETS["softmax"]["scenario"]},
    "2-6-6-6-2 frozen, iteration 2": {
        "scenario": net([2, 6, 6, 6, 2], ["tanh", "relu", "sigmoid", "linear"], frozen=["W2"]),
        "iteration": 2,
    },
    "3 × 64": {"scenario": net([64, 64, 64, 64], ["relu", "relu", "linear"])},
}


@pytest.mark.parametrize("name", CASES)
def test_blocks_expand_to_the_usual_answer(client, name):
    body = {**CASES[name], "labels": "text"}
    blocks = client.post("/api/graph", json={**body, "format": "blocks"})
    usual = client.post("/api/graph", json=body)
    assert usual.status_code == blocks.status_code == 200
    assert blocks.headers["content-type"] == MEDIA_TYPE
    answer = blocks.json()
    assert set(answer) == {"network", "values", "plan", "batch"}
    assert expand(answer) == usual.json()
    if name == "3 × 64":  # O(layers) words and one number per parameter
        assert len(blocks.content) * 10 < len(usual.content)


@pytest.mark.parametrize("kind", ["expanded", "labels all", "expression"])
def test_other_graphs_come_as_columns(client, kind):
    body = {"scenario": PRESETS["xor"]["scenario"], "labels": "text"}
    if kind == "expanded":
        body["expand"] = True
    elif kind == "labels all":
        body["labels"] = "all"
    else:
        body["scenario"] = client.get("/api/expressions/presets/sum-times-sum").json()["scenario"]
    usual = client.post("/api/graph", json=body).json()
    answer = client.post("/api/graph", json={**body, "format": "blocks"})
    assert answer.headers["content-type"] == COLUMNS  # what it is, not what was asked for
    packed = answer.json()
    assert "network" not in packed and "columns" in packed["nodes"]
    assert from_columns(packed) == usual


@pytest.mark.parametrize("name", [n for n in CASES if "iteration" not in CASES[n]])
def test_a_first_iteration_is_answered_without_its_lesson(name):
    """The same bytes from the scenario alone (its values, its plan's outline) as from its lesson."""
    spec = to_spec(Scenario.model_validate(CASES[name]["scenario"]))
    assert spec_blocks(spec) == dump_blocks(Lesson.from_spec(spec), "text", False)
