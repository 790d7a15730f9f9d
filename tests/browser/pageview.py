"""Reading the page the way a viewer does: the numbers and words actually shown."""

from __future__ import annotations

import base64
import math
import re

import httpx

SUB = str.maketrans("₀₁₂₃₄₅₆₇₈₉₍₎⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾", "0123456789()0123456789()")

READ_VIEW = """() => {
  const t = (el) => (el ? el.textContent : null);
  const nodes = {};
  for (const g of document.querySelectorAll('#graph .node')) {
    nodes[g.dataset.id] = { value: t(g.querySelector('.value')), grad: t(g.querySelector('.grad')) };
  }
  const weights = {};
  for (const g of document.querySelectorAll('#graph .wlabel')) {
    weights[g.dataset.id] = { value: t(g.querySelector('.wvalue')), grad: t(g.querySelector('.grad')) };
  }
  const summary = {};
  for (const tr of document.querySelectorAll('#summary-body tr')) {
    const c = (k) => t(tr.querySelector('.col-' + k));
    summary[tr.dataset.id] = { old: c('old'), grad: c('grad'), update: c('update'), new: c('new'), direction: c('direction') };
  }
  return {
    cursor: document.documentElement.dataset.cursor,
    count: t(document.getElementById('step-count')),
    phase: t(document.getElementById('explain-title')),
    formula: t(document.getElementById('eq-formula')),
    substituted: t(document.getElementById('eq-substituted')),
    result: t(document.getElementById('eq-result')),
    sentence: t(document.getElementById('sentence')),
    live: t(document.getElementById('live')),
    lossBefore: t(document.getElementById('loss-before')),
    lossAfter: t(document.getElementById('loss-after')),
    lossChange: t(document.getElementById('loss-change')),
    nodes, weights, summary,
  };
}"""

SNAPSHOT = """() => ['#graph', '#explain', '#summary', '#transport'].map((s) => {
  const el = document.querySelector(s);
  return s === '#graph' ? [...el.querySelectorAll('text')].map((x) => x.textContent).join('|') : el.innerText;
}).join('\\n---\\n')"""


def open_lesson(page, base_url: str, hash_: str = "") -> None:
    """Open the page and wait for its lesson, and for the parts made after the first picture
    (static/js/later.js: the editors below the fold), which a test may read without acting."""
    page.goto(f"{base_url}/{hash_}")
    page.wait_for_selector("html[data-ready=true]", timeout=10_000)
    page.wait_for_function("() => document.documentElement.dataset.later !== 'waiting'")


def open_worksheet(page) -> None:
    """ "Check my working" starts as one line: open it (once a page session, it stays open)."""
    toggle = page.locator("#panel-worksheet .panel-toggle")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


def page_url(page) -> str:
    """The page's URL once the lesson's pending hash write is done: the page writes it when idle,
    once no change came for 300 ms (url-state.js QUIET_MS); this asks for its idle callback
    after that one is asked for, and idle callbacks run in the order asked."""
    return page.evaluate(
        """() => new Promise((r) => setTimeout(() =>
          requestIdleCallback(() => r(location.href), { timeout: 1000 }), 400))"""
    )


def wait_cursor(page, k: int) -> None:
    """Wait until the page shows the response for cursor k (and its animations are settled):
    both at once, in one wait (one round trip where two in a row cost twice)."""
    page.wait_for_function(
        """(k) => document.documentElement.dataset.cursor === k
          && !document.querySelector('#graph .pending, #graph .pulse, #graph .morphing')""",
        arg=str(k),
        timeout=10_000,
    )


def number(shown: str) -> float:
    """The number at the end of a label such as 'W₁₁ +0.4000' or '∇ −0.0070'."""
    token = shown.replace("\u2009", " ").split()[-1]
    return float(token.replace("−", "-").replace("%", ""))


def close(shown: str | None, expected: float | None, precision: int = 4) -> bool:
    """Shown text agrees with a value to the displayed precision; null must be shown as empty."""
    if expected is None:
        return shown in ("", None)
    if not shown:
        return False
    v = number(shown)
    if "e" in shown.split()[-1]:
        return math.isclose(v, expected, rel_tol=10 ** -(precision - 1))
    return abs(v - expected) <= 0.5 * 10**-precision * (1 + 1e-9) + 1e-15


def plain(s: str) -> str:
    """Text and MathML renderings compared by their symbols and numbers only: layout such as
    fraction bars, superscripts, spacing and subscript glyphs differs between the two."""
    return re.sub(r"[^\w.]|_", "", s.translate(SUB))


def numbers(s: str) -> list[str]:
    # MathML's text runs a superscript into its base ("0.7071²" reads "0.70712"): read both alike
    return re.findall(r"\d+\.\d+", s.translate(SUB))


# One client for the helpers below, which tests call step after step: httpx.post makes a client
# a call (30 ms, its TLS context mostly; this one's calls take 2.5 ms). No connection is kept
# between calls: a test module's own server may stop, and its port be taken by another.
HTTP = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))


def api_step(base_url: str, scenario: dict, cursor: int, **kw) -> dict:
    r = HTTP.post(f"{base_url}/api/step", json={"scenario": scenario, "cursor": cursor, **kw})
    r.raise_for_status()
    return r.json()


def api_graph(base_url: str, scenario: dict) -> dict:
    r = HTTP.post(f"{base_url}/api/graph", json={"scenario": scenario})
    r.raise_for_status()
    return r.json()


def tutorial(base_url: str) -> dict:
    return HTTP.get(f"{base_url}/api/presets/tutorial").json()["scenario"]


def mismatches(view: dict, resp: dict, precision: int = 4) -> list[str]:
    """Every number on the page that disagrees with the API's response for the same cursor."""
    bad = []
    params = {p["id"]: p for p in resp["parameters"]}
    for ns in resp["nodes"]:
        shown = view["nodes"].get(ns["id"])
        if shown is None:
            bad.append(f"node {ns['id']} is not drawn")
            continue
        if not close(shown["value"], ns["value"], precision):
            bad.append(f"{ns['id']} value: shown {shown['value']!r}, API {ns['value']}")
        if shown["grad"] is not None and not close(shown["grad"], ns["grad"], precision):
            bad.append(f"{ns['id']} grad: shown {shown['grad']!r}, API {ns['grad']}")
    for pid, p in params.items():
        shown = view["weights"].get(pid) or view["nodes"].get(pid)
        if shown is None:
            bad.append(f"parameter {pid} is not drawn")
            continue
        if not close(shown["value"], p["value"], precision):
            bad.append(f"{pid} value: shown {shown['value']!r}, API {p['value']}")
        if not close(shown["grad"], p["grad"], precision):
            bad.append(f"{pid} grad: shown {shown['grad']!r}, API {p['grad']}")
        row = view["summary"][pid]
        for key, api_key in (
            ("old", "old"),
            ("grad", "grad"),
            ("update", "update"),
            ("new", "new"),
        ):
            if not close(row[key], p[api_key], precision):
                bad.append(f"summary {pid} {key}: shown {row[key]!r}, API {p[api_key]}")
        arrow = {"up": "↑", "down": "↓", "none": "–", None: ""}[p["direction"]]
        if not (row["direction"] or "").startswith(arrow):
            bad.append(f"summary {pid} direction: shown {row['direction']!r}, API {p['direction']}")
    if resp["steps"]:
        e = resp["steps"][-1]["explanation"]
        for key in ("formula", "substituted", "result"):
            # same symbols (MathML orders sub- and superscripts its own way), same numbers in order
            same_symbols = sorted(plain(view[key])) == sorted(plain(e[key]["text"]))
            if not same_symbols or numbers(view[key]) != numbers(e[key]["text"]):
                bad.append(f"equation {key}: shown {view[key]!r}, API {e[key]['text']!r}")
        if view["sentence"] != e["sentence"]:
            bad.append(f"sentence: shown {view['sentence']!r}, API {e['sentence']!r}")
        if e["result"]["text"] not in view["live"] or e["substituted"]["text"] not in view["live"]:
            bad.append(f"aria-live does not announce the equation: {view['live']!r}")
    if not view["count"].startswith(f"step {resp['cursor']} of {resp['total']}"):
        bad.append(f"step counter: {view['count']!r}")
    loss = resp["loss"]
    if loss["before"] is not None and not close(view["lossBefore"], loss["before"], precision):
        bad.append(f"loss before: shown {view['lossBefore']!r}, API {loss['before']}")
    if loss["after"] is not None and not close(view["lossAfter"], loss["after"], precision):
        bad.append(f"loss after: shown {view['lossAfter']!r}, API {loss['after']}")
    if (
        loss["relative_change"] is not None
        and abs(number(view["lossChange"]) - loss["relative_change"] * 100) > 0.05 + 1e-9
    ):
        bad.append(f"loss change: shown {view['lossChange']!r}, API {loss['relative_change']}")
    return bad


# 1,722 parameters: past the 1,500 up to which a graph's edges are SVG elements and every weight
# label is drawn up front (static/js/render.js EAGER_LABELS)
LARGE_SCENARIO = {
    "layers": [40, 40, 2],
    "activations": ["tanh", "sigmoid"],
    "loss": "mse",
    "init": {"scheme": "xavier", "seed": 3},
    "inputs": [[0.05 * i - 1 for i in range(40)]],
    "targets": [[0.2, 0.9]],
    "learning_rate": 0.5,
}


# Helpers for the evaluators below that read pixels in the page: the RGBA bytes of a canvas or
# blob (copied through an ImageBitmap, so the page's own canvases are never read back), of a PNG
# passed as base64 (decoded from a Blob: nothing is fetched), and a theme colour as RGB.
PIXELS = """
  const pixelsOf = async (source, ...rect) => {
    const bitmap = await createImageBitmap(source, ...rect);
    const copy = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d');
    copy.drawImage(bitmap, 0, 0);
    return copy.getImageData(0, 0, bitmap.width, bitmap.height).data;
  };
  const pngPixels = (b64) => pixelsOf(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'image/png' }));
  const rgbOf = (name) => {
    const one = new OffscreenCanvas(1, 1).getContext('2d');
    one.fillStyle = getComputedStyle(document.getElementById('graph')).getPropertyValue(name).trim();
    one.fillRect(0, 0, 1, 1);
    return [...one.getImageData(0, 0, 1, 1).data.slice(0, 3)];
  };
"""

# Counts, in a PNG (a screenshot, passed as base64), the opaque pixels of exactly each CSS colour
# given by custom property name, as the page's theme defines it.
COUNT_COLOURS = (
    """async ([b64, names]) => {"""
    + PIXELS
    + """
  const data = await pngPixels(b64);
  const out = {};
  for (const name of names) {
    const [r, g, b] = rgbOf(name);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] === 255 && data[i] === r && data[i + 1] === g && data[i + 2] === b) n += 1;
    out[name] = n;
  }
  return out;
}"""
)


def still_screenshot(page, selector: str) -> bytes:
    """The page as shown, clipped to the element, once it holds still (the same picture 100 ms
    apart, at most 5 s): what a worker painted reaches the screen a frame or more later."""
    box = page.locator(selector).bounding_box()
    shot = page.screenshot(clip=box)
    for _ in range(50):
        page.wait_for_timeout(100)
        again = page.screenshot(clip=box)
        if again == shot:
            break
        shot = again
    return shot


def colours_shown(page, selector: str, names: list[str]) -> dict[str, int]:
    """How many pixels of the element's screenshot are exactly each of the theme's colours `names`."""
    # the page as shown, clipped to the element (an element screenshot renders the page afresh,
    # without what a worker painted on a canvas)
    png = still_screenshot(page, selector)
    return page.evaluate(COUNT_COLOURS, [base64.b64encode(png).decode(), names])


# How many pixels of two PNGs (base64) differ by more than 64 levels in some channel.
FAR_APART = (
    """async (pngs) => {"""
    + PIXELS
    + """
  const [a, b] = await Promise.all(pngs.map(pngPixels));
  if (a.length !== b.length) return -1;
  let far = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (Math.max(Math.abs(a[i] - b[i]), Math.abs(a[i + 1] - b[i + 1]), Math.abs(a[i + 2] - b[i + 2])) > 64) far += 1;
  }
  return far;
}"""
)


def far_apart(page, a: bytes | str, b: bytes | str) -> int:
    """How many pixels of two PNGs (bytes, or base64) differ by more than 64 levels in a channel:
    0 when they show the same thing up to antialiasing; -1 when their sizes differ."""
    b64 = [x if isinstance(x, str) else base64.b64encode(x).decode() for x in (a, b)]
    return page.evaluate(FAR_APART, b64)


# A lesson walked inside the page, one round trip for the whole walk: each move (a PageDown, as
# a clicker sends it to the focused element, or a new hash), then, as wait_cursor and
# test_explain_rows.settled wait, the step drawn and its animations done, and an idle callback
# asked for after the page's own idle work, with a later limit, run; then
# `measure(arg, k)` (an evaluator's source) on the page as it then stands. A step not drawn within
# 10 s fails the walk. (Stepped by round trips, a step took about 0.55 s here: after the
# browser's own input, and with Playwright polling on animation frames, the page is never idle
# and the idle callback waits out its limit; walked inside the page, the idle time comes.)
WALK = """async ([moves, arg]) => {
  const measure = MEASURE;
  const root = document.documentElement;
  const busy = () => document.querySelector('#graph .pending, #graph .pulse, #graph .morphing');
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  const out = [];
  for (const [k, move] of moves) {
    if (move === 'PageDown') {
      const at = document.activeElement || document.body;
      at.dispatchEvent(new KeyboardEvent('keydown', { key: 'PageDown', code: 'PageDown', bubbles: true, cancelable: true, composed: true }));
    } else if (move) location.hash = move;
    const until = performance.now() + 10000;
    while (root.dataset.cursor !== String(k) || busy()) {
      if (performance.now() > until) throw new Error(`step ${k} not drawn in 10 s (cursor ${root.dataset.cursor})`);
      await frame();
    }
    await new Promise((r) => requestIdleCallback(() => r(), { timeout: 550 }));
    out.push({ k, ...measure(arg ?? undefined, k) }); // no arg: its defaults
  }
  return out;
}"""


def walk(page, moves: list[tuple[int, str | None]], measure: str, arg=None) -> list[dict]:
    """Each (k, move) of `moves` made in turn in the page, and `measure(arg, k)` of the page once
    step k is drawn and settled: [{k, ...what measure returned}] (see WALK)."""
    return page.evaluate(WALK.replace("MEASURE", measure), [moves, arg])


# a few of the page's frames: a layout deferred to the frames after a resize, a mode or the pulses'
# arrival (stage.js) is measured and drawn by then
FRAMES = """() => new Promise((r) => {
  let n = 4;
  const next = () => (--n ? requestAnimationFrame(next) : r());
  requestAnimationFrame(next);
})"""
