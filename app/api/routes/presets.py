from fastapi import APIRouter, HTTPException

from app.api.schemas.errors import ErrorMessage
from app.api.schemas.scenario import Preset, PresetSummary
from app.engine.presets import PRESETS, get_preset

router = APIRouter(prefix="/presets", tags=["presets"])


@router.get("", response_model=list[PresetSummary])
def list_presets() -> list[dict]:
    """Every ready-made scenario: id, title and a one-paragraph description."""
    return [
        {"id": k, "title": v["title"], "description": v["description"]} for k, v in PRESETS.items()
    ]


@router.get("/{preset_id}", response_model=Preset, responses={404: {"model": ErrorMessage}})
def read_preset(preset_id: str) -> dict:
    """One preset with its whole scenario, ready to POST to /api/graph, /api/step or /api/run."""
    if preset_id not in PRESETS:
        raise HTTPException(404, f"unknown preset {preset_id!r}; known: {', '.join(PRESETS)}")
    return {"id": preset_id, **get_preset(preset_id)}
