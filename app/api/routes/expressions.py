from fastapi import APIRouter, HTTPException

from app.api.errors import invalid
from app.api.schemas.errors import ErrorMessage
from app.api.schemas.expressions import ExpressionPreset, ParseRequest, ParseResponse
from app.api.schemas.scenario import PresetSummary
from app.engine.expression import ExpressionError, parse, variables
from app.engine.expression_presets import (
    EXPRESSION_PRESETS,
    expression_preset_menu,
    get_expression_preset,
)

router = APIRouter(prefix="/expressions", tags=["expressions"])


@router.get("/presets", response_model=list[PresetSummary])
def list_expression_presets() -> list[dict]:
    """Textbook computation graphs: id, title and a one-paragraph description."""
    return expression_preset_menu()


@router.get(
    "/presets/{preset_id}",
    response_model=ExpressionPreset,
    responses={404: {"model": ErrorMessage}},
)
def read_expression_preset(preset_id: str) -> dict:
    """One expression preset, ready to POST as the scenario of /api/graph or /api/step."""
    if preset_id not in EXPRESSION_PRESETS:
        known = ", ".join(EXPRESSION_PRESETS)
        raise HTTPException(404, f"unknown expression preset {preset_id!r}; known: {known}")
    return {"id": preset_id, **get_expression_preset(preset_id)}


@router.post("/parse", response_model=ParseResponse)
def parse_expression(req: ParseRequest) -> dict:
    """Check an expression as it is typed: its variables, or a 422 pointing at the bad character."""
    try:
        items = parse(req.expression)
    except ExpressionError as e:
        detail = invalid(("expression",), f"{e.message} (at character {e.position + 1})\n{e.caret}")
        detail.detail[0]["ctx"] = {"position": e.position, "column": e.position + 1}
        raise detail from None
    return {
        "variables": variables(items),
        "operations": sum(1 for it in items if it.kind == "op"),
    }
