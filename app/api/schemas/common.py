"""Types every area of the contract shares: strict numbers, rows, the base model, enumerations."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.engine.plan import GRANULARITIES
from app.engine.registry import ACTIVATIONS, LOSSES
from app.limits import MAX_ABS, MAX_WIDTH

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


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
