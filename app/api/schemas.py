"""The JSON contract: requests, responses and their documented limits."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from app.engine.presets import PRESETS

# ── limits (documented in the README and in these field descriptions) ─────────
MAX_LAYERS = 10  # weight layers, not counting the input layer
MAX_WIDTH = 64  # neurons in any layer, the input layer included
MAX_SAMPLES = 10_000
MAX_STEP_CELLS = 1_000_000  # samples × neurons for the stepped endpoints
MAX_ABS = 1e6  # inputs, targets, weights and biases
MAX_LEARNING_RATE = 1e6
MAX_RUN_STEPS = 20_000  # steps /api/run lists with explanations
MAX_BODY_BYTES = 1_048_576

Activation = Literal["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"]
LossName = Literal["mse", "bce", "cross_entropy"]
Granularity = Literal["step", "node", "layer", "pass"]

# Strict: `true` or "1" is not a number here; ints are fine, NaN and ±Infinity are not.
# One strict float (it takes JSON ints) rather than float | int: one error per bad value.
Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Number = Annotated[Finite, Field(ge=-MAX_ABS, le=MAX_ABS)]
Width = Annotated[StrictInt, Field(ge=1, le=MAX_WIDTH)]
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

    layers: list[Width] = Field(
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
            if act == "softmax":
                raise ValueError(
                    f"activations[{l - 1}] is softmax: softmax is for the output layer only"
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
    scenario: Scenario
    cursor: StrictInt = Field(
        0, ge=0, description="Units of `granularity` done; 0 is before the first step."
    )
    granularity: Granularity = Field(
        "step",
        description="step: one edge or one node; node: all of one node's steps; layer; pass.",
    )
    sample: StrictInt = Field(0, ge=0, description="Which sample's values to show (0-based).")
    precision: StrictInt = Field(4, ge=1, le=12, description="Decimals in the explanations.")
    max_explained: StrictInt = Field(
        500, ge=1, le=5000, description="At most this many steps of a coarse unit are explained."
    )

    @model_validator(mode="after")
    def _sample(self) -> StepRequest:
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
    scenario: Scenario

    @model_validator(mode="after")
    def _size(self) -> GraphRequest:
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
    precision: StrictInt = Field(4, ge=1, le=12, description="Decimals in the explanations.")


# ── responses ────────────────────────────────────────────────────────────────

MaybeFloat = float | None  # null where a value is not computed yet, or not finite


class Rendered(BaseModel):
    text: str = Field(..., description="Unicode plain text.")
    latex: str
    mathml: str = Field(..., description='A <math display="block"> element.')


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
    label: Rendered
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
    label: Rendered
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


# ── ops: error responses (documented on every operation, so clients and fuzzers know them) ──

MAX_JSON_DEPTH = 32  # nesting of a request body; the deepest valid request needs 5


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
