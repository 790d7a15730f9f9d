"""Where the first paint's time goes, in CPU time (a thread's own time, which other processes on a
shared machine do not stretch), from a Chromium trace of each load; and, given two addresses, the
two pages compared load by load.

The wall-clock figure of bench/firstpaint_bench.py moves by ±30 ms between runs on this 2-core
machine when other work runs on it: a change worth 5 ms cannot be seen there without hundreds of
loads. The work a load does moves far less: each fresh context's renderer is traced up to its
first contentful paint, and the CPU time of the pieces a change to the page can move is summed:

- `script compile (background)`: the bundle's streaming parse and compile, off the main thread
  (V8's `v8.parseOnBackground`; the bundle runs once it is done);
- `main thread`: everything the renderer's main thread did up to that paint (its top-level tasks);
  within it `scripts run` (the page's scripts, theme.js and the bundle, each from its first to
  its last statement, everything they call included), `lazy compile` (functions compiled at their
  first call, V8.CompileCode),
  `style` and `layout` (UpdateLayoutTree, Layout, forced by a script or not) and `paint`;
- `the bundle's task`: the main thread's task that runs the bundle (its one long task before
  the picture), and `style and layout before it`: the page laid out earlier, while the bundle was
  still being fetched or compiled (theme.js), which that task then need not do;
- `raster`: the first frame's tiles painted into pixels on the raster thread;
- `main thread idle while the bundle compiles`: in wall time, the part of the background compile
  (from its start to its end, or to the bundle's task if that comes first) the main thread spent
  in no task: the page waiting for its compile. Above a few ms, the compile is on the way to the
  picture (on a loaded machine its thread waits for a core): a larger compile delays the picture
  (eager functions: `//# allFunctionsCalledOnLoad` made the main thread's work 20 ms less and
  this wait 100 ms more), a smaller bundle shortens it;
- and, in wall time, navigation → the page's mark `backstep:first-graph` → first contentful paint.

Tracing itself slows a load (the wall-clock figures here are larger than the benchmark's).

Run: python bench/firstpaint_trace.py [--runs 9] [URL [URL]]   (no URL: a server of this tree)"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections import Counter
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.browser_bench import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from bench.firstpaint_bench import FCP, MARK, fresh_page, wait_for_entries  # noqa: E402
from bench.server import serve  # noqa: E402

CATEGORIES = [
    "devtools.timeline",
    "v8",
    "disabled-by-default-v8.compile",
    "blink",
    "toplevel",
    "cc",
]
TASKS = {"ThreadControllerImpl::RunTask", "RunTask"}
ROWS = [
    "script compile (background)",
    "main thread",
    "  scripts run",
    "    lazy compile",
    "  style",
    "  layout",
    "  paint",
    "  the bundle's task",
    "  style and layout before it",
    "raster",
    "main thread idle while the bundle compiles",
    "wall: navigation → mark",
    "wall: mark → first contentful paint",
]


def _own(e: dict) -> float:
    """An event's thread time in ms (its wall time when the trace has none)."""
    return e.get("tdur", e.get("dur", 0)) / 1000


def _outermost(events: list[dict]) -> list[dict]:
    """The events not inside another of the list (a nested run loop's tasks counted once)."""
    out, end = [], -1
    for e in sorted(events, key=lambda e: (e["ts"], -e.get("dur", 0))):
        if e["ts"] >= end:
            out.append(e)
            end = e["ts"] + e.get("dur", 0)
    return out


def figures(events: list[dict], mark: float, fcp: float) -> Counter:
    """The CPU time of each piece of ROWS, up to the first contentful paint, from one trace."""
    paint = [e for e in events if e.get("name") == "firstContentfulPaint"]
    if not paint:
        raise RuntimeError("the trace has no first contentful paint")
    pid, until = paint[-1]["pid"], paint[-1]["ts"]
    threads = {
        (e["pid"], e["tid"]): e["args"]["name"]
        for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name"
    }
    mine = [e for e in events if e.get("ph") == "X" and e["pid"] == pid and e["ts"] <= until]
    main = [e for e in mine if threads.get((e["pid"], e["tid"])) == "CrRendererMain"]
    c = Counter()
    c["script compile (background)"] = sum(
        _own(e)
        for e in mine
        if e["name"] == "v8.parseOnBackground"
        and threads.get((e["pid"], e["tid"])) != "CrRendererMain"
    )
    c["main thread"] = sum(_own(e) for e in _outermost([e for e in main if e["name"] in TASKS]))
    runs = _outermost([e for e in main if e["name"] == "HTMLParserScriptRunner ExecuteScript"])
    c["  scripts run"] = sum(_own(e) for e in runs)
    spans = [(e["ts"], e["ts"] + e.get("dur", 0)) for e in runs]
    c["    lazy compile"] = sum(
        _own(e)
        for e in main
        if e["name"] == "V8.CompileCode" and any(a <= e["ts"] < b for a, b in spans)
    )
    c["  style"] = sum(
        _own(e) for e in _outermost([e for e in main if e["name"] == "UpdateLayoutTree"])
    )
    c["  layout"] = sum(_own(e) for e in _outermost([e for e in main if e["name"] == "Layout"]))
    c["  paint"] = sum(_own(e) for e in _outermost([e for e in main if e["name"] == "Paint"]))
    # the task that runs the bundle (the longest script run), and the page laid out before it,
    # while the bundle was still on its way (theme.js): off that long task
    tasks = _outermost([e for e in main if e["name"] in TASKS])
    bundle = max(runs, key=lambda e: e.get("dur", 0), default=None)
    task = next((t for t in tasks if bundle and t["ts"] <= bundle["ts"] < t["ts"] + t["dur"]), None)
    c["  the bundle's task"] = _own(task) if task else 0.0
    c["  style and layout before it"] = sum(
        _own(e)
        for e in _outermost([e for e in main if e["name"] in ("UpdateLayoutTree", "Layout")])
        if task and e["ts"] < task["ts"]
    )
    c["raster"] = sum(_own(e) for e in mine if e["name"] == "RasterTask")
    compiles = [
        (e["ts"], e["ts"] + e.get("dur", 0))
        for e in mine
        if e["name"] == "v8.parseOnBackground"
        and threads.get((e["pid"], e["tid"])) != "CrRendererMain"
    ]
    idle = 0.0
    if compiles and task:
        start = min(a for a, _ in compiles)
        end = min(max(b for _, b in compiles), task["ts"])
        busy = sum(max(0, min(t["ts"] + t["dur"], end) - max(t["ts"], start)) for t in tasks)
        idle = max(0, end - start - busy) / 1000
    c["main thread idle while the bundle compiles"] = idle
    c["wall: navigation → mark"] = mark
    c["wall: mark → first contentful paint"] = fcp - mark
    return c


def trace_load(browser, url: str) -> Counter:
    """One load in a fresh context, traced; its figures."""
    with tempfile.TemporaryDirectory(prefix="firstpaint-trace-") as folder:
        path = os.path.join(folder, "trace.json")
        with fresh_page(browser) as (page, seen):
            browser.start_tracing(page=page, path=path, categories=CATEGORIES)
            try:
                page.goto(url, wait_until="commit")
                wait_for_entries(page, seen, {"first-contentful-paint", "backstep:first-graph"})
                mark, fcp = page.evaluate(f"[{MARK}, {FCP}]")
            finally:  # stopped even when the load failed: the next load can trace again
                browser.stop_tracing()
        with open(path, encoding="utf-8") as f:
            trace = json.load(f)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    return figures(events, float(mark), float(fcp))


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "urls", nargs="*", help="one page, or two to compare (default: a server of this tree)"
    )
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    if len(args.urls) > 2:
        ap.error("one or two addresses")
    with serve(1) if not args.urls else nullcontext() as port, sync_playwright() as p:
        urls = args.urls or [f"http://127.0.0.1:{port}/"]
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for url in urls:
                trace_load(browser, url)  # warm-up: the server, the browser process
            loads: list[list[Counter]] = [[] for _ in urls]  # by address, in order
            order = list(enumerate(urls))
            for run in range(args.runs):  # alternated: each pair of loads shares a moment's load
                for i, url in order if run % 2 else order[::-1]:
                    loads[i].append(trace_load(browser, url))
        finally:
            browser.close()
    names = [chr(ord("A") + i) for i in range(len(urls))]
    for name, url in zip(names, urls, strict=True):
        print(f"firstpaint-trace  {name} = {url}")
    head = "".join(f"{name:>16}" for name in names)
    diff = "   B − A (median of pairs)" if len(urls) == 2 else ""
    print(f"firstpaint-trace  {'ms, median of ' + str(args.runs) + ' loads':38}{head}{diff}")
    for row in ROWS:
        cells = "".join(f"{statistics.median(c[row] for c in runs):16.1f}" for runs in loads)
        if len(urls) == 2:
            pairs = [b[row] - a[row] for a, b in zip(*loads, strict=True)]
            cells += f"{statistics.median(pairs):+16.1f}"
        print(f"firstpaint-trace  {row:38}{cells}")


if __name__ == "__main__":
    main()
