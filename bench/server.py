"""Start the real server (the `backstep` command, uvicorn) on a free loopback port for a benchmark,
and a small keep-alive HTTP/1.1 client light enough not to be the bottleneck itself."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(
    workers: int = 1,
    env: dict[str, str] | None = None,
    process: list | None = None,
    root: Path | str = ROOT,
):
    """Yields the port of `backstep --workers N` on 127.0.0.1 (with `env` added to the
    environment), serving the checkout `root` (this one unless told: an A/B bench serves a
    `git archive` of another commit); stops it afterwards. `process`, if given, receives the Popen."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(root), **(env or {})}
    errors = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "--port", str(port), "--workers", str(workers)],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,  # the JSON access log is still written, to nowhere
        stderr=errors,
    )
    if process is not None:
        process.append(proc)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)
        time.sleep(0.5 * workers)  # let every worker finish importing before the clock starts
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        errors.seek(0)
        problems = [
            line
            for line in errors.read().decode(errors="replace").splitlines()
            if any(w in line for w in ("ERROR", "WARNING", "Error", "died", "Terminated"))
        ]
        if problems:  # the server's own complaints, to explain any errors counted
            print("server stderr:\n  " + "\n  ".join(problems[-10:]), flush=True)


def request_bytes(method: str, path: str, body: dict | None = None) -> bytes:
    data = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    return (head + "\r\n").encode() + data


class Connection:
    """One keep-alive connection; `send` returns (status, body length, seconds)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def send(self, raw: bytes) -> tuple[int, int, float]:
        assert self.reader and self.writer
        t = time.perf_counter()
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length, close = 0, False
        for line in head.split(b"\r\n"):
            low = line.lower()
            if low.startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
            elif low.startswith(b"connection:") and b"close" in low:
                close = True
        await self.reader.readexactly(length)
        dt = time.perf_counter() - t
        if close:  # the server recycles connections (MAX_CONNECTION_SECONDS): connect again
            await self.close()
            await self.open()
        return status, length, dt

    async def close(self) -> None:
        if self.writer:
            self.writer.close()


class _Answers(asyncio.Protocol):
    """Reads HTTP/1.1 answers off one connection: status and Content-Length, nothing else."""

    def __init__(self) -> None:
        self.buf = b""
        self.waiter: asyncio.Future | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        self._check()

    def connection_lost(self, exc) -> None:
        if self.waiter and not self.waiter.done():
            self.waiter.set_exception(exc or ConnectionError("the server closed the connection"))

    def _check(self) -> None:
        end = self.buf.find(b"\r\n\r\n")
        if end < 0 or not self.waiter or self.waiter.done():
            return
        head = self.buf[:end].lower()
        at = head.find(b"content-length:")
        stop = head.find(b"\r\n", at)
        length = int(head[at + 15 : stop if stop >= 0 else None]) if at >= 0 else 0
        if len(self.buf) < end + 4 + length:
            return
        self.buf = self.buf[end + 4 + length :]
        self.waiter.set_result((int(head[9:12]), length, b"connection: close" in head))


class FastConnection:
    """One keep-alive connection as an asyncio Protocol: a request is one write and one wake-up
    (no stream reader), so one client process can drive thousands of requests a second while
    spending far less CPU than the server it measures. `send` returns (status, length, seconds)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.proto: _Answers | None = None

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        _, self.proto = await loop.create_connection(_Answers, "127.0.0.1", self.port)

    async def send(self, raw: bytes) -> tuple[int, int, float]:
        proto = self.proto
        assert proto and proto.transport
        t = time.perf_counter()
        proto.waiter = asyncio.get_running_loop().create_future()
        proto.transport.write(raw)
        status, length, close = await proto.waiter
        dt = time.perf_counter() - t
        if close:
            await self.close()
            await self.open()
        return status, length, dt

    async def close(self) -> None:
        if self.proto and self.proto.transport:
            self.proto.transport.close()


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))]


def report(bench: str, case: str, metric: str, value: float, target: str, ok: bool | None) -> None:
    """One machine-readable row for `bench/run_all.py` (any *_bench.py may print these)."""
    row = {"bench": bench, "case": case, "metric": metric, "value": value, "target": target}
    row["ok"] = ok
    print("BENCH " + json.dumps(row), flush=True)
