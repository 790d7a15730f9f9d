"""Latency: the median of one /api/step of the tutorial against the median of /healthz (the floor
of an HTTP round trip), interleaved in the same run, one worker, one client, keep-alive.

Target: step / healthz ≤ 1.5×.   Run: python bench/latency_bench.py [--n 1000]

Repeated identical requests (a class on the same step) are answered from the server's cache of
small answers; a second series changes the scenario every time (a learning rate nudged by 1e-9),
so nothing is cached and every request builds the graph and replays the plan: the engine's cost.
A third series steps the largest allowed network one step at a time with `since`, as the page
does (each request new, so nothing is cached): the engine's cost for one step of 42,000 nodes."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scenarios import largest, tutorial  # noqa: E402
from bench.server import Connection, report, request_bytes, serve  # noqa: E402


def nudged(i: int) -> dict:
    sc = tutorial()
    sc["learning_rate"] = 0.5 + i * 1e-9
    return sc


async def measure(port: int, n: int) -> tuple[list[float], ...]:
    conn = Connection(port)
    await conn.open()
    health = request_bytes("GET", "/healthz")
    steps = [
        request_bytes("POST", "/api/step", {"scenario": tutorial(), "cursor": c}) for c in range(20)
    ]
    for i in range(50):  # warm-up
        await conn.send(health)
        await conn.send(steps[i % 20])
    big, start = largest(), 20_000  # a backward step of layer 9: 129-edge segments
    await conn.send(request_bytes("POST", "/api/step", {"scenario": big, "cursor": start}))
    h, s, cold, large = [], [], [], []
    for i in range(n):  # interleaved, so all see the same machine load
        status_h, _, dt_h = await conn.send(health)
        status_s, _, dt_s = await conn.send(steps[i % 20])
        fresh = request_bytes("POST", "/api/step", {"scenario": nudged(i), "cursor": i % 20})
        status_c, _, dt_c = await conn.send(fresh)
        one = {"scenario": big, "cursor": start + i + 1, "since": start + i}
        status_l, _, dt_l = await conn.send(request_bytes("POST", "/api/step", one))
        assert status_h == status_s == status_c == status_l == 200
        h.append(dt_h)
        s.append(dt_s)
        cold.append(dt_c)
        large.append(dt_l)
    await conn.close()
    return h, s, cold, large


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1000)
    args = ap.parse_args()
    with serve(1) as port:
        h, s, cold, large = asyncio.run(measure(port, args.n))
    mh, ms, mc, ml = (statistics.median(x) * 1000 for x in (h, s, cold, large))
    ratio = ms / mh
    print(
        f"latency  median /healthz {mh:.3f} ms   median /api/step (tutorial) {ms:.3f} ms   "
        f"ratio {ratio:.2f}× (target ≤ 1.5×)",
        flush=True,
    )
    report("latency", "median /healthz", "ms", round(mh, 3), "", None)
    report("latency", "median /api/step, tutorial", "ms", round(ms, 3), "", None)
    print(
        f"latency  median /api/step, a new scenario every time (nothing cached) {mc:.3f} ms   "
        f"ratio {mc / mh:.2f}×",
        flush=True,
    )
    report("latency", "step / healthz", "ratio", round(ratio, 2), "≤ 1.5", ratio <= 1.5)
    report("latency", "median /api/step, new scenario each time", "ms", round(mc, 3), "", None)
    report("latency", "uncached step / healthz", "ratio", round(mc / mh, 2), "", None)
    print(
        f"latency  median /api/step, largest 10×64, one step on with since {ml:.3f} ms   "
        f"ratio {ml / mh:.2f}×",
        flush=True,
    )
    report("latency", "median /api/step, largest, since", "ms", round(ml, 3), "", None)
    report("latency", "largest step / healthz", "ratio", round(ml / mh, 2), "", None)


if __name__ == "__main__":
    main()
