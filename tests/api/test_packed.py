"""The packed form of /api/step and /api/graph (`"format": "packed"`, app/api/packed.py) decodes
to exactly the usual answer: for the presets, random networks at random cursors and samples, with
`since`, every granularity, iterations after the first, frozen tensors, softmax, mini-batches,
expanded neurons and expressions; its first step, written from the scenario alone
(app/api/first_step.py), for the same networks and drawn ones; a column whose values are equal
only as Python numbers (0.0 and -0.0, 1 and True) is not merged. The largest network's first step
is a fraction of its columns."""

from __future__ import annotations

import json
import random

import pytest
from pydantic import ValidationError

from app.api import packed
from app.api.columns import MEDIA_TYPE as COLUMNS
from app.api.columns import dump_columns, from_columns, text
from app.api.first_step import applies, first_step
from app.api.packed import MEDIA_TYPE, pack_block, pack_column, unpack, unpack_block
from app.api.routes.lessons import WRITERS, step_at
from app.api.schemas.lessons import StepRequest
from app.api.serialize import dump_step
from app.engine.registry.activations import ACTIVATIONS
from app.engine.registry.losses import LOSSES
from bench.scenarios import largest
from tests.api.test_first_step import SCENARIOS, net

EXPRESSIONS = [
    {"kind": "expression", "expression": "(a + b) * (b + 1)", "values": {"a": 2, "b": 1}},
    {"kind": "expression", "expression": "exp(x * y) / (x + 3)", "values": {"x": 0.5, "y": -2}},
]


def same(usual: dict, decoded: dict) -> None:
    """Equal values, and written alike: the same keys in the same order, the same digits."""
    assert decoded == usual
    assert json.dumps(decoded) == json.dumps(usual)


def both(client, path: str, body: dict) -> tuple[dict, dict]:
    usual = client.post(path, json=body)
    packed = client.post(path, json={**body, "format": "packed"})
    assert usual.status_code == packed.status_code == 200, (usual.text[:300], packed.text[:300])
    assert packed.headers["content-type"] == MEDIA_TYPE
    return usual.json(), packed.json()


def totals(client, body: dict) -> dict[str, int]:
    """The lesson's number of cursors at each granularity (its graph's plan: asked once, as the
    64-wide network's graph is 5 MB)."""
    plan = client.post("/api/graph", json={**body, "labels": "text"}).json()["plan"]
    return {g: plan["granularities"][g]["total"] for g in ("step", "node", "layer", "pass")}


def cursors(total: int, rng: random.Random) -> list[int]:
    return sorted({0, 1, total, *(rng.randint(0, total) for _ in range(3))})


@pytest.mark.parametrize("name", SCENARIOS)
def test_steps_decode_to_the_usual_answer(client, name):
    sc = SCENARIOS[name]
    rng = random.Random(name)
    total = totals(client, {"scenario": sc})
    for granularity in ("step", "node", "layer", "pass"):
        for cursor in cursors(total[granularity], rng):
            body = {"scenario": sc, "cursor": cursor, "granularity": granularity}
            body["sample"] = rng.randrange(min(len(sc["inputs"]), sc.get("batch_size") or 9))
            usual, packed = both(client, "/api/step", body)
            same(usual, unpack(packed))


def random_network(rng: random.Random) -> dict:
    depth = rng.randint(1, 3)
    layers = [rng.randint(1, 6) for _ in range(depth + 1)]
    names = [f"{t}{l}" for l in range(1, depth + 1) for t in "Wb"]
    return net(
        layers,
        [rng.choice(["sigmoid", "tanh", "relu", "linear"]) for _ in range(depth)],
        samples=rng.randint(1, 3),
        frozen=rng.sample(names, rng.randint(0, 2)),
        learning_rate=rng.choice([0.1, 0.5, 1.0]),
    )


@pytest.mark.parametrize("seed", range(8))
def test_random_networks_later_iterations_since_and_expanded(client, seed):
    rng = random.Random(seed)
    sc = random_network(rng)
    expand = seed % 4 == 3
    iteration = 1 + seed % 3
    base = {"scenario": sc, "expand": expand, "iteration": iteration}
    usual, packed = both(client, "/api/graph", base)
    same(usual, unpack(packed))
    for cursor in cursors(usual["plan"]["granularities"]["step"]["total"], rng):
        body = {**base, "cursor": cursor, "sample": rng.randrange(len(sc["inputs"]))}
        if cursor and rng.random() < 0.5:
            body["since"] = rng.randint(0, cursor)
        usual, packed = both(client, "/api/step", body)
        same(usual, unpack(packed))


@pytest.mark.parametrize("sc", EXPRESSIONS, ids=["sum-product", "exp-quotient"])
def test_expressions(client, sc):
    usual, packed = both(client, "/api/graph", {"scenario": sc})
    same(usual, unpack(packed))
    total = usual["plan"]["granularities"]["step"]["total"]
    for cursor in range(total + 1):
        usual, packed = both(client, "/api/step", {"scenario": sc, "cursor": cursor})
        same(usual, unpack(packed))


@pytest.mark.parametrize("name", SCENARIOS)
def test_first_step_written_from_the_scenario(name):
    """The first step's own packed writer (no lesson built) against the lesson's columns."""
    sc = SCENARIOS[name]
    for granularity in ("step", "node", "layer", "pass"):
        for sample in range(min(3, len(sc["inputs"]))):
            body = {"scenario": sc, "granularity": granularity, "sample": sample}
            req = StepRequest.model_validate({**body, "format": "packed"})
            if not applies(req):  # mini-batches: the lesson's
                assert sc.get("batch_size", len(sc["inputs"])) < len(sc["inputs"])
                continue
            lesson = StepRequest.model_validate({**body, "format": "columns"})
            same(from_columns(json.loads(dump_columns(step_at(lesson)))), unpack_text(req))


def unpack_text(req: StepRequest) -> dict:
    return unpack(json.loads(first_step(req)))


def test_first_step_of_drawn_networks():
    rng = random.Random(29)
    checked = 0
    while checked < 30:
        depth = rng.randint(1, 4)
        layers = [rng.randint(1, 5) for _ in range(depth + 1)]
        acts = [rng.choice(list(ACTIVATIONS)) for _ in range(depth)]
        sc = net(layers, acts, samples=rng.randint(1, 3), loss=rng.choice(list(LOSSES)))
        if rng.random() < 0.3 and layers[-1] > 1:
            sc["activations"][-1], sc["loss"] = "softmax", "cross_entropy"
            sc["targets"] = [[float(j == 0) for j in range(layers[-1])] for _ in sc["targets"]]
        body = {"scenario": sc, "sample": rng.randrange(len(sc["inputs"]))}
        try:
            req = StepRequest.model_validate({**body, "format": "packed"})
        except ValidationError:
            continue
        lesson = StepRequest.model_validate({**body, "format": "columns"})
        same(from_columns(json.loads(dump_columns(step_at(lesson)))), unpack_text(req))
        checked += 1


def test_the_largest_network(client):
    """Its first step (written from the scenario) and a later one (the lesson's), each equal to
    the columns decoded; the first a quarter of the columns' bytes or less."""
    sc = largest()
    for cursor in (0, 3):
        body = {"scenario": sc, "cursor": cursor}
        cols = client.post("/api/step", json={**body, "format": "columns"})
        packed = client.post("/api/step", json={**body, "format": "packed"})
        assert cols.headers["content-type"] == COLUMNS
        same(from_columns(cols.json()), unpack(packed.json()))
        if cursor == 0:
            assert len(packed.content) < 0.3 * len(cols.content)
            params = packed.json()["parameters"]["columns"]
            assert params["old"] == {"as": "value"}
            assert params["grad_parts"] == {"same": [0, 1]}


@pytest.mark.parametrize(
    "col",
    [
        [0.0] * 10 + [-0.0] * 10,
        [1] * 12 + [True] * 12 + [1.0] * 12,
        [-0.0] * 3,
        [None] * 9 + [0.5, 0.25] + [None] * 9 + ["x"] * 9,
        [[0, 1]] * 20 + [[1, 1]] * 20 + [[0, 1.0]] * 20,
        ["x0", "x1", "x2", "x3", "z1_0", "a1_0", "z1_1", "a1_1", "L", "x01", "x1", "x2"],
        [f"W1_{j}_{k}" for j in range(4) for k in range(9)] + ["b1_0", "b1_1"],
        [],
        ["only"],
    ],
)
def test_a_column_keeps_every_value_as_written(col):
    t = json.dumps(col, separators=(",", ":"))
    packed = json.loads(pack_column(col))
    decoded = unpack_block({"length": len(col), "columns": {"c": packed}})["columns"]["c"]
    assert json.dumps(decoded, separators=(",", ":")) == t


def test_a_column_equal_to_another_only_if_written_alike():
    block = {"length": 3, "columns": {"a": [0.0, 1, 2.5], "b": [-0.0, 1, 2.5], "c": [0.0, 1, 2.5]}}
    packed = json.loads(pack_block(block))["columns"]
    assert packed["c"] == {"as": "a"} and packed["b"] == [-0.0, 1, 2.5]
    assert unpack_block({"length": 3, "columns": packed}) == block


def test_an_unknown_format_is_still_refused(client, tutorial):
    r = client.post("/api/step", json={"scenario": tutorial, "format": "pack"})
    assert r.status_code == 422 and "format" in r.text


def test_names_are_counted_once_per_text(monkeypatch):
    """A column of names is counted once and kept by its whole text: an equal text written anew
    (the next answer's ids) is not counted again; a text as long that differs in one name is
    counted for itself; the text used most recently stays while others come and go."""
    monkeypatch.setattr(packed, "_KEPT", ())
    calls = []
    counts = packed._counts
    monkeypatch.setattr(packed, "_counts", lambda col: calls.append(len(col)) or counts(col))
    ids = [f"W1_{j}_{k}" for j in range(4) for k in range(9)] + ["b1_0", "b1_1"]
    other = [*ids[:5], "W1_0_X", *ids[6:]]  # the same length of text, one name differs
    assert len(json.dumps(ids)) == len(json.dumps(other))

    def decoded(col: list) -> list:
        t = json.dumps(col, separators=(",", ":"))
        block = {"length": len(col), "columns": {"c": json.loads(pack_column(list(col), t))}}
        return unpack_block(block)["columns"]["c"]

    assert decoded(ids) == ids and decoded(other) == other and decoded(ids[:]) == ids
    assert len(calls) == 2
    for k in range(2 * packed.KEPT_COUNTS):  # others come and go; ids are asked for meanwhile
        assert decoded([f"n{k}_{i}" for i in range(6)]) == [f"n{k}_{i}" for i in range(6)]
        assert decoded(ids[:]) == ids
    assert len(calls) == 2 + 2 * packed.KEPT_COUNTS


def test_a_repeated_list_decodes_to_each_rows_own():
    """unpack (the tests' decoder) gives each row its own list, from a repeat as from a same:
    a caller changing one row's grad_parts changes no other row's (the page's decoder shares
    them frozen instead: tests/js/packed.test.mjs)."""
    block = {
        "length": 4,
        "columns": {
            "grad_parts": {"parts": [{"repeat": [[0, 64]], "times": 3}, [[0, 1]]]},
            "old": {"same": [0, 1]},
        },
    }
    rows = unpack({"nodes": block})["nodes"]
    rows[0]["grad_parts"][0] = 9
    rows[0]["old"][0] = 9
    assert [r["grad_parts"] for r in rows] == [[9, 64], [0, 64], [0, 64], [0, 1]]
    assert [r["old"] for r in rows] == [[9, 1], [0, 1], [0, 1], [0, 1]]


@pytest.mark.parametrize(
    "sc, cursors",
    [
        (largest(), (0, 3)),
        (SCENARIOS["frozen"], (0, 7, 20)),
        (EXPRESSIONS[1], (0, 4)),
    ],
    ids=["largest", "frozen", "expression"],
)
def test_decoded_bytes_are_the_usual_writers(sc, cursors):
    """Columns and packed (a network's first step written from its scenario, the rest from its
    lesson), decoded and written again compactly, are byte for byte what the usual format's own
    writer (dump_step) sends: the same digits, keys and order."""
    for cursor in cursors:
        body = {"scenario": sc, "cursor": cursor}
        usual = dump_step(step_at(StepRequest.model_validate(body), rows=True))
        for form, decode in (("columns", from_columns), ("packed", unpack)):
            req = StepRequest.model_validate({**body, "format": form})
            written = first_step(req) if applies(req) else WRITERS[form](step_at(req))
            assert text(decode(json.loads(written))).encode() == usual, (form, cursor)
