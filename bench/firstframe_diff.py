"""The tutorial's first picture on two servers, compared pixel for pixel: a change meant to make
the first paint cheaper must not change what it shows.

Each load is a fresh browser context at a laptop's 1366 × 768, 1280 × 800 and a phone's
390 × 844, in the light and the dark scheme. The picture is the first frame's: the page's CSS
transitions are frozen where they start (CDP Animation playback rate 0: a transition a change
starts by accident shows), and the page's timers stop at its mark `backstep:first-graph` (what
waits for the first picture, idle.js, never runs). The screenshots are written to a folder.

Run: python bench/firstframe_diff.py URL_A URL_B [--out /tmp/firstframe]"""

from __future__ import annotations

import argparse
import struct
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.browser_bench import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

SIZES = [(1366, 768), (1280, 800), (390, 844)]
SCHEMES = ["light", "dark"]
# the page's timers stop at its first-picture mark: nothing after that frame runs
STOP = """
const markFirst = performance.mark.bind(performance);
performance.mark = (name, ...rest) => {
  if (name === 'backstep:first-graph') {
    window.setTimeout = () => 0;
    window.requestIdleCallback = () => 0;
    window.__firstFrame = true;
  }
  return markFirst(name, ...rest);
};
"""
SHOWN = (
    "() => window.__firstFrame === true"
    " && performance.getEntriesByName('first-contentful-paint').length > 0"
)


def pixels(png: bytes) -> tuple[bytes, bytes]:
    """A PNG's header and its decompressed image data (equal data: equal pixels)."""
    pos, header, data = 8, b"", []
    while pos < len(png):
        (n,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            data.append(body)
    return header, zlib.decompress(b"".join(data))


def first_frame(browser, url: str, size: tuple[int, int], scheme: str) -> bytes:
    context = browser.new_context(
        viewport={"width": size[0], "height": size[1]}, color_scheme=scheme
    )
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Animation.enable")
        cdp.send("Animation.setPlaybackRate", {"playbackRate": 0})
        page.add_init_script(STOP)
        page.goto(url)
        page.wait_for_function(SHOWN, polling="raf")  # the page's timers are stopped
        return page.screenshot()
    finally:
        context.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--out", default="/tmp/firstframe")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    differ = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for size in SIZES:
            for scheme in SCHEMES:
                shots = [first_frame(browser, url, size, scheme) for url in (args.a, args.b)]
                for name, png in zip("AB", shots, strict=True):
                    (out / f"{size[0]}x{size[1]}-{scheme}-{name}.png").write_bytes(png)
                same = pixels(shots[0]) == pixels(shots[1])
                differ += not same
                print(
                    f"firstframe  {size[0]}×{size[1]} {scheme}: {'same' if same else 'DIFFERENT'}"
                )
        browser.close()
    print(f"firstframe  {'every picture the same' if not differ else f'{differ} differ'} ({out})")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
