"""The answers' memo key (app.api.routes.lessons._answer_key) against the general way of naming a
request's fields, model_dump_json: two requests share a key exactly when their dumps (scenario
left out) are equal, so no answer is ever given for another request, nor missed for its own."""

from __future__ import annotations

import itertools

from app.api.routes.lessons import _answer_key
from app.api.schemas.lessons import GraphRequest, StepRequest
from app.engine.presets import PRESETS

SCENARIO = PRESETS["tutorial"]["scenario"]


def general(req) -> str:
    return f"{req.__class__.__name__}L{req.model_dump_json(exclude={'scenario'})}"


def check(requests) -> None:
    reqs = [cls.model_validate({"scenario": SCENARIO, **body}) for cls, body in requests]
    for req in reqs:  # every field but the scenario a plain scalar: what the key relies on
        fields = {k: v for k, v in req.__dict__.items() if k != "scenario"}
        assert fields.keys() == type(req).model_fields.keys() - {"scenario"}
        assert all(type(v) in (bool, int, str, type(None)) for v in fields.values()), fields
    for a, b in itertools.combinations_with_replacement(reqs, 2):
        assert (_answer_key(a, "L") == _answer_key(b, "L")) == (general(a) == general(b))


def test_step_request_keys_part_requests_as_their_dumps_do():
    bodies = [
        {},
        {"cursor": 3},
        {"cursor": 3.0},  # the same request as cursor 3
        {"cursor": 3, "since": None},  # the same again
        {"cursor": 3, "since": 2},
        {"cursor": 3, "since": 0},
        {"cursor": 1, "granularity": "node"},
        {"cursor": 1, "granularity": "layer"},
        {"cursor": 1, "sample": 0},
        {"cursor": 1, "precision": 1},
        {"cursor": 1, "precision": 9},
        {"cursor": 1, "max_explained": 3},
        {"cursor": 1, "format": "columns"},
        {"cursor": 1, "expand": True},
        {"cursor": 1, "iteration": 2},
        {"cursor": 1, "iteration": 1},
    ]
    check([(StepRequest, b) for b in bodies])


def test_graph_and_step_requests_never_share_a_key():
    check(
        [
            (GraphRequest, {}),
            (GraphRequest, {"labels": "text"}),
            (GraphRequest, {"format": "columns"}),
            (GraphRequest, {"expand": True, "iteration": 3}),
            (StepRequest, {}),
        ]
    )
