"""The page's choice of drawing for each preset: layout.js `chooseLayout` (every way of drawing it
tried, each with its weight labels and callouts placed) and then the chosen layout, in Node, for
the graph of every preset as /api/graph gives it, in the frames of a desk and a projector and at
2, 4 and 6 decimals. This is what the page computes before it can draw after a preset, a resize,
Projector or Decimals, on the main thread: over one frame (16 ms), the picture stalls.

Prints, per preset and view, the median and the slowest CPU ms of a choice (after a warm-up
round; CPU time, which other work on a shared machine does not stretch).

Target: median ≤ 16 ms.   Run: python bench/layout_bench.py"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine.presets import PRESETS  # noqa: E402
from bench.server import ROOT, report, serve  # noqa: E402

TARGET_MS = 16


def post(port: int, path: str, body: dict) -> dict:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def main() -> None:
    node = shutil.which("node")
    if not node:
        sys.exit("layout: node is needed (make node)")
    with serve(1) as port:
        graphs = {
            name: post(port, "/api/graph", {"scenario": p["scenario"], "labels": "text"})
            for name, p in PRESETS.items()
        }
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(graphs, f)
        f.flush()
        done = subprocess.run(
            [node, str(ROOT / "bench" / "layout_choice.mjs"), f.name],
            check=True,
            capture_output=True,
            text=True,
        )
    figures = json.loads(done.stdout)
    for preset, views in figures.items():
        for view, t in views.items():
            print(
                f"layout  {preset:10} {view:9}: median {t['median']:6.1f} ms, slowest "
                f"{t['max']:6.1f} ms ({t['n']} choices)",
                flush=True,
            )
            report(
                "layout",
                f"{preset}, {view}: choose and lay out",
                "ms",
                round(t["median"], 1),
                f"≤ {TARGET_MS}",
                t["median"] <= TARGET_MS,
            )


if __name__ == "__main__":
    main()
