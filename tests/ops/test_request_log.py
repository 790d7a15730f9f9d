"""Request ids, JSON access logs, the version on /healthz, and the last-resort JSON 500."""

import re
import tomllib
from pathlib import Path

import pytest

from app.main import create_app
from app.settings import Settings

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def test_healthz_reports_the_packaged_version(client):
    version = tomllib.loads(Path("pyproject.toml").read_text())["project"]["version"]
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "version": version}


def test_a_request_id_is_generated_and_logged(client, access_lines):
    r = client.get("/api/presets")
    rid = r.headers["x-request-id"]
    assert HEX32.match(rid)
    assert client.get("/api/presets").headers["x-request-id"] != rid  # one per request
    line = access_lines[0]
    assert line["request_id"] == rid
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/presets", 200)
    assert line["bytes"] == len(r.content)
    assert line["ms"] >= 0 and line["level"] == "info"


def test_a_client_request_id_is_echoed_and_logged(client, access_lines, tutorial):
    r = client.post("/api/step", json={"scenario": tutorial}, headers={"x-request-id": "lab-7.42"})
    assert r.headers["x-request-id"] == "lab-7.42"
    assert access_lines[-1]["request_id"] == "lab-7.42"
    assert access_lines[-1]["status"] == 200


@pytest.mark.parametrize("forged", ['x" "status": 200', "a" * 129, "", "new\nline"])
def test_an_unsafe_request_id_is_replaced(client, access_lines, forged):
    r = client.get("/healthz", headers={"x-request-id": forged.replace("\n", "%0A")})
    assert HEX32.match(r.headers["x-request-id"])
    assert access_lines[-1]["request_id"] == r.headers["x-request-id"]


def test_refusals_are_logged_with_their_status(client, access_lines):
    client.post("/api/step", content=b" " * 2_000_000)
    client.get("/api/presets/nope")
    assert [line["status"] for line in access_lines] == [413, 404]


@pytest.fixture
def broken_client(make_client):
    client = make_client()

    def explode() -> dict:
        raise ZeroDivisionError("a bug")

    client.app.add_api_route("/boom", explode)
    return client


def test_an_unexpected_error_is_a_json_500_with_the_request_id(
    broken_client, access_lines, error_lines
):
    r = broken_client.get("/boom", headers={"x-request-id": "trace-me"})
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/json"
    assert r.json()["request_id"] == "trace-me"
    assert "Traceback" not in r.text and "ZeroDivisionError" not in r.text
    assert r.headers["x-request-id"] == "trace-me"
    assert r.headers["x-content-type-options"] == "nosniff"  # headers even on a 500
    assert access_lines[-1]["status"] == 500
    (err,) = error_lines
    assert err["request_id"] == "trace-me"
    assert "ZeroDivisionError: a bug" in err["error"]
    assert "Traceback" in err["traceback"]


def test_the_access_log_is_one_json_object_per_line_on_stdout(capfd):
    from fastapi.testclient import TestClient

    TestClient(create_app(Settings())).get("/healthz", headers={"x-request-id": "one-line"})
    import json

    lines = [json.loads(s) for s in capfd.readouterr().out.splitlines() if "one-line" in s]
    assert len(lines) == 1 and lines[0]["path"] == "/healthz"
