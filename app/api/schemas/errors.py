"""Error responses, documented on every operation so clients and fuzzers know them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.limits import MAX_BODY_BYTES, MAX_JSON_DEPTH


class ErrorMessage(BaseModel):
    detail: str


class ValidationIssue(BaseModel):
    type: str
    loc: list[str | int] = Field(..., description='Where: ["body", "scenario", "layers", 1].')
    msg: str = Field(..., description="What is wrong, naming the limit.")
    input: str | int | float | bool | None = Field(
        None, description="The offending scalar (omitted for containers and non-finite values)."
    )
    ctx: dict[str, str | int | float | bool | None] | None = None


class ValidationErrors(BaseModel):
    detail: list[ValidationIssue]


class TooLarge(BaseModel):
    detail: str
    limit: int = Field(..., description="The largest body accepted, in bytes.")


class ServerError(BaseModel):
    detail: str
    request_id: str | None = Field(None, description="Quote it when reporting the bug.")


ERROR_RESPONSES: dict[int | str, dict] = {
    400: {
        "model": ErrorMessage,
        "description": f"Unreadable body, e.g. JSON nested more than {MAX_JSON_DEPTH} levels.",
    },
    413: {"model": TooLarge, "description": f"Body over {MAX_BODY_BYTES:,} bytes."},
    422: {
        "model": ValidationErrors,
        "description": "Invalid request: what, where, which limit; also a rule between fields "
        "that the request schema lists in x-cross-field-rules.",
    },
    500: {"model": ServerError, "description": "A bug; never expected. JSON with a request id."},
}
