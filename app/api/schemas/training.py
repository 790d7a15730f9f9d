"""Training and labs: bounds for /api/train, /api/train/stream, /api/datasets, /api/gradcheck
and /api/labs/* (their size and time limits are in app.limits)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from app.api.schemas.common import (
    NAME_DOC,
    Finite,
    Integer,
    MaybeFloat,
    Row,
    Strict,
    integer,
    rules,
)
from app.api.schemas.expressions import network_only
from app.api.schemas.scenario import Scenario, check_data
from app.engine.presets import PRESETS
from app.limits import (
    MAX_ABS,
    MAX_CSV_CHARS,
    MAX_GRADCHECK_WORK,
    MAX_GRID,
    MAX_LAYERS,
    MAX_SAMPLES,
    MAX_STREAM_SECONDS,
    MAX_TRAIN_EPOCHS,
    MAX_TRAIN_SECONDS,
    MAX_WIDTH,
)

DatasetName = Literal[
    "xor", "and", "or", "circle", "spirals", "moons", "clusters2", "clusters3", "sine"
]
# Finite (strict, finite, ints welcome), never float | int: one bad value, one error.
Positive = Annotated[Finite, Field(gt=0)]


# a test set, as the training and predict requests take it (checked by check_test_set)
TestInputs = Annotated[
    list[Row] | None,
    Field(
        max_length=MAX_SAMPLES,
        description="A test set, shaped like the scenario's inputs ([] or null: none).",
    ),
]
TestTargets = Annotated[
    list[Row] | None,
    Field(max_length=MAX_SAMPLES, description="Its targets, one row per test input."),
]


def check_test_set(req):
    """test_inputs and test_targets come together, shaped like the scenario's data."""
    if (req.test_inputs is None) != (req.test_targets is None):
        raise ValueError("give test_inputs and test_targets together")
    if req.test_inputs is not None:
        sc, names = req.scenario, ("test_inputs", "test_targets")
        check_data(sc.layers, sc.loss, req.test_inputs, req.test_targets, names)
    return req


# network-only routes: an expression gets one 422 naming /api/step (expressions.network_only)
TrainScenario = network_only("training (/api/train, /api/train/stream, /api/train/twins)")
PredictScenario = network_only("/api/labs/predict")
GradcheckScenario = network_only("/api/gradcheck")
BlameScenario = network_only("/api/labs/blame")


class DatasetRequest(Strict):
    """A named dataset drawn from a seed, or the user's own points (rows or CSV text)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "moons", "samples": 200, "noise": 0.1}],
            **rules(
                "exactly one of name, points and csv",
                "points: rows of one length, at least 2 (inputs, then the label)",
                f"csv: a header line, then 1 to {MAX_SAMPLES:,} rows of numbers (|value| ≤ "
                f"{MAX_ABS:g}), at most {MAX_WIDTH} inputs",
                "classification labels are class numbers 0, 1, 2, …; test_fraction leaves "
                "training samples",
            ),
        },
    )
    name: DatasetName | None = Field(None, description="A generated dataset.")
    samples: integer(ge=1, le=MAX_SAMPLES) | None = Field(
        None, description="Points to draw: 4 for xor/and/or, else 200."
    )
    noise: Finite = Field(0.0, ge=0, le=2, description="Std of Gaussian noise added.")
    seed: Integer = Field(0, ge=0, le=2**31 - 2, description="Same seed, same points.")
    test_fraction: Finite = Field(0.0, ge=0, le=0.9, description="Share held out as the test set.")
    points: list[Row] | None = Field(
        None,
        min_length=1,
        max_length=MAX_SAMPLES,
        description="The user's points: each row is the inputs then the label (class number, "
        "or the real target for regression).",
    )
    csv: str | None = Field(
        None,
        max_length=MAX_CSV_CHARS,
        description="CSV text with a header line; the last column is the label.",
    )
    task: Literal["classification", "regression"] = Field(
        "classification", description="For points and CSV: what the label column means."
    )

    @model_validator(mode="after")
    def _one_source(self) -> DatasetRequest:
        given = [k for k in ("name", "points", "csv") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of name, points or csv (got {given or 'none'})")
        if self.points is not None:
            widths = {len(r) for r in self.points}
            if len(widths) > 1 or min(widths) < 2:
                raise ValueError("points: every row needs the same length, ≥ 2 (inputs, label)")
        return self


class DatasetResponse(BaseModel):
    name: str
    task: Literal["classification", "regression"]
    classes: int = Field(..., description="0 for regression.")
    features: int
    outputs: int
    inputs: list[list[float]]
    targets: list[list[float]]
    test_inputs: list[list[float]]
    test_targets: list[list[float]]
    extent: list[float] = Field(..., description="[xmin, xmax, ymin, ymax] for plots.")


class TrainRequest(Strict):
    """Train a scenario. Its inputs/targets are the training set unless `dataset` is given."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"scenario": PRESETS["xor"]["scenario"], "epochs": 5000, "grid": 32}],
            **rules(
                "test_inputs and test_targets come together, shaped like the scenario's inputs "
                "and targets",
                "dataset: its points fit the scenario (layers[0] inputs, layers[-1] outputs, "
                "targets the loss takes)",
                "batch_size and shuffle_seed: the request's when given, else the scenario's",
            ),
        },
    )
    scenario: TrainScenario
    dataset: DatasetRequest | None = Field(
        None, description="Replaces the scenario's inputs and targets (and gives a test set)."
    )
    test_inputs: TestInputs = None
    test_targets: TestTargets = None
    epochs: Integer = Field(
        1000, ge=1, le=MAX_TRAIN_EPOCHS, description=f"1 to {MAX_TRAIN_EPOCHS:,}."
    )
    batch_size: integer(ge=1, le=MAX_SAMPLES) | None = Field(
        None,
        description="Mini-batches of this many samples (≥ the samples: full batch); omit it for "
        "the scenario's batch_size (none: full batch).",
    )
    target_loss: Finite | None = Field(
        None, ge=0, description="Stop once the training loss is ≤ this."
    )
    time_budget: Finite = Field(
        5.0,
        gt=0,
        le=MAX_TRAIN_SECONDS,
        description=f"Wall-time budget in seconds, at most {MAX_TRAIN_SECONDS:g}.",
    )
    clip_norm: Finite | None = Field(None, gt=0, le=MAX_ABS, description="Clip by global L2 norm.")
    accumulate_grads: StrictBool = Field(
        False, description="Forget zero_grad: gradients add up across updates."
    )
    shuffle_seed: Integer = Field(
        0,
        ge=0,
        le=2**32 - 1,
        description="Mini-batch order (0 to 4294967295); omit it for the scenario's shuffle_seed.",
    )
    grid: Integer = Field(
        0,
        ge=0,
        le=MAX_GRID,
        description=f"2-D inputs: heat maps on a grid×grid raster (0: none, ≤ {MAX_GRID}).",
    )

    @model_validator(mode="after")
    def _test_pair(self) -> TrainRequest:
        return check_test_set(self)


class TrainStreamRequest(TrainRequest):
    time_budget: Finite = Field(
        20.0,
        gt=0,
        le=MAX_STREAM_SECONDS,
        description=f"Wall-time budget in seconds, at most {MAX_STREAM_SECONDS:g}.",
    )
    report_every: Integer = Field(
        10, ge=1, le=MAX_TRAIN_EPOCHS, description="A progress event every this many epochs."
    )


class TrainDiverged(BaseModel):
    epoch: int
    step: int = Field(..., description="Updates done when the first non-finite value appeared.")
    where: str = Field(..., description="loss, gradient, or a tensor such as W2.")
    message: str


class GridOut(BaseModel):
    x: list[float]
    y: list[float] = Field(..., description="Top row first.")
    outputs: list[list[list[MaybeFloat]]] = Field(..., description="outputs × rows × columns.")
    neurons: list[dict] = Field(
        ...,
        description="{id, label, layer, row, values: rows × columns}; label is the neuron's "
        "activation in the page's notation, a⁽ˡ⁾ⱼ (1-based; README, Notation).",
    )


class CurveOut(BaseModel):
    x: list[float]
    y: list[list[MaybeFloat]] = Field(..., description="Points × outputs.")


class TrainResponse(BaseModel):
    epochs_run: int
    updates: int
    stopped: Literal["epochs", "target_loss", "time", "diverged", "cancelled"]
    seconds: float
    train_loss: list[MaybeFloat] = Field(
        ..., description="Per epoch, over the training set, with the epoch's starting parameters."
    )
    test_loss: list[MaybeFloat] | None
    grad_norm: list[MaybeFloat] = Field(..., description="Global gradient norm, per epoch.")
    clipped_updates: int
    final_train_loss: MaybeFloat = Field(..., description="With the final parameters.")
    final_test_loss: MaybeFloat
    train_accuracy: MaybeFloat = None
    test_accuracy: MaybeFloat = None
    weights: list[list[list[MaybeFloat]]]
    biases: list[list[MaybeFloat]]
    predictions: list[list[MaybeFloat]] = Field(..., description="Training samples × outputs.")
    test_predictions: list[list[MaybeFloat]] | None
    diverged: TrainDiverged | None
    scenario: Scenario | None = Field(
        None,
        description="The scenario with the trained parameters, ready for /api/step "
        "(null when training diverged).",
    )
    grid: GridOut | None = None
    curve: CurveOut | None = None


class PredictRequest(Strict):
    """A network as it stands (its weights given), with an optional test set: no training."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"scenario": PRESETS["xor"]["scenario"], "grid": 8}],
            **rules(
                "test_inputs and test_targets come together, shaped like the scenario's inputs "
                "and targets",
            ),
        },
    )
    scenario: PredictScenario
    test_inputs: TestInputs = None
    test_targets: TestTargets = None
    grid: Integer = Field(
        0,
        ge=0,
        le=MAX_GRID,
        description=f"2-D inputs: heat maps on a grid×grid raster (0: none, ≤ {MAX_GRID}).",
    )

    @model_validator(mode="after")
    def _test_pair(self) -> PredictRequest:
        return check_test_set(self)


class PredictResponse(BaseModel):
    loss: MaybeFloat = Field(..., description="Over the training set (the scenario's data).")
    test_loss: MaybeFloat = None
    accuracy: MaybeFloat = Field(None, description="Training set; null for a regression.")
    test_accuracy: MaybeFloat = None
    predictions: list[list[MaybeFloat]] = Field(..., description="Training samples × outputs.")
    test_predictions: list[list[MaybeFloat]] | None
    scenario: Scenario | None = Field(
        None,
        description="The scenario with its parameters and no init, ready for /api/step (null "
        "when a parameter is not finite or beyond the limit).",
    )
    grid: GridOut | None = None
    curve: CurveOut | None = None


class GradcheckRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"scenario": PRESETS["tutorial"]["scenario"]}],
            **rules(
                "estimated cost 2·P·(samples·(P + 8·neurons) + 5,000·layers) ≤ "
                f"{MAX_GRADCHECK_WORK:,}, with P parameters"
            ),
        },
    )
    scenario: GradcheckScenario
    eps: Finite = Field(1e-6, ge=1e-10, le=1e-2, description="Central-difference step.")

    @model_validator(mode="after")
    def _work(self) -> GradcheckRequest:
        work = gradcheck_cost(self.scenario.layers, len(self.scenario.inputs))
        if work > MAX_GRADCHECK_WORK:
            raise ValueError(
                f"gradient check too large: its estimated cost is {work:,} (two forward passes "
                f"per parameter, each samples × (parameters + 8 × neurons) + 5,000 per layer), "
                f"the limit is {MAX_GRADCHECK_WORK:,}: use fewer samples or a smaller network"
            )
        return self


def gradcheck_cost(layers: list[int], samples: int) -> int:
    """The work of a gradient check, from the request's shape alone (about a nanosecond a unit
    here): numpy's time per forward pass grows with samples × parameters and with neurons (the
    activations), plus a fixed cost per layer that dominates small batches."""
    params = sum(a * (b + 1) for a, b in zip(layers[1:], layers[:-1], strict=True))
    neurons = sum(layers[1:])
    per_pass = samples * (params + 8 * neurons) + 5_000 * (len(layers) - 1)
    return 2 * params * per_pass


class GradcheckRow(BaseModel):
    id: str = Field(..., description="The parameter's stable id, 0-based: W1_3_1, b2_0.")
    label: str = Field(..., description=NAME_DOC)
    backprop: MaybeFloat
    numeric: MaybeFloat
    abs_error: MaybeFloat
    rel_error: MaybeFloat


class GradcheckResponse(BaseModel):
    eps: float
    parameters: list[GradcheckRow]
    max_rel_error: MaybeFloat
    forward_passes_numeric: int = Field(..., description="2 per parameter.")
    passes_backprop: dict[str, int] = Field(..., description="1 forward and 1 backward.")
    seconds_numeric: float
    seconds_backprop: float


class VanishingRequest(Strict):
    depth: Integer = Field(10, ge=2, le=MAX_LAYERS, description="Weight layers.")
    width: Integer = Field(8, ge=1, le=32)
    seed: Integer = Field(0, ge=0, le=2**31 - 2)


class ExplodingRequest(Strict):
    scale: Positive = Field(1.0, le=10, description="Initial weights: randn·scale.")
    learning_rate: Positive = Field(0.02, le=10)
    clip_norm: Positive = Field(0.25, le=1000)
    epochs: Integer = Field(200, ge=1, le=2000)
    seed: Integer = Field(0, ge=0, le=2**31 - 2)


class DeadReluRequest(Strict):
    bias: Finite = Field(-1.0, ge=-10, le=10, description="Starting hidden biases.")
    learning_rate: Positive = Field(1.0, le=10)
    epochs: Integer = Field(500, ge=1, le=5000)
    slope: Finite = Field(0.1, ge=0, lt=1, description="Leaky ReLU slope.")
    seed: Integer = Field(1, ge=0, le=2**31 - 2)


class ZeroGradRequest(Strict):
    iterations: Integer = Field(15, ge=1, le=100)
    learning_rate: Positive = Field(0.1, le=10)


class BlameRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"scenario": PRESETS["xor"]["scenario"]}]},
    )
    scenario: BlameScenario


class ActivationsRequest(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra=rules("hi > lo"))
    lo: Finite = Field(-6.0, ge=-50, le=50)
    hi: Finite = Field(6.0, ge=-50, le=50)
    points: Integer = Field(121, ge=2, le=2001)

    @model_validator(mode="after")
    def _order(self) -> ActivationsRequest:
        if self.hi <= self.lo:
            raise ValueError(f"hi ({self.hi}) must be greater than lo ({self.lo})")
        return self
