"""Smoothness in the browser: the step-through page at `/` in Chromium (Playwright), playing the
tutorial and the largest allowed stepping network (10 weight layers of 64 neurons, relu, mse, one
sample) at 1280 × 800, and that network again in projector mode at 1920 × 1080, while requestAnimationFrame deltas and long tasks (PerformanceObserver 'longtask') are
recorded by a script added before the page's own (so the page's CSP allows it).

Target: no frame > 50 ms (three 60 Hz vsyncs; see CLOCK_SLACK_MS).
Run: python bench/browser_bench.py [--steps 10] [--seconds 10] [--case tutorial|largest|projector]

Per case, after the first step is drawn (timed on its own): → is pressed --steps times, each time
waiting for the next step to be drawn (at most --key-seconds in all); then Home and Play, left
running --seconds at --speed, then paused; Play reports the steps it drew per second (it asks for
a step only once the last one is drawn, then waits the speed's delay). Frame and long-task
figures cover only those windows. The bench waits for the page with small scripts of its own (a
Playwright selector would search the whole DOM on every frame, a cost the page does not have).
It prints figures, it is not a test: a missed target shows as "NO" in `make bench`'s table."""

from __future__ import annotations

import argparse
import base64
import json
import os
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
# Frame times are differences of requestAnimationFrame timestamps: frame starts, on 60 Hz vsyncs
# (16.67 ms apart), read from a clock the page sees coarsened to 0.1 ms. A frame of three vsyncs,
# 50.0 ms, can then read 50.1; only a longer one (four vsyncs: 66.7 ms) misses the budget.
CLOCK_SLACK_MS = 0.2

# Runs before the page's scripts: records frame deltas and long tasks once `__bench.start()` is called.
RECORDER = """
(() => {
  const b = { on: false, t0: 0, frames: [], longtasks: [], last: null };
  b.start = () => { Object.assign(b, { on: true, t0: performance.now(), frames: [], longtasks: [], last: null, drawn: 0 }); };
  b.stop = () => { b.on = false; return { frames: b.frames, longtasks: b.longtasks, drawn: b.drawn }; };
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
  const waiting = new Set(); // resolve callbacks of drawnAfter(), called when the cursor shown changes
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.target !== document.documentElement || r.oldValue === r.target.dataset.cursor) continue;
      if (b.on) b.drawn += 1;
      for (const check of [...waiting]) if (check()) waiting.delete(check);
    }
  }).observe(document, { subtree: true, attributeFilter: ["data-cursor"], attributeOldValue: true });
  /** Resolves true once `drawn(cursor shown)` holds, false after `ms`. */
  const until = (drawn, ms) => new Promise((resolve) => {
    const check = () => {
      if (!drawn(document.documentElement.dataset.cursor)) return false;
      resolve(true);
      return true;
    };
    if (check()) return;
    waiting.add(check);
    setTimeout(() => { waiting.delete(check); resolve(false); }, ms);
  });
  b.drawnAfter = (before, ms) => until((c) => c !== before, ms);
  b.drawnAt = (cursor, ms) => until((c) => c === cursor, ms);
  /** Resolves once the page has drawn its first step (html[data-ready]), false after `ms`. */
  b.whenReady = (ms) => new Promise((resolve) => {
    const t0 = performance.now();
    const check = () => {
      if (document.documentElement.dataset.ready === "true") resolve(true);
      else if (performance.now() - t0 > ms) resolve(false);
      else setTimeout(check, 50);
    };
    check();
  });
  // When the first step and the last edge were shown, in ms from the navigation's start: the
  // frame after the one that drew them has begun, so that one was handed to the screen. Read from
  // the page's clock, not from a poll (a poll would add up to its period).
  const shown = (key) => requestAnimationFrame(() => requestAnimationFrame((t) => { b[key] = t; }));
  new MutationObserver(() => {
    if (b.readyAt === undefined && b.readyMarked !== true && document.documentElement.dataset.ready === "true") {
      b.readyMarked = true;
      shown("readyAt");
    }
    const canvas = document.querySelector("#graph-wrap canvas.graph-edges");
    if (canvas && canvas.dataset.painted === "done" && b.paintedMarked !== true) {
      b.paintedMarked = true;
      shown("paintedAt");
    }
  }).observe(document, { subtree: true, attributeFilter: ["data-ready", "data-painted"] });
  window.__bench = b;
})();
"""


GUIDE_SEEN = "try { localStorage.setItem('backstep.guide', 'seen') } catch {}"


def largest_relu() -> dict:
    sc = largest()
    sc["activations"] = ["relu"] * (len(sc["layers"]) - 1)
    return sc


def scenario_hash(scenario: dict) -> str:
    text = json.dumps(scenario, separators=(",", ":")).encode()
    return "s=" + base64.urlsafe_b64encode(text).decode().rstrip("=")


# Resolves once a large graph's edge canvas has every edge painted (edge-canvas.js
# canvas[data-painted]), at once when the graph has no such canvas; false after `ms`.
EDGES_PAINTED = """(ms) => new Promise((resolve) => {
  const t0 = performance.now();
  const check = () => {
    const canvas = document.querySelector('#graph-wrap canvas.graph-edges');
    if (!canvas || canvas.dataset.painted === 'done') resolve(true);
    else if (performance.now() - t0 > ms) resolve(false);
    else setTimeout(check, 20);
  };
  check();
})"""


def open_lesson(page, url: str) -> tuple[float, float | None, dict | None]:
    """Open url and wait for its first step to be drawn, then for its edges to be painted (a large
    graph's are painted by a worker meanwhile). Returns the seconds each took (None: no edge
    canvas), and what was recorded in between."""
    page.goto(url)
    if not page.evaluate("window.__bench.whenReady(90000)"):
        raise RuntimeError(f"the page did not draw its first step within 90 s: {url}")
    painting = page.evaluate("Boolean(document.querySelector('#graph-wrap canvas.graph-edges'))")
    page.evaluate("window.__bench.start()")
    if not page.evaluate(EDGES_PAINTED, 90000):
        raise RuntimeError(f"the page did not paint its edges within 90 s: {url}")
    got = finish(page, page.evaluate("window.__bench.stop()"))
    # from the navigation's start to the frame shown (RECORDER): the page's own clock
    at = "(key) => new Promise((r) => { const f = () => window.__bench[key] !== undefined ? r(window.__bench[key]) : requestAnimationFrame(f); f(); })"
    drawn = page.evaluate(at, "readyAt") / 1000
    painted = page.evaluate(at, "paintedAt") / 1000 if painting else None
    page.wait_for_timeout(500)  # let the first render's animations settle before measuring
    return drawn, (painted if painting else None), (got if painting else None)


def shown_cursor(page) -> int:
    return int(page.evaluate("document.documentElement.dataset.cursor"))


def finish(page, got: dict) -> dict:
    got["steps"] = got["drawn"]
    got["error"] = page.evaluate(
        "document.querySelector('#graph-error:not([hidden])')?.textContent?.trim() || ''"
    )
    return got


def play(page, seconds: float) -> dict:
    """Press Play, leave it running for `seconds`, pause; what was recorded meanwhile."""
    page.keyboard.press("Home")  # from the start: the → presses moved the cursor on
    page.evaluate("window.__bench.drawnAt('0', 60000)")
    page.evaluate("window.__bench.start()")
    page.click("#btn-play")
    page.wait_for_timeout(seconds * 1000)
    got = page.evaluate("window.__bench.stop()")
    if page.get_attribute("#btn-play", "aria-pressed") == "true":
        page.click("#btn-play")  # pause, so nothing keeps running into the next measurement
    got = finish(page, got)
    got["per_second"] = got["steps"] / seconds
    return got


def press_right(page, steps: int, seconds: float) -> dict:
    """Press → and wait until the next step is drawn, `steps` times or until `seconds` are up."""
    page.evaluate("window.__bench.start()")
    deadline = time.monotonic() + seconds
    waits = []
    for _ in range(steps):
        before = shown_cursor(page)
        t = time.perf_counter()
        page.keyboard.press("ArrowRight")
        left = deadline - time.monotonic()
        if not page.evaluate(
            "([before, ms]) => window.__bench.drawnAfter(before, ms)",
            [str(before), max(1, left * 1000)],
        ):
            break
        waits.append(time.perf_counter() - t)
    got = page.evaluate("window.__bench.stop()")
    got["waits"] = waits
    got = finish(page, got)
    got["steps"] = len(waits)  # a step drawn after the deadline is not counted
    return got


def summarise(case: str, got: dict) -> None:
    frames, longtasks = got["frames"], got["longtasks"]
    over = sum(1 for f in frames if f > FRAME_BUDGET_MS + CLOCK_SLACK_MS)
    med = statistics.median(frames) if frames else float("nan")
    worst = max(frames, default=float("nan"))
    longest = max(longtasks, default=0.0)
    extra = ""
    if "waits" in got and got["waits"]:
        extra = f" (median {statistics.median(got['waits']) * 1000:.0f} ms from key to step drawn)"
    if "per_second" in got:
        extra = f" ({got['per_second']:.2f} per second)"
    print(
        f"browser  {case}: {got['steps']} steps drawn{extra}; {len(frames)} frames, "
        f"median {med:.1f} ms, max {worst:.1f} ms, {over} over {FRAME_BUDGET_MS} ms; "
        f"{len(longtasks)} long tasks, longest {longest:.0f} ms",
        flush=True,
    )
    if got["error"]:
        print(f"browser  {case}: the page shows an error: {got['error'][:200]}", flush=True)
    target = f"no frame > {FRAME_BUDGET_MS} ms"
    report("browser", f"{case}: steps drawn", "steps", got["steps"], "", None)
    if "per_second" in got:
        report(
            "browser",
            f"{case}: steps drawn per second",
            "1/s",
            round(got["per_second"], 2),
            "",
            None,
        )
    report("browser", f"{case}: median frame", "ms", round(med, 1), "", None)
    report(
        "browser",
        f"{case}: max frame",
        "ms",
        round(worst, 1),
        target,
        worst <= FRAME_BUDGET_MS + CLOCK_SLACK_MS,
    )
    report("browser", f"{case}: frames > {FRAME_BUDGET_MS} ms", "frames", over, target, over == 0)
    report("browser", f"{case}: long tasks", "tasks", len(longtasks), "", None)
    report("browser", f"{case}: longest long task", "ms", round(longest), "", None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=10.0, help="how long each case plays")
    ap.add_argument("--steps", type=int, default=10, help="→ presses per case")
    ap.add_argument("--key-seconds", type=float, default=20.0, help="at most this long for →")
    ap.add_argument("--speed", choices=["slow", "normal", "fast"], default="fast")
    ap.add_argument(
        "--case",
        choices=["tutorial", "largest", "projector"],
        action="append",
        help="only these (default: all)",
    )
    args = ap.parse_args()
    largest = scenario_hash(largest_relu())
    cases = [  # (name, --case, hash, viewport)
        ("tutorial", "tutorial", "preset=tutorial", (1280, 800)),
        ("largest 10×64", "largest", largest, (1280, 800)),
        ("largest 10×64, projector", "projector", f"{largest}&projector=1", (1920, 1080)),
    ]
    if args.case:
        cases = [c for c in cases if c[1] in args.case]
    with serve(1) as port, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for case, _, lesson, (width, height) in cases:
                context = browser.new_context(viewport={"width": width, "height": height})
                context.add_init_script(RECORDER)
                # the first-visit guide (a modal dialog) would take the → presses and the clicks
                context.add_init_script(GUIDE_SEEN)
                page = context.new_page()
                url = f"http://127.0.0.1:{port}/#{lesson}&k=0&speed={args.speed}"
                load, painted, meanwhile = open_lesson(page, url)
                print(
                    f"browser  {case}: first step drawn after {load:.2f} s "
                    f"(load average {os.getloadavg()[0]:.2f})",
                    flush=True,
                )
                report("browser", f"{case}: first step drawn", "s", round(load, 2), "", None)
                if painted is not None:
                    print(f"browser  {case}: every edge painted after {painted:.2f} s", flush=True)
                    report(
                        "browser", f"{case}: every edge painted", "s", round(painted, 2), "", None
                    )
                    summarise(f"{case}, while its edges are painted", meanwhile)
                # → first: Play abandons requests the server still works through afterwards
                got = press_right(page, args.steps, args.key_seconds)
                summarise(f"{case}, → ×{args.steps}", got)
                summarise(f"{case}, Play", play(page, args.seconds))
                context.close()
        finally:
            browser.close()


if __name__ == "__main__":
    main()
