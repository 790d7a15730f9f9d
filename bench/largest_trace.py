"""The largest network's (10 × 64) page, in main-thread CPU time: from its navigation to its first
step drawn (the page's mark `backstep:first-graph`), read from a Chromium trace of each load.

On this 2-core machine other work stretches wall-clock figures (bench/browser_bench.py's "first
step drawn") by a second or more; a thread's own time moves far less. Each load is a fresh
context at 1280 × 800, traced; summed are the renderer main thread's top-level tasks from the
navigation's start to the one that sets the mark (that task whole):

- `main thread`: all of them; `before`, `the longest task` and `after`: those before the longest
  (the page's start, the answers' bodies), the longest (a large graph is laid out and drawn, its
  first step shown, in one task when both answers are in) and those after it (the first step's
  frame; the step's answer when it came later);
- `garbage collection`: V8's collections on that thread (in the tasks above);
- and, in wall time, navigation → mark, and when /api/graph and /api/step were answered.

Given two addresses, loads alternate between them and the difference of each pair is reported.

Run: python bench/largest_trace.py [--runs 9] [URL [URL]]   (no URL: a server of this tree;
a URL is the page's address, the 10 × 64 lesson is added as its hash)"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.browser_bench import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    GUIDE_SEEN,
    largest_relu,
    scenario_hash,
)
from bench.firstpaint_trace import TASKS, _outermost, _own  # noqa: E402
from bench.server import serve  # noqa: E402

CATEGORIES = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",  # (without it the trace misses most tasks)
    "v8",
    "blink",
    "blink.user_timing",
    "toplevel",
    "loading",
]
GC = {"MajorGC", "MinorGC", "V8.GCScavenger", "V8.GCFinalizeMC", "BlinkGC.AtomicPhase"}
ROWS = ["main thread", "  before", "  the longest task", "  after", "garbage collection", "wall"]
READY = "() => document.documentElement?.dataset.ready === 'true'"


def figures(events: list[dict]) -> dict:
    """The CPU time of each piece of ROWS up to the mark, and the answers' times, from one trace."""
    mark = next(e for e in events if e.get("name") == "backstep:first-graph")
    pid, until = mark["pid"], mark["ts"]
    # the mark's startTime is from the page's time origin: its navigation's start
    start = until - float(mark["args"]["data"]["startTime"]) * 1000
    threads = {
        (e["pid"], e["tid"]): e["args"]["name"]
        for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name"
    }
    main = [
        e
        for e in events
        if e.get("ph") == "X"
        and e["pid"] == pid
        and threads.get((e["pid"], e["tid"])) == "CrRendererMain"
        and start <= e["ts"] <= until
    ]
    tasks = _outermost([e for e in main if e["name"] in TASKS])
    longest = max(tasks, key=_own)
    out = {
        "main thread": sum(_own(t) for t in tasks),
        "  before": sum(_own(t) for t in tasks if t["ts"] < longest["ts"]),
        "  the longest task": _own(longest),
        "  after": sum(_own(t) for t in tasks if t["ts"] > longest["ts"]),
        "garbage collection": sum(
            _own(e) for e in _outermost([e for e in main if e["name"] in GC])
        ),
        "wall": (until - start) / 1000,
    }
    answered = {}
    for e in events:
        data = e.get("args", {}).get("data", {})
        if e.get("name") == "ResourceSendRequest" and e["pid"] == pid:
            answered[data.get("requestId")] = [data.get("url", ""), None]
        elif e.get("name") == "ResourceFinish" and data.get("requestId") in answered:
            answered[data["requestId"]][1] = (e["ts"] - start) / 1000
    for url, at in answered.values():
        for path in ("/api/graph", "/api/step"):
            if url.endswith(path) and at is not None:
                out[path] = at
    return out


def trace_load(browser, url: str) -> dict:
    """One load in a fresh context, traced to its first step drawn; its figures."""
    with tempfile.TemporaryDirectory(prefix="largest-trace-") as folder:
        path = os.path.join(folder, "trace.json")
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_init_script(GUIDE_SEEN)  # the first-visit guide waits for no one here
        page = context.new_page()
        browser.start_tracing(page=page, path=path, categories=CATEGORIES)
        try:
            page.goto(url, wait_until="commit")
            page.wait_for_function(READY, timeout=90000)
        finally:  # stopped even when the load failed: the next load can trace again
            browser.stop_tracing()
            context.close()
        with open(path, encoding="utf-8") as f:
            trace = json.load(f)
    return figures(trace["traceEvents"] if isinstance(trace, dict) else trace)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("urls", nargs="*", help="one page, or two to compare (default: this tree's)")
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    if len(args.urls) > 2:
        ap.error("one or two addresses")
    lesson = "#" + scenario_hash(largest_relu())
    with serve(1) if not args.urls else nullcontext() as port, sync_playwright() as p:
        urls = [u.split("#")[0] + lesson for u in args.urls or [f"http://127.0.0.1:{port}/"]]
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for url in urls:
                trace_load(browser, url)  # warm-up: the server's answers, the browser process
            loads: list[list[dict]] = [[] for _ in urls]
            order = list(enumerate(urls))
            for run in range(args.runs):  # alternated: each pair of loads shares a moment's load
                for i, url in order if run % 2 else order[::-1]:
                    got = trace_load(browser, url)
                    loads[i].append(got)
                    answers = "  ".join(
                        f"{k} {got[k]:.0f}" for k in ("/api/graph", "/api/step") if k in got
                    )
                    print(
                        f"largest-trace  run {run} {'AB'[i]}: main thread "
                        f"{got['main thread']:.0f} ms, longest task "
                        f"{got['  the longest task']:.0f}, wall {got['wall']:.0f}; answered at "
                        f"{answers} (load average {os.getloadavg()[0]:.2f})",
                        flush=True,
                    )
        finally:
            browser.close()
    for name, url in zip("AB", urls, strict=False):
        print(f"largest-trace  {name} = {url.split('#')[0]}")
    head = "".join(f"{name:>22}" for name in "AB"[: len(urls)])
    diff = "   B − A (median of pairs)" if len(urls) == 2 else ""
    print(f"largest-trace  {'ms, median (range) of ' + str(args.runs) + ' loads':32}{head}{diff}")
    for row in ROWS:
        cells = ""
        for runs in loads:
            xs = [r[row] for r in runs]
            cells += f"{statistics.median(xs):8.0f} ({min(xs):4.0f}–{max(xs):4.0f})"
        if len(urls) == 2:
            pairs = [b[row] - a[row] for a, b in zip(*loads, strict=True)]
            cells += f"{statistics.median(pairs):+14.0f}"
        print(f"largest-trace  {row:32}{cells}")


if __name__ == "__main__":
    main()
