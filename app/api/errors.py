"""Errors shaped like FastAPI's own validation errors, so clients parse one format."""

import math
from collections.abc import Sequence

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


def invalid(field: tuple, message: str, status: int = 422) -> HTTPException:
    return HTTPException(
        status_code=status,
        detail=[{"loc": ["body", *field], "msg": message, "type": "value_error"}],
    )


# ── ops: validation errors that always serialise ──
def _jsonable(v: object) -> bool:
    """Scalars echo back; containers (a whole scenario) and NaN/Infinity do not."""
    if isinstance(v, float):
        return math.isfinite(v)
    return v is None or isinstance(v, bool | int) or (isinstance(v, str) and len(v) <= 200)


def clean_errors(errors: Sequence[dict]) -> list[dict]:
    """FastAPI's 422 format, minus echoes JSON cannot carry (NaN) or that would resend the body."""
    out = []
    for e in errors:
        item = {"type": e["type"], "loc": list(e["loc"]), "msg": e["msg"]}
        if "input" in e and _jsonable(e["input"]):
            item["input"] = e["input"]
        ctx = {k: v for k, v in (e.get("ctx") or {}).items() if _jsonable(v)}
        if ctx:
            item["ctx"] = ctx
        out.append(item)
    return out


async def validation_error_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse({"detail": clean_errors(exc.errors())}, status_code=422)
