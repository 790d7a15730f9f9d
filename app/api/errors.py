"""Errors in one shape: FastAPI's validation format, without echoing the offending input."""

import math
import re

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError

LONG_NUMBER = re.compile(r"\d{25,}")  # 25+ digits: an echoed input, never one of our limits


def brief(message: str) -> str:
    """The message with any echoed 4,000-digit integer cut to its first digits and its length."""
    return LONG_NUMBER.sub(lambda m: f"{m[0][:12]}… ({len(m[0]):,} digits)", message)


def invalid(field: tuple, *messages: str, status: int = 422) -> HTTPException:
    """One error entry per message, all at `field` of the body."""
    return HTTPException(
        status_code=status,
        detail=[
            {"loc": ["body", *field], "msg": brief(m), "type": "value_error"} for m in messages
        ],
    )


def _clean(err: dict) -> dict:
    """loc, msg and type only: the input may be huge, or NaN, which JSON cannot carry."""
    msg = err.get("msg", "")
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    loc = [p for p in err.get("loc", []) if not (isinstance(p, float) and not math.isfinite(p))]
    return {"loc": loc, "msg": brief(msg), "type": err.get("type", "value_error")}


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": [_clean(e) for e in exc.errors()]})


async def _broker_down(request: Request, exc: Exception) -> JSONResponse:
    """Redis away (restarting, unreachable): live sessions say so and when to try again; the
    presenter's page and followers retry by themselves."""
    return JSONResponse(
        status_code=503,
        content={"detail": "the live-session broker (Redis) is unreachable; try again shortly"},
        headers={"Retry-After": "1"},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(RedisError, _broker_down)
