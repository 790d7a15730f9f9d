"""Runtime settings, read once from BACKSTEP_* environment variables."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BACKSTEP_")

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1


@lru_cache
def get_settings() -> Settings:
    return Settings()
