"""Fixtures for the reliability, security and deployment tests: apps built from explicit settings."""

import copy
import json
import logging

import pytest
from fastapi.testclient import TestClient

from app.engine.presets import PRESETS
from app.main import create_app
from app.settings import Settings


def strict_json(text: str):
    """Parse as browsers do: NaN / Infinity literals are a failure, not a number."""
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))


@pytest.fixture
def make_client():
    def make(**settings) -> TestClient:
        return TestClient(create_app(Settings(**settings)), raise_server_exceptions=True)

    return make


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


@pytest.fixture
def tutorial() -> dict:
    return copy.deepcopy(PRESETS["tutorial"]["scenario"])


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(json.loads(record.getMessage()))


@pytest.fixture
def access_lines():
    """The JSON access-log lines written while the test runs."""
    handler = Lines()
    logger = logging.getLogger("backstep.access")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


@pytest.fixture
def error_lines():
    handler = Lines()
    logger = logging.getLogger("backstep.error")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)
