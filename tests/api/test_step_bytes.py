"""/api/step's quick ways give the general way's bytes, for every kind of scenario and option.

Three ways answer a step: the route (FastAPI: routing, validation, app.api.routes.lessons.
take_step), step_inline (the same validation and work on the raw body, before routing) and, inside
both, dump_step (the answer's rows written directly) in place of the general writer dump. Each
request below is answered the three ways from empty memos, and the bytes must be the same: the
route's, step_inline's, and dump() of the engine's answer. Any refusal must be the route's to
give (step_inline answers None)."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from app.api import cache
from app.api.routes.lessons import step_at, step_inline
from app.api.schemas.lessons import StepRequest
from app.api.serialize import dump, dump_step
from app.engine.expression_presets import EXPRESSION_PRESETS
from app.engine.presets import PRESETS

ACTS = ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "gelu", "softplus", "silu", "elu"]
# not "application/json" exactly: app.answer_bytes leaves the body to the route
ROUTED = {"content-type": "application/json; charset=utf-8"}


def _network(rng: random.Random) -> dict:
    """A random small network: any activation and loss, given or drawn weights, frozen tensors,
    an optimizer, mini-batches."""
    depth = rng.randint(1, 3)
    loss = rng.choice(["mse", "bce", "cross_entropy"])
    widths = [rng.randint(1, 3) for _ in range(depth + 1)]
    acts = [rng.choice(ACTS) for _ in range(depth - 1)]
    if loss == "cross_entropy":
        widths[-1] = max(widths[-1], 2)
        acts.append("softmax")
    else:
        acts.append("sigmoid" if loss == "bce" else rng.choice(ACTS))
    m = rng.randint(1, 5)
    g = np.random.default_rng(rng.randint(0, 10**6))
    sc = {
        "layers": widths,
        "activations": acts,
        "loss": loss,
        "inputs": g.normal(0, 1, (m, widths[0])).round(3).tolist(),
        "learning_rate": rng.choice([0.1, 0.5, 2.0, 0.0]),
    }
    if loss == "cross_entropy":
        sc["targets"] = np.eye(widths[-1])[g.integers(0, widths[-1], m)].tolist()
    else:
        sc["targets"] = g.uniform(0, 1, (m, widths[-1])).round(3).tolist()
    if rng.random() < 0.5:
        sc["weights"] = [
            g.normal(0, 0.8, (o, i)).tolist() for i, o in zip(widths, widths[1:], strict=False)
        ]
        sc["biases"] = [g.normal(0, 0.3, o).tolist() for o in widths[1:]]
    else:
        scheme = rng.choice(["normal", "xavier", "he", "uniform"])
        sc["init"] = {"scheme": scheme, "seed": rng.randint(0, 99)}
    if rng.random() < 0.3:
        sc["frozen"] = rng.sample(["W1", "b1"], rng.randint(1, 2))
    r = rng.random()
    if r < 0.2:
        sc["optimizer"] = {"name": "adam"}
    elif r < 0.35:
        sc["optimizer"] = {"name": "sgd", "momentum": 0.9}
    if m > 1 and rng.random() < 0.3:
        sc["batch_size"] = rng.randint(1, m - 1)
        sc["shuffle_seed"] = rng.randint(0, 9)
    return sc


def _requests() -> list[dict]:
    rng = random.Random(17)
    tut = PRESETS["tutorial"]["scenario"]
    out = []
    for c in range(20):  # the tutorial, and a new scenario of its shape, at every step
        out.append({"scenario": {**tut, "learning_rate": 0.5 + c * 1e-9}, "cursor": c})
    for gran, units in (("node", 12), ("layer", 8), ("pass", 3)):
        out += [{"scenario": tut, "cursor": c, "granularity": gran} for c in range(units + 1)]
    for c in (0, 7, 12, 19):
        out += [
            {"scenario": tut, "cursor": c, "precision": 1},
            {"scenario": tut, "cursor": c, "precision": 9, "since": max(c - 1, 0)},
            {"scenario": tut, "cursor": c, "iteration": 3},
            {"scenario": tut, "cursor": c, "expand": True},
            {"scenario": tut, "cursor": c, "format": "columns"},
        ]
    out.append({"scenario": tut, "cursor": 2, "granularity": "pass", "max_explained": 1})
    out.append({"scenario": tut, "cursor": 25})  # past the end: the route's refusal
    for p in PRESETS.values():
        sc = p["scenario"]
        out += [{"scenario": sc, "cursor": c} for c in (1, 9, 40)]
        last = len(sc["inputs"]) - 1
        out.append({"scenario": sc, "cursor": 1, "granularity": "pass", "sample": last})
        out.append({"scenario": sc, "cursor": 2, "granularity": "layer", "iteration": 2})
    for p in EXPRESSION_PRESETS.values():
        out += [{"scenario": p["scenario"], "cursor": c} for c in (1, 4, 30)]
    nonfinite = [  # values that become non-finite: null in the answer, and a `diverged`
        {"expression": "a / b", "values": {"a": 1, "b": 0}, "learning_rate": 0.1},
        {"expression": "exp(a) * b", "values": {"a": 800, "b": 1}, "learning_rate": 0.5},
        {"expression": "sqrt(a) * b", "values": {"a": 0, "b": 1}, "learning_rate": 0.5},
    ]
    for expr in nonfinite:
        out += [{"scenario": {"kind": "expression", **expr}, "cursor": c} for c in (1, 3, 6)]
    for _ in range(25):
        sc = _network(rng)
        for _ in range(3):
            req = {"scenario": sc, "cursor": rng.randint(0, 60)}
            if rng.random() < 0.3:
                req["granularity"] = rng.choice(["node", "layer", "pass"])
                req["cursor"] = rng.randint(0, 6)
            samples = len(sc["inputs"])
            for key, p, lo, hi in (
                ("sample", 0.2, 0, samples - 1),
                ("precision", 0.2, 1, 8),
                ("since", 0.2, 0, 30),
                ("iteration", 0.15, 2, 4),
                ("expand", 0.1, 1, 1),
            ):
                if rng.random() < p:
                    req[key] = True if key == "expand" else rng.randint(lo, hi)
            out.append(req)
    return out


REQUESTS = _requests()


def _forget() -> None:
    cache.answers.clear()
    cache.lessons.clear()


@pytest.fixture(scope="module")
def answered(client) -> list[tuple[dict, int, bytes, bytes | None]]:
    out = []
    for req in REQUESTS:
        _forget()
        routed = client.post("/api/step", content=json.dumps(req), headers=ROUTED)
        _forget()
        inline = step_inline(json.dumps(req).encode())
        out.append((req, routed.status_code, routed.content, inline))
    _forget()
    return out


def test_the_requests_cover_refusals_nulls_and_every_path(answered):
    statuses = [s for _, s, _, _ in answered]
    assert statuses.count(422) >= 3 and statuses.count(200) > 0.8 * len(statuses)
    oks = [json.loads(body) for _, s, body, _ in answered if s == 200]
    assert sum(a["diverged"] is not None for a in oks if "diverged" in a) >= 3
    assert sum(b"null" in body for _, s, body, _ in answered if s == 200) > 10
    assert sum(inline is not None for *_, inline in answered) > 0.6 * len(answered)


def test_step_inline_answers_what_the_route_answers(answered):
    for req, status, body, inline in answered:
        if inline is None:  # a refusal, heavy work or columns: the route's to answer
            assert status != 200 or req.get("format") == "columns" or req.get("expand"), req
            continue
        assert status == 200, req
        assert inline == body, req


def test_dump_step_writes_what_dump_writes(answered):
    for req, status, body, _ in answered:
        if status != 200 or req.get("format") == "columns":
            continue
        answer = step_at(StepRequest.model_validate(req))
        assert dump_step(answer) == dump(answer) == body, req
