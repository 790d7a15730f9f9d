"""A network's first step in columns, written from its scenario alone (app/api/first_step.py): the
same bytes as the lesson's own answer (dump_columns(step_at(...))) for the presets, softmax,
frozen tensors, optimizers, several samples, every granularity, a chain, large and tiny starting
weights and a 64-wide network; through the API too, whose lesson is then built behind the answer
for the steps that follow; the graph asked for with it writes its values once for both."""

from __future__ import annotations

import asyncio
import json
import random
import time

import pytest
from pydantic import ValidationError

from app.api import cache
from app.api import first_step as first_step_module
from app.api.blocks import spec_blocks
from app.api.columns import dump_columns, from_columns
from app.api.convert import built_lesson, lesson_for, lesson_key, to_spec
from app.api.first_step import _LATER, _TASKS, applies, build_soon, first_step
from app.api.packed import _expand
from app.api.routes.lessons import step_at
from app.api.schemas.lessons import StepRequest
from app.engine.presets import PRESETS
from app.engine.registry.activations import ACTIVATIONS
from app.engine.registry.losses import LOSSES
from app.engine.registry.optimizers import OPTIMIZERS
from tests.aio import run_alone


def net(layers: list[int], acts: list[str], samples: int = 2, **kw) -> dict:
    return {
        "layers": layers,
        "activations": acts,
        "init": {"scheme": "xavier", "seed": 5},
        "inputs": [[0.1 * (i + s + 1) for i in range(layers[0])] for s in range(samples)],
        "targets": [[0.5 - 0.1 * s] * layers[-1] for s in range(samples)],
        **kw,
    }


SCENARIOS = {
    **{name: p["scenario"] for name, p in PRESETS.items()},
    "softmax, deeper": net(
        [3, 4, 4, 3],
        ["tanh", "elu", "softmax"],
        loss="cross_entropy",
        targets=[[1, 0, 0], [0, 0, 1]],
    ),
    "frozen": net([2, 3, 2], ["tanh", "sigmoid"], frozen=["W1", "b2"]),
    "adam, leaky": net(
        [2, 3, 1], ["leaky_relu", "linear"], optimizer={"name": "adam"}, leaky_slope=0.2
    ),
    "chain": net([1, 1, 1, 1], ["tanh", "relu", "sigmoid"]),
    "five samples": net([3, 5, 2], ["gelu", "sigmoid"], samples=5),
    "a batch of all five": net([3, 2], ["sigmoid"], samples=5, batch_size=5, shuffle_seed=3),
    "weights given, large and tiny": {
        "layers": [2, 2, 1],
        "activations": ["linear", "linear"],
        "weights": [[[1e6, 1e6], [-3.5, 0.0]], [[1e6, -1e-300]]],
        "biases": [[0.0, -0.0], [2.5]],
        "inputs": [[1.0, 2.0]],
        "targets": [[0.25]],
    },
    "64 wide": net([64, 64, 64], ["relu", "sigmoid"]),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_first_step_is_the_lessons_answer(name: str) -> None:
    sc = SCENARIOS[name]
    for granularity in ("step", "node", "layer", "pass"):
        for sample in range(min(3, len(sc["inputs"]))):
            body = {"scenario": sc, "format": "columns", "granularity": granularity}
            req = StepRequest.model_validate({**body, "sample": sample})
            assert applies(req)
            assert first_step(req) == dump_columns(step_at(req)), (granularity, sample)


def test_first_step_is_the_lessons_answer_for_drawn_networks() -> None:
    """first_step writes the engine's node order and gradient counts again, from the layers: held
    to the lesson's bytes over networks drawn at random (depth, widths, activations, loss,
    frozen tensors, optimizer, samples, the sample shown), not only the ones named above."""
    rng = random.Random(17)
    checked = 0
    while checked < 40:
        depth = rng.randint(1, 4)
        layers = [rng.randint(1, 5) for _ in range(depth + 1)]
        acts = [rng.choice(list(ACTIVATIONS)) for _ in range(depth)]
        names = [f"{t}{l}" for l in range(1, depth + 1) for t in "Wb"]
        sc = net(
            layers,
            acts,
            samples=rng.randint(1, 4),
            loss=rng.choice(list(LOSSES)),
            frozen=rng.sample(names, rng.randint(0, len(names))),
            optimizer={"name": rng.choice(list(OPTIMIZERS))},
            init={"scheme": rng.choice(["normal", "xavier", "he", "uniform"]), "seed": checked},
        )
        sc["targets"] = [[rng.random() for _ in row] for row in sc["targets"]]
        if rng.random() < 0.3 and layers[-1] > 1:  # a classifier: softmax, one-hot targets
            sc["activations"][-1], sc["loss"] = "softmax", "cross_entropy"
            hot = [rng.randrange(layers[-1]) for _ in sc["targets"]]
            sc["targets"] = [[float(j == k) for j in range(layers[-1])] for k in hot]
        body = {"scenario": sc, "format": "columns", "sample": rng.randrange(len(sc["inputs"]))}
        try:
            req = StepRequest.model_validate(body)
        except ValidationError:  # a combination the API refuses (softmax inside, a loss's rule)
            continue
        assert applies(req)
        assert first_step(req) == dump_columns(step_at(req)), sc
        checked += 1


def test_what_it_answers_only() -> None:
    """Any other request is the lesson's to answer: a later cursor, `since`, a later iteration,
    expanded neurons, mini-batches, an expression, the usual format."""
    sc = PRESETS["tutorial"]["scenario"]
    base = {"scenario": sc, "format": "columns"}
    assert applies(StepRequest.model_validate(base))
    for other in (
        {"cursor": 1},
        {"since": 0},
        {"iteration": 2},
        {"expand": True},
        {"format": "objects"},
        {"scenario": {**net([2, 2, 1], ["tanh", "sigmoid"], samples=4), "batch_size": 2}},
        {"scenario": {"kind": "expression", "expression": "x * y", "values": {"x": 2, "y": 3}}},
    ):
        assert not applies(StepRequest.model_validate({**base, **other})), other


def test_through_the_api_then_its_lesson_is_built(client, monkeypatch) -> None:
    """The route answers a large network's first step so, as the lesson would (its decoded rows:
    the page's view), then builds the lesson for the steps that follow; the next step is the
    lesson's, as before."""
    sc = net([16, 32, 32, 8], ["relu", "tanh", "sigmoid"], samples=1)
    req = StepRequest.model_validate({"scenario": sc, "format": "columns"})
    key = lesson_key(req.scenario)
    assert built_lesson(key) is None
    monkeypatch.setattr(first_step_module, "BUILD_AFTER_S", 0.05)
    # its graph first, as blocks: the values it writes are kept, and the first step reuses them
    g = client.post("/api/graph", json={"scenario": sc, "labels": "text", "format": "blocks"})
    assert g.content == spec_blocks(to_spec(req.scenario))
    r = client.post("/api/step", json={"scenario": sc, "format": "columns"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.backstep.columns+json"
    deadline = time.monotonic() + 30
    while built_lesson(key) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert built_lesson(key) is not None
    assert r.content == dump_columns(step_at(req))
    usual = client.post("/api/step", json={"scenario": sc}).json()
    assert from_columns(r.json()) == usual
    nxt = client.post("/api/step", json={"scenario": sc, "cursor": 1, "since": 0}).json()
    assert nxt["nodes"] == [
        {"id": "z1_0", "value": nxt["steps"][0]["value"], "grad": None, "grad_parts": [0, 1]}
    ]


def test_refusals_come_first(client) -> None:
    """Bad input is refused as before, naming the field and its limit."""
    sc = PRESETS["tutorial"]["scenario"]
    r = client.post("/api/step", json={"scenario": sc, "format": "columns", "sample": 9})
    assert r.status_code == 422
    assert "sample is 9 but the scenario has 1 samples" in r.text
    r = client.post("/api/step", json={"scenario": sc, "format": "columns", "granularity": "x"})
    assert r.status_code == 422
    assert "granularity" in r.text


def test_no_build_ahead_of_lessons_the_memo_does_not_keep(monkeypatch) -> None:
    """With a lesson memo too small for a lesson (an operator's lesson_cache_mb), building it
    behind its first step is work thrown away: once seen, such lessons are not built ahead."""
    sc = net([8, 40, 3], ["tanh", "sigmoid"], learning_rate=0.625)
    one, two = (
        StepRequest.model_validate({"scenario": {**sc, "learning_rate": lr}, "format": "columns"})
        for lr in (0.625, 0.875)
    )
    k1, k2 = lesson_key(one.scenario), lesson_key(two.scenario)
    monkeypatch.setattr(first_step_module, "BUILD_AFTER_S", 0.0)
    monkeypatch.setattr(first_step_module, "_UNKEPT", set())
    size = lesson_for(one.scenario, False, k1).max_bytes  # what the memo is asked to keep
    monkeypatch.setattr(cache.lessons, "budget", size)  # keeps up to budget / share (2)
    cache.lessons.clear()

    async def ask(req, key) -> None:
        build_soon(req.scenario, key)
        await asyncio.gather(*_TASKS)

    run_alone(ask(one, k1))
    assert built_lesson(k1) is None  # built, and not kept
    build_soon(two.scenario, k2)  # not even started (outside a loop, it could not be)
    assert not _LATER and not _TASKS
    monkeypatch.setattr(cache.lessons, "budget", 2 * size + 1024)  # room for it now
    run_alone(ask(two, k2))
    assert built_lesson(k2) is not None


def test_one_build_at_a_time(monkeypatch) -> None:
    """First steps asked faster than their lessons build queue no builds: while one is being
    built behind its answer, another first step's lesson is left to its next step."""
    one, two = (
        StepRequest.model_validate(
            {
                "scenario": net([8, 40, 3], ["tanh", "sigmoid"], learning_rate=lr),
                "format": "columns",
            }
        )
        for lr in (0.125, 0.375)
    )
    k1, k2 = lesson_key(one.scenario), lesson_key(two.scenario)
    monkeypatch.setattr(first_step_module, "BUILD_AFTER_S", 0.05)

    async def ask_both() -> None:
        build_soon(one.scenario, k1)
        build_soon(two.scenario, k2)
        assert _LATER == {k1}
        await asyncio.gather(*_TASKS)

    run_alone(ask_both())
    assert built_lesson(k1) is not None
    assert built_lesson(k2) is None
    assert not _LATER


def _shape_by_json(layers: tuple[int, ...], coupled: tuple[bool, ...]):
    """_shape the plain way: every id and grad_parts pair in a list, written by the JSON writer."""
    ids, fan, param_ids = [f"x{i}" for i in range(layers[0])], [layers[1]] * layers[0], []
    depth = len(layers) - 1
    for l in range(1, depth + 1):
        n, prev = layers[l], layers[l - 1]
        a_fan, z_fan = layers[l + 1] if l < depth else 1, n if coupled[l - 1] else 1
        for j in range(n):
            param_ids += [f"W{l}_{j}_{k}" for k in range(prev)] + [f"b{l}_{j}"]
        if coupled[l - 1]:
            ids += [f"z{l}_{j}" for j in range(n)] + [f"a{l}_{j}" for j in range(n)]
            fan += [z_fan] * n + [a_fan] * n
        else:
            for j in range(n):
                ids += [f"z{l}_{j}", f"a{l}_{j}"]
                fan += [z_fan, a_fan]
    ids += [f"y{j}" for j in range(layers[-1])] + ["L"]
    fan += [1] * layers[-1] + [0]
    write = lambda v: json.dumps(v, separators=(",", ":"))  # noqa: E731
    parts = [[0, 1]] * len(param_ids)
    nodes = [[0, f] for f in fan]
    return write(ids), write(nodes), len(param_ids), write(param_ids), write(parts)


@pytest.mark.parametrize(
    "layers, coupled",
    [
        ((64,) * 11, (False,) * 10),  # the largest network: indices of two digits
        ((12, 11, 3), (True, False)),  # a coupled layer inside (the engine allows it)
        ((1, 1, 1, 1), (False, False, False)),
        ((3, 5, 2), (False, True)),
    ],
)
def test_a_shapes_columns_are_the_json_writers(layers, coupled) -> None:
    """The ids and grad_parts a first step takes from its network's shape, written by joins of
    strings, are what the JSON writer makes of the same lists."""
    assert first_step_module._shape.__wrapped__(layers, coupled) == _shape_by_json(layers, coupled)


@pytest.mark.parametrize(
    "layers, coupled",
    [
        ((64,) * 11, (False,) * 10),
        ((12, 11, 3), (True, False)),
        ((1, 1, 1, 1), (False, False, False)),
        ((3, 5, 2), (False, True)),
        ((4, 3, 3, 2), (True, True, False)),
    ],
)
def test_the_packed_shape_is_the_columns_shape(layers, coupled) -> None:
    """Both forms of a first step read one walk of the network (first_step._walk): the packed
    form's ids and grad_parts, decoded, are the column form's, for the same shape."""
    ids, parts, n_params, param_ids, _ = first_step_module._shape.__wrapped__(layers, coupled)
    packed = first_step_module._packed_shape.__wrapped__(layers, coupled)
    p_ids, p_parts, p_n, p_param_ids = (json.loads(t) if type(t) is str else t for t in packed)
    assert p_n == n_params
    assert _expand(p_ids["parts"]) == json.loads(ids)
    assert _expand(p_parts["parts"]) == json.loads(parts)
    assert _expand(p_param_ids["parts"]) == json.loads(param_ids)
