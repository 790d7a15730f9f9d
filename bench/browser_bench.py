"""Smoothness in the browser: the step-through page at `/` in Chromium (Playwright), playing the
tutorial and the largest allowed stepping network (10 weight layers of 64 neurons, relu, mse, one
sample), while requestAnimationFrame deltas and long tasks (PerformanceObserver 'longtask') are
recorded by a script added before the page's own (so the page's CSP allows it).

Target: no frame > 50 ms.   Run: python bench/browser_bench.py [--seconds 10] [--speed fast]

Play is pressed and left running for a fixed time at the given speed, then paused; the figures
cover only that window (not the first load, which is timed separately). It prints figures, it is
not a test: a missed target shows as "NO" in `make bench`'s table."""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.scenarios import largest  # noqa: E402
from bench.server import report, serve  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FRAME_BUDGET_MS = 50

# Runs before the page's scripts: records frame deltas and long tasks once `__bench.start()` is called.
RECORDER = """
(() => {
  const b = { on: false, t0: 0, frames: [], longtasks: [], last: null };
  b.start = () => { b.on = true; b.t0 = performance.now(); b.frames = []; b.longtasks = []; b.last = null; };
  b.stop = () => { b.on = false; return { frames: b.frames, longtasks: b.longtasks }; };
  const tick = (t) => {
    if (b.on) { if (b.last !== null) b.frames.push(t - b.last); b.last = t; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (b.on && e.startTime >= b.t0) b.longtasks.push(e.duration);
    }).observe({ type: "longtask", buffered: true });
  } catch (err) { b.noLongtask = String(err); }
  window.__bench = b;
})();
"""


def largest_relu() -> dict:
    sc = largest()
    sc["activations"] = ["relu"] * (len(sc["layers"]) - 1)
    return sc


def scenario_hash(scenario: dict) -> str:
    text = json.dumps(scenario, separators=(",", ":")).encode()
    return "s=" + base64.urlsafe_b64encode(text).decode().rstrip("=")


def play(page, url: str, seconds: float) -> dict:
    """Open url, wait for the first step, press Play for `seconds`, return what was recorded."""
    t = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("html[data-ready=true]", timeout=90_000)
    load = time.perf_counter() - t
    page.wait_for_timeout(500)  # let the first render's animations settle before measuring
    start_cursor = int(page.evaluate("document.documentElement.dataset.cursor"))
    page.evaluate("window.__bench.start()")
    page.click("#btn-play")
    page.wait_for_timeout(seconds * 1000)
    got = page.evaluate("window.__bench.stop()")
    if page.get_attribute("#btn-play", "aria-pressed") == "true":
        page.click("#btn-play")  # pause, so nothing keeps running while the next case loads
    got["steps"] = int(page.evaluate("document.documentElement.dataset.cursor")) - start_cursor
    got["load"] = load
    got["error"] = page.evaluate(
        "document.querySelector('[role=alert]:not([hidden])')?.textContent?.trim() || ''"
    )
    return got


def summarise(case: str, got: dict, seconds: float) -> None:
    frames, longtasks = got["frames"], got["longtasks"]
    over = sum(1 for f in frames if f > FRAME_BUDGET_MS)
    med = statistics.median(frames) if frames else float("nan")
    worst = max(frames, default=float("nan"))
    longest = max(longtasks, default=0.0)
    print(
        f"browser  {case}: first step shown after {got['load']:.2f} s; playing {seconds:g} s: "
        f"{got['steps']} steps, {len(frames)} frames, median {med:.1f} ms, max {worst:.1f} ms, "
        f"{over} over {FRAME_BUDGET_MS} ms; {len(longtasks)} long tasks, longest {longest:.0f} ms",
        flush=True,
    )
    if got["error"]:
        print(f"browser  {case}: the page shows an error: {got['error'][:200]}", flush=True)
    target = f"no frame > {FRAME_BUDGET_MS} ms"
    report("browser", f"{case}: first step shown", "s", round(got["load"], 2), "", None)
    report("browser", f"{case}: steps while playing", "steps", got["steps"], "", None)
    report("browser", f"{case}: frames", "frames", len(frames), "", None)
    report("browser", f"{case}: median frame", "ms", round(med, 1), "", None)
    report("browser", f"{case}: max frame", "ms", round(worst, 1), target, worst <= FRAME_BUDGET_MS)
    report("browser", f"{case}: frames > {FRAME_BUDGET_MS} ms", "frames", over, target, over == 0)
    report("browser", f"{case}: long tasks", "tasks", len(longtasks), "", None)
    report("browser", f"{case}: longest task", "ms", round(longest), "", None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=10.0, help="how long each case plays")
    ap.add_argument("--speed", choices=["slow", "normal", "fast"], default="fast")
    args = ap.parse_args()
    cases = [
        ("tutorial", "preset=tutorial"),
        ("largest 10×64 relu", scenario_hash(largest_relu())),
    ]
    with serve(1) as port, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for case, lesson in cases:
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                context.add_init_script(RECORDER)
                page = context.new_page()
                url = f"http://127.0.0.1:{port}/#{lesson}&k=0&speed={args.speed}"
                summarise(case, play(page, url, args.seconds), args.seconds)
                context.close()
        finally:
            browser.close()


if __name__ == "__main__":
    main()
