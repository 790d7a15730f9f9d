"""The animation tells the truth: a number the step computes is not on screen until its pulse
lands (a forward value with the green pulse, a gradient with the purple one, an updated weight
when its morph ends); with reduced motion everything is there at once; fast presses and Back end
on the right picture. Every animation frame is sampled in the page, so a flash of one frame counts."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.pageview import (
    READ_VIEW,
    api_step,
    close,
    mismatches,
    open_lesson,
    tutorial,
    wait_cursor,
)

pytestmark = pytest.mark.browser

# Every animation frame: for each watched element its text and computed opacity, and whether a
# pulse or a morph is in flight. Started before the key press, read once the step has settled.
SAMPLE = """(sels) => {
  window.__frames = [];
  const t0 = performance.now();
  const mine = (window.__sampling = (window.__sampling || 0) + 1); // a sampler started before stops
  const loop = () => {
    if (window.__sampling !== mine) return;
    const row = { t: performance.now() - t0, pulses: document.querySelectorAll('#graph .pulse').length,
                  morphing: document.querySelectorAll('#graph .morphing').length, els: {} };
    for (const s of sels) {
      const el = document.querySelector(s);
      row.els[s] = el ? [el.textContent, Number(getComputedStyle(el).opacity)] : null;
    }
    window.__frames.push(row);
    if (window.__frames.length < 600) requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
}"""

# cursor reached by one press, the element it writes, and how the API's answer gives its number
CASES = [
    (1, "#n-z1_0 .value", lambda r: node(r, "z1_0")["value"]),  # forward: z₁, three incoming edges
    (9, "#n-b2_0 .grad", lambda r: param(r, "b2_0")["grad"]),  # backward: ∇b₂, the step 9
    (15, "#p-W2_0_0 .wvalue", lambda r: param(r, "W2_0_0")["value"]),  # update: W₂ morphs
]


def node(resp, nid):
    return next(n for n in resp["nodes"] if n["id"] == nid)


def param(resp, pid):
    return next(p for p in resp["parameters"] if p["id"] == pid)


# Nothing moves in the graph any more (a number's fade-in is a 0.22 s CSS transition, graph.css;
# the pulses and morphs mark their elements), and SAMPLE has gone on taking frames for REST_MS
# since: longer than the fade, so a pulse or a fade that starts a few frames late is sampled too
# (on Back nothing ever moves, and one frame at rest would make "no pulse" true by default).
REST_MS = 300
SAMPLED_AT_REST = """(restMs) => {
  const graph = document.getElementById('graph');
  const moving = document.querySelector('#graph .pulse, #graph .morphing') || document
    .getAnimations().some((a) => a.playState === 'running' && graph.contains(a.effect?.target ?? null));
  const last = window.__frames.at(-1);
  if (moving || !last) return (window.__restAt = null), false;
  window.__restAt ??= last.t;
  return last.t - window.__restAt >= restMs;
}"""


def press_and_sample(page, key: str, sels: list[str], k: int) -> list[dict]:
    page.evaluate(SAMPLE, sels)
    page.keyboard.press(key)
    wait_cursor(page, k)
    page.evaluate("window.__restAt = null")
    # the fade-in after the pulse lands, sampled to its end, then REST_MS of frames at rest
    page.wait_for_function(SAMPLED_AT_REST, arg=REST_MS)
    frames = page.evaluate("window.__frames")
    rest = [f for f in frames if f["t"] >= frames[-1]["t"] - REST_MS]
    assert len(rest) > 1 and not any(f["pulses"] or f["morphing"] for f in rest), key
    return frames


def shows(frame, sel, expected) -> bool:
    """The frame shows the number `expected` in the element, visibly."""
    el = frame["els"][sel]
    return el is not None and close(el[0], expected) and el[1] > 0.05


def go_to(page, hash_: str, k: int) -> None:
    """Another view of the same lesson, through the URL (no new page: a page costs seconds)."""
    page.evaluate(f"location.hash = {hash_!r}")
    wait_cursor(page, k)


def test_a_new_number_appears_only_when_its_pulse_lands(shared_page, base_url):
    page = shared_page(1366, 768)
    sc = tutorial(base_url)
    open_lesson(page, base_url, "#preset=tutorial&k=0")
    for k, sel, value in CASES:
        expected = value(api_step(base_url, sc, k))
        before = value(api_step(base_url, sc, k - 1))
        go_to(page, f"#preset=tutorial&k={k - 1}", k - 1)
        frames = press_and_sample(page, "ArrowRight", [sel], k)
        seen = [i for i, f in enumerate(frames) if shows(f, sel, expected)]
        assert seen and shows(frames[-1], sel, expected), f"{sel}: the new number never appeared"
        busy = [i for i, f in enumerate(frames) if f["pulses"] or f["morphing"]]
        assert busy, f"{sel}: no pulse and no morph was drawn"
        # not one frame shows the new number while its pulse or morph is still under way
        assert seen[0] > busy[-1], (sel, frames[seen[0]], frames[busy[-1]])
        if "wvalue" in sel:
            # the morph starts from the weight's old value, not from the new one
            first = frames[busy[0]]["els"][sel][0]
            assert abs(float(first.split()[-1].replace("−", "-")) - before) < 2e-3, first
        else:
            # right after the press, the number is in place but not visible
            written = [
                f
                for f in frames[: busy[-1] + 1]
                if f["els"][sel] and close(f["els"][sel][0], expected)
            ]
            assert written and all(f["els"][sel][1] == 0 for f in written), sel

    # at the coarsest granularity the forward pass reaches L after z₁; Back removes it at once
    resp = api_step(base_url, sc, 1, granularity="pass")
    sels = {"#n-z1_0 .value": "z1_0", "#n-L .value": "L"}
    go_to(page, "#preset=tutorial&k=0&g=pass", 0)
    frames = press_and_sample(page, "ArrowRight", list(sels), 1)
    first = [
        next(i for i, f in enumerate(frames) if shows(f, s, node(resp, n)["value"]))
        for s, n in sels.items()
    ]
    assert first[0] < first[1], first
    assert frames[first[0]]["els"]["#n-L .value"][1] == 0  # L is still on its way when z₁ is shown
    frames = press_and_sample(page, "ArrowLeft", list(sels), 0)
    assert not any(f["pulses"] or f["morphing"] for f in frames)
    gone = next(i for i, f in enumerate(frames) if f["els"]["#n-L .value"][0] == "")
    # until Back's answer is in, the pass stays as it was; from then on it is gone, at once
    assert all(f["els"][s][1] == 1 for f in frames[:gone] for s in sels)
    assert all(f["els"][s][0] == "" for f in frames[gone:] for s in sels)


def test_reduced_motion_shows_every_number_at_once(shared_page, base_url):
    page = shared_page(1366, 768, reduced_motion="reduce")
    sc = tutorial(base_url)
    open_lesson(page, base_url, "#preset=tutorial&k=8")
    wait_cursor(page, 8)
    page.evaluate(SAMPLE, ["#n-b2_0 .grad"])
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("html[data-cursor='9']")
    el = page.evaluate(
        "(() => { const e = document.querySelector('#n-b2_0 .grad'); return [e.textContent, getComputedStyle(e).opacity, e.classList.contains('pending')]; })()"
    )
    assert (
        close(el[0], param(api_step(base_url, sc, 9), "b2_0")["grad"])
        and el[1] == "1"
        and not el[2]
    ), el
    assert not any(f["pulses"] or f["morphing"] for f in page.evaluate("window.__frames"))


def test_fast_presses_end_on_the_right_picture(shared_page, base_url):
    """Presses faster than the pulses (and back again) finish each step cleanly."""
    page = shared_page(1366, 768)
    sc = tutorial(base_url)
    keys = ["ArrowRight"] * 7 + ["ArrowLeft"] * 2 + ["ArrowRight"] * 3
    for granularity in ("step", "layer"):
        if granularity == "step":
            open_lesson(page, base_url, "#preset=tutorial&k=0")
        else:
            go_to(page, f"#preset=tutorial&k=0&g={granularity}", 0)
        wait_cursor(page, 0)
        total = api_step(base_url, sc, 0, granularity=granularity)["total"]
        for key in keys:
            page.keyboard.press(key)
            page.wait_for_timeout(40)
        k = 0
        for key in keys:
            k = min(total, k + 1) if key == "ArrowRight" else max(0, k - 1)
        wait_cursor(page, k)
        assert not page.evaluate(
            "document.querySelectorAll('#graph .pending, #graph .pulse').length"
        )
        assert (
            mismatches(page.evaluate(READ_VIEW), api_step(base_url, sc, k, granularity=granularity))
            == []
        ), granularity


def test_the_matrix_shows_an_updated_weight_when_its_morph_ends(shared_page, base_url):
    """XOR at a desk: W⁽¹⁾ is drawn as a matrix in the graph. An update step's cell keeps the old
    weight while the update is animated, and shows the new one once it ends (then, not before)."""
    page = shared_page(1366, 768)
    sc = httpx.get(f"{base_url}/api/presets/xor").json()["scenario"]
    graph = httpx.post(f"{base_url}/api/graph", json={"scenario": sc}).json()
    total = graph["plan"]["total_steps"]
    k = next(
        c
        for c in range(total, 0, -1)
        if api_step(base_url, sc, c)["steps"][0]["target"].startswith("W1_")
    )
    resp = api_step(base_url, sc, k)
    target = resp["steps"][0]["target"]
    new = param(resp, target)["value"]
    old = param(resp, target)["old"]
    sel = f"#wmatrix .wmatrix-cell[data-id='{target}'] text"
    open_lesson(page, base_url, f"#preset=xor&k={k - 1}")
    assert page.locator(sel).count() == 1, "W⁽¹⁾ is not drawn in the graph"
    press_and_sample(page, "ArrowRight", [sel], k)
    # the cell waits the morph's time (1.6 pulse times) with no mark of its own: its text is read
    # once it has changed, and then SAMPLE has taken a frame of it too
    page.wait_for_function(
        "([sel, old]) => { const t = document.querySelector(sel)?.textContent; "
        "return !!t && t !== old && window.__frames.at(-1).els[sel]?.[0] === t; }",
        arg=[sel, page.evaluate("(sel) => window.__frames[0].els[sel]?.[0]", sel)],
    )
    assert close(page.text_content(sel), new)
    frames = page.evaluate("window.__frames")
    texts = [f["els"][sel][0] for f in frames if f["els"][sel]]
    shown_new = [i for i, t in enumerate(texts) if close(t, new)]
    assert shown_new, texts
    # from the press until the morph's end (≥ 0.8 s at normal speed) the cell reads the old weight
    first_new = frames[shown_new[0]]["t"]
    assert first_new >= 0.8 * 1.6 * 520, (first_new, texts[:5])
    assert all(close(t, old) for t in texts[: shown_new[0]] if t), texts[: shown_new[0]]
