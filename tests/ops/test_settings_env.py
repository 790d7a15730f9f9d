"""Every BACKSTEP_* setting is read from the environment and changes what the server does."""

import logging

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app import cli
from app.main import create_app
from app.settings import Settings, get_settings

ALL = {
    "broker_url",
    "live_idle_seconds",
    "live_max_sessions",
    "live_max_followers",
    "live_create_attempts",
    "host",
    "port",
    "workers",
    "log_level",
    "access_log",
    "max_body_bytes",
    "cors_origins",
    "frame_ancestors",
    "lesson_cache_mb",
    "answer_cache_mb",
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ALL:  # set then delete: undo then removes what cli.main may export
        monkeypatch.setenv(f"BACKSTEP_{name.upper()}", "")
        monkeypatch.delenv(f"BACKSTEP_{name.upper()}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_this_file_tests_every_setting():
    assert set(Settings.model_fields) == ALL


def test_defaults_are_loopback_and_closed():
    s = Settings()
    assert (s.host, s.port, s.workers) == ("127.0.0.1", 8000, 1)
    assert (s.log_level, s.access_log, s.max_body_bytes) == ("info", True, 1_048_576)
    assert (s.cors_origins, s.frame_ancestors) == ([], [])
    assert (s.lesson_cache_mb, s.answer_cache_mb) == (512, 128)


def test_cache_budgets_from_the_environment_bound_what_a_worker_keeps(monkeypatch):
    from app.api import cache

    monkeypatch.setenv("BACKSTEP_LESSON_CACHE_MB", "16")
    monkeypatch.setenv("BACKSTEP_ANSWER_CACHE_MB", "8")
    client = TestClient(create_app(Settings()))
    assert (cache.lessons.budget, cache.answers.budget) == (16 * 2**20, 8 * 2**20)
    built = 0
    for seed in range(12):  # 12 lessons of about 2 MiB each (mostly kept states): not all fit
        sc = {
            "layers": [8, 8, 8, 1],
            "activations": ["tanh", "tanh", "sigmoid"],
            "init": {"seed": seed},
            "inputs": [[0.1] * 8],
            "targets": [[1.0]],
        }
        for cursor in (5, 6):
            assert client.post("/api/step", json={"scenario": sc, "cursor": cursor}).is_success
        built += 1
        assert cache.lessons.used <= 16 * 2**20 and cache.answers.used <= 8 * 2**20
    assert 1 <= len(cache.lessons) < built
    assert len(cache.answers) >= 2
    create_app(Settings())  # back to the defaults for the tests that follow


@pytest.fixture
def served(monkeypatch):
    """What the CLI hands to uvicorn, without serving."""
    calls = []
    monkeypatch.setattr(cli.uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    return calls


def test_host_port_workers_from_the_environment_reach_uvicorn(monkeypatch, served):
    monkeypatch.setenv("BACKSTEP_HOST", "0.0.0.0")
    monkeypatch.setenv("BACKSTEP_PORT", "9123")
    monkeypatch.setenv("BACKSTEP_WORKERS", "3")
    get_settings.cache_clear()
    cli.main([])
    app, kw = served[0]
    assert app == "app.main:app"  # an import string: required for workers > 1
    assert (kw["host"], kw["port"], kw["workers"]) == ("0.0.0.0", 9123, 3)


def test_flags_override_the_environment(monkeypatch, served):
    monkeypatch.setenv("BACKSTEP_HOST", "0.0.0.0")
    monkeypatch.setenv("BACKSTEP_WORKERS", "3")
    get_settings.cache_clear()
    cli.main(["--host", "127.0.0.1", "--workers", "2", "--port", "8123"])
    _, kw = served[0]
    assert (kw["host"], kw["port"], kw["workers"]) == ("127.0.0.1", 8123, 2)


def test_the_default_command_binds_loopback_only(served, capsys):
    cli.main([])
    assert served[0][1]["host"] == "127.0.0.1"
    assert capsys.readouterr().err == ""


def test_binding_every_interface_says_what_it_exposes(served, capsys):
    cli.main(["--host", "0.0.0.0"])
    assert "every machine that can reach" in capsys.readouterr().err


def test_log_level_from_the_environment(monkeypatch, served):
    monkeypatch.setenv("BACKSTEP_LOG_LEVEL", "warning")
    get_settings.cache_clear()
    cli.main([])
    assert served[0][1]["log_level"] == "warning"
    create_app()
    assert logging.getLogger("backstep.access").level == logging.WARNING
    create_app(Settings(log_level="info"))
    assert logging.getLogger("backstep.access").level == logging.INFO


def test_the_log_level_flag_reaches_worker_processes_through_the_environment(monkeypatch, served):
    monkeypatch.setenv("BACKSTEP_LOG_LEVEL", "info")
    cli.main(["--log-level", "error"])
    assert get_settings().log_level == "error"  # what a worker importing app.main will read


def test_access_log_can_be_turned_off(monkeypatch, access_lines):
    monkeypatch.setenv("BACKSTEP_ACCESS_LOG", "false")
    TestClient(create_app(Settings())).get("/healthz")
    assert access_lines == []
    monkeypatch.setenv("BACKSTEP_ACCESS_LOG", "true")
    TestClient(create_app(Settings())).get("/healthz")
    assert [line["path"] for line in access_lines] == ["/healthz"]


def test_max_body_bytes_from_the_environment(monkeypatch):
    monkeypatch.setenv("BACKSTEP_MAX_BODY_BYTES", "4096")
    client = TestClient(create_app(Settings()))
    r = client.post("/api/step", content=b" " * 4097, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["limit"] == 4096
    r = client.post("/api/step", content=b" " * 4096, headers={"content-type": "application/json"})
    assert r.status_code == 422  # parsed: an empty JSON document, not too large


@pytest.mark.parametrize(
    "raw",
    [
        "https://a.example,https://b.example:8443/",
        '["https://a.example", "https://b.example:8443"]',
    ],
)
def test_origin_lists_take_commas_or_json(monkeypatch, raw):
    monkeypatch.setenv("BACKSTEP_CORS_ORIGINS", raw)
    monkeypatch.setenv("BACKSTEP_FRAME_ANCESTORS", raw)
    s = Settings()
    assert s.cors_origins == s.frame_ancestors == ["https://a.example", "https://b.example:8443"]


def test_cors_origins_from_the_environment_open_cors(monkeypatch):
    monkeypatch.setenv("BACKSTEP_CORS_ORIGINS", "https://tool.example")
    r = TestClient(create_app(Settings())).get(
        "/api/presets", headers={"origin": "https://tool.example"}
    )
    assert r.headers["access-control-allow-origin"] == "https://tool.example"


def test_frame_ancestors_from_the_environment_open_framing(monkeypatch):
    monkeypatch.setenv("BACKSTEP_FRAME_ANCESTORS", "https://lms.example")
    r = TestClient(create_app(Settings())).get("/")
    assert "frame-ancestors https://lms.example" in r.headers["content-security-policy"]


@pytest.mark.parametrize(
    "name, value",
    [
        ("BACKSTEP_CORS_ORIGINS", "*"),
        ("BACKSTEP_CORS_ORIGINS", "https://a.example/path"),
        ("BACKSTEP_FRAME_ANCESTORS", "lms.example"),
        ("BACKSTEP_FRAME_ANCESTORS", "https://a.example; script-src *"),
        ("BACKSTEP_PORT", "0"),
        ("BACKSTEP_PORT", "70000"),
        ("BACKSTEP_WORKERS", "0"),
        ("BACKSTEP_LOG_LEVEL", "loud"),
        ("BACKSTEP_MAX_BODY_BYTES", "10"),
        ("BACKSTEP_ACCESS_LOG", "perhaps"),
        ("BACKSTEP_BROKER_URL", "localhost:6379"),
        ("BACKSTEP_LIVE_IDLE_SECONDS", "5"),
        ("BACKSTEP_LIVE_MAX_SESSIONS", "0"),
        ("BACKSTEP_LIVE_MAX_FOLLOWERS", "0"),
        ("BACKSTEP_LIVE_CREATE_ATTEMPTS", "0"),
    ],
)
def test_bad_settings_stop_the_server_with_a_clear_error(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as e:
        Settings()
    assert name.removeprefix("BACKSTEP_").lower() in str(e.value)


def test_live_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("BACKSTEP_BROKER_URL", " redis://127.0.0.1:6390/2 ")
    monkeypatch.setenv("BACKSTEP_LIVE_IDLE_SECONDS", "600")
    monkeypatch.setenv("BACKSTEP_LIVE_MAX_SESSIONS", "3")
    monkeypatch.setenv("BACKSTEP_LIVE_MAX_FOLLOWERS", "40")
    monkeypatch.setenv("BACKSTEP_LIVE_CREATE_ATTEMPTS", "25")
    s = Settings()
    assert s.broker_url == "redis://127.0.0.1:6390/2"
    assert (s.live_idle_seconds, s.live_max_sessions, s.live_max_followers) == (600, 3, 40)
    assert s.live_create_attempts == 25
    monkeypatch.setenv("BACKSTEP_BROKER_URL", "")
    assert Settings().broker_url is None  # empty: the embedded broker
