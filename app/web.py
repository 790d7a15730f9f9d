"""Page routes: the step-through page at `/` (under a strict Content-Security-Policy) and /labs."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from app.catalog import catalog
from app.engine.datasets import DATASET_INFO
from app.engine.presets import PRESETS
from app.live import codes

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
def index(request: Request, live_code: str | None = None) -> HTMLResponse:
    """The step-through page; presets ride along as a JSON data block to save a round trip.
    With a live code, the page follows that class's presenter."""
    presets = [{"id": k, **v} for k, v in PRESETS.items()]
    context = {"presets": presets, "modules": MODULES, "catalog": catalog(), "live_code": live_code}
    return templates.TemplateResponse(request, "index.html", context)


@router.get("/join", response_class=HTMLResponse, response_model=None)
def join(request: Request, code: str | None = None) -> Response:
    """Type the code on the board: a valid code goes on to the class's page."""
    if code is None:
        return templates.TemplateResponse(request, "join.html", {"code": "", "error": None})
    canonical = codes.normalise(code[:20])
    if canonical is None:
        error = f"A code is {codes.CODE_LENGTH} letters and digits, like K7M 2QX (letters I, L, O, U, V and digits 0, 1 are never used)."
        context = {"code": code[:20], "error": error}
        return templates.TemplateResponse(request, "join.html", context, status_code=422)
    return RedirectResponse(f"/join/{canonical}", status_code=303)


@router.get("/join/{code}", response_class=HTMLResponse, response_model=None)
def follow(request: Request, code: str) -> Response:
    """A follower's page: the step-through page, following the presenter of `code`."""
    canonical = codes.normalise(code[:20])
    if canonical is None:
        error = f"A code is {codes.CODE_LENGTH} letters and digits, like K7M 2QX (letters I, L, O, U, V and digits 0, 1 are never used)."
        context = {"code": code[:20], "error": error}
        return templates.TemplateResponse(request, "join.html", context, status_code=404)
    if canonical != code:
        return RedirectResponse(f"/join/{canonical}", status_code=303)
    return index(request, canonical)


@router.get("/labs", response_class=HTMLResponse)
def labs(request: Request) -> HTMLResponse:
    """Training with a live loss curve, and the pitfall labs."""
    # The hidden-layers field checks the API's limits (from the catalog) as the student types.
    return templates.TemplateResponse(
        request, "labs.html", {"datasets": DATASET_INFO, "catalog": catalog()}
    )
