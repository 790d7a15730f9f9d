"""Load: the real server (uvicorn over loopback) with 1 and 2 workers, many concurrent clients
stepping the tutorial and the largest allowed network through /api/step the way the page does.

Each client is a student pressing → from their own place in the plan (client k starts k/clients
of the way through, so no two ask the same thing at once), each request carrying `since`, the
step the client already holds, as the page sends it. A last, informational case asks for the
whole state every time (what a page load asks for once): no target, it shows what `since` saves.

A classroom case: 100 clients each asking for the tutorial at random cursors (a student jumping
about the timeline; forty on one step send the same bytes), answered mostly from memory.

Targets (2-core machine): 0 errors, p99 < 100 ms for every stepping case, ≥ 1,000 tutorial
steps/s with 2 workers; the classroom case with 2 workers ≥ 5,000 req/s with p99 < 50 ms.
The client is one process of asyncio Protocols (bench/server.py FastConnection); its CPU time is
printed beside the server's, to show it is not the bottleneck.
Run: python bench/load_bench.py [--clients 50] [--requests 200] [--full-requests 2]
     [--class-clients 100] [--class-requests 300] [--only-class]"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.api.convert import to_spec  # noqa: E402
from app.api.schemas import Scenario  # noqa: E402
from app.engine.lesson import Lesson  # noqa: E402
from bench.scenarios import largest, tutorial  # noqa: E402
from bench.server import FastConnection, percentile, report, request_bytes, serve  # noqa: E402


def plan_total(scenario: dict) -> int:
    return Lesson.from_spec(to_spec(Scenario.model_validate(scenario))).plan.total


def stepping(scenario: dict, clients: int, per_client: int) -> list[list[bytes]]:
    """Per client, → pressed `per_client` times from its own starting step, each request with
    `since` = the step held (at the end of the plan a student starts over: Home, no `since`)."""
    total = plan_total(scenario)
    out = []
    for k in range(clients):
        cursor, reqs = k * total // clients, []
        for _ in range(per_client):
            body = {"scenario": scenario, "cursor": cursor + 1, "since": cursor}
            if cursor == total:
                body = {"scenario": scenario, "cursor": 0}
            reqs.append(request_bytes("POST", "/api/step", body))
            cursor = body["cursor"]
        out.append(reqs)
    return out


def random_cursors(
    scenario: dict, clients: int, per_client: int, seed: int = 17
) -> list[list[bytes]]:
    """Per client, `per_client` requests for the step at a random cursor (no `since`)."""
    total = plan_total(scenario)
    rng = random.Random(seed)
    return [
        [
            request_bytes(
                "POST", "/api/step", {"scenario": scenario, "cursor": rng.randint(0, total)}
            )
            for _ in range(per_client)
        ]
        for _ in range(clients)
    ]


def whole_state(scenario: dict, clients: int, per_client: int) -> list[list[bytes]]:
    """Per client, `per_client` cursors spread over the plan, each asking for every entry."""
    total = plan_total(scenario)
    n = clients * per_client
    cursors = [(i * total) // n for i in range(n)]
    return [
        [
            request_bytes("POST", "/api/step", {"scenario": scenario, "cursor": c})
            for c in cursors[k::clients]
        ]
        for k in range(clients)
    ]


async def drive(port: int, per_client_reqs: list[list[bytes]]) -> dict:
    latencies: list[float] = []
    errors = 0
    kinds: Counter[str] = Counter()

    async def client(k: int) -> None:
        nonlocal errors
        conn = FastConnection(port)
        await conn.open()
        try:
            for raw in per_client_reqs[k]:
                try:
                    status, _, dt = await conn.send(raw)
                except (OSError, asyncio.IncompleteReadError) as e:
                    errors += 1
                    kinds[type(e).__name__] += 1
                    await conn.close()
                    conn = FastConnection(port)
                    await conn.open()
                    continue
                latencies.append(dt)
                if status != 200:
                    errors += 1
                    kinds[f"HTTP {status}"] += 1
        finally:
            await conn.close()

    t, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(client(k) for k in range(len(per_client_reqs))))
    wall = time.perf_counter() - t
    return {
        "client_cpu": (time.process_time() - cpu) / wall,
        "n": sum(map(len, per_client_reqs)),
        "rps": len(latencies) / wall,
        "p50": percentile(latencies, 50) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "errors": errors,
        "kinds": dict(kinds),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=200, help="per client, stepping")
    ap.add_argument("--full-requests", type=int, default=2, help="per client, whole state")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--class-clients", type=int, default=100)
    ap.add_argument("--class-requests", type=int, default=300, help="per client, classroom")
    ap.add_argument("--only-class", action="store_true", help="only the classroom case")
    args = ap.parse_args()
    n, per = args.clients, args.requests
    classroom = random_cursors(tutorial(), args.class_clients, args.class_requests)
    cases = [
        ("classroom: tutorial, random cursors", classroom, True),
        ("tutorial", stepping(tutorial(), n, per), True),
        ("largest 10×64", stepping(largest(), n, per), True),
        ("largest 10×64, whole state", whole_state(largest(), n, args.full_requests), False),
    ]
    end = request_bytes(
        "POST", "/api/step", {"scenario": largest(), "cursor": plan_total(largest())}
    )
    home = request_bytes("POST", "/api/step", {"scenario": tutorial(), "cursor": 0})
    if args.only_class:
        cases = cases[:1]
    for workers in args.workers:
        with serve(workers) as port:
            # warm up: every worker builds the lessons and its marks along the plan, as the first
            # student to press End would (8 connections, so each worker gets some)
            asyncio.run(drive(port, [[home, end] for _ in range(8)]))
            for name, reqs, target in cases:
                r = asyncio.run(drive(port, reqs))
                per_client = len(reqs[0])
                case = f"{name}, {workers} worker{'s' * (workers > 1)}, {len(reqs)}×{per_client}"
                print(
                    f"load  {case:<48} {r['rps']:8.1f} req/s  p50 {r['p50']:8.1f} ms  "
                    f"p99 {r['p99']:8.1f} ms  errors {r['errors']} {r['kinds'] or ''}  "
                    f"(client CPU {r['client_cpu']:.0%} of a core)",
                    flush=True,
                )
                if name.startswith("classroom"):
                    ok = workers == 2
                    report("load", case, "errors", r["errors"], "0", r["errors"] == 0)
                    p99_ok = r["p99"] < 50 if ok else None
                    report("load", case, "p99 ms", round(r["p99"], 1), "< 50" if ok else "", p99_ok)
                    rps_ok = r["rps"] >= 5000 if ok else None
                    report(
                        "load", case, "req/s", round(r["rps"], 1), "≥ 5000" if ok else "", rps_ok
                    )
                    continue
                report("load", case, "errors", r["errors"], "0", r["errors"] == 0)
                p99_ok = r["p99"] < 100 if target else None
                report(
                    "load", case, "p99 ms", round(r["p99"], 1), "< 100" if target else "", p99_ok
                )
                report("load", case, "p50 ms", round(r["p50"], 1), "", None)
                rps_ok = r["rps"] >= 1000 if (name == "tutorial" and workers == 2) else None
                rps_target = "≥ 1000" if rps_ok is not None else ""
                report("load", case, "req/s", round(r["rps"], 1), rps_target, rps_ok)


if __name__ == "__main__":
    main()
