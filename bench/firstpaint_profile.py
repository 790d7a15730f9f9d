"""Which of the page's functions run before its first picture: a sampling CPU profile (Chromium's
CDP Profiler) of each fresh load, from the first script to the page's mark `backstep:first-graph`
(or to the first contentful paint, or between the two), summed over several loads.

Each load has a fresh browser context (empty caches, as a first visit). The profile starts in a
script the page runs before any of its own (`console.profile`) and its samples are cut at the mark
by the page's own clock. Functions are named by their module and line in the original files
(the bundle's module boundaries, app/bundle.py). Self time is a function's own samples; total
time includes what it calls. The profiler counts wall time and slows the page (about twice at a
100 µs interval): read the figures as shares, and bench/firstpaint_trace.py for CPU time. A style
recalculation or layout a script forces counts as that script's self time (stage.js `measure`).

Run: python bench/firstpaint_profile.py [URL] [--runs 7] [--interval 100] [--until mark|fcp|gap]
     [--tree 0.4]   (no URL: a server of this tree)"""

from __future__ import annotations

import argparse
import bisect
import re
import statistics
import sys
import urllib.request
from collections import Counter
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.browser_bench import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from bench.firstpaint_bench import FCP, MARK, fresh_page, wait_for_entries  # noqa: E402
from bench.server import serve  # noqa: E402

# started before the page's first script; its start on the page's clock aligns the samples
START = 'window.__profileStart = performance.now(); console.profile("firstpaint");'
_MODULE = re.compile(r'^__m\["([^"]+)"\] = await \(async \(\) => \{$')


class Bundle:
    """Bundle line → (module, line in that module), from the bundle's module boundaries."""

    def __init__(self, page_url: str):
        html = urllib.request.urlopen(page_url).read().decode()
        found = re.search(r'src="(/bundle/page\.js[^"]*)"', html)
        self.starts: list[int] = []
        self.names: list[str] = []
        if not found:
            return  # modules linked one by one: their own URLs name them
        origin = "/".join(page_url.split("/", 3)[:3])
        text = urllib.request.urlopen(origin + found.group(1)).read().decode()
        for i, line in enumerate(text.split("\n")):
            if m := _MODULE.match(line):
                self.starts.append(i)
                self.names.append(m.group(1).removeprefix("/static/js/"))

    def where(self, frame: dict) -> tuple[str, int]:
        url, line = frame["url"].split("?")[0], frame["lineNumber"]  # 0-based
        if url.endswith("/bundle/page.js") and self.starts:
            i = bisect.bisect_right(self.starts, line) - 1
            return (self.names[i], line - self.starts[i]) if i >= 0 else ("bundle", line + 1)
        return (url.rsplit("/", 1)[-1], line + 1) if url else ("", 0)


def profile_load(browser, url: str, interval_us: int) -> tuple[dict, float, float, float]:
    """One load in a fresh context: its CPU profile, and its mark, FCP and profile start (ms)."""
    finished: dict = {}
    with fresh_page(browser, START) as (page, seen):
        cdp = page.context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": interval_us})
        cdp.on("Profiler.consoleProfileFinished", lambda event: finished.update(event))
        page.goto(url, wait_until="commit")
        wait_for_entries(page, seen, {"first-contentful-paint", "backstep:first-graph"})
        mark, fcp, start = page.evaluate(f"[{MARK}, {FCP}, window.__profileStart]")
        page.evaluate("console.profileEnd('firstpaint')")
        for _ in range(300):
            if finished:
                break
            page.wait_for_timeout(10)
    if not finished:
        raise RuntimeError("the profile did not come back")
    return finished["profile"], float(mark), float(fcp), float(start)


def tally(profile: dict, lo: float, hi: float, start: float, bundle: Bundle):
    """Self and total ms by function, and by call path, of the samples between lo and hi (ms on
    the page's clock)."""
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}
    key = {}
    for n in profile["nodes"]:
        module, line = bundle.where(n["callFrame"])
        key[n["id"]] = (n["callFrame"]["functionName"] or "(anonymous)", module, line)
    times, t = [], profile["startTime"]
    for delta in profile["timeDeltas"]:
        t += delta
        times.append(t)
    own, total, paths = Counter(), Counter(), Counter()
    samples = profile["samples"]
    for i, node in enumerate(samples[:-1]):  # a sample lasts until the next
        at = (times[i] - profile["startTime"]) / 1000 + start
        if not lo <= at < hi:
            continue
        ms = (times[i + 1] - times[i]) / 1000
        own[key[node]] += ms
        stack = []
        while node is not None:
            stack.append(key[node])
            node = parent.get(node)
        for k in set(stack):  # a recursive function counted once
            total[k] += ms
        stack.reverse()
        for j in range(1, len(stack) + 1):
            paths[tuple(stack[:j])] += ms
    return own, total, paths


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("url", nargs="?", help="the page (default: a server of this tree)")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--interval", type=int, default=100, help="sampling interval, µs")
    ap.add_argument("--until", choices=["mark", "fcp", "gap"], default="mark")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--tree", type=float, default=0, help="print call paths of ≥ this many ms")
    args = ap.parse_args()
    with serve(1) if not args.url else nullcontext() as port, sync_playwright() as p:
        url = args.url or f"http://127.0.0.1:{port}/"
        bundle = Bundle(url)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            profile_load(browser, url, args.interval)  # warm-up: the server, the browser process
            loads = []
            for _ in range(args.runs):
                prof, mark, fcp, start = profile_load(browser, url, args.interval)
                lo, hi = {"mark": (0, mark), "fcp": (0, fcp), "gap": (mark, fcp)}[args.until]
                loads.append((*tally(prof, lo, hi, start, bundle), mark, fcp))
        finally:
            browser.close()
    med = lambda counters, k: statistics.median(c.get(k, 0.0) for c in counters)  # noqa: E731
    owns, totals, paths = [x[0] for x in loads], [x[1] for x in loads], [x[2] for x in loads]
    print(
        f"firstpaint-profile  {url}, {args.runs} loads, {args.interval} µs, until {args.until}: "
        f"mark {statistics.median(x[3] for x in loads):.0f} ms, first contentful paint "
        f"{statistics.median(x[4] for x in loads):.0f} ms (profiled: slower than unprofiled)"
    )
    modules: list[Counter] = []
    for own in owns:
        by = Counter()
        for (name, module, _), ms in own.items():
            by[module or name] += ms
        modules.append(by)
    print("\nself ms by module (or V8's category), median of loads")
    for k in sorted(set().union(*modules), key=lambda k: -med(modules, k))[: args.top]:
        print(f"  {med(modules, k):7.2f}  {k}")
    print("\ntop self time, median ms")
    for k in sorted(set().union(*owns), key=lambda k: -med(owns, k))[: args.top]:
        print(f"  {med(owns, k):7.2f}  {k[0][:36]:36} {k[1]}:{k[2]}")
    print("\ntop total time of the page's functions, median ms (self beside)")
    ours = [k for k in set().union(*totals) if k[1].endswith(".js")]
    for k in sorted(ours, key=lambda k: -med(totals, k))[: args.top]:
        print(f"  {med(totals, k):7.2f}  {med(owns, k):6.2f}  {k[0][:36]:36} {k[1]}:{k[2]}")
    if args.tree:
        mean = Counter()
        for p in paths:
            mean.update({k: v / len(paths) for k, v in p.items()})
        children: dict[tuple, list] = {}
        for path in mean:
            children.setdefault(path[:-1], []).append(path)
        print(f"\ncall paths of ≥ {args.tree} ms, mean of loads")

        def walk(prefix: tuple) -> None:
            for path in sorted(children.get(prefix, []), key=lambda q: -mean[q]):
                if mean[path] >= args.tree:
                    name, module, line = path[-1]
                    print(
                        f"  {mean[path]:7.2f} {'  ' * (len(path) - 1)}{name[:40]} {module}:{line}"
                    )
                    walk(path)

        walk(())


if __name__ == "__main__":
    main()
