"""`make bench`: run every bench/*_bench.py, show their output, then one table of all figures.

A benchmark adds rows to the table by printing lines `BENCH {"bench", "case", "metric", "value",
"target", "ok"}` (see bench/server.py `report`); a script that prints none still runs and its
output is shown, with a row saying so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def run(script: Path) -> tuple[list[dict], int, float]:
    print(f"── {script.name} " + "─" * max(0, 70 - len(script.name)), flush=True)
    t = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(script)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    rows = []
    assert proc.stdout
    for line in proc.stdout:
        if line.startswith("BENCH "):
            rows.append(json.loads(line[6:]))
        else:
            print(line, end="", flush=True)
    return rows, proc.wait(), time.perf_counter() - t


def main() -> int:
    scripts = sorted(HERE.glob("*_bench.py"))
    table, failed = [], []
    for script in scripts:
        rows, code, seconds = run(script)
        if code != 0:
            failed.append(script.name)
        if not rows:
            rows = [
                {
                    "bench": script.stem,
                    "case": "(see its output above)",
                    "metric": "exit",
                    "value": code,
                    "target": "0",
                    "ok": code == 0,
                }
            ]
        table += rows
        print(f"   ({script.name}: {seconds:.0f} s, exit {code})\n", flush=True)
    widths = [10, 46, 8, 12, 8]
    head = ["bench", "case", "metric", "value", "target"]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + "  met?")
    print("-" * (sum(widths) + 2 * len(widths) + 4))
    for r in table:
        met = {True: "yes", False: "NO", None: ""}[r.get("ok")]
        cells = [
            r["bench"],
            r["case"],
            r["metric"],
            f"{r['value']:g}" if isinstance(r["value"], (int, float)) else str(r["value"]),
            r.get("target", ""),
        ]
        print(
            "  ".join(str(c)[:w].ljust(w) for c, w in zip(cells, widths, strict=True)) + "  " + met
        )
    if failed:
        print(f"\nscripts that failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
