"""Each term of an explanation's MathML names what it stands for (data-ref, data-of): a node or
parameter of the graph, and its value, gradient or old value. The page highlights that element;
here every marked number must be that quantity, as the same answer reports it, formatted."""

import xml.etree.ElementTree as ET

import pytest

from app.engine.mathfmt import Fmt

EXPR_F = {
    "kind": "expression",
    "expression": "(a*b + c) * f",
    "values": {"a": 2, "b": -3, "c": 10, "f": -2},
    "learning_rate": 0.1,
}


def _marked(mathml: str):
    for el in ET.fromstring(mathml).iter():
        if "data-ref" in el.attrib:
            yield el.attrib["data-ref"], el.attrib["data-of"], el


def _text(el) -> str:
    return "".join(el.itertext())


def _is_number(el) -> bool:
    return el.tag == "mn" or (el.tag == "mrow" and [c.tag for c in el] == ["mo", "mn"])


def _walk(client, scenario, sample=0, precision=4):
    graph = client.post("/api/graph", json={"scenario": scenario}).json()
    ids = {n["id"] for n in graph["nodes"]} | {p["id"] for p in graph["parameters"]}
    total = graph["plan"]["granularities"]["step"]["total"]
    fmt = Fmt(precision)
    seen = {"value": 0, "grad": 0, "old": 0}
    for cursor in range(1, total + 1):
        body = {"scenario": scenario, "cursor": cursor, "sample": sample, "precision": precision}
        resp = client.post("/api/step", json=body).json()
        states = {s["id"]: s for s in resp["nodes"] + resp["parameters"]}
        ex = resp["steps"][-1]["explanation"]
        for part in ("formula", "substituted", "result"):
            for ref, of, el in _marked(ex[part]["mathml"]):
                assert ref in ids, (cursor, part, ref)
                assert of in seen, (cursor, part, of)
                if not _is_number(el):
                    continue
                quantity = states[ref][of]
                assert _text(el) == fmt.number(quantity), (cursor, part, ref, of)
                seen[of] += 1
    return seen


@pytest.mark.parametrize(
    ("preset", "sample"), [("tutorial", 0), ("xor", 2), ("softmax", 0), ("deep", 1)]
)
def test_every_marked_number_is_the_quantity_it_names(client, preset, sample):
    scenario = client.get(f"/api/presets/{preset}").json()["scenario"]
    seen = _walk(client, scenario, sample)
    # forward values, upstream gradients and the update's old values are all marked
    assert seen["value"] > 0 and seen["grad"] > 0 and seen["old"] > 0, seen


def test_expression_terms_are_marked_too(client):
    seen = _walk(client, EXPR_F, precision=6)
    assert seen["value"] > 0 and seen["grad"] > 0


def test_the_tutorials_first_step_names_its_inputs(client, tutorial):
    resp = client.post("/api/step", json={"scenario": tutorial, "cursor": 1}).json()
    sub = resp["steps"][-1]["explanation"]["substituted"]["mathml"]
    refs = [ref for ref, _, _ in _marked(sub)]
    graph = client.post("/api/graph", json={"scenario": tutorial}).json()
    z1 = next(n for n in graph["nodes"] if n["label"]["text"] == "z₁")
    # z₁ = W₁₁·x₁ + W₁₂·x₂ + b₁: the left side, then weights, inputs and the bias
    assert refs[0] == z1["id"]
    params = {p["label"]["text"]: p["id"] for p in graph["parameters"]}
    assert {params["W₁₁"], params["W₁₂"], params["b₁"]} <= set(refs)
