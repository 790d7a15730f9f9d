"""When a step's equation reaches its final size: the step-through page in Chromium, animations on,
stepped with → through one iteration, a frame log in the page (a script added before the page's
own) recording, in every frame, the size and line count of each equation as that frame paints it.

A ResizeObserver on a 1-px element resized in every animation frame calls back in each frame after
the page's own animation callbacks and layout, just before paint: what it reads is what the frame
shows. A step is shown from the first frame with its cursor (html[data-cursor]); its equation is
final from the last frame that changed a size or a line count, before the next press.

Per case it prints how many steps changed after their first shown frame and by how much (frames,
ms), and, with --cost, the fit's cost per step: the page's `fit` (and `check`, where the code has
one) wrapped in performance.measure in a copy of the tree served (static/js/panels/equation.js,
patched in the copy only), and the frame's measuring (main.js settle) up to the end of that
frame's layout, where the frame log's observer calls back: a layout fit() forces is counted once
whether fit() or the frame pays it. With --dump FILE it writes every step's final sizes and line
counts (compare two with --compare A B): a change of how they are worked out must leave them the
same.

Run: python bench/equation_frames.py --tree DIR [--tree DIR ...] [--rounds 1]
     [--case softmax:1024p ...] [--cost] [--dump out.json]
The trees are served in turn, one server at a time (a tree: a checkout, e.g. `git archive main`)."""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.browser_bench import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from bench.server import serve  # noqa: E402

VIEWS = {  # name: (width, height, projected)
    "1920p": (1920, 1080, True),
    "1024p": (1024, 768, True),
    "1366d": (1366, 768, False),
    "1024d": (1024, 768, False),
    "800d": (800, 600, False),
    "480d": (480, 800, False),
    "420d": (420, 800, False),
    "360d": (360, 740, False),
    "800p": (800, 600, True),
}
PRESETS = ["tutorial", "xor", "softmax", "deep"]
# Lessons of our own, by name as a case's preset: an expression whose long variable names make
# terms (∂f over ∂name) wider than a narrow page's row, so a wrapped equation is set smaller
EXPRESSIONS = {
    "longnames": "thelongestnameallowedabc * anotherverylongnamexyzw + yetanotherlongname_q / shortb",
}

# The equations as a frame shows them: each one's font size and the lines it takes (a wrapped
# one: a line begins where a term stands left of the one before), in frames that changed them.
FRAME_LOG = """
(() => {
  const log = { frames: [], presses: [] };
  window.__eqFrames = log;
  let frame = 0;
  let at = 0;
  let box = null;
  const tick = (t) => {
    frame += 1;
    at = t;
    if (box) box.style.width = frame % 2 ? "1px" : "2px"; // the observer below, in every frame
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const linesOf = (node) => {
    if (!node.classList.contains("is-wrapped")) return 1;
    const left = [...node.children].map((m) => m.getBoundingClientRect().left);
    return left.reduce((n, x, i) => n + (i && x < left[i - 1] ? 1 : 0), 1);
  };
  log.read = () => [...document.querySelectorAll(
    "#eq-formula, #eq-substituted, #eq-result, #eq-state .eq-state-row > *")].map((node, i) =>
    `${node.id || `state${i}`}=${getComputedStyle(node).fontSize}/${linesOf(node)}`).join(" ");
  const start = () => {
    box = document.createElement("div");
    box.style.cssText = "position:fixed;left:0;top:0;width:1px;height:1px;opacity:0;pointer-events:none";
    document.documentElement.append(box);
    // after the frame's animation callbacks and its layout, before its paint
    new ResizeObserver(() => {
      // --cost: from the frame's measuring (main.js settle) to here, its layout done
      if (window.__eqSettle !== undefined) performance.measure("eq:laid", { start: window.__eqSettle });
      window.__eqSettle = undefined;
      const state = log.read();
      const cursor = document.documentElement.dataset.cursor;
      const last = log.frames[log.frames.length - 1];
      if (!last || last.state !== state || last.cursor !== cursor) log.frames.push({ frame, t: at, cursor, state });
    }).observe(box);
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  addEventListener("keydown", () => log.presses.push({ frame, t: performance.now() }), true);
})();
"""

# After a step: the page's idle work done (an idle callback asked for now runs after the ones it
# asked for before, or at its own limit, longer than theirs), then two frames painted.
SETTLED = """() => new Promise((r) => requestIdleCallback(
  () => requestAnimationFrame(() => requestAnimationFrame(() => r())), { timeout: 2000 }))"""


def late_changes(log: dict) -> list[dict]:
    """Per press: the frames from it to the step's first shown frame and to the equations' last
    change, and that change's time after the first shown frame."""
    frames, presses = log["frames"], log["presses"]
    out = []
    for i, press in enumerate(presses):
        end = presses[i + 1]["frame"] if i + 1 < len(presses) else float("inf")
        before = [f for f in frames if f["frame"] < press["frame"]]
        was = before[-1]["cursor"] if before else None
        after = [f for f in frames if press["frame"] <= f["frame"] < end]
        shown = next((f for f in after if f["cursor"] != was), None)
        if shown is None:
            continue
        last = [f for f in after if f["frame"] >= shown["frame"]][-1]
        out.append(
            {
                "cursor": shown["cursor"],
                "shown_frames": shown["frame"] - press["frame"],
                "final_frames": last["frame"] - press["frame"],
                "late_frames": last["frame"] - shown["frame"],
                "late_ms": last["t"] - shown["t"],
                "first": shown["state"],
                "final": last["state"],
            }
        )
    return out


def patched_copy(tree: Path, into: Path) -> Path:
    """The tree's app, static and templates, its equation.js's fit (and check) measured."""
    for part in ("app", "static", "templates"):
        shutil.copytree(tree / part, into / part)
    for name in ("pyproject.toml", "README.md"):
        if (tree / name).exists():
            shutil.copy(tree / name, into / name)
    eq = into / "static/js/panels/equation.js"
    src = eq.read_text()
    for fn in ("fit", "check"):
        pat = re.compile(rf"^(export )?function {fn}\(", re.M)
        m = pat.search(src)
        if not m:
            continue
        exported = m.group(1) or ""
        src = pat.sub(f"function {fn}__measured(", src, count=1)
        src += (
            f"\n{exported}function {fn}(...a) {{ const t = performance.now(); try {{ return "
            f"{fn}__measured(...a); }} finally {{ performance.measure('eq:{fn}', {{ start: t }}); }} }}\n"
        )
    eq.write_text(src)
    # and the whole of the frame's measuring (main.js settle: the equations, the column held, the
    # graph kept in view), which lays the page out: a layout fit() leaves to it is paid there
    main = into / "static/js/main.js"
    src = main.read_text()
    for old, new in (
        (
            "    settling = 0;\n",
            "    settling = 0; const measured = (window.__eqSettle = performance.now());\n",
        ),
        (
            "    stage.keepInView();\n",
            "    stage.keepInView(); performance.measure('eq:frame', { start: measured });\n",
        ),
    ):
        if src.count(old) == 1:
            src = src.replace(old, new)
    main.write_text(src)
    return into


def expression_scenario(expression: str) -> dict:
    """An expression lesson, its variables given 0.5, 0.64, 0.79, … in order of name."""
    names = sorted(set(re.findall(r"[A-Za-z][A-Za-z0-9_]*", expression)))
    return {
        "kind": "expression",
        "expression": expression,
        "values": {n: round(0.5 + i / 7, 4) for i, n in enumerate(names)},
    }


def lesson_hash(port: int, preset: str, optimizer: str, iteration: str) -> str:
    """The link to `preset` (with `optimizer`, at `iteration`), as the page reads it."""
    if preset in EXPRESSIONS:
        sc = expression_scenario(EXPRESSIONS[preset])
        where = "#s=" + base64.urlsafe_b64encode(json.dumps(sc).encode()).decode().rstrip("=")
    elif not optimizer:
        where = f"#preset={preset}"
    else:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/presets/{preset}") as r:
            sc = json.load(r)["scenario"]
        sc["optimizer"] = {"name": optimizer}
        where = "#s=" + base64.urlsafe_b64encode(json.dumps(sc).encode()).decode().rstrip("=")
    return where + (f"&iteration={iteration}" if iteration else "")


def walk(browser, port: int, case: str, cost: bool) -> dict:
    """One iteration of `case` (preset:view[:optimizer[:iteration]]) stepped with →, each step
    settled before the next press."""
    preset, view, optimizer, iteration = (case.split(":") + ["", ""])[:4]
    width, height, projected = VIEWS[view]
    ctx = browser.new_context(
        viewport={"width": width, "height": height}, reduced_motion="no-preference"
    )
    ctx.add_init_script("try { localStorage.setItem('backstep.guide', 'seen') } catch {}")
    ctx.add_init_script(FRAME_LOG)
    page = ctx.new_page()
    try:
        page.goto(
            f"http://127.0.0.1:{port}/{lesson_hash(port, preset, optimizer, iteration)}{'&projector=1' if projected else ''}"
        )
        page.wait_for_selector("html[data-ready=true]", timeout=60_000)
        page.evaluate(SETTLED)
        first, total = map(
            int, re.search(r"step (\d+) of (\d+)", page.inner_text("#step-count")).groups()
        )
        page.evaluate("() => performance.clearMeasures()")
        finals = {}
        fits = []
        for k in range(first + 1, total + 1):
            page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "(k) => document.documentElement.dataset.cursor === k", arg=str(k), timeout=60_000
            )
            page.evaluate(SETTLED)
            finals[str(k)] = page.evaluate("() => window.__eqFrames.read()")
            if cost:
                fits.append(
                    page.evaluate(
                        """() => { const m = performance.getEntriesByType('measure').filter((e) => e.name.startsWith('eq:'));
                        performance.clearMeasures(); const s = (n) => m.filter((e) => e.name === n).reduce((a, e) => a + e.duration, 0);
                        return { fit: s('eq:fit'), check: s('eq:check'), frame: s('eq:frame'), laid: s('eq:laid') }; }"""
                    )
                )
        log = page.evaluate(
            "() => ({ frames: window.__eqFrames.frames, presses: window.__eqFrames.presses })"
        )
        return {"steps": late_changes(log), "finals": finals, "fits": fits}
    finally:
        ctx.close()


def summary(name: str, tree: str, result: dict) -> str:
    steps = result["steps"]
    late = [s for s in steps if s["late_frames"] > 0]
    line = (
        f"{name:16} {tree:28} steps {len(steps):3}  changed after first shown frame: {len(late):2}"
    )
    if late:
        ms = [s["late_ms"] for s in late]
        fr = [s["late_frames"] for s in late]
        line += f"  by {statistics.median(ms):.0f} ms median ({min(ms):.0f}–{max(ms):.0f}), {statistics.median(fr):.0f} frames ({min(fr)}–{max(fr)})"
    shown = [s["shown_frames"] for s in steps]
    line += (
        f"  press→shown {statistics.median(shown):.0f} frames median ({min(shown)}–{max(shown)})"
    )
    if result["fits"]:
        per = [f["fit"] + f["check"] for f in result["fits"]]
        fit = [f["fit"] for f in result["fits"]]
        check = [f["check"] for f in result["fits"]]
        frame = [f["frame"] for f in result["fits"]]
        laid = [f["laid"] for f in result["fits"]]
        line += (
            f"\n{'':45} fit+check per step {statistics.median(per):.2f} ms median, p90 "
            f"{sorted(per)[int(0.9 * (len(per) - 1))]:.2f}, max {max(per):.2f} (fit {statistics.median(fit):.2f}, "
            f"check {statistics.median(check):.2f}; sum {sum(per):.1f} ms over {len(per)} steps); the frame's "
            f"measuring {statistics.median(frame):.2f} ms median, sum {sum(frame):.1f} ms; with its layout "
            f"{statistics.median(laid):.2f} ms median, sum {sum(laid):.1f} ms"
        )
    return line


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", action="append", required=True, type=Path)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument(
        "--case",
        action="append",
        help="preset:view[:optimizer[:iteration]], e.g. xor:1024p:adam:2 (default: softmax, xor at 1024p, 1920p)",
    )
    ap.add_argument(
        "--cost",
        action="store_true",
        help="measure fit (and check) per step, and the frame's measuring with its layout",
    )
    ap.add_argument(
        "--dump",
        type=Path,
        help="write each tree's final sizes per step here (tree index appended)",
    )
    ap.add_argument(
        "--compare", nargs=2, type=Path, metavar=("A", "B"), help="compare two dumps, then stop"
    )
    ap.add_argument(
        "--late", action="store_true", help="list each step changed after its first shown frame"
    )
    args = ap.parse_args()
    if args.compare:
        a, b = (json.loads(p.read_text()) for p in args.compare)
        diff = [
            (case, k, a[case].get(k), b[case].get(k))
            for case in sorted(set(a) | set(b))
            for k in sorted(set(a.get(case, {})) | set(b.get(case, {})), key=int)
            if a.get(case, {}).get(k) != b.get(case, {}).get(k)
        ]
        steps = sum(len(v) for v in a.values())
        print(f"{len(a)} cases, {steps} steps; {len(diff)} differ")
        for d in diff[:40]:
            print("  ", *d)
        sys.exit(1 if diff else 0)
    cases = args.case or ["softmax:1024p", "softmax:1920p", "xor:1024p", "xor:1920p"]
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        trees = [patched_copy(t.resolve(), Path(tmp) / str(i)) for i, t in enumerate(args.tree)]
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        dumps = [{} for _ in trees]
        for r in range(args.rounds):
            for i, tree in enumerate(trees):
                with serve(root=tree) as port:
                    for case in cases:
                        print(f"round {r + 1}  load {os.getloadavg()[0]:.1f}", end="  ", flush=True)
                        res = walk(browser, port, case, args.cost)
                        print(summary(case, str(args.tree[i])[-28:], res), flush=True)
                        if args.late:
                            for s in res["steps"]:
                                if s["late_frames"]:
                                    print(
                                        f"    step {s['cursor']}: {s['late_frames']} frames, {s['late_ms']:.0f} ms: {s['first']}  →  {s['final']}"
                                    )
                        dumps[i][case] = res["finals"]
        browser.close()
    if args.dump:
        for i, d in enumerate(dumps):
            out = args.dump.with_suffix(f".{i}.json")
            out.write_text(json.dumps(d, indent=1, sort_keys=True))
            print(f"wrote {out}")


if __name__ == "__main__":
    main()
