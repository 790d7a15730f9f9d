"""Runtime settings, read once from BACKSTEP_* environment variables.

Lists (BACKSTEP_CORS_ORIGINS, BACKSTEP_FRAME_ANCESTORS) are comma-separated origins
(`https://lms.example.org,https://other.example`) or a JSON list.
"""

import json
import re
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.limits import (
    LIVE_CREATE_ATTEMPTS,
    LIVE_IDLE_SECONDS,
    LIVE_MAX_FOLLOWERS,
    LIVE_MAX_SESSIONS,
    MAX_BODY_BYTES,
    MAX_BODY_BYTES_SETTING,
)

# scheme://host[:port], nothing else: a path, a wildcard or a quote could widen or break a header.
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")

Origins = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BACKSTEP_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address to bind; 0.0.0.0 serves the whole LAN.")
    port: int = Field(8000, ge=1, le=65535, description="TCP port.")
    workers: int = Field(1, ge=1, le=64, description="Worker processes (uvicorn).")
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    access_log: bool = Field(True, description="One JSON line per request on stdout.")
    max_body_bytes: int = Field(
        MAX_BODY_BYTES,
        ge=1024,
        le=MAX_BODY_BYTES_SETTING,
        description="Largest request body (413).",
    )
    lesson_cache_mb: int = Field(
        512,
        ge=16,
        le=65536,
        description="Memory per worker for built lessons and the states they keep (MiB).",
    )
    answer_cache_mb: int = Field(
        128, ge=8, le=65536, description="Memory per worker for serialised answers (MiB)."
    )
    cors_origins: Origins = Field(
        default_factory=list, description="Origins whose pages may call the API (CORS)."
    )
    frame_ancestors: Origins = Field(
        default_factory=list, description="Origins that may embed the page in a frame."
    )

    broker_url: str | None = Field(
        None,
        description="redis://host:port/db for live class sessions shared by several workers or "
        "hosts; unset, they live in the process (one worker).",
    )
    live_idle_seconds: int = Field(
        LIVE_IDLE_SECONDS, ge=60, le=7 * 86_400, description="A live session idle this long ends."
    )
    live_max_sessions: int = Field(
        LIVE_MAX_SESSIONS, ge=1, le=100_000, description="Live sessions the server holds at once."
    )
    live_max_followers: int = Field(
        LIVE_MAX_FOLLOWERS, ge=1, le=10_000, description="Followers of one live session."
    )
    live_create_attempts: int = Field(
        LIVE_CREATE_ATTEMPTS,
        ge=1,
        le=10_000,
        description="Live sessions one address may start a minute (a school's teachers behind "
        "one address share it), then 429.",
    )

    @field_validator("broker_url", mode="before")
    @classmethod
    def _broker(cls, v: object) -> object:
        if isinstance(v, str):
            v = v.strip() or None
            if v is not None and not re.match(r"^rediss?://", v):
                raise ValueError("BACKSTEP_BROKER_URL must be redis://… or rediss://…")
        return v

    @field_validator("cors_origins", "frame_ancestors", mode="before")
    @classmethod
    def _origins(cls, v: object) -> object:
        if isinstance(v, str):
            v = json.loads(v) if v.strip().startswith("[") else v.split(",")
        if isinstance(v, list):
            v = [o.strip().rstrip("/") if isinstance(o, str) else o for o in v]
            v = [o for o in v if o != ""]
            for o in v:
                if not isinstance(o, str) or not ORIGIN.match(o):
                    raise ValueError(
                        f"{o!r} is not an origin: write scheme://host[:port], e.g. "
                        "https://lms.example.org (no path, no wildcard)"
                    )
        return v


@lru_cache
def get_settings() -> Settings:
    return Settings()
