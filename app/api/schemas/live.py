"""Live class sessions: what a presenter publishes, what followers receive and answer."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from app.api.schemas.common import Finite, Strict, integer, rules
from app.limits import MAX_ANSWER_ABS, MAX_LIVE_STATE_BYTES, MAX_QUESTION_CHARS

Question = Field(
    None,
    max_length=MAX_QUESTION_CHARS,
    pattern=r"^[A-Za-z0-9:._-]+$",
    description="What the class is predicting (the page's id for the next quantity), or null.",
)


class LiveCreated(BaseModel):
    code: str = Field(..., description="The join code students type at /join.")
    join_url: str = Field(..., description="The page a student opens (also in the QR code).")
    qr_url: str = Field(..., description="The join URL's QR code, as SVG.")
    presenter_secret: str = Field(
        ...,
        description="128 random bits, given once: send it as X-Presenter-Secret to publish. "
        "Keep it in the presenter's page only.",
    )
    version: int
    idle_seconds: int = Field(..., description="The session ends after this long unpublished.")
    max_followers: int
    loopback: bool = Field(
        ..., description="True when the page was opened as localhost: students cannot reach it."
    )


class LiveState(BaseModel):
    code: str
    version: int = Field(..., description="Every published state has a higher one.")
    question: str | None
    open: bool = Field(..., description="Whether answers to `question` are taken.")
    ended: bool
    state: Any = Field(..., description="The presenter's lesson state, whole, as published.")


class JoinRequest(Strict):
    follower: str | None = Field(
        None,
        min_length=16,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="A follower id this page was given before (rejoining keeps it).",
    )


class Joined(BaseModel):
    follower: str = Field(..., description="Anonymous id of this follower: answers carry it.")
    events_url: str = Field(..., description="The server-sent events stream to follow.")
    session: LiveState


class PublishRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=rules(
            f"state as compact JSON ≤ {MAX_LIVE_STATE_BYTES:,} bytes",
            "open is true only with a question",
        ),
    )
    version: integer(ge=1, le=2**53) = Field(
        ..., description="Higher than every earlier one; an older version is ignored."
    )
    state: dict[str, Any] = Field(..., description="The whole lesson state followers show.")
    question: str | None = Question
    open: StrictBool = Field(False, description="Answers to `question` are taken until false.")

    @field_validator("state")
    @classmethod
    def _size(cls, v: dict[str, Any]) -> dict[str, Any]:
        size = len(json.dumps(v, separators=(",", ":"), allow_nan=False))
        if size > MAX_LIVE_STATE_BYTES:
            raise ValueError(
                f"state is {size:,} bytes of JSON; the limit is {MAX_LIVE_STATE_BYTES:,}"
            )
        return v

    @model_validator(mode="after")
    def _open(self) -> PublishRequest:
        if self.open and self.question is None:
            raise ValueError("open is true but there is no question")
        return self


class Published(BaseModel):
    version: int = Field(..., description="The session's version now.")
    applied: bool = Field(..., description="False when a newer state was already published.")
    followers: int


class AnswerRequest(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra=rules("exactly one of number and sign")
    )
    follower: str = Field(..., min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    question: str = Field(..., max_length=MAX_QUESTION_CHARS, pattern=r"^[A-Za-z0-9:._-]+$")
    number: Finite | None = Field(
        None, ge=-MAX_ANSWER_ABS, le=MAX_ANSWER_ABS, description="A predicted value."
    )
    sign: Literal["+", "-", "0"] | None = Field(None, description="Or only its sign.")

    @model_validator(mode="after")
    def _one(self) -> AnswerRequest:
        if (self.number is None) == (self.sign is None):
            raise ValueError("give exactly one of number and sign")
        return self


class Tally(BaseModel):
    question: str | None
    open: bool
    followers: int = Field(..., description="Followers connected now.")
    answered: int
    numbers: list[float] = Field(..., description="The numbers predicted, sorted (anonymous).")
    signs: dict[str, int] = Field(..., description='How many said "+", "-" and "0".')
    token: str = Field(
        ...,
        description="This tally, in short: pass it as `after` to wait for the next one.",
    )
