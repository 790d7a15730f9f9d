"""Check my working: the worksheet of checkable numbers, and your numbers checked against it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from app.api.schemas.common import (
    Integer,
    MaybeFloat,
    Number,
    Strict,
    integer,
    iteration_field,
    rules,
)
from app.api.schemas.expressions import AnyScenario, check_view
from app.api.schemas.lessons import ExplanationOut, GraphRequest, Rendered
from app.limits import (
    MAX_CHECK_ENTRIES,
    MAX_EXPANDED_PRODUCTS,
    MAX_PRECISION,
    MAX_STEP_CELLS,
    MAX_WORKSHEET_QUANTITIES,
)

EXPAND_DOC = (
    "Networks only: draw and step each neuron as its multiplications wᵢ·aᵢ, a chain of sums, the "
    f"bias addition (z) and the activation; at most {MAX_EXPANDED_PRODUCTS:,} weights."
)

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
    decimals: integer(ge=0, le=MAX_PRECISION) | None = Field(
        None,
        description="Decimals you worked to for this value (default: decimals).",
    )


class CheckRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=rules(
            "sample < the scenario's number of samples (0 for an expression); mini-batches: "
            "sample < the iteration's batch (a position in it)",
            "each entry's target and quantity name a number of this scenario's worksheet, once",
            f"networks: samples × neurons ≤ {MAX_STEP_CELLS:,}; with expand, at most "
            f"{MAX_EXPANDED_PRODUCTS:,} weights and samples × nodes ≤ {MAX_STEP_CELLS:,}",
            f"at most {MAX_WORKSHEET_QUANTITIES:,} checkable numbers in the scenario",
        ),
    )
    scenario: AnyScenario
    expand: StrictBool = Field(False, description=EXPAND_DOC)
    iteration: Integer = iteration_field()
    entries: list[CheckEntry] = Field(..., min_length=1, max_length=MAX_CHECK_ENTRIES)
    decimals: Integer = Field(4, ge=0, le=MAX_PRECISION, description="Decimals you worked to.")
    sample: Integer = Field(0, ge=0, description="The sample your values are for.")
    precision: Integer = Field(
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
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=rules(
            f"networks: samples × neurons ≤ {MAX_STEP_CELLS:,}; with expand, at most "
            f"{MAX_EXPANDED_PRODUCTS:,} weights and samples × nodes ≤ {MAX_STEP_CELLS:,}",
            f"at most {MAX_WORKSHEET_QUANTITIES:,} checkable numbers in the scenario",
        ),
    )
    scenario: AnyScenario
    expand: StrictBool = Field(False, description=EXPAND_DOC)
    iteration: Integer = iteration_field()

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
