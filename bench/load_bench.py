"""Load: the real server (uvicorn over loopback) with 1 and 2 workers, many concurrent clients
stepping the tutorial and the largest allowed network through /api/step.

Targets (2-core machine): 0 errors, p99 < 100 ms, ≥ 1,000 tutorial steps/s with 2 workers.
Run: python bench/load_bench.py [--clients 50] [--requests 200] [--large-requests 2]"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.api.convert import to_spec  # noqa: E402
from app.api.schemas import Scenario  # noqa: E402
from app.engine.lesson import Lesson  # noqa: E402
from bench.scenarios import largest, tutorial  # noqa: E402
from bench.server import Connection, percentile, report, request_bytes, serve  # noqa: E402


def step_requests(scenario: dict) -> list[bytes]:
    """One request per cursor of the plan (a class stepping through), reused round-robin."""
    total = Lesson.from_spec(to_spec(Scenario.model_validate(scenario))).plan.total
    cursors = range(total + 1) if total <= 200 else range(0, total + 1, max(1, total // 200))
    return [
        request_bytes("POST", "/api/step", {"scenario": scenario, "cursor": c}) for c in cursors
    ]


async def drive(port: int, reqs: list[bytes], clients: int, per_client: int) -> dict:
    latencies: list[float] = []
    errors = 0
    kinds: Counter[str] = Counter()

    async def client(k: int) -> None:
        nonlocal errors
        conn = Connection(port)
        await conn.open()
        try:
            for i in range(per_client):
                try:
                    status, _, dt = await conn.send(reqs[(k * per_client + i) % len(reqs)])
                except (OSError, asyncio.IncompleteReadError) as e:
                    errors += 1
                    kinds[type(e).__name__] += 1
                    await conn.close()
                    conn = Connection(port)
                    await conn.open()
                    continue
                latencies.append(dt)
                if status != 200:
                    errors += 1
                    kinds[f"HTTP {status}"] += 1
        finally:
            await conn.close()

    t = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    wall = time.perf_counter() - t
    return {
        "n": clients * per_client,
        "rps": len(latencies) / wall,
        "p50": percentile(latencies, 50) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "errors": errors,
        "kinds": dict(kinds),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=200, help="per client, tutorial")
    ap.add_argument("--large-requests", type=int, default=2, help="per client, largest network")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    cases = [
        ("tutorial", step_requests(tutorial()), args.requests),
        ("largest 10×64", step_requests(largest()), args.large_requests),
    ]
    for workers in args.workers:
        with serve(workers) as port:
            for name, reqs, per_client in cases:
                asyncio.run(drive(port, reqs[:4], 4, 2))  # warm up every worker's caches
                r = asyncio.run(drive(port, reqs, args.clients, per_client))
                case = f"{name}, {workers} worker{'s' * (workers > 1)}, {args.clients}×{per_client}"
                print(
                    f"load  {case:<40} {r['rps']:8.1f} req/s  p50 {r['p50']:8.1f} ms  "
                    f"p99 {r['p99']:8.1f} ms  errors {r['errors']} {r['kinds'] or ''}",
                    flush=True,
                )
                report("load", case, "errors", r["errors"], "0", r["errors"] == 0)
                report("load", case, "p99 ms", round(r["p99"], 1), "< 100", r["p99"] < 100)
                report("load", case, "p50 ms", round(r["p50"], 1), "", None)
                rps_ok = r["rps"] >= 1000 if (name == "tutorial" and workers == 2) else None
                target = "≥ 1000" if rps_ok is not None else ""
                report("load", case, "req/s", round(r["rps"], 1), target, rps_ok)


if __name__ == "__main__":
    main()
