"""The JSON contract: requests, responses and their documented limits."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    model_validator,
)

from app.engine.plan import GRANULARITIES
from app.engine.presets import PRESETS
from app.engine.registry import ACTIVATIONS, LOSSES

# limits: documented in the README and in these field descriptions; their one home is app.limits
from app.limits import (
    MAX_ABS,
    MAX_BODY_BYTES,
    MAX_CHECK_ENTRIES,
    MAX_CSV_CHARS,
    MAX_EXPANDED_PRODUCTS,
    MAX_EXPLAINED,
    MAX_EXPRESSION_DEPTH,
    MAX_EXPRESSION_LENGTH,
    MAX_EXPRESSION_OPERATIONS,
    MAX_EXPRESSION_VARIABLES,
    MAX_GRADCHECK_WORK,
    MAX_GRID,
    MAX_JSON_DEPTH,
    MAX_LAYERS,
    MAX_LEARNING_RATE,
    MAX_PRECISION,
    MAX_RUN_STEPS,
    MAX_SAMPLES,
    MAX_STEP_CELLS,
    MAX_STREAM_SECONDS,
    MAX_TRAIN_EPOCHS,
    MAX_TRAIN_SECONDS,
    MAX_VARIABLE_NAME,
    MAX_WIDTH,
)

# The enumerations are the registry's names, in its order: a new operation is accepted at once.
Activation = Literal[tuple(ACTIVATIONS)]  # type: ignore[valid-type]
LossName = Literal[tuple(LOSSES)]  # type: ignore[valid-type]
Granularity = Literal[GRANULARITIES]

# Strict: `true` or "1" is not a number here; ints are fine, NaN and ±Infinity are not.
# One strict float (it takes JSON ints) rather than float | int: one error per bad value.
Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Number = Annotated[Finite, Field(ge=-MAX_ABS, le=MAX_ABS)]
Row = Annotated[list[Number], Field(min_length=1, max_length=MAX_WIDTH)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InitSpec(Strict):
    scheme: Literal["normal", "xavier", "he", "uniform"] = Field(
        "normal",
        description=(
            "normal: randn(out, in)·scale per layer in order (the tutorial's); xavier: Glorot "
            "uniform; he: randn·√(2/in); uniform: U(−scale, scale). Biases start at zero."
        ),
    )
    seed: StrictInt = Field(0, ge=0, le=2**32 - 1, description="NumPy RandomState seed.")
    scale: Finite = Field(0.5, gt=0, le=100, description="Used by normal and uniform.")


class Scenario(Strict):
    """A whole lesson's network, parameters and data. The answer depends on nothing else."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [PRESETS["tutorial"]["scenario"]]},
    )

    kind: Literal["mlp"] = Field(
        "mlp", description='A network (the default); see ExpressionScenario for kind "expression".'
    )
    layers: list[StrictInt] = Field(
        ...,
        min_length=2,
        max_length=MAX_LAYERS + 1,
        description=f"Neurons per layer, input layer first: 2 to {MAX_LAYERS + 1} entries, "
        f"each 1 to {MAX_WIDTH}.",
    )
    activations: list[Activation] = Field(
        ..., description="One per non-input layer. softmax only on the output layer."
    )
    loss: LossName = Field(
        "mse",
        description="mse: mean over samples of ½·Σ(ŷ − y)²; bce: binary cross-entropy (sigmoid "
        "output); cross_entropy: goes with a softmax output.",
    )
    weights: list[list[Row]] | None = Field(
        None,
        description="W{l} per layer, shape (layers[l], layers[l−1]); omit to use `init`. "
        f"|value| ≤ {MAX_ABS:g}.",
    )
    biases: list[Row] | None = Field(
        None, description="b{l} per layer, length layers[l]; zeros when omitted."
    )
    init: InitSpec | None = Field(None, description="How to draw weights when none are given.")
    inputs: list[Row] = Field(
        ...,
        min_length=1,
        max_length=MAX_SAMPLES,
        description=f"Samples × layers[0], 1 to {MAX_SAMPLES} samples.",
    )
    targets: list[Row] = Field(
        ..., min_length=1, max_length=MAX_SAMPLES, description="Samples × layers[-1]."
    )
    learning_rate: Finite = Field(0.5, ge=0, le=MAX_LEARNING_RATE, description="η.")
    frozen: list[Annotated[str, Field(pattern=r"^[Wb][0-9]{1,2}$")]] = Field(
        default_factory=list,
        max_length=2 * MAX_LAYERS,
        description='Tensors the update leaves alone, e.g. ["b1"]; their gradients are still shown.',
    )
    leaky_slope: Finite = Field(0.01, ge=0, lt=1, description="Slope of leaky_relu for z < 0.")

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        layers = self.layers
        for l, width in enumerate(layers):
            if not 1 <= width <= MAX_WIDTH:
                raise ValueError(f"layers[{l}] is {width}: each layer has 1 to {MAX_WIDTH} neurons")
        depth = len(layers) - 1
        if len(self.activations) != depth:
            raise ValueError(
                f"activations has {len(self.activations)} entries; layers {layers} needs {depth} "
                "(one per non-input layer)"
            )
        for l, act in enumerate(self.activations[:-1], start=1):
            if ACTIVATIONS[act].output_only:
                raise ValueError(
                    f"activations[{l - 1}] is {act}: {act} is for the output layer only"
                )
        out_act = self.activations[-1]
        if self.loss == "cross_entropy" and out_act != "softmax":
            raise ValueError("loss cross_entropy needs a softmax output layer (activations[-1])")
        if out_act == "softmax" and self.loss == "bce":
            raise ValueError("a softmax output goes with loss cross_entropy (or mse), not bce")
        if out_act == "softmax" and layers[-1] < 2:
            raise ValueError("a softmax output layer needs at least 2 neurons (layers[-1])")
        if self.loss == "bce" and out_act != "sigmoid":
            raise ValueError(
                "loss bce needs a sigmoid output layer (activations[-1]), whose values are probabilities"
            )
        self._check_params()
        self._check_data()
        names = {f"{t}{l}" for l in range(1, depth + 1) for t in "Wb"}
        for i, name in enumerate(self.frozen):
            if name not in names:
                raise ValueError(
                    f"frozen[{i}] is {name!r}: not a tensor of this network ({', '.join(sorted(names))})"
                )
        return self

    def _check_params(self) -> None:
        layers = self.layers
        if self.weights is None:
            if self.biases is not None:
                raise ValueError(
                    "biases were given without weights: give both, or neither and an init"
                )
            return
        if len(self.weights) != len(layers) - 1:
            raise ValueError(
                f"weights has {len(self.weights)} layers; layers {layers} needs {len(layers) - 1}"
            )
        for l, W in enumerate(self.weights, start=1):
            rows, cols = layers[l], layers[l - 1]
            if len(W) != rows or any(len(r) != cols for r in W):
                got = (
                    f"{len(W)}×{len(W[0]) if W else 0}"
                    if all(len(r) == len(W[0]) for r in W)
                    else "ragged"
                )
                raise ValueError(
                    f"weights[{l - 1}] (W{l}) must be {rows}×{cols} (layers[{l}] × layers[{l - 1}]), got {got}"
                )
        if self.biases is not None:
            if len(self.biases) != len(layers) - 1:
                raise ValueError(
                    f"biases has {len(self.biases)} layers; layers {layers} needs {len(layers) - 1}"
                )
            for l, b in enumerate(self.biases, start=1):
                if len(b) != layers[l]:
                    raise ValueError(
                        f"biases[{l - 1}] (b{l}) must have {layers[l]} values, got {len(b)}"
                    )

    def _check_data(self) -> None:
        if len(self.targets) != len(self.inputs):
            raise ValueError(
                f"targets has {len(self.targets)} rows but inputs has {len(self.inputs)} samples"
            )
        for s, row in enumerate(self.inputs):
            if len(row) != self.layers[0]:
                raise ValueError(
                    f"inputs[{s}] has {len(row)} values; layers[0] is {self.layers[0]}"
                )
        for s, row in enumerate(self.targets):
            if len(row) != self.layers[-1]:
                raise ValueError(
                    f"targets[{s}] has {len(row)} values; layers[-1] is {self.layers[-1]}"
                )
            if self.loss == "bce" and any(not 0 <= v <= 1 for v in row):
                raise ValueError(f"targets[{s}]: bce targets are probabilities in [0, 1]")
            if self.loss == "cross_entropy":
                if any(v < 0 for v in row) or abs(sum(row) - 1) > 1e-6:
                    raise ValueError(
                        f"targets[{s}]: cross_entropy targets are a distribution over classes "
                        "(non-negative, summing to 1), e.g. one-hot"
                    )

    @property
    def neurons(self) -> int:
        return sum(self.layers)


class StepRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"scenario": PRESETS["tutorial"]["scenario"], "cursor": 1, "granularity": "step"}
            ]
        },
    )
    scenario: AnyScenario
    expand: StrictBool = Field(
        False, description="Networks: each neuron as its products, sum, activation."
    )
    cursor: StrictInt = Field(
        0, ge=0, description="Units of `granularity` done; 0 is before the first step."
    )
    granularity: Granularity = Field(
        "step",
        description="step: one edge or one node; node: all of one node's steps; layer; pass.",
    )
    sample: StrictInt = Field(0, ge=0, description="Which sample's values to show (0-based).")
    precision: StrictInt = Field(
        4, ge=1, le=MAX_PRECISION, description="Decimals in the explanations."
    )
    max_explained: StrictInt = Field(
        500,
        ge=1,
        le=MAX_EXPLAINED,
        description="At most this many steps of a coarse unit are explained.",
    )
    since: StrictInt | None = Field(
        None,
        ge=0,
        description="The `fine_cursor` of an answer you hold (0 to `fine_total`): `nodes` and "
        "`parameters` then list only the entries whose state differs from their state there, "
        "stepping forward or back. Omit it to get every entry.",
    )

    @model_validator(mode="after")
    def _sample(self) -> StepRequest:
        if not check_view(self.scenario, self.expand, self.sample):
            return self
        if self.sample >= len(self.scenario.inputs):
            raise ValueError(
                f"sample is {self.sample} but the scenario has {len(self.scenario.inputs)} samples"
            )
        cells = len(self.scenario.inputs) * self.scenario.neurons
        if cells > MAX_STEP_CELLS:
            raise ValueError(
                f"scenario too large to step: samples × neurons is {cells:,}, the limit is "
                f"{MAX_STEP_CELLS:,}; use fewer samples, or /api/run"
            )
        return self


class GraphRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"scenario": PRESETS["tutorial"]["scenario"]}]},
    )
    scenario: AnyScenario
    expand: StrictBool = Field(
        False, description="Networks: each neuron as its products, sum, activation."
    )
    labels: Literal["all", "text"] = Field(
        "all",
        description='"text": labels carry only their Unicode text (latex and mathml are null), '
        "a much smaller answer for large networks.",
    )

    @model_validator(mode="after")
    def _size(self) -> GraphRequest:
        if not check_view(self.scenario, self.expand, 0):
            return self
        cells = len(self.scenario.inputs) * self.scenario.neurons
        if cells > MAX_STEP_CELLS:
            raise ValueError(
                f"scenario too large to step: samples × neurons is {cells:,}, the limit is {MAX_STEP_CELLS:,}"
            )
        return self


class RunRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"scenario": PRESETS["tutorial"]["scenario"]}]},
    )
    scenario: Scenario
    include_steps: StrictBool = Field(
        True,
        description=f"List every step with its explanation (plans up to {MAX_RUN_STEPS:,} steps).",
    )
    precision: StrictInt = Field(
        4, ge=1, le=MAX_PRECISION, description="Decimals in the explanations."
    )


# ── responses ────────────────────────────────────────────────────────────────

MaybeFloat = float | None  # null where a value is not computed yet, or not finite


class Rendered(BaseModel):
    text: str = Field(..., description="Unicode plain text.")
    latex: str
    mathml: str = Field(..., description='A <math display="block"> element.')


class Label(BaseModel):
    text: str = Field(..., description="Unicode plain text.")
    latex: str | None = Field(..., description='null when the graph was asked for labels="text".')
    mathml: str | None = Field(..., description='A <math display="block"> element, or null.')


class ExplanationOut(BaseModel):
    formula: Rendered
    substituted: Rendered
    result: Rendered
    sentence: str


class StepOut(BaseModel):
    index: int = Field(..., description="Position in the whole plan (0-based).")
    phase: Literal["forward", "backward", "update"]
    node: str = Field(
        ..., description="Forward: the node computed. Backward: the node passing its gradient on."
    )
    target: str = Field(
        ..., description="The node or parameter whose value or gradient this step writes."
    )
    edge: str | None = Field(None, description="Backward: the edge id (source__target).")
    value: MaybeFloat = Field(..., description="What this step wrote, for the selected sample.")
    contribution: list[int] | None = Field(
        None, description="Backward: [k, n]: the k-th of n contributions."
    )
    direction: Literal["up", "down", "none"] | None = None
    explanation: ExplanationOut


class NodeState(BaseModel):
    id: str
    value: MaybeFloat
    grad: MaybeFloat = Field(..., description="∂ℓ/∂v for the selected sample; null until computed.")
    grad_parts: list[int] = Field(
        ..., description="[contributions received, contributions expected]."
    )


class ParamState(BaseModel):
    id: str
    old: MaybeFloat = Field(..., description="Value before the update.")
    value: MaybeFloat = Field(..., description="Current value.")
    grad: MaybeFloat = Field(..., description="∂L/∂θ (mean over samples); null until computed.")
    grad_parts: list[int]
    update: MaybeFloat = Field(..., description="−η·∂L/∂θ once updated.")
    new: MaybeFloat
    direction: Literal["up", "down", "none"] | None


class LossOut(BaseModel):
    before: MaybeFloat = Field(..., description="Mean loss over the samples, once computed.")
    after: MaybeFloat = Field(..., description="Mean loss with the updated parameters, at the end.")
    relative_change: MaybeFloat


class Diverged(BaseModel):
    step: int
    phase: str
    node: str
    message: str


class StepResponse(BaseModel):
    cursor: int
    total: int = Field(..., description="Units of this granularity in the plan.")
    granularity: Granularity
    cursors: dict[str, int] = Field(
        ...,
        description="This position in every granularity: the most units of each that are done "
        "without going past it (switch granularity without losing your place).",
    )
    fine_cursor: int = Field(..., description="Fine steps done.")
    fine_total: int
    step_range: list[int] = Field(
        ..., description="[first, end) fine steps of the unit just taken."
    )
    phase: Literal["start", "forward", "backward", "update", "done"]
    sample: int
    samples: int
    steps: list[StepOut] = Field(
        ..., description="The steps taken to reach this cursor, explained."
    )
    steps_omitted: int = Field(
        ..., description="Steps of the unit beyond max_explained, done but not explained."
    )
    since: int | None = Field(
        None, description="The request's `since`: nodes and parameters list only what changed."
    )
    nodes: list[NodeState]
    parameters: list[ParamState]
    loss: LossOut
    diverged: Diverged | None = Field(None, description="Where a value first became non-finite.")


class NodeOut(BaseModel):
    id: str
    kind: Literal["input", "target", "param", "op"]
    role: str
    op: str | None
    activation: str | None
    loss: str | None
    label: Label
    layer: int = Field(..., description="Layout column.")
    row: int = Field(..., description="Layout row within the column.")
    inputs: list[str]
    requires_grad: bool


class EdgeOut(BaseModel):
    id: str
    source: str
    target: str
    position: int
    requires_grad: bool


class ParamOut(BaseModel):
    id: str
    tensor: str | None
    index: list[int]
    label: Label
    value: MaybeFloat
    frozen: bool
    edge: str | None = Field(None, description="Weights: the data edge this weight labels.")
    node: str | None = Field(None, description="The node that uses this parameter.")


class GranularityPlan(BaseModel):
    total: int
    phase_starts: dict[str, int]


class PlanOut(BaseModel):
    total_steps: int
    granularities: dict[str, GranularityPlan]
    layers: int
    samples: int


class GraphResponse(BaseModel):
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    parameters: list[ParamOut]
    plan: PlanOut


class RunResponse(BaseModel):
    loss: MaybeFloat = Field(..., description="Mean loss before the update.")
    loss_after: MaybeFloat = Field(..., description="Mean loss with the updated parameters.")
    outputs: list[list[MaybeFloat]] = Field(..., description="Samples × outputs.")
    gradients: dict[str, list] = Field(
        ..., description="{weights, biases}, shaped like the scenario's."
    )
    updated: dict[str, list] = Field(..., description="{weights, biases} after one update.")
    steps: list[StepOut] | None
    diverged: bool


class PresetSummary(BaseModel):
    id: str
    title: str
    description: str


class Preset(PresetSummary):
    scenario: Scenario


# ── training and labs ─────────────────────────────────────────────────────────
# Bounds for /api/train, /api/train/stream, /api/datasets, /api/gradcheck and /api/labs/*
# (their size and time limits are in app.limits).

DatasetName = Literal[
    "xor", "and", "or", "circle", "spirals", "moons", "clusters2", "clusters3", "sine"
]
# Finite (strict, finite, ints welcome), never float | int: one bad value, one error.
Positive = Annotated[Finite, Field(gt=0)]


class DatasetRequest(Strict):
    """A named dataset drawn from a seed, or the user's own points (rows or CSV text)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "moons", "samples": 200, "noise": 0.1}]},
    )
    name: DatasetName | None = Field(None, description="A generated dataset.")
    samples: StrictInt | None = Field(
        None, ge=1, le=MAX_SAMPLES, description="Points to draw: 4 for xor/and/or, else 200."
    )
    noise: Finite = Field(0.0, ge=0, le=2, description="Std of Gaussian noise added.")
    seed: StrictInt = Field(0, ge=0, le=2**31 - 2, description="Same seed, same points.")
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
            "examples": [{"scenario": PRESETS["xor"]["scenario"], "epochs": 5000, "grid": 32}]
        },
    )
    scenario: Scenario
    dataset: DatasetRequest | None = Field(
        None, description="Replaces the scenario's inputs and targets (and gives a test set)."
    )
    test_inputs: list[Row] | None = Field(None, max_length=MAX_SAMPLES)
    test_targets: list[Row] | None = Field(None, max_length=MAX_SAMPLES)
    epochs: StrictInt = Field(
        1000, ge=1, le=MAX_TRAIN_EPOCHS, description=f"1 to {MAX_TRAIN_EPOCHS:,}."
    )
    batch_size: StrictInt | None = Field(
        None, ge=1, le=MAX_SAMPLES, description="Mini-batch SGD; omit for full batch."
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
    shuffle_seed: StrictInt = Field(0, ge=0, le=2**32 - 1, description="Mini-batch order.")
    grid: StrictInt = Field(
        0,
        ge=0,
        le=MAX_GRID,
        description=f"2-D inputs: heat maps on a grid×grid raster (0: none, ≤ {MAX_GRID}).",
    )

    @model_validator(mode="after")
    def _test_pair(self) -> TrainRequest:
        if (self.test_inputs is None) != (self.test_targets is None):
            raise ValueError("give test_inputs and test_targets together")
        if self.test_inputs is not None and len(self.test_inputs) != len(self.test_targets):
            raise ValueError("test_inputs and test_targets have different lengths")
        return self


class TrainStreamRequest(TrainRequest):
    time_budget: Finite = Field(
        20.0,
        gt=0,
        le=MAX_STREAM_SECONDS,
        description=f"Wall-time budget in seconds, at most {MAX_STREAM_SECONDS:g}.",
    )
    report_every: StrictInt = Field(
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
    neurons: list[dict] = Field(..., description="{id, layer, row, values: rows × columns}.")


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


class GradcheckRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"scenario": PRESETS["tutorial"]["scenario"]}]},
    )
    scenario: Scenario
    eps: Finite = Field(1e-6, ge=1e-10, le=1e-2, description="Central-difference step.")

    @model_validator(mode="after")
    def _work(self) -> GradcheckRequest:
        sc = self.scenario
        params = sum(a * (b + 1) for a, b in zip(sc.layers[1:], sc.layers[:-1], strict=True))
        work = params * len(self.scenario.inputs)
        if work > MAX_GRADCHECK_WORK:
            raise ValueError(
                f"gradient check too large: parameters × samples is {work:,}, the limit is "
                f"{MAX_GRADCHECK_WORK:,}"
            )
        return self


class GradcheckRow(BaseModel):
    id: str
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
    depth: StrictInt = Field(10, ge=2, le=MAX_LAYERS, description="Weight layers.")
    width: StrictInt = Field(8, ge=1, le=32)
    seed: StrictInt = Field(0, ge=0, le=2**31 - 2)


class ExplodingRequest(Strict):
    scale: Positive = Field(1.0, le=10, description="Initial weights: randn·scale.")
    learning_rate: Positive = Field(0.02, le=10)
    clip_norm: Positive = Field(0.25, le=1000)
    epochs: StrictInt = Field(200, ge=1, le=2000)
    seed: StrictInt = Field(0, ge=0, le=2**31 - 2)


class DeadReluRequest(Strict):
    bias: Finite = Field(-1.0, ge=-10, le=10, description="Starting hidden biases.")
    learning_rate: Positive = Field(1.0, le=10)
    epochs: StrictInt = Field(500, ge=1, le=5000)
    slope: Finite = Field(0.1, ge=0, lt=1, description="Leaky ReLU slope.")
    seed: StrictInt = Field(1, ge=0, le=2**31 - 2)


class ZeroGradRequest(Strict):
    iterations: StrictInt = Field(15, ge=1, le=100)
    learning_rate: Positive = Field(0.1, le=10)


class BlameRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"scenario": PRESETS["xor"]["scenario"]}]},
    )
    scenario: Scenario


class ActivationsRequest(Strict):
    lo: Finite = Field(-6.0, ge=-50, le=50)
    hi: Finite = Field(6.0, ge=-50, le=50)
    points: StrictInt = Field(121, ge=2, le=2001)

    @model_validator(mode="after")
    def _order(self) -> ActivationsRequest:
        if self.hi <= self.lo:
            raise ValueError(f"hi ({self.hi}) must be greater than lo ({self.lo})")
        return self


# ── expressions, check my working, code export (issue 6) ──
# StepRequest and GraphRequest take AnyScenario and `expand`; check_view is their extra validation.

from pydantic import PlainSerializer, PlainValidator, SerializationInfo, field_validator  # noqa: E402
from pydantic_core import PydanticCustomError  # noqa: E402

from app.engine.expression import (  # noqa: E402
    ExpressionError,
    parse,
    variables,
)

EXPAND_DOC = (
    "Networks only: draw and step each neuron as its multiplications wᵢ·aᵢ, a chain of sums, the "
    f"bias addition (z) and the activation; at most {MAX_EXPANDED_PRODUCTS:,} weights."
)
VarName = Annotated[str, Field(pattern=rf"^[A-Za-z][A-Za-z0-9_]{{0,{MAX_VARIABLE_NAME - 1}}}$")]


class ExpressionScenario(Strict):
    """An expression's computation graph: variables are leaves with gradients, f is the output."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "expression",
                    "expression": "(a + b) * (b + 1)",
                    "values": {"a": 2, "b": 1},
                }
            ]
        },
    )

    kind: Literal["expression"]
    expression: str = Field(
        ...,
        min_length=1,
        max_length=MAX_EXPRESSION_LENGTH,
        description=(
            "Numbers, variables, + − * / ^ (or **), unary minus, parentheses and exp log tanh "
            f"sigmoid relu. At most {MAX_EXPRESSION_LENGTH} characters, {MAX_EXPRESSION_DEPTH} "
            f"levels of parentheses, {MAX_EXPRESSION_OPERATIONS} operations and "
            f"{MAX_EXPRESSION_VARIABLES} variables."
        ),
    )
    values: dict[VarName, Number] = Field(
        ...,
        max_length=MAX_EXPRESSION_VARIABLES,
        description="One value per variable of the expression.",
    )
    learning_rate: Finite | None = Field(
        None,
        ge=0,
        le=MAX_LEARNING_RATE,
        description="η: when given, an update phase v ← v − η·∂f/∂v follows the backward pass.",
    )
    frozen: list[VarName] = Field(
        default_factory=list,
        max_length=MAX_EXPRESSION_VARIABLES,
        description="Variables the update skips.",
    )

    @field_validator("expression")
    @classmethod
    def _parses(cls, v: str) -> str:
        try:
            parse(v)
        except ExpressionError as e:
            raise PydanticCustomError(
                "expression_syntax",
                "{reason} (at character {column})\n{caret}",
                {
                    "reason": e.message,
                    "position": e.position,
                    "column": e.position + 1,
                    "caret": e.caret,
                },
            ) from None
        return v

    @model_validator(mode="after")
    def _values(self) -> ExpressionScenario:
        names = variables(parse(self.expression))
        for name in names:
            if name not in self.values:
                raise ValueError(f"values has no entry for the variable {name!r} of the expression")
        for name in self.values:
            if name not in names:
                raise ValueError(
                    f"values[{name!r}]: {name!r} is not a variable of the expression "
                    f"(its variables: {', '.join(names) or 'none'})"
                )
        for i, name in enumerate(self.frozen):
            if name not in names:
                raise ValueError(f"frozen[{i}] is {name!r}: not a variable of the expression")
        return self


def _validate_scenario(v: object) -> Scenario | ExpressionScenario:
    """Pick the model by `kind` (absent: a network), keeping error locations as they were:
    ["body", "scenario", "layers"], with no union tag in between."""
    kind = v.get("kind", "mlp") if isinstance(v, dict) else getattr(v, "kind", "mlp")
    if kind == "expression":
        return ExpressionScenario.model_validate(v)
    if kind != "mlp":
        raise PydanticCustomError(
            "scenario_kind", 'kind must be "mlp" (a network, the default) or "expression"'
        )
    return Scenario.model_validate(v)


def _dump_scenario(v: Scenario | ExpressionScenario, info: SerializationInfo) -> dict:
    return v.model_dump(mode=info.mode, exclude_none=info.exclude_none)


AnyScenario = Annotated[
    Scenario | ExpressionScenario,
    PlainValidator(_validate_scenario, json_schema_input_type=Scenario | ExpressionScenario),
    PlainSerializer(_dump_scenario),
]


def check_view(scenario: Scenario | ExpressionScenario, expand: bool, sample: int) -> bool:
    """Validation shared by the stepped requests; False when the network checks do not apply."""
    if isinstance(scenario, ExpressionScenario):
        if sample != 0:
            raise ValueError(f"sample is {sample}: an expression has one sample (sample 0)")
        return False
    if expand:
        products = sum(a * b for a, b in zip(scenario.layers, scenario.layers[1:], strict=False))
        if products > MAX_EXPANDED_PRODUCTS:
            raise ValueError(
                f"expand: this network has {products:,} weights; the expanded view draws at most "
                f"{MAX_EXPANDED_PRODUCTS:,}"
            )
        cells = len(scenario.inputs) * (products + scenario.neurons)
        if cells > MAX_STEP_CELLS:
            raise ValueError(
                f"expand: samples × nodes is {cells:,}, the limit is {MAX_STEP_CELLS:,}; use fewer "
                "samples"
            )
    return True


class ExpressionPreset(PresetSummary):
    scenario: ExpressionScenario


class ParseRequest(Strict):
    expression: str = Field(..., min_length=1, max_length=MAX_EXPRESSION_LENGTH)


class ParseResponse(BaseModel):
    variables: list[str] = Field(..., description="In order of first appearance.")
    operations: int


# check my working

Quantity = Literal["value", "grad", "new"]


class CheckEntry(Strict):
    target: str = Field(
        ...,
        max_length=64,
        description="A node id (z1_0, a1_0, L, v1, f) or a parameter id (W1_0_0, b2_0, var_a).",
    )
    quantity: Quantity = Field(
        ...,
        description="value: a node's forward value; grad: ∂L/∂ (δ for a z node) of a node or "
        "parameter; new: a parameter after the update.",
    )
    value: Number = Field(..., description="What you computed by hand.")
    decimals: StrictInt | None = Field(
        None,
        ge=0,
        le=MAX_PRECISION,
        description="Decimals you worked to for this value (default: decimals).",
    )


class CheckRequest(Strict):
    scenario: AnyScenario
    expand: StrictBool = Field(False, description=EXPAND_DOC)
    entries: list[CheckEntry] = Field(..., min_length=1, max_length=MAX_CHECK_ENTRIES)
    decimals: StrictInt = Field(4, ge=0, le=MAX_PRECISION, description="Decimals you worked to.")
    sample: StrictInt = Field(0, ge=0, description="The sample your values are for.")
    precision: StrictInt = Field(
        4, ge=1, le=MAX_PRECISION, description="Decimals in the explanations."
    )

    @model_validator(mode="after")
    def _sample(self) -> CheckRequest:
        if check_view(self.scenario, self.expand, self.sample):
            GraphRequest(scenario=self.scenario)
            if self.sample >= len(self.scenario.inputs):
                raise ValueError(
                    f"sample is {self.sample} but the scenario has {len(self.scenario.inputs)} samples"
                )
        return self


class WorksheetRequest(Strict):
    scenario: AnyScenario
    expand: StrictBool = Field(False, description=EXPAND_DOC)

    @model_validator(mode="after")
    def _size(self) -> WorksheetRequest:
        if check_view(self.scenario, self.expand, 0):
            GraphRequest(scenario=self.scenario)
        return self


class QuantityOut(BaseModel):
    key: str = Field(..., description="quantity:target, e.g. value:z1_0, grad:W1_0_0, new:b1_0.")
    target: str
    quantity: Quantity
    label: Rendered = Field(..., description="z₁, δ₁, ∂L/∂W₁₁, W₁₁ (new), …")
    step: int = Field(..., description="The fine step that completes it.")


class WorksheetResponse(BaseModel):
    quantities: list[QuantityOut] = Field(..., description="Every checkable number, in plan order.")


class Dependency(BaseModel):
    key: str
    label: str
    value: MaybeFloat = Field(..., description="The engine's value.")


class CheckedOut(QuantityOut):
    yours: float
    decimals: int
    status: Literal["correct", "slip", "inherited"] = Field(
        ...,
        description="correct: agrees with the engine to your precision (or follows from your "
        "correct rounded numbers); inherited: wrong, but right given your earlier numbers; slip: "
        "wrong even given your earlier numbers.",
    )
    correct: MaybeFloat = Field(..., description="The engine's value.")
    from_yours: MaybeFloat = Field(..., description="What it is when computed from your numbers.")
    message: str
    inherited_from: list[str] = Field(..., description="Keys of the slips this value carries.")
    depends_on: list[Dependency]
    explanation: ExplanationOut = Field(..., description="The engine's step, with its numbers.")
    your_explanation: ExplanationOut | None = Field(
        None, description="Slips: the same step computed from your earlier numbers."
    )


class CheckResponse(BaseModel):
    summary: str
    first_slip: str | None = Field(..., description="Key of the first wrong step, if any.")
    slips: list[str]
    inherited: list[str] = Field(..., description="Your values that inherited the first slip.")
    affected: list[str] = Field(
        ..., description="Every quantity downstream of the first slip, entered or not."
    )
    entries: list[CheckedOut] = Field(..., description="Your entries, in plan order.")


# code export and scenario files

ExportFormat = Literal["numpy", "pytorch", "json"]


class ExportRequest(Strict):
    scenario: AnyScenario
    format: ExportFormat = Field(
        ...,
        description="numpy: a self-contained script in the tutorial's style; pytorch: the same "
        "with loss.backward(); json: the scenario as a file for /api/import.",
    )
    name: str = Field(
        "backstep", pattern=r"^[A-Za-z0-9_-]{1,40}$", description="The download's file name stem."
    )


class ScenarioFile(Strict):
    """What /api/export writes as JSON and /api/import reads back."""

    format: Literal["backstep-scenario"] = "backstep-scenario"
    version: Literal[1] = 1
    scenario: AnyScenario


StepRequest.model_rebuild()
GraphRequest.model_rebuild()


# ── ops: error responses (documented on every operation, so clients and fuzzers know them) ──


class ErrorMessage(BaseModel):
    detail: str


class ValidationIssue(BaseModel):
    type: str
    loc: list[str | int] = Field(..., description='Where: ["body", "scenario", "layers", 1].')
    msg: str = Field(..., description="What is wrong, naming the limit.")
    input: str | int | float | bool | None = Field(
        None, description="The offending scalar (omitted for containers and non-finite values)."
    )
    ctx: dict[str, str | int | float | bool | None] | None = None


class ValidationErrors(BaseModel):
    detail: list[ValidationIssue]


class TooLarge(BaseModel):
    detail: str
    limit: int = Field(..., description="The largest body accepted, in bytes.")


class ServerError(BaseModel):
    detail: str
    request_id: str | None = Field(None, description="Quote it when reporting the bug.")


ERROR_RESPONSES: dict[int | str, dict] = {
    400: {
        "model": ErrorMessage,
        "description": f"Unreadable body, e.g. JSON nested more than {MAX_JSON_DEPTH} levels.",
    },
    413: {"model": TooLarge, "description": f"Body over {MAX_BODY_BYTES:,} bytes."},
    422: {"model": ValidationErrors, "description": "Invalid request: what, where, which limit."},
    500: {"model": ServerError, "description": "A bug; never expected. JSON with a request id."},
}
