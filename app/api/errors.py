"""Errors shaped like FastAPI's own validation errors, so clients parse one format."""

from fastapi import HTTPException


def invalid(field: tuple, message: str, status: int = 422) -> HTTPException:
    return HTTPException(
        status_code=status,
        detail=[{"loc": ["body", *field], "msg": message, "type": "value_error"}],
    )
