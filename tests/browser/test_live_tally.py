"""A live class's question on the presenter's screen: the class's tally shows while the question is
open and, at the reveal, the true value among the answers; neither its coming, its updates, the
reveal nor its going changes the graph's frame or moves a node; it covers no text the class
reads, and projected it reads from the back of the room."""

from __future__ import annotations

import pytest

from tests.browser.pageview import open_lesson, wait_cursor
from tests.browser.test_live_class import go_live, overlaps

pytestmark = pytest.mark.browser

PRESETS = ["tutorial", "xor", "softmax", "deep"]

# the graph's frame, its scroll, and every node's shape, as the class sees them
GRAPH = """() => {
  const wrap = document.getElementById('graph-wrap');
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; };
  return { frame: box(wrap), scroll: [wrap.scrollLeft, wrap.scrollTop], fit: document.getElementById('graph-fit').getAttribute('aria-pressed'),
    nodes: Object.fromEntries([...document.querySelectorAll('#graph .node')]
      .map((n) => [n.dataset.id, box(n.querySelector('.shape') || n)])) };
}"""

# the tally (its sentence and its chart) and the boxes of the text around it: each element's box
# and its text's, should the text run out of its box
BOXES = """() => {
  const rect = (r) => [r.left, r.top, r.right, r.bottom];
  const union = (a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
  const of = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const text = range.getBoundingClientRect();
    const own = rect(el.getBoundingClientRect());
    return text.width && text.height ? union(own, rect(text)) : own;
  };
  const tally = union(rect(document.querySelector('.live-round-text').getBoundingClientRect()),
                      rect(document.querySelector('.live-hist').getBoundingClientRect()));
  const texts = {};
  for (const s of ['#sentence', '#equations', '#loss-card', '#timeline', '.toolbar', '#transport', '#weight-matrix', '.explain-head']) {
    const el = document.querySelector(s);
    if (el && el.checkVisibility() && el.getClientRects().length) texts[s] = of(el);
  }
  const explain = document.getElementById('explain');
  return { tally, texts, explain: rect(explain.getBoundingClientRect()) };
}"""

# the tally's type, as drawn: its sentence, and its chart's numbers scaled from the chart's viewBox
TYPE = """() => {
  const hist = document.querySelector('.live-hist');
  const scale = hist.getBoundingClientRect().width / hist.viewBox.baseVal.width;
  const labels = [...hist.querySelectorAll('.hist-label, .hist-count')].map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
  const text = document.querySelector('.live-round-text');
  return { text: parseFloat(getComputedStyle(text).fontSize), labels,
    sentence: parseFloat(getComputedStyle(document.getElementById('sentence')).fontSize) };
}"""

FOCUS_CURSOR = (
    "() => [document.activeElement.id || document.activeElement.tagName,"
    " document.documentElement.dataset.cursor]"
)
FRAMES = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


def same_graph(page, before: dict, when: str) -> None:
    """The graph's frame, zoom (each node's size) and every node's place as before, to 0.5 px."""
    page.evaluate(FRAMES)
    now = page.evaluate(GRAPH)
    assert now["fit"] == before["fit"] and now["scroll"] == before["scroll"], (when, now, before)
    for a, b in zip(now["frame"], before["frame"], strict=True):
        assert abs(a - b) <= 0.5, (when, "the graph's frame", now["frame"], before["frame"])
    assert now["nodes"].keys() == before["nodes"].keys()
    moved = {
        k: (v, before["nodes"][k])
        for k, v in now["nodes"].items()
        if any(abs(a - b) > 0.5 for a, b in zip(v, before["nodes"][k], strict=True))
    }
    assert not moved, (when, f"{len(moved)} of {len(now['nodes'])} nodes moved", moved)


def tally_covers_nothing(page) -> None:
    """The tally is whole on screen, in the explanation, and over none of the text around it."""
    boxes = page.evaluate(BOXES)
    tally = boxes["tally"]
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    assert tally[2] > tally[0] and tally[3] > tally[1], tally
    assert 0 <= tally[0] and tally[2] <= width and 0 <= tally[1] and tally[3] <= height, tally
    ex = boxes["explain"]  # not clipped by the explanation's box (it scrolls what it cannot hold)
    assert ex[0] <= tally[0] and tally[2] <= ex[2] and ex[1] <= tally[1] and tally[3] <= ex[3], (
        tally,
        ex,
    )
    for name, box in boxes["texts"].items():
        assert not overlaps(tally, box), (name, box, tally)


def shows_the_truth(page, base_url: str, preset: str, k: int) -> None:
    """At the reveal the tally stays, now saying the true value, which is the step's (the API's)
    and is marked among the class's answers."""
    page.wait_for_function(
        "() => document.querySelector('.live-round-text')?.checkVisibility()"
        " && document.querySelector('.live-round-text').textContent.includes('the value is')",
        timeout=10_000,
    )
    text = page.locator(".live-round-text").text_content()
    shown = float(text.rsplit("the value is ", 1)[1].replace("−", "-"))
    scenario = page.request.get(f"{base_url}/api/presets/{preset}").json()["scenario"]
    step = page.request.post(
        f"{base_url}/api/step",
        data={"scenario": scenario, "cursor": k, "granularity": "step", "sample": 0},
    ).json()
    truth = step["steps"][0]["value"]
    assert abs(shown - truth) <= 1e-5 * max(1.0, abs(truth)), (text, truth)
    assert page.locator(".live-hist .hist-truth, .live-hist .bar-true").count() == 1


def answers(page, base_url: str, code: str, followers: list[str], said: list[float]) -> None:
    question = page.request.get(f"{base_url}/api/live/{code}").json()["state"]["predict"]
    for f, x in zip(followers, said, strict=False):
        done = page.request.post(
            f"{base_url}/api/live/{code}/answers",
            data={"follower": f, "question": question["question"], "number": x},
        )
        assert done.status == 204, done.text()


# Each tally the page reads, with when its request was sent (performance.now())
TALLY_LOG = """(() => {
  window.__tallies = [];
  const fetched = window.fetch;
  window.fetch = function (input, ...rest) {
    const sent = performance.now();
    const answer = fetched.call(this, input, ...rest);
    if (String(input).includes('/tally')) {
      answer.then((r) => r.clone().json()).then((t) => window.__tallies.push({ sent, answered: t.answered }), () => {});
    }
    return answer;
  };
})()"""


def answered_at_once(page, post) -> None:
    """`post()` sends one answer: the presenter's page shows it answered by a tally request sent
    before it (one that waited for it), not by one sent after it (the next poll)."""
    before = page.evaluate("performance.now()")
    post()
    read = "() => window.__tallies.find((t) => t.answered > 0)"
    first = page.wait_for_function(read, timeout=10_000).json_value()
    assert first["sent"] < before, ("the answer was read by a later request", first, before)


def wait_answered(page, n: int) -> None:
    page.wait_for_function(
        "n => { const t = document.querySelector('.live-round-text');"
        " return t?.checkVisibility() && t.textContent.startsWith(`${n} of`); }",
        arg=n,
        timeout=10_000,
    )


@pytest.mark.parametrize(
    ("width", "height", "projector"),
    [(1920, 1080, True), (1024, 768, True), (1366, 768, False)],
    ids=["projector-1920x1080", "projector-1024x768", "desk-1366x768"],
)
def test_the_tally_leaves_the_graph_where_it_was(make_page, base_url, width, height, projector):
    """For every preset: a question opened (Q, PageDown), answers arriving, and the reveal: the
    graph's frame keeps its size, the graph its zoom, and no node moves; the tally covers no text,
    projected its type is the room's (24 px at 1920 × 1080). An answer is shown as it arrives,
    by the tally request that waited for it (live.js), not at the next poll."""
    page = make_page(width, height, reduced_motion="reduce")
    page.context.add_init_script(TALLY_LOG)
    view = "&projector=1" if projector else ""
    open_lesson(page, base_url, f"#preset=tutorial&k=0{view}")
    code = go_live(page)["code"]
    page.keyboard.press("Escape")
    followers = [
        page.request.post(f"{base_url}/api/live/{code}/join", data={}).json()["follower"]
        for _ in range(3)
    ]
    # every lesson asks at its first step: a question is its lesson's (predict.js), so each
    # starts from no answers, the class's answers to the lesson before not counted again
    for preset in PRESETS:
        k = 0
        page.goto("about:blank")  # a new page, the class carried on (live.js)
        open_lesson(page, base_url, f"#preset={preset}&k={k}{view}")
        page.wait_for_function(
            "() => document.getElementById('live-toggle').textContent.includes('·')"
        )
        page.keyboard.press("q")
        page.wait_for_selector("#btn-predict[aria-pressed=true]")
        page.evaluate(FRAMES)
        before = page.evaluate(GRAPH)

        page.keyboard.press("PageDown")  # the question opens
        wait_cursor(page, k + 1)
        page.wait_for_selector("#eq-result .eq-asked")
        wait_answered(page, 0)
        same_graph(page, before, f"{preset}: the question open")
        tally_covers_nothing(page)

        page.evaluate("() => { window.__tallies = []; }")
        answered_at_once(page, lambda: answers(page, base_url, code, followers[:1], [-0.05]))
        wait_answered(page, 1)
        same_graph(page, before, f"{preset}: one answer")
        answers(page, base_url, code, followers[1:], [-0.04, 0.3])
        wait_answered(page, 3)
        assert page.locator(".live-hist .bar").count() >= 2
        same_graph(page, before, f"{preset}: three answers")
        tally_covers_nothing(page)
        if projector and width == 1920:
            kind = page.evaluate(TYPE)
            assert kind["text"] >= 24 and kind["text"] >= kind["sentence"], kind
            assert kind["labels"] and min(kind["labels"]) >= 23.5, kind

        page.keyboard.press("PageDown")  # the reveal: the true value among the answers
        page.wait_for_function("() => !document.querySelector('#eq-result .eq-asked')")
        shows_the_truth(page, base_url, preset, k + 1)
        same_graph(page, before, f"{preset}: the reveal")
        tally_covers_nothing(page)


def test_clicker_keys_step_with_the_tally_showing(make_page, base_url):
    """A clicker's keys (PageDown, PageUp, →, ←, Space) step as ever with the tally showing, the
    focus where it was (on the Step button, or on <body> for a clicker), never lost to <body>;
    Esc hides this question's tally and nothing else."""
    page = make_page(1920, 1080, reduced_motion="reduce")
    open_lesson(page, base_url, "#preset=xor&k=0&projector=1")
    session = go_live(page)
    page.keyboard.press("Escape")
    page.keyboard.press("q")
    page.wait_for_selector("#btn-predict[aria-pressed=true]")
    page.focus("#btn-step")
    focus = "() => document.activeElement.id || document.activeElement.tagName"

    def asked(k: int) -> None:
        wait_cursor(page, k)
        page.wait_for_selector("#eq-result .eq-asked")
        wait_answered(page, 0)
        assert page.evaluate(focus) == "btn-step"

    def revealed(k: int) -> None:
        page.wait_for_function("() => !document.querySelector('#eq-result .eq-asked')")
        shows_the_truth(page, base_url, "xor", k)
        assert page.evaluate(FOCUS_CURSOR) == ["btn-step", str(k)]

    page.keyboard.press("PageDown")
    asked(1)
    page.keyboard.press("PageDown")  # the reveal
    revealed(1)
    page.keyboard.press("ArrowRight")
    asked(2)
    page.keyboard.press("ArrowRight")
    revealed(2)
    page.keyboard.press("PageDown")
    asked(3)
    page.keyboard.press("PageUp")  # back a step
    wait_cursor(page, 2)
    assert page.evaluate(focus) == "btn-step"
    page.keyboard.press("ArrowLeft")
    wait_cursor(page, 1)
    assert page.evaluate(focus) == "btn-step"

    # a clicker (the focus on <body>): Space steps; Esc hides the open question's tally only
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("Space")
    wait_cursor(page, 2)
    page.wait_for_selector("#eq-result .eq-asked")
    wait_answered(page, 0)
    assert page.evaluate(focus) == "BODY"
    page.keyboard.press("Escape")
    page.wait_for_selector("#live-tally", state="hidden")
    assert page.locator("#eq-result .eq-asked").count() == 1
    assert page.locator("#live-panel").is_hidden()
    page.keyboard.press("PageDown")
    page.wait_for_function("() => !document.querySelector('#eq-result .eq-asked')")
    page.keyboard.press("Space")  # the next question: its tally shows
    wait_cursor(page, 3)
    wait_answered(page, 0)
    assert page.evaluate(focus) == "BODY"  # a clicker's focus, where it was
    assert session["code"] in page.evaluate(
        "document.getElementById('live-toggle').textContent"
    ).replace(" ", "")
