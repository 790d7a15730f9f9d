"""Twin runs: two copies of one network trained in lockstep, differing in exactly one setting."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas.common import Activation, Finite, Strict, integer, rules
from app.api.schemas.scenario import InitSpec, OptimizerSpec
from app.api.schemas.training import TrainRequest, TrainResponse, TrainStreamRequest
from app.engine.presets import PRESETS
from app.limits import (
    MAX_LAYERS,
    MAX_LEARNING_RATE,
    MAX_SAMPLES,
    MAX_STREAM_SECONDS,
    MAX_TRAIN_SECONDS,
)


class TwinLearningRate(Strict):
    setting: Literal["learning_rate"]
    learning_rate: Finite = Field(..., ge=0, le=MAX_LEARNING_RATE, description="The twin's η.")


class TwinInit(Strict):
    setting: Literal["init"]
    init: InitSpec = Field(
        ..., description="The twin's initialisation (scheme, seed, scale); it draws its weights."
    )


class TwinActivation(Strict):
    setting: Literal["activation"]
    activation: Activation = Field(..., description="The twin's activation.")
    layer: integer(ge=1, le=MAX_LAYERS) | None = Field(
        None, description="The layer it replaces (1-based, as W⁽ˡ⁾); null: every hidden layer."
    )


class TwinOptimizer(Strict):
    setting: Literal["optimizer"]
    optimizer: OptimizerSpec | None = Field(
        ..., description="The twin's optimizer with its hyperparameters; null: plain SGD."
    )
    # torch.optim takes lr with the optimizer: Adam's step is about η whatever the gradient, so
    # at a lesson's SGD η (XOR's 2) Adam's curve is noise, and a comparison at one shared η
    # would teach that Adam does not work (the catalog's typical_lr is each one's usual scale)
    learning_rate: Finite | None = Field(
        None,
        ge=0,
        le=MAX_LEARNING_RATE,
        description="The twin's η, part of its optimizer as in torch.optim (each optimizer has "
        "its own usual scale: the catalog's typical_lr); null: the shared η.",
    )


class TwinBatchSize(Strict):
    setting: Literal["batch_size"]
    batch_size: integer(ge=1, le=MAX_SAMPLES) | None = Field(
        ..., description="The twin's mini-batch size; null: full batch."
    )


TwinSpec = Annotated[
    Union[TwinLearningRate, TwinInit, TwinActivation, TwinOptimizer, TwinBatchSize],  # noqa: UP007
    Field(discriminator="setting"),
]

TWIN_DOC = (
    "The one setting the twin changes, and its value: {setting: learning_rate, learning_rate}, "
    "{setting: init, init}, {setting: activation, activation, layer (null: every hidden layer)}, "
    "{setting: optimizer, optimizer (null: plain SGD), learning_rate (its own η, as "
    "torch.optim takes it; null: the shared η)} or {setting: batch_size, batch_size (null: full "
    "batch)}. Everything else (seed, data, batch order, epochs, …) is shared."
)
BUDGET_DOC = (
    "Wall-time budget in seconds for both twins together (each gets about half), at most {:g}: "
    "a twin run trains two networks, so it costs twice a single run's work per epoch."
)
_EXAMPLE = {
    "scenario": PRESETS["xor"]["scenario"],
    "epochs": 2000,
    "grid": 16,
    "twin": {"setting": "learning_rate", "learning_rate": 0.5},
}
_RULES = rules(
    "twin: exactly one setting differs; the twin's scenario is checked as any scenario "
    "(an activation's layer must exist; softmax only on the output layer)",
    "the twins share the scenario's data, seed, epochs, shuffle_seed (same batch order) and "
    "every other field",
)


class TwinTrainRequest(TrainRequest):
    """Train the scenario and its twin (the same scenario with one setting changed) in lockstep."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE], **_RULES})
    twin: TwinSpec = Field(..., description=TWIN_DOC)
    time_budget: Finite = Field(
        5.0, gt=0, le=MAX_TRAIN_SECONDS, description=BUDGET_DOC.format(MAX_TRAIN_SECONDS)
    )


class TwinStreamRequest(TrainStreamRequest):
    """Server-sent events of a twin run: both twins advance together, epoch for epoch."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE], **_RULES})
    twin: TwinSpec = Field(..., description=TWIN_DOC)
    time_budget: Finite = Field(
        20.0, gt=0, le=MAX_STREAM_SECONDS, description=BUDGET_DOC.format(MAX_STREAM_SECONDS)
    )


class TwinTrainResponse(BaseModel):
    a: TrainResponse = Field(..., description="The run with the scenario's own settings.")
    b: TrainResponse = Field(..., description="Its twin, with `twin`'s setting.")
