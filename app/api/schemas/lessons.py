"""Lessons: the step, graph and run requests and their answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from app.api.schemas.common import (
    NAME_DOC,
    Granularity,
    Integer,
    MaybeFloat,
    Strict,
    integer,
    iteration_field,
    rules,
)
from app.api.schemas.expressions import AnyScenario, check_view, network_only
from app.engine.presets import PRESETS
from app.limits import (
    MAX_EXPANDED_PRODUCTS,
    MAX_EXPLAINED,
    MAX_ITERATION_WORK,
    MAX_LOSS_HISTORY,
    MAX_PRECISION,
    MAX_RUN_STEPS,
    MAX_STEP_CELLS,
)

AnswerFormat = Literal["objects", "columns", "packed"]
GraphFormat = Literal["objects", "columns", "packed", "blocks"]
FORMAT_FIELD = Field(
    "objects",
    description='"columns": `nodes`, `edges` and `parameters` come as columns, each '
    "{length, columns: {field: [values in row order]}}, served as "
    "`application/vnd.backstep.columns+json`: the same values, a fraction of the size and "
    "of the time for a large network. Row i is {field: columns[field][i]}. "
    '"packed": as "columns", but a column whose values are all equal ({same: v}), equal to '
    "another column's ({as: field}), or made of repeats and counting names ({parts: [...]}) is "
    "written once; served as `application/vnd.backstep.packed+json` (app/api/packed.py): a "
    "quarter of the columns' size for a large network's first step.",
)


class StepRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"scenario": PRESETS["tutorial"]["scenario"], "cursor": 1, "granularity": "step"}
            ],
            **rules(
                "sample < the scenario's number of samples (0 for an expression); mini-batches: "
                "sample < the iteration's batch (a position in it)",
                "cursor ≤ the units of the plan at `granularity`; since ≤ its fine steps",
                f"networks: samples × neurons ≤ {MAX_STEP_CELLS:,}; with expand, at most "
                f"{MAX_EXPANDED_PRODUCTS:,} weights and samples × nodes ≤ {MAX_STEP_CELLS:,}",
                "iteration: (iteration − 1) × (3 × samples × (parameters + 8 × neurons) + "
                f"15,000 × layers) ≤ {MAX_ITERATION_WORK:,}; an expression has iteration 1 only",
            ),
        },
    )
    scenario: AnyScenario
    expand: StrictBool = Field(
        False, description="Networks: each neuron as its products, sum, activation."
    )
    iteration: Integer = iteration_field()
    cursor: Integer = Field(
        0, ge=0, description="Units of `granularity` done; 0 is before the first step."
    )
    granularity: Granularity = Field(
        "step",
        description="step: one edge or one node; node: all of one node's steps; layer; pass.",
    )
    sample: Integer = Field(0, ge=0, description="Which sample's values to show (0-based).")
    precision: Integer = Field(
        4, ge=1, le=MAX_PRECISION, description="Decimals in the explanations."
    )
    max_explained: Integer = Field(
        500,
        ge=1,
        le=MAX_EXPLAINED,
        description="At most this many steps of a coarse unit are explained.",
    )
    since: integer(ge=0) | None = Field(
        None,
        description="The `fine_cursor` of an answer you hold (0 to `fine_total`): `nodes` and "
        "`parameters` then list only the entries whose state differs from their state there, "
        "stepping forward or back. Omit it to get every entry.",
    )

    format: AnswerFormat = FORMAT_FIELD

    @model_validator(mode="after")
    def _sample(self) -> StepRequest:
        if not check_view(self.scenario, self.expand, self.sample):
            return self
        if self.sample >= len(self.scenario.inputs):
            raise ValueError(
                f"sample is {self.sample} but the scenario has {len(self.scenario.inputs)} samples"
            )
        cells = self.scenario.batch_rows * self.scenario.neurons
        if cells > MAX_STEP_CELLS:
            raise ValueError(
                f"scenario too large to step: samples × neurons is {cells:,}, the limit is "
                f"{MAX_STEP_CELLS:,}; use fewer samples, or /api/run"
            )
        return self


class GraphRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"scenario": PRESETS["tutorial"]["scenario"]}],
            **rules(
                f"networks: samples × neurons ≤ {MAX_STEP_CELLS:,}; with expand, at most "
                f"{MAX_EXPANDED_PRODUCTS:,} weights and samples × nodes ≤ {MAX_STEP_CELLS:,}",
                "iteration: (iteration − 1) × (3 × samples × (parameters + 8 × neurons) + "
                f"15,000 × layers) ≤ {MAX_ITERATION_WORK:,}; an expression has iteration 1 only",
            ),
        },
    )
    scenario: AnyScenario
    expand: StrictBool = Field(
        False, description="Networks: each neuron as its products, sum, activation."
    )
    iteration: Integer = iteration_field()
    labels: Literal["all", "text"] = Field(
        "all",
        description='"text": labels carry only their Unicode text (latex and mathml are null), '
        "a much smaller answer for large networks.",
    )

    format: GraphFormat = Field(
        "objects",
        description=FORMAT_FIELD.description
        + ' "blocks" (a network with `"labels": "text"`, not expanded): `network` (its layers) '
        "and `values` (one per parameter) stand for `nodes`, `edges` and `parameters`, which "
        "follow from them; served as `application/vnd.backstep.blocks+json`: a few words per "
        "layer and one number per parameter (0.8 MB for a 10×64 network, whose columns are "
        "12 MB). Any other graph asked for as blocks comes as columns, and says so.",
    )

    @model_validator(mode="after")
    def _size(self) -> GraphRequest:
        if not check_view(self.scenario, self.expand, 0):
            return self
        cells = self.scenario.batch_rows * self.scenario.neurons
        if cells > MAX_STEP_CELLS:
            raise ValueError(
                f"scenario too large to step: samples × neurons is {cells:,}, the limit is {MAX_STEP_CELLS:,}"
            )
        return self


RunScenario = network_only("/api/run")


class RunRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"scenario": PRESETS["tutorial"]["scenario"]}],
            **rules(f"include_steps: for plans up to {MAX_RUN_STEPS:,} steps"),
        },
    )
    scenario: RunScenario
    include_steps: StrictBool = Field(
        True,
        description=f"List every step with its explanation (plans up to {MAX_RUN_STEPS:,} steps).",
    )
    precision: Integer = Field(
        4, ge=1, le=MAX_PRECISION, description="Decimals in the explanations."
    )


# ── responses ────────────────────────────────────────────────────────────────


class Rendered(BaseModel):
    text: str = Field(..., description="Unicode plain text.")
    latex: str
    mathml: str = Field(
        ...,
        description='A <math display="block"> element. In an explanation, each symbol or number '
        "that names a quantity of the graph carries data-ref (the id of a node or parameter in "
        '/api/graph) and data-of ("value", "grad" or, in an update, "old"): a marked number is '
        "that quantity of the same answer, formatted.",
    )


class Label(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"description": "A name in three renderings. " + NAME_DOC}
    )

    text: str = Field(..., description="Unicode plain text, e.g. W⁽¹⁾₄₂ for W1_3_1.")
    latex: str | None = Field(..., description='null when the graph was asked for labels="text".')
    mathml: str | None = Field(..., description='A <math display="block"> element, or null.')


class ExplanationLine(BaseModel):
    formula: Rendered
    substituted: Rendered
    result: Rendered


class ExplanationOut(BaseModel):
    formula: Rendered
    substituted: Rendered
    result: Rendered
    sentence: str
    lines: list[ExplanationLine] | None = Field(
        None,
        description="Update by an optimizer: each quantity of the parameter's optimizer state "
        "before the parameter's own line (velocity v; Adam's m, v, m̂, v̂ with the bias "
        "corrections at step t), each with its numbers. Absent for plain SGD.",
    )


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
    added: MaybeFloat = Field(
        None,
        description="Backward: what this step adds to the target's gradient (this edge's "
        "contribution: upstream gradient × local derivative), for the selected sample; for a "
        "parameter, its mean over the samples. null for other phases.",
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
    update: MaybeFloat = Field(
        ..., description="−η·∂L/∂θ once updated (with an optimizer: new − old)."
    )
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


class LossHistory(BaseModel):
    iterations: list[int] = Field(
        ...,
        description=f"Ascending, ending with this iteration: every iteration 1 … k when k ≤ "
        f"{MAX_LOSS_HISTORY}, else {MAX_LOSS_HISTORY} evenly spaced ones keeping the first and "
        "the last.",
    )
    losses: list[MaybeFloat] = Field(
        ...,
        description="The mean loss with each iteration's starting parameters (the vectorised "
        "forward pass; null where not finite), over that iteration's batch for mini-batches. "
        "The last is the loss this iteration's forward pass computes.",
    )
    complete: bool = Field(..., description="Whether every iteration 1 … k is listed.")


class BatchOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "Mini-batches (the scenario's batch_size below its samples): the batch "
            "this iteration updates on. Iteration k is update k − 1 (0-based) of the trainer's "
            "order: epoch (k − 1) // batches + 1, batch (k − 1) % batches + 1. The lesson's graph "
            "holds these samples only: `sample`, `samples` and the ledger count positions in the "
            "batch, and the loss and gradients are means over it."
        }
    )

    epoch: int = Field(..., description="1-based.")
    batch: int = Field(..., description="1-based, within the epoch.")
    batches: int = Field(..., description="Batches per epoch: ⌈samples / size⌉.")
    size: int = Field(..., description="The scenario's batch_size (the last batch may be smaller).")
    samples: int = Field(..., description="Samples in the whole scenario.")
    indices: list[int] = Field(
        ...,
        description="The batch's samples as 0-based rows of the scenario's inputs, in batch "
        "order: sample s of this lesson is row indices[s].",
    )
    seed: int = Field(..., description="The scenario's shuffle_seed.")


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
    iteration: int = Field(1, description="The request's iteration (1-based).")
    history: LossHistory | None = Field(
        None,
        description="The loss at the start of each iteration up to this one (networks; null for "
        "an expression), for a loss-per-iteration chart.",
    )
    batch: BatchOut | None = Field(
        None, description="Mini-batches: the batch of this iteration; null for full batch."
    )


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
    batch: BatchOut | None = Field(
        None, description="Mini-batches: the batch of this iteration; null for full batch."
    )


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
    optimizer_state: dict[str, dict[str, list]] | None = Field(
        None,
        description="The optimizer's state after the update, by quantity (sgd with momentum: v; "
        "rmsprop: v, u (its momentum buffer), g_avg; adam and adamw: m, v, v_max), each {weights, biases} shaped as "
        "the scenario's (0 for frozen tensors, which keep no state); null for plain SGD.",
    )
    optimizer_step: int = Field(1, description="The optimizer's step count t of this update.")
