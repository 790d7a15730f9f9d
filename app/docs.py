"""/docs: FastAPI's Swagger UI served from static/vendor (no CDN, works offline), with a CSP of its
own: its one inline script is allowed by hash, never by 'unsafe-inline'. Every other page keeps the
strict 'self'-only policy."""

import base64
import hashlib
import re

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from app.security import content_security_policy

SWAGGER = "/static/vendor/swagger-ui-5.35.0"  # swagger-ui-dist 5.35.0 (Apache-2.0), vendored
router = APIRouter(include_in_schema=False)


def _inline_script_hash(html: str) -> str:
    script = re.search(r"<script>(.*?)</script>", html, re.DOTALL)
    assert script, "Swagger UI page without its inline script"
    digest = hashlib.sha256(script.group(1).encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


@router.get("/docs", response_class=HTMLResponse)
def read_docs(request: Request) -> HTMLResponse:
    """Interactive API documentation."""
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Backstep – API",
        swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER}/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )
    html = page.body.decode()
    csp = content_security_policy(
        request.app.state.settings.frame_ancestors,
        (f"script-src 'self' {_inline_script_hash(html)}", "img-src 'self' data:"),
    )
    return HTMLResponse(html, headers={"content-security-policy": csp})
