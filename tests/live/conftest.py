"""A real Redis (Debian's redis-server, which `make test` installs) and real `backstep`
processes sharing it, each on a free loopback port."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"process on port {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"nothing listens on port {port}")


class Redis:
    def __init__(self) -> None:
        if not os.path.exists(REDIS):
            pytest.fail("redis-server is not installed (make test installs it)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                REDIS,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_port(self.port, self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="module")
def redis_server() -> Iterator[Redis]:
    server = Redis()
    server.start()
    yield server
    server.stop()


class Backstep:
    """`backstep` in its own process (what a worker or another host is)."""

    def __init__(self, env: dict[str, str], workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env, self.workers = env, workers
        self.proc: subprocess.Popen | None = None

    def start(self) -> Backstep:
        return self.launch().ready()

    def launch(self) -> Backstep:
        """The process started; `ready` waits for it to answer (so that several start at once)."""
        env = {**os.environ, "BACKSTEP_ACCESS_LOG": "false", **self.env}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app.cli",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        return self

    def ready(self) -> Backstep:
        assert self.proc is not None
        wait_port(self.port, self.proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        pytest.fail("backstep did not answer /healthz")

    def kill(self) -> None:
        """kill -9, of every process of the server."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
            self.proc = None


@pytest.fixture
def backstep(redis_server):
    """backstep() → a fresh process, killed after the test: for a test that kills one.
    backstep.launch() starts one without waiting for it (`.ready()` does), so that several
    start at once."""
    started: list[Backstep] = []

    def launch(broker: bool = True, workers: int = 1, **env: str) -> Backstep:
        if broker:
            env["BACKSTEP_BROKER_URL"] = redis_server.url
        server = Backstep(env, workers).launch()
        started.append(server)
        return server

    def start(broker: bool = True, workers: int = 1, **env: str) -> Backstep:
        return launch(broker, workers, **env).ready()

    start.launch = launch
    yield start
    for server in started:
        server.kill()


@pytest.fixture(scope="module")
def backstep_pair(redis_server) -> Iterator[tuple[Backstep, Backstep]]:
    """Two processes on the module's Redis, started together and kept for the module's tests
    that kill neither (a start is seconds of imports): each test goes live with a session of its
    own, which no other test posts to or follows."""
    pair = [Backstep({"BACKSTEP_BROKER_URL": redis_server.url}).launch() for _ in range(2)]
    try:
        yield tuple(server.ready() for server in pair)
    finally:
        for server in pair:
            server.kill()
