"""The diagram's exports on the largest stepping network (10 weight layers of 64 neurons, relu), as
a teacher meets them: the step-through page at 1280 × 800 in Chromium, the lesson drawn and its
edges painted, then the PNG (or SVG) button clicked. Per run (a fresh page each): the seconds from
the click to the file's arrival, the longest gap between two frames and the longest long task
meanwhile, and the file's size and pixels. Prints medians and ranges, with the load average.

Target: the PNG within about 3 s, no main-thread task over 100 ms while it is made.
Run: python bench/png_bench.py [--runs 3] [--what png|svg] [--sharp] [--cpu] [--base-url URL]
(without --base-url, it starts the server on a free port; --sharp clicks once every edge on
screen is at the bitmap's resolution, as on a page left a while: the PNG then copies them;
--cpu also prints the CPU time each page thread spent from the click to the file, read from a
Chrome trace: on a machine loaded many times over, seconds to the file measure the load, and
the CPU times what the page asked of it)."""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.browser_bench import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    EDGES_PAINTED,
    GUIDE_SEEN,
    largest_relu,
    scenario_hash,
)
from bench.server import serve  # noqa: E402

# Records, until `__gaps.on` is false, the longest gap between frames and the long tasks.
GAPS = """() => {
  const g = { on: true, last: null, longest: 0, tasks: [] };
  const tick = (t) => {
    if (!g.on) return;
    if (g.last !== null) g.longest = Math.max(g.longest, t - g.last);
    g.last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (g.on) g.tasks.push(e.duration);
  }).observe({ type: 'longtask' });
  window.__gaps = g;
}"""
# (two frames on, and a task later: the frame after a long task is counted, and the observer told)
STOP = """async () => {
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  await new Promise((done) => setTimeout(done, 50));
  window.__gaps.on = false;
  return [window.__gaps.longest, window.__gaps.tasks];
}"""


def thread_cpu(trace: str) -> dict[str, float]:
    """Seconds of CPU of the page's main thread and of each worker thread, in a Chrome trace:
    the thread time of their top-level tasks ("main", "worker 1", "worker 2"... by CPU)."""
    data = json.load(open(trace))
    events = data["traceEvents"] if isinstance(data, dict) else data
    names = {
        (e["pid"], e["tid"]): e["args"]["name"]
        for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name"
    }
    cpu: collections.Counter = collections.Counter()
    for e in events:
        if e.get("ph") == "X" and e.get("name") == "ThreadControllerImpl::RunTask":
            name = names.get((e["pid"], e["tid"]), "")
            if name in ("CrRendererMain", "DedicatedWorker thread"):
                cpu[(name, e["pid"], e["tid"])] += e.get("tdur", 0) / 1e6
    out, workers = {}, 0
    for (name, _, _), seconds in cpu.most_common():
        if name == "CrRendererMain":
            out["main"] = out.get("main", 0.0) + seconds  # (other renderers: next to nothing)
        elif seconds > 0.01:
            workers += 1
            out[f"worker {workers}"] = seconds
    return out


def one_export(browser, base_url: str, what: str, sharp: bool, cpu: bool = False) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    context.add_init_script(GUIDE_SEEN)
    try:
        page = context.new_page()
        page.goto(f"{base_url}/#{scenario_hash(largest_relu())}&k=0")
        page.wait_for_selector("html[data-ready=true]", timeout=90_000)
        if not page.evaluate(EDGES_PAINTED, 90_000):
            raise RuntimeError("the edges were not painted within 90 s")
        page.wait_for_timeout(1000)  # the tiles near the view, sharpened
        if sharp:  # every tile (a page left a while; the PNG then copies the screen's edges)
            page.wait_for_function(
                "() => document.querySelector('#graph-wrap canvas.graph-edges')"
                ".dataset.sharp === 'done'",
                timeout=90_000,
            )
        page.evaluate(GAPS)
        trace = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name if cpu else None
        if trace:
            browser.start_tracing(page=page, path=trace, categories=["toplevel"])
        t0 = time.perf_counter()
        with page.expect_download(timeout=180_000) as download:
            # clicked by the page's own script: Playwright's click waits for the page to take it
            page.evaluate(
                f"() => setTimeout(() => document.getElementById('export-{what}').click())"
            )
        seconds = time.perf_counter() - t0
        threads = {}
        if trace:
            browser.stop_tracing()
            threads = thread_cpu(trace)
            os.unlink(trace)
        data = open(download.value.path(), "rb").read()
        longest, tasks = page.evaluate(STOP)
        size = struct.unpack(">II", data[16:24]) if what == "png" else None
        return {
            "seconds": seconds,
            "gap": longest,
            "task": max(tasks, default=0.0),
            "mb": len(data) / 1e6,
            "size": size,
            "cpu": threads,
        }
    finally:
        context.close()


def spread(values: list[float], unit: str, digits: int = 2) -> str:
    med = statistics.median(values)
    return f"{med:.{digits}f} {unit} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--what", choices=["png", "svg"], default="png")
    ap.add_argument("--base-url", help="a server already running (else one is started)")
    ap.add_argument("--sharp", action="store_true", help="click once every edge on screen is sharp")
    ap.add_argument("--cpu", action="store_true", help="print each page thread's CPU time (trace)")
    args = ap.parse_args()
    server = contextlib.nullcontext(args.base_url) if args.base_url else serve(1)
    with server as where, sync_playwright() as p:
        base_url = where if args.base_url else f"http://127.0.0.1:{where}"
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            runs = []
            for _ in range(args.runs):
                got = one_export(browser, base_url, args.what, args.sharp, args.cpu)
                print(
                    f"export {args.what}: {got['seconds']:.2f} s to the file, longest frame gap "
                    f"{got['gap']:.0f} ms, longest task {got['task']:.0f} ms, {got['mb']:.1f} MB"
                    + (f", {got['size'][0]} × {got['size'][1]} px" if got["size"] else "")
                    + f" (load average {os.getloadavg()[0]:.2f})"
                    + "".join(f"; {k} {v:.2f} s CPU" for k, v in got["cpu"].items()),
                    flush=True,
                )
                runs.append(got)
        finally:
            browser.close()
    print(
        f"export {args.what}, median of {len(runs)}: "
        f"{spread([r['seconds'] for r in runs], 's')} to the file; longest frame gap "
        f"{spread([r['gap'] for r in runs], 'ms', 0)}; longest task "
        f"{spread([r['task'] for r in runs], 'ms', 0)}",
        flush=True,
    )


if __name__ == "__main__":
    main()
