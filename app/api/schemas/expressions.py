"""Expression scenarios, AnyScenario (a network or an expression) and the parse endpoint.

StepRequest, GraphRequest and the check take AnyScenario and `expand`; check_view is their extra
validation."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    SerializationInfo,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.api.schemas.common import Finite, Number, Strict, rules
from app.api.schemas.scenario import PresetSummary, Scenario
from app.engine.expression import ExpressionError, parse, variables
from app.limits import (
    MAX_EXPANDED_PRODUCTS,
    MAX_EXPRESSION_DEPTH,
    MAX_EXPRESSION_LENGTH,
    MAX_EXPRESSION_OPERATIONS,
    MAX_EXPRESSION_VARIABLES,
    MAX_LEARNING_RATE,
    MAX_STEP_CELLS,
    MAX_VARIABLE_NAME,
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
            ],
            **rules(
                "expression follows the grammar in its description, within its limits",
                "values has one entry per variable of the expression, and no other",
                "frozen names variables of the expression",
            ),
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
        json_schema_extra={"additionalProperties": False},  # names match the pattern, or 422
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


def network_only(route: str):
    """A network's scenario, for a route with no expression form (/api/run, training): an
    expression gets one 422 at ["body", "scenario", "kind"] that names the route to use, not
    the network model's every missing field (layers, activations, inputs, …)."""

    def validate(v: object) -> Scenario:
        kind = v.get("kind", "mlp") if isinstance(v, dict) else getattr(v, "kind", "mlp")
        if kind == "expression":
            error = PydanticCustomError(
                "network_only",
                f"{route} is for networks; step an expression with /api/step (its update too, "
                "with learning_rate)",
            )
            raise ValidationError.from_exception_data(
                "Scenario", [{"type": error, "loc": ("kind",), "input": kind}]
            )
        return Scenario.model_validate(v)

    return Annotated[
        Scenario,
        PlainValidator(validate, json_schema_input_type=Scenario),
        PlainSerializer(_dump_scenario),
    ]


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
        cells = scenario.batch_rows * (products + scenario.neurons)
        if cells > MAX_STEP_CELLS:
            raise ValueError(
                f"expand: samples × nodes is {cells:,}, the limit is {MAX_STEP_CELLS:,}; use fewer "
                "samples"
            )
    return True


class ExpressionPreset(PresetSummary):
    scenario: ExpressionScenario


class ParseRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=rules(
            "expression follows the grammar of ExpressionScenario.expression, within its limits"
        ),
    )
    expression: str = Field(..., min_length=1, max_length=MAX_EXPRESSION_LENGTH)


class ParseResponse(BaseModel):
    variables: list[str] = Field(..., description="In order of first appearance.")
    operations: int
