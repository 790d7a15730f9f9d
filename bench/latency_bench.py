"""Latency: the median of one /api/step of the tutorial against the median of /healthz (the floor
of an HTTP round trip), interleaved in the same run, one worker, one client, keep-alive.

Target: step / healthz ≤ 1.5×.   Run: python bench/latency_bench.py [--n 1000]"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scenarios import tutorial  # noqa: E402
from bench.server import Connection, report, request_bytes, serve  # noqa: E402


async def measure(port: int, n: int) -> tuple[list[float], list[float]]:
    conn = Connection(port)
    await conn.open()
    health = request_bytes("GET", "/healthz")
    steps = [
        request_bytes("POST", "/api/step", {"scenario": tutorial(), "cursor": c}) for c in range(20)
    ]
    for i in range(50):  # warm-up
        await conn.send(health)
        await conn.send(steps[i % 20])
    h, s = [], []
    for i in range(n):  # interleaved, so both see the same machine load
        status_h, _, dt_h = await conn.send(health)
        status_s, _, dt_s = await conn.send(steps[i % 20])
        assert status_h == status_s == 200
        h.append(dt_h)
        s.append(dt_s)
    await conn.close()
    return h, s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1000)
    args = ap.parse_args()
    with serve(1) as port:
        h, s = asyncio.run(measure(port, args.n))
    mh, ms = statistics.median(h) * 1000, statistics.median(s) * 1000
    ratio = ms / mh
    print(
        f"latency  median /healthz {mh:.3f} ms   median /api/step (tutorial) {ms:.3f} ms   "
        f"ratio {ratio:.2f}× (target ≤ 1.5×)",
        flush=True,
    )
    report("latency", "median /healthz", "ms", round(mh, 3), "", None)
    report("latency", "median /api/step, tutorial", "ms", round(ms, 3), "", None)
    report("latency", "step / healthz", "ratio", round(ratio, 2), "≤ 1.5", ratio <= 1.5)


if __name__ == "__main__":
    main()
