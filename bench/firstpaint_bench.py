"""First paint: navigation → the tutorial's graph and first step drawn, in headless Chromium.

Each run opens `/` (the tutorial, the page a newcomer meets) in a fresh browser context (an
empty cache, as a first visit), and reads when the first step is shown: the later of the page's
own mark `backstep:first-graph` (main.js: set in the animation callback of the frame the first
step is drawn in) and the browser's first contentful paint (when that frame is shown: the page's
module blocks rendering until it has run, so no earlier frame is painted). Both count from the
navigation's start. One unmeasured load first warms the server and the browser process, not the
contexts.

The machine is shared, so each run also measures, in the same moment, a fixed reference: the
same page's HTML and stylesheet with no module (its first contentful paint timed), the floor any
script adds to; with --unbundled, the page with its modules linked one by one (`/?bundle=0`,
app/bundle.py); and with --floor, the page's own first frame as static HTML: its document as it
stood when the first step was drawn (taken at the mark in one more load), every script removed,
so what the browser alone takes to show that picture, with nothing computed in the page. That is
the figure a server-rendered first frame could reach at best. The load average is printed with
the figures.

Target: median ≤ 200 ms.   Run: python bench/firstpaint_bench.py [--runs 5] [--unbundled] [--floor]"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import urllib.request  # noqa: E402

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from bench.browser_bench import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from bench.server import report, serve  # noqa: E402

TARGET_MS = 200
MARK = "performance.getEntriesByName('backstep:first-graph')[0]?.startTime ?? null"
WAIT = "() => document.documentElement.dataset.ready === 'true'"
FCP = "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null"
# Told by the page through its console, so the bench runs no script of its own in the page until
# the picture is shown: polling with wait_for_function puts Playwright's injected script (about
# 15 ms of compile and run) on the page's main thread, between the mark and the paint.
OBSERVE = """
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.name === "first-contentful-paint" || e.name === "backstep:first-graph") {
      console.debug("bench:" + e.name);
    }
  }
}).observe({ entryTypes: ["paint", "mark"] });
"""


def listen(page) -> set[str]:
    """The names of the performance entries the page has logged so far (OBSERVE), kept current."""
    seen: set[str] = set()
    page.on("console", lambda m: seen.add(m.text.removeprefix("bench:")))
    return seen


def wait_for_entries(page, seen: set[str], names: set[str], timeout_s: float = 30.0) -> None:
    """Wait until `seen` holds every name in `names`, woken by the page's console messages only.
    (Polling every 5 ms woke this process and Playwright's driver about 60 times a load: some
    50 ms of CPU on a 2-core machine while the page loads, which added 15–30 ms to every figure,
    the static page's too.)"""
    deadline = time.monotonic() + timeout_s
    while not names <= seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no {sorted(names - seen)} after {timeout_s:.0f} s")
        try:
            page.wait_for_event("console", timeout=left * 1000)
        except PlaywrightTimeout:
            continue  # the deadline, checked above


@contextmanager
def fresh_page(browser, init: str = ""):
    """A page in a fresh browser context (an empty cache: a first visit) at a laptop's 1366 × 768,
    telling its paint and mark entries (OBSERVE, then `init`): (page, the names seen so far).
    The context is closed on leaving."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        context.add_init_script(OBSERVE + init)
        page = context.new_page()
        yield page, listen(page)
    finally:
        context.close()


def first_paint(browser, url: str) -> tuple[float, dict]:
    with fresh_page(browser) as (page, seen):
        requests: dict[str, int] = {}
        page.on("request", lambda r: requests.update({r.url: requests.get(r.url, 0) + 1}))
        page.goto(url, wait_until="commit")
        wait_for_entries(page, seen, {"first-contentful-paint", "backstep:first-graph"})
        page.wait_for_function(WAIT, timeout=30000, polling=10)
        mark, fcp = page.evaluate(f"[{MARK}, {FCP}]")
        api = sorted(u.split("/", 3)[-1] for u in requests if "/api/" in u)
        # The mark is set in the frame's animation callback, before that frame is painted and
        # shown; the browser's first contentful paint is when it is shown (the page's module
        # blocks rendering, so nothing is painted before that frame). The later of the two is
        # when a person sees the step: the same clock as the reference's.
        return max(float(mark), float(fcp)), {"requests": len(requests), "api": api, "mark": mark}


def reference(browser, url: str, html: str) -> float:
    """The page's HTML without its modules (a static page): navigation → first contentful paint."""
    with fresh_page(browser) as (page, seen):
        page.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
        page.goto(url, wait_until="commit")
        wait_for_entries(page, seen, {"first-contentful-paint"})
        return float(page.evaluate(FCP))


def static_html(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as r:
        html = r.read().decode()
    html = re.sub(r'\s*<link rel="modulepreload"[^>]*>', "", html)
    return re.sub(r'\s*<script type="module"[^>]*></script>', "", html)


# The document as drawn in the first step's frame: read when the page sets its mark (in that
# frame's animation callback, after the step is written and before the frame is painted).
SNAPSHOT = """
const mark = performance.mark.bind(performance);
performance.mark = (name, ...rest) => {
  if (name === "backstep:first-graph") {
    window.__firstFrame = "<!doctype html>" + document.documentElement.outerHTML;
  }
  return mark(name, ...rest);
};
"""


def first_frame_html(browser, url: str) -> str:
    """The page's document at its first step's frame, with no script: every `<script>` (the
    bundle, theme.js, the embedded answers) and module preload removed; its styles stay."""
    with fresh_page(browser, SNAPSHOT) as (page, seen):
        page.goto(url, wait_until="commit")
        wait_for_entries(page, seen, {"backstep:first-graph"})
        html = page.evaluate("window.__firstFrame")
    html = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S)
    return re.sub(r'\s*<link rel="modulepreload"[^>]*>', "", html)


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--hash", default="", help="a URL hash to open instead of the bare page")
    ap.add_argument("--unbundled", action="store_true", help="also time /?bundle=0")
    ap.add_argument(
        "--floor",
        action="store_true",
        help="also time the page's first frame as static HTML, no script (its document at the mark)",
    )
    args = ap.parse_args()
    print(f"firstpaint  before: {load()}", flush=True)
    with serve(1) as port, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            url = f"http://127.0.0.1:{port}/{args.hash}"
            ref_url = f"http://127.0.0.1:{port}/reference"
            html = static_html(port)
            first_paint(browser, url)  # warm-up: server imports, browser process
            frame = first_frame_html(browser, url) if args.floor else ""
            times, marks, refs, unbundled, floors, info = [], [], [], [], [], {}
            for _ in range(args.runs):  # interleaved: each run's figures share a moment's load
                ms, info = first_paint(browser, url)
                times.append(ms)
                marks.append(info["mark"])
                refs.append(reference(browser, ref_url, html))
                if args.unbundled:
                    unbundled.append(first_paint(browser, f"{url}?bundle=0")[0])
                if frame:
                    floors.append(reference(browser, f"http://127.0.0.1:{port}/first-frame", frame))
        finally:
            browser.close()
    print(f"firstpaint  after: {load()}", flush=True)
    ref = statistics.median(refs)
    print(
        f"firstpaint  reference, the page's HTML and stylesheets with no module → first "
        f"contentful paint: median {ref:.0f} ms ({min(refs):.0f}–{max(refs):.0f}); the page "
        f"takes {statistics.median(times) - ref:.0f} ms more",
        flush=True,
    )
    if unbundled:
        print(
            f"firstpaint  unbundled (/?bundle=0): median {statistics.median(unbundled):.0f} ms "
            f"({min(unbundled):.0f}–{max(unbundled):.0f})",
            flush=True,
        )
    med = statistics.median(times)
    if floors:
        floor = statistics.median(floors)
        print(
            f"firstpaint  floor, the page's first frame as static HTML ({len(frame) // 1024} KB, "
            f"no script) → first contentful paint: median {floor:.0f} ms "
            f"({min(floors):.0f}–{max(floors):.0f}); the page's scripts add {med - floor:.0f} ms",
            flush=True,
        )
    print(
        f"firstpaint  navigation → first step drawn: median {med:.0f} ms "
        f"({min(times):.0f}–{max(times):.0f}, {args.runs} fresh contexts), "
        f"{med / TARGET_MS:.2f}× the target of {TARGET_MS} ms (the page's mark, before the "
        f"frame is shown: median {statistics.median(marks):.0f} ms); "
        f"{info['requests']} requests, API: {', '.join(info['api']) or 'none'}",
        flush=True,
    )
    report(
        "firstpaint",
        "tutorial: navigation → first step drawn",
        "ms",
        round(med),
        f"≤ {TARGET_MS}",
        med <= TARGET_MS,
    )
    report(
        "firstpaint",
        "tutorial: first paint ÷ target",
        "ratio",
        round(med / TARGET_MS, 2),
        "≤ 1",
        med <= TARGET_MS,
    )


if __name__ == "__main__":
    main()
