"""The batch ledger's parameter menu on the largest stepping network (10 × 64, relu): the longest
task while a teacher focuses the menus and chooses W3_9_10, and the most options any menu held.

Run: python bench/ledger_menu_bench.py A=/tmp/old-tree B=/work/wt-x [--rounds 3]

Each round serves each tree in turn (one server at a time, bench/server.py's `serve`, with the tree on
PYTHONPATH), opens the lesson, waits for its first step and its painted edges, then records the
page's own long tasks (PerformanceObserver 'longtask', bench/browser_bench.py RECORDER) while the
menus are used: a tree with a tensor menu (#ledger-tensor) gets it focused, ArrowDown to W⁽³⁾,
Tab to the parameters' menu; a tree without gets #ledger-param focused. Both then choose W3_9_10
and wait for its summary. Prints each run, then the median and range per tree, with the load."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.browser_bench import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    GUIDE_SEEN,
    RECORDER,
    largest_relu,
    open_lesson,
    scenario_hash,
)
from bench.server import serve  # noqa: E402

MOST_OPTIONS = (
    "() => Math.max(...[...document.querySelectorAll('select')].map((s) => s.options.length))"
)


def use_menus(page) -> dict:
    """Focus the menus and choose W3_9_10 as a keyboard user would; the page's long tasks meanwhile."""
    page.evaluate("window.__bench.start()")
    split = page.evaluate(
        "() => document.getElementById('ledger-tensor')?.closest('label').hidden === false"
    )
    if split:
        page.focus("#ledger-tensor")
        for _ in range(5):  # W⁽¹⁾, b⁽¹⁾, W⁽²⁾, b⁽²⁾, W⁽³⁾
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Tab")
    else:
        page.focus("#ledger-param")
    page.select_option("#ledger-param", "W3_9_10")
    page.wait_for_function(
        "() => document.getElementById('ledger-summary').textContent.includes('W')",
        timeout=60_000,
    )
    page.wait_for_timeout(300)  # a long task ends before its entry is delivered
    got = page.evaluate("window.__bench.stop()")
    return {
        "split": split,
        "longest": max(got["longtasks"], default=0),
        "options": page.evaluate(MOST_OPTIONS),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("trees", nargs="+", help="NAME=PATH of a source tree")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    trees = [t.split("=", 1) for t in args.trees]
    lesson = f"/#{scenario_hash(largest_relu())}&k=0"
    runs: dict[str, list[dict]] = {name: [] for name, _ in trees}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for r in range(args.rounds):
            for name, tree in trees:
                with serve(root=tree) as port:
                    context = browser.new_context(viewport={"width": 1366, "height": 768})
                    context.add_init_script(RECORDER)
                    context.add_init_script(GUIDE_SEEN)
                    page = context.new_page()
                    open_lesson(page, f"http://127.0.0.1:{port}{lesson}")
                    got = use_menus(page)
                    got["load"] = os.getloadavg()[0]
                    runs[name].append(got)
                    print(
                        f"round {r + 1} {name}: longest task {got['longest']:.0f} ms, "
                        f"most options in a menu {got['options']}, tensor menu {got['split']}, "
                        f"load {got['load']:.2f}",
                        flush=True,
                    )
                    context.close()
        browser.close()
    for name, got in runs.items():
        longest = [g["longest"] for g in got]
        print(
            f"{name}: longest task median {statistics.median(longest):.0f} ms "
            f"(range {min(longest):.0f}–{max(longest):.0f}), most options {max(g['options'] for g in got)}, "
            f"load {min(g['load'] for g in got):.2f}–{max(g['load'] for g in got):.2f}"
        )


if __name__ == "__main__":
    main()
