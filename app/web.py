"""Page routes."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.engine.datasets import DATASET_INFO
from app.engine.presets import PRESETS

templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "index.html", {"presets": PRESETS})


@router.get("/labs", response_class=HTMLResponse)
def labs(request: Request) -> HTMLResponse:
    """Training with a live loss curve, and the pitfall labs."""
    return templates.TemplateResponse(request, "labs.html", {"datasets": DATASET_INFO})
