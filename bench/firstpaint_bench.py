"""First paint: navigation → the tutorial's graph and first step drawn, in headless Chromium.

Each run opens `/` (the tutorial, the page a newcomer meets) in a fresh browser context (an
empty cache, as a first visit), and reads the page's own mark `backstep:first-graph` (main.js:
set in the frame the first step is drawn), whose time counts from the navigation's start. One
unmeasured load first warms the server and the browser process, not the contexts.

Target: median ≤ 200 ms.   Run: python bench/firstpaint_bench.py [--runs 5] [--url-hash ...]"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.browser_bench import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from bench.server import report, serve  # noqa: E402

TARGET_MS = 200
MARK = "performance.getEntriesByName('backstep:first-graph')[0]?.startTime ?? null"
WAIT = "() => document.documentElement.dataset.ready === 'true'"


def first_paint(browser, url: str) -> tuple[float, dict]:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        requests: dict[str, int] = {}
        page.on("request", lambda r: requests.update({r.url: requests.get(r.url, 0) + 1}))
        page.goto(url)
        page.wait_for_function(WAIT, timeout=30000, polling=10)
        ms = page.evaluate(MARK)
        api = sorted(u.split("/", 3)[-1] for u in requests if "/api/" in u)
        return float(ms), {"requests": len(requests), "api": api}
    finally:
        context.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--hash", default="", help="a URL hash to open instead of the bare page")
    args = ap.parse_args()
    with serve(1) as port, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            url = f"http://127.0.0.1:{port}/{args.hash}"
            first_paint(browser, url)  # warm-up: server imports, browser process
            times, info = [], {}
            for _ in range(args.runs):
                ms, info = first_paint(browser, url)
                times.append(ms)
        finally:
            browser.close()
    med = statistics.median(times)
    print(
        f"firstpaint  navigation → first step drawn: median {med:.0f} ms "
        f"({min(times):.0f}–{max(times):.0f}, {args.runs} fresh contexts), "
        f"{med / TARGET_MS:.2f}× the target of {TARGET_MS} ms; "
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
