"""Page routes: the step-through page at `/` (under a strict Content-Security-Policy) and /labs."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.catalog import catalog
from app.engine.datasets import DATASET_INFO
from app.engine.presets import PRESETS

ROOT = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=ROOT / "templates")
# Every module of the step-through page is preloaded at once: one round trip, not three.
CLASSIC = {"theme.js"}  # no module: a classic script the page runs before its first paint
MODULES = sorted(
    "/static/" + p.relative_to(ROOT / "static").as_posix()
    for p in (ROOT / "static/js").rglob("*.js")
    if "labs" not in p.relative_to(ROOT / "static/js").parts and p.name not in CLASSIC
)
router = APIRouter(include_in_schema=False)
# The Content-Security-Policy (own origin only, framing per settings) and the other security
# headers are set on every response by app.security.SecurityHeaders.


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    """The step-through page; presets ride along as a JSON data block to save a round trip."""
    presets = [{"id": k, **v} for k, v in PRESETS.items()]
    response = templates.TemplateResponse(
        request, "index.html", {"presets": presets, "modules": MODULES, "catalog": catalog()}
    )
    return response


@router.get("/labs", response_class=HTMLResponse)
def labs(request: Request) -> HTMLResponse:
    """Training with a live loss curve, and the pitfall labs."""
    # The hidden-layers field checks the API's limits (from the catalog) as the student types.
    return templates.TemplateResponse(
        request, "labs.html", {"datasets": DATASET_INFO, "catalog": catalog()}
    )
