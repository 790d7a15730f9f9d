"""Types every area of the contract shares: strict numbers, rows, the base model, enumerations."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from app.engine.plan import GRANULARITIES
from app.engine.registry import ACTIVATIONS, LOSSES
from app.limits import MAX_ABS, MAX_ITERATION, MAX_ITERATION_WORK, MAX_WIDTH

# The enumerations are the registry's names, in its order: a new operation is accepted at once.
Activation = Literal[tuple(ACTIVATIONS)]  # type: ignore[valid-type]
LossName = Literal[tuple(LOSSES)]  # type: ignore[valid-type]
Granularity = Literal[GRANULARITIES]

# Strict: `true` or "1" is not a number here; ints are fine, NaN and ±Infinity are not.
# One strict float (it takes JSON ints) rather than float | int: one error per bad value.
Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Number = Annotated[Finite, Field(ge=-MAX_ABS, le=MAX_ABS)]
Row = Annotated[list[Number], Field(min_length=1, max_length=MAX_WIDTH)]
MaybeFloat = float | None  # answers: null where a value is not computed yet, or not finite

# The field description of every name a person reads (app/engine/notation.py, README "Notation").
NAME_DOC = (
    "The name people read, 1-based: W⁽ˡ⁾ⱼₖ is the weight into neuron j of layer l from neuron "
    "k of layer l − 1 (row j, column k of W⁽ˡ⁾), b⁽ˡ⁾ⱼ, z⁽ˡ⁾ⱼ, a⁽ˡ⁾ⱼ, δ⁽ˡ⁾ⱼ neuron j of layer l, "
    "ŷⱼ the outputs, yⱼ the targets, xₖ the inputs; no index is dropped for a one-neuron layer, "
    "and a comma separates the subscripts once one has two digits (W⁽²⁾₁₀,₃). The stable id "
    "(0-based: W1_3_1 is W⁽¹⁾₄₂) never changes. A network with one neuron in every layer after "
    "the inputs keeps the tutorial's names (W₁₁, W₁₂, W₂, b₁, z₁, a₁, ŷ, y); an expression keeps "
    "its variables' names."
)


def _integral(v: object) -> object:
    return int(v) if isinstance(v, float) and math.isfinite(v) and v.is_integer() else v


def integer(**bounds: int) -> Any:
    """An integer as JSON Schema counts them: 3 and 3.0, never 3.5, true or "3". Bounds of an
    optional or a list item go here: outside the validator they would not reach the schema."""
    return Annotated[int, Field(strict=True, **bounds), BeforeValidator(_integral)]


Integer = integer()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Rules between fields, or on a string's content, that JSON Schema cannot state. They sit in the
# OpenAPI document beside the fields; breaking one is a 422 that names it. schemathesis.toml
# lists the operations whose requests carry them (tests/ops/test_fuzz_schemathesis.py checks).
CROSS_FIELD_RULES = "x-cross-field-rules"


def rules(*lines: str) -> dict[str, list[str]]:
    return {CROSS_FIELD_RULES: list(lines)}


def iteration_field() -> Any:
    """The lesson's iteration (1-based), as every stepped request takes it."""
    return Field(
        1,
        ge=1,
        le=MAX_ITERATION,
        description="Networks: which iteration (1-based). Iteration k starts from the parameters "
        "that k − 1 updates of the scenario (by its optimizer) give, frozen tensors kept: "
        "full-batch updates, or with a batch_size the trainer's first k − 1 mini-batches; the "
        "scenario itself is iteration 1's. At most "
        f"{MAX_ITERATION:,}, and (k − 1) × the work of one update ≤ {MAX_ITERATION_WORK:,} "
        "(see the rules; samples are the batch size with mini-batches).",
    )
