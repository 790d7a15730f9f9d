"""Graph and step answers are written straight from the engine's objects by the one serialiser
(fast for large networks), so every kind of answer is checked here against the response models:
the JSON sent equals what validating it with the model and dumping it gives."""

import json

import pytest

from app.api.convert import lesson_for
from app.api.schemas import GraphRequest, GraphResponse, StepResponse
from app.api.serialize import dump, plain
from app.engine.expression_presets import EXPRESSION_PRESETS
from app.engine.plan import GRANULARITIES
from app.engine.presets import PRESETS

CASES = [
    *[(PRESETS[k]["scenario"], False) for k in PRESETS],
    (PRESETS["tutorial"]["scenario"], True),  # neurons expanded into primitive ops
    *[(p["scenario"], False) for p in EXPRESSION_PRESETS.values()],
    (
        {
            **PRESETS["tutorial"]["scenario"],
            "learning_rate": 1e6,
            "weights": [[[900, 900]], [[900]]],
        },
        False,
    ),
    ({**PRESETS["xor"]["scenario"], "optimizer": {"name": "adam", "amsgrad": True}}, False),
    ({**PRESETS["tutorial"]["scenario"], "optimizer": {"name": "sgd", "momentum": 0.9}}, True),
]


def lesson(scenario: dict, expand: bool):
    return lesson_for(GraphRequest.model_validate({"scenario": scenario}).scenario, expand)


def same(answer, model) -> None:
    sent = dump(answer)
    assert json.loads(sent) == model.model_validate(plain(answer)).model_dump(mode="json")


@pytest.mark.parametrize(("scenario", "expand"), CASES)
def test_graph_answers_are_the_graph_model(scenario, expand):
    for labels in ("all", "text"):
        same(lesson(scenario, expand).describe(labels), GraphResponse)


@pytest.mark.parametrize(("scenario", "expand"), CASES)
def test_step_answers_are_the_step_model(scenario, expand):
    les = lesson(scenario, expand)
    for gran in GRANULARITIES:
        total = les.plan.units(gran)
        for cursor in sorted({0, 1, total // 3, total // 2, total - 1, total} - {-1}):
            same(les.at(cursor, gran), StepResponse)
            same(les.at(cursor, gran, since=max(0, cursor - 1)), StepResponse)
