"""Live classroom: a presenter publishes, hundreds of followers (raw asyncio SSE clients, far
lighter than the server) receive. Prints the delay from the presenter's POST to each follower's
receipt (p50 / p99), what was lost, and the server's CPU and memory while it fanned out.

Cases: the embedded broker (1 worker, 200 followers) and Redis (2 workers, 500 followers).
Loopback only, bounded: 40 states at 10 a second, each case under a minute.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import free_port, report, serve  # noqa: E402
from tests.live.sse import SSE  # noqa: E402

STATES = 40
EVERY = 0.1  # seconds between the presenter's presses
TARGET_P99 = 0.100
TICK = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """pid and its descendants (uvicorn's workers)."""
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def usage(pids: list[int]) -> tuple[float, float]:
    """CPU seconds and resident MiB of these processes, summed."""
    cpu = rss = 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / TICK
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) / 1024
        except OSError:
            pass
    return cpu, rss


async def http(port: int, method: str, path: str, body: dict | None, headers: dict) -> dict:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    writer.write(head.encode() + data)
    raw = await reader.read()
    writer.close()
    return json.loads(raw.split(b"\r\n\r\n", 1)[1] or b"null")


async def follower(port: int, code: str, got: dict[int, float], ready: asyncio.Event, n: int):
    sse = SSE("127.0.0.1", port, f"/api/live/{code}/events?follower={secrets.token_urlsafe(16)}")
    await sse.connect(20)
    await sse.next(20)  # the state when it joined
    got["ready"] = 1
    while True:
        event = await sse.next(30)
        if event is None or event.event != "state":
            break
        received = time.time()
        body = event.json()
        got[body["version"]] = received - body["state"]["sent"]
        if body["version"] >= STATES:
            break
    await sse.close()


async def run_case(port: int, followers: int, pids: list[int]) -> dict:
    made = await http(port, "POST", "/api/live", None, {})
    code, auth = made["code"], {"X-Presenter-Secret": made["presenter_secret"]}
    ready = asyncio.Event()
    gots: list[dict] = [{} for _ in range(followers)]
    tasks = []
    for i in range(followers):
        tasks.append(asyncio.create_task(follower(port, code, gots[i], ready, followers)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # a class arrives over a moment, not in one packet

    async def all_ready():  # every follower has its first state: the class is in
        while sum(1 for g in gots if g.get("ready")) < followers:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(all_ready(), 60)
    cpu0, _ = usage(pids)
    client0 = time.process_time()
    for v in range(1, STATES + 1):
        body = {"version": v, "state": {"cursor": v, "preset": "tutorial", "sent": time.time()}}
        await http(port, "POST", f"/api/live/{code}/state", body, auth)
        await asyncio.sleep(EVERY)
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)
    cpu1, rss = usage(pids)
    delays = sorted(d for g in gots for k, d in g.items() if isinstance(k, int))
    lost = followers * STATES - len(delays)
    pick = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))] if delays else float("nan")  # noqa: E731
    return {
        "p50": pick(0.50),
        "p99": pick(0.99),
        "lost": lost,
        "server_cpu": cpu1 - cpu0,
        "server_rss": rss,
        "client_cpu": time.process_time() - client0,
    }


def case(name: str, workers: int, followers: int, env: dict) -> None:
    env = {"BACKSTEP_ACCESS_LOG": "false", "BACKSTEP_LIVE_MAX_FOLLOWERS": "1000", **env}
    procs: list = []
    with serve(workers, env, procs) as port:
        pids = tree(procs[0].pid)
        r = asyncio.run(run_case(port, followers, pids))
    label = f"{name}, {workers} worker(s), {followers} followers"
    print(
        f"{label}: POST → receipt p50 {r['p50'] * 1000:.1f} ms, p99 {r['p99'] * 1000:.1f} ms; "
        f"lost {r['lost']} of {followers * STATES}; server {r['server_cpu']:.2f} CPU-s, "
        f"{r['server_rss']:.0f} MiB RSS; client {r['client_cpu']:.2f} CPU-s",
        flush=True,
    )
    report("live", label, "p99 ms", round(r["p99"] * 1000, 1), "≤ 100", r["p99"] <= TARGET_P99)
    report("live", label, "lost", r["lost"], "0", r["lost"] == 0)


def main() -> None:
    case("embedded broker", 1, 200, {})
    redis = shutil.which("redis-server")
    if not redis:
        print("redis-server is not installed (make bench installs it)")
        sys.exit(1)
    port = free_port()
    proc = subprocess.Popen(
        [redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.3)
        case("Redis", 2, 500, {"BACKSTEP_BROKER_URL": f"redis://127.0.0.1:{port}/0"})
    finally:
        proc.kill()


if __name__ == "__main__":
    main()
