"""The column-wise answer writers on the largest network (10 × 64), in CPU milliseconds (medians
of --n runs, in process: on a shared machine the process's CPU time varies less than the wall
clock): its first step written from the scenario (app/api/first_step.py), columns and packed;
a later step of its lesson written by dump_columns and dump_packed; and the packed writer's look
up of the counted parameter ids, as each answer without `since` makes it (a new, equal text).

Run it in two trees, alternately, to compare a change (no HTTP: /api/step's usual format, which
bench/latency_bench.py times, does not go through these writers).

Run: python bench/writers_bench.py [--n 21]"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.api import packed  # noqa: E402
from app.api.columns import columns, dump_columns, text  # noqa: E402
from app.api.first_step import first_step  # noqa: E402
from app.api.routes.lessons import step_at  # noqa: E402
from app.api.schemas.lessons import StepRequest  # noqa: E402
from bench.scenarios import largest  # noqa: E402


def cpu_ms(f, n: int) -> float:
    return statistics.median(timeit.repeat(f, number=1, repeat=n, timer=time.process_time)) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=21)
    n = ap.parse_args().n
    sc = largest()
    ask = lambda **kw: StepRequest.model_validate({"scenario": sc, **kw})  # noqa: E731
    first_cols, first_packed = ask(format="columns"), ask(format="packed")
    later = step_at(ask(format="packed", cursor=3))
    ids = text(columns(later.parameters)["columns"]["id"])
    packed.pack_column(columns(later.parameters)["columns"]["id"], ids)  # counted, kept
    fresh = lambda: ids[:1] + ids[1:]  # noqa: E731  (an equal text, written anew)
    cases = {
        "first step, columns": lambda: first_step(first_cols),
        "first step, packed": lambda: first_step(first_packed),
        "cursor 3, dump_columns": lambda: dump_columns(later),
        "cursor 3, dump_packed": lambda: packed.dump_packed(later),
    }
    for name, f in cases.items():
        f()
        print(f"writers  {name:<24} {cpu_ms(f, n):8.2f} ms CPU", flush=True)
    lookup = cpu_ms(lambda: packed._counted(fresh()), 10 * n) - cpu_ms(fresh, 10 * n)
    print(f"writers  {'counted ids, looked up':<24} {lookup:8.3f} ms CPU", flush=True)


if __name__ == "__main__":
    main()
