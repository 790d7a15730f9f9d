"""Page routes: the step-through page at `/` (under a strict Content-Security-Policy) and /labs."""

import gzip
import json
import posixpath
import re
from functools import cache, lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from app import bundle as page_bundle
from app.catalog import catalog
from app.engine.datasets import DATASET_INFO
from app.engine.expression_presets import expression_preset_menu
from app.engine.presets import PRESETS
from app.live import codes
from app.security import content_security_policy
from app.static_files import IMMUTABLE

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
templates = Jinja2Templates(directory=ROOT / "templates")
# A static import or re-export: `import x from "./a.js"`, `import "./a.js"`, `export {y} from
# "./b.js"` (the bindings may span lines; comments and strings are left out before matching).
_IMPORT = re.compile(
    r"""(?:^|[;}\n])\s*(?:import|export)\s*(?:[\w$*{},\s]*?\bfrom\s*)?["']([^"']+)["']"""
)
_COMMENT = re.compile(r"/\*.*?\*/|(?<![:\\])//[^\n]*", re.DOTALL)


def module_graph(entry: str) -> list[str]:
    """Every module `entry` (a path under /static) imports, directly or not, itself included:
    the page's <link rel="modulepreload"> list, so the browser fetches them all at once rather
    than discovering them import by import. Read from the sources, so it never goes stale; a
    worker's modules (new Worker) are not the page's and are left out."""
    seen: set[str] = set()
    todo = [entry]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        source = _COMMENT.sub("", (STATIC / url.removeprefix("/static/")).read_text())
        for spec in _IMPORT.findall(source):
            if spec.startswith("."):
                todo.append(posixpath.normpath(posixpath.join(posixpath.dirname(url), spec)))
    return sorted(seen)


MODULES = module_graph("/static/js/main.js")
# The page's first two requests for its default lesson (the tutorial at step 0, with the view
# defaults of static/js/store.js), exactly as lesson.js sends them. A page opened with another
# lesson in its URL hash (which the server never sees) asks the API as before.
TUTORIAL = PRESETS["tutorial"]["scenario"]
FIRST_REQUESTS = (
    ("/api/graph", {"scenario": TUTORIAL, "labels": "text"}),
    (
        "/api/step",
        {"scenario": TUTORIAL, "cursor": 0, "granularity": "step", "sample": 0, "precision": 4},
    ),
)


@cache
def initial_answers() -> str:
    """The first requests with the API's own answers, as the page's #initial-answers block: the
    first paint waits on no round trip (static/js/api.js takes each once, for exactly its
    request). Made by the API's own code, so they are the bytes /api/graph and /api/step give;
    a pure function of constants, so made once per worker. `<` is escaped: the JSON sits in a
    <script> element, which a `</script>` inside a string would otherwise end."""
    from app.api.routes.lessons import answer  # the API's schemas: loaded by the first page only

    items = [
        f'{{"path":{json.dumps(path)},"body":{json.dumps(body, separators=(",", ":"))},'
        f'"answer":{answer(path, body).decode()}}}'
        for path, body in FIRST_REQUESTS
    ]
    return ("[" + ",".join(items) + "]").replace("<", "\\u003c")


router = APIRouter(include_in_schema=False)
# The Content-Security-Policy (own origin only, framing per settings) and the other security
# headers are set on every response by app.security.SecurityHeaders; the page's own adds the
# hashes of the two texts it writes into its <head> (app/bundle.py Inline), and nothing else.


@router.get("/", response_class=HTMLResponse)
def index(request: Request, bundle: str | None = None) -> HTMLResponse:
    """The step-through page; presets ride along as a JSON data block to save a round trip.
    Its modules and stylesheets come as one response each (app/bundle.py); `?bundle=0` links
    them one by one, for debugging. A follower's page (/join/CODE) is this very page, byte for
    byte: live.js reads the code from the address, so every class shares one compressed page
    (a code in the page made each code's page compressed anew, and pushed the others out)."""
    presets = [{"id": k, **v} for k, v in PRESETS.items()]
    # the expressions' menu entries too (their scenarios come from the API): the menu shows the
    # name a link chose in the first frame, and the toolbar is fitted to it once, not again later
    expressions = expression_preset_menu()
    built = None if bundle == "0" else page_bundle.current()
    context = {
        "presets": presets,
        "expressions": expressions,
        "modules": MODULES,
        "bundle": built
        and {
            "js": f"{page_bundle.JS_URL}?v={built.js_etag}",
            "css": f"{page_bundle.CSS_URL}?v={built.css_etag}",
        },
        "catalog": catalog(),
        "initial": initial_answers(),
        "inline": built and built.inline,
    }
    response = templates.TemplateResponse(request, "index.html", context)
    if built and built.inline:  # theme.js and the stylesheets written in: allowed by hash only
        response.headers["content-security-policy"] = content_security_policy(
            request.app.state.settings.frame_ancestors,
            (
                f"script-src 'self' {built.inline.theme_hash}",
                f"style-src 'self' {built.inline.css_hash}",
            ),
        )
    response.headers["vary"] = "accept-encoding"
    if _accepts_gzip(request.headers.get("accept-encoding", "")):
        # about 100 KB with the stylesheets, 25 KB compressed: a class of 40 on the room's Wi-Fi
        response.body = _gzipped_page(response.body)
        response.headers["content-encoding"] = "gzip"
        response.headers["content-length"] = str(len(response.body))
    return response


@lru_cache(maxsize=16)
def _gzipped_page(body: bytes) -> bytes:
    """A page compressed once: it changes only with a new bundle."""
    return gzip.compress(body, 6, mtime=0)


def _accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header takes gzip (or any encoding), not with q=0."""
    for item in header.split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip().lower().removeprefix("q=")
            try:
                return not params.strip() or float(q) > 0
            except ValueError:
                return False
    return False


def _bundled(request: Request, part: str, media_type: str) -> Response:
    """A part of the page's bundle; its URL carries `?v=` its hash, so it may be kept a year."""
    built = page_bundle.current()
    if built is None:
        return Response("the page's modules are served one by one", status_code=404)
    gzipped = _accepts_gzip(request.headers.get("accept-encoding", ""))
    body = built.gzipped[part] if gzipped else getattr(built, part)
    etag = (
        '"'
        + (built.css_etag if part == "css" else built.js_etag)
        + (".map" if part == "map" else "")
        + (".gz" if gzipped else "")  # another body, another tag
        + '"'
    )
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"etag": etag, "vary": "accept-encoding"})
    headers = {"etag": etag, "vary": "accept-encoding"}
    if gzipped:
        headers["content-encoding"] = "gzip"
    if request.query_params.get("v") in (built.js_etag, built.css_etag):
        headers["cache-control"] = IMMUTABLE
    return Response(body, media_type=media_type, headers=headers)


@router.get(page_bundle.JS_URL)
def bundle_js(request: Request) -> Response:
    return _bundled(request, "js", "text/javascript; charset=utf-8")


@router.get(page_bundle.MAP_URL)
def bundle_map(request: Request) -> Response:
    return _bundled(request, "map", "application/json")


@router.get(page_bundle.CSS_URL)
def bundle_css(request: Request) -> Response:
    return _bundled(request, "css", "text/css; charset=utf-8")


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
    return index(request, request.query_params.get("bundle"))


@router.get("/labs", response_class=HTMLResponse)
def labs(request: Request) -> HTMLResponse:
    """Training with a live loss curve, and the pitfall labs."""
    # The hidden-layers field checks the API's limits (from the catalog) as the student types.
    return templates.TemplateResponse(
        request, "labs.html", {"datasets": DATASET_INFO, "catalog": catalog()}
    )
