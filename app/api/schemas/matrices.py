"""The matrix view of a network lesson, and the batch ledger of one parameter."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.api.schemas.common import (
    Granularity,
    Integer,
    MaybeFloat,
    Strict,
    iteration_field,
    rules,
)
from app.api.schemas.expressions import AnyScenario, ExpressionScenario
from app.api.schemas.lessons import BatchOut
from app.engine.presets import PRESETS
from app.limits import MAX_GRID, MAX_STEP_CELLS

Convention = Literal["columns", "rows"]
_RULES = rules(
    "the scenario is a network (an expression has no matrices)",
    "sample < the scenario's number of samples (mini-batches: < the iteration's batch); cursor ≤ the units of the plan at `granularity`",
    f"samples × neurons ≤ {MAX_STEP_CELLS:,}",
    "iteration: as in /api/step, within the same work bound",
)


class _AtCursor(Strict):
    scenario: AnyScenario
    iteration: Integer = iteration_field()
    cursor: Integer = Field(0, ge=0, description="Units of `granularity` done, as in /api/step.")
    granularity: Granularity = Field("step", description="As in /api/step.")
    sample: Integer = Field(0, ge=0, description="The selected sample (0-based).")

    @model_validator(mode="after")
    def _network(self):
        sc = self.scenario
        if isinstance(sc, ExpressionScenario):
            raise ValueError(
                "scenario: the matrix view and the ledger are for networks; an expression is "
                "not made of matrices"
            )
        if self.sample >= len(sc.inputs):
            raise ValueError(
                f"sample is {self.sample} but the scenario has {len(sc.inputs)} samples"
            )
        cells = sc.batch_rows * sc.neurons
        if cells > MAX_STEP_CELLS:
            raise ValueError(
                f"scenario too large to step: samples × neurons is {cells:,}, the limit is "
                f"{MAX_STEP_CELLS:,}"
            )
        return self


class MatricesRequest(_AtCursor):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"scenario": PRESETS["xor"]["scenario"], "cursor": 5}],
            **_RULES,
        },
    )
    convention: Convention = Field(
        "columns",
        description="columns: one column per sample, Z = W·A + b (the tutorial's program); "
        "rows: one row per sample, Z = A·Wᵀ + b (PyTorch).",
    )


class LedgerRequest(_AtCursor):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"scenario": PRESETS["xor"]["scenario"], "cursor": 40, "param": "W1_0_1"}],
            **_RULES,
            **rules("param is a parameter id of the scenario's graph (W{l}_{j}_{i}, b{l}_{j})"),
        },
    )
    param: str = Field(
        ...,
        max_length=40,
        pattern=r"^(W[0-9]{1,2}_[0-9]{1,2}_[0-9]{1,2}|b[0-9]{1,2}_[0-9]{1,2})$",
        description="A parameter id, e.g. W1_0_1 or b2_0.",
    )


class MatrixOut(BaseModel):
    key: str = Field(..., description="Which matrix: W1, A0, Z1, dA1, D1 (δ), fp1 (f′(Z)), J2, …")
    name: str = Field(..., description="Its name as written in this convention, ᵀ included.")
    kind: str = Field(..., description="param, value, grad, new, data or derived.")
    shape: list[int] = Field(..., description="[rows, columns] as shown, before eliding.")
    rows: list[int | None] = Field(..., description="Row indices shown; null is an elided run (…).")
    cols: list[int | None]
    cells: list[list[MaybeFloat]] = Field(
        ..., description="Values of the shown cells; null: not computed yet, or elided."
    )
    ids: list[list[str | None]] = Field(
        ..., description="The node or parameter each shown cell is (its id in /api/step)."
    )
    sample_axis: Literal["rows", "cols"] | None = Field(
        ..., description="Which axis counts samples: a cell's sample is its index on it."
    )
    op: str = Field(..., description="What joins it to the term before it: ·, +, ⊙, −, or ,.")
    coef: str
    fn: str
    broadcast: bool = Field(..., description="A bias added to every sample (broadcast).")
    read: list[list[int]] = Field(..., description="[row, col] cells the current step reads.")
    write: list[list[int]] = Field(..., description="[row, col] cells the current step writes.")


class BlockOut(BaseModel):
    id: str
    phase: Literal["forward", "loss", "backward", "update"]
    layer: int
    equation: str
    shapes: str = Field(..., description="e.g. (4 × 2) · (2 × 4) + (4 × 1) → (4 × 4)")
    why: str
    note: str
    tail: str = Field(
        "",
        description='An optimizer\'s update rule: its text after the last term, e.g. ") + ε)" '
        "(each term's op then holds the rule's text before it: \"− η ·\").",
    )
    active: bool = Field(..., description="The current step is a term of this equation.")
    result: MatrixOut
    terms: list[MatrixOut]


class MatricesResponse(BaseModel):
    convention: Convention
    cursor: int
    fine_cursor: int
    samples: int
    sample: int
    blocks: list[BlockOut]
    active: list[str] = Field(..., description="Ids of the blocks the current unit's steps touch.")


class LedgerResponse(BaseModel):
    param: str
    label: str
    tensor: str
    index: list[int]
    samples: int
    computed: bool = Field(..., description="Whether ∂L/∂θ is complete at this cursor.")
    computed_at: int | None = Field(
        ..., description="The cursor (in `granularity` units) at which it is complete."
    )
    contributions: list[MaybeFloat] | None = Field(
        ..., description="Each sample's ∂ℓₛ/∂θ, as the backward step computed it."
    )
    sum: MaybeFloat
    mean: MaybeFloat = Field(..., description="The mean of the contributions: ∂L/∂θ.")
    grad: MaybeFloat = Field(..., description="∂L/∂θ as the lesson holds it (equals `mean`).")
    learning_rate: float
    old: MaybeFloat
    update: MaybeFloat = Field(..., description="−η·∂L/∂θ, null while not computed or frozen.")
    new: MaybeFloat
    frozen: bool
    batch: BatchOut | None = Field(
        None,
        description="Mini-batches: the batch whose samples the contributions are (contribution "
        "s is row batch.indices[s] of the inputs); null for full batch.",
    )


class PlaneRequest(_AtCursor):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"scenario": PRESETS["xor"]["scenario"], "iteration": 1, "grid": 24}],
            **_RULES,
            **rules("the scenario has 2 inputs (a plane)", f"8 ≤ grid ≤ {MAX_GRID}"),
        },
    )
    grid: Integer = Field(
        36, ge=8, le=MAX_GRID, description="Cells per side of the raster the outputs are given on."
    )

    @model_validator(mode="after")
    def _plane(self):
        n = self.scenario.layers[0]
        if n != 2:
            raise ValueError(
                f"scenario: the data plane needs 2 inputs (x₁, x₂), this network has {n}"
            )
        return self


class PlaneResponse(BaseModel):
    iteration: int = Field(..., description="The network is the one this iteration starts from.")
    extent: list[float] = Field(
        ...,
        description="[x₁ min, x₁ max, x₂ min, x₂ max]: the samples with a 10 % margin, each side at least 1 wide.",
    )
    x: list[float] = Field(..., description="x₁ of the raster's columns, left to right.")
    y: list[float] = Field(..., description="x₂ of the raster's rows, top (max) to bottom.")
    outputs: list[list[list[MaybeFloat]]] = Field(
        ..., description="outputs × rows × columns: the network's output at each raster point."
    )
