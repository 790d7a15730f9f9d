"""/labs after Stop: every panel shows the run that was stopped, rebuilt from the weights its last
progress event carried (the server keeps nothing), and never an earlier run; a network too large
for its weights to ride in the events says so and shows nothing of another run."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from app.limits import MAX_STREAMED_PARAMETERS

pytestmark = pytest.mark.browser

# Every text the page's stream decoder reads, as it reads it: the progress events the page saw.
RECORD_STREAM = """
(() => {
  const decode = TextDecoder.prototype.decode;
  window.__sse = '';
  TextDecoder.prototype.decode = function (input, options) {
    const out = decode.call(this, input, options);
    if (options && options.stream) window.__sse += out;
    return out;
  };
})();
"""


def progress_events(page) -> list[dict]:
    text = page.evaluate("() => window.__sse")
    out = []
    for block in text.split("\n\n")[:-1]:  # the unfinished rest was never read as an event
        lines = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line)
        if lines.get("event") == "progress":
            out.append(json.loads(lines["data"]))
    return out


def wait_for_progress(page, n: int) -> None:
    page.wait_for_function(
        f"() => (window.__sse.match(/event: progress/g) || []).length >= {n}", timeout=20000
    )


def status(page) -> str:
    return page.locator("#train-status").text_content()


def test_stop_shows_the_stopped_run_everywhere(make_page, base_url):
    page = make_page(1366, 768)
    page.context.add_init_script(RECORD_STREAM)
    page.goto(f"{base_url}/labs")
    page.wait_for_function(
        "() => /^4 training samples/.test(document.querySelector('#train-status').textContent)"
    )
    # a finished XOR run first: its 4-row table and hand-off must not outlive the next run
    page.click("#train")
    page.wait_for_selector("#train-status.ok", timeout=30000)
    # the status's loss is the final weights' (the readout's and the curve's is the last epoch's,
    # measured before its update: a different number, so the words say which)
    words = status(page)
    assert re.match(
        r"All 5,000 epochs done \(5,000 updates, [0-9.]+ s\) · loss with the final weights [0-9][^ ]* · ",
        words,
    ), words
    assert page.locator("#predictions tbody tr").count() == 4
    page.wait_for_function("() => document.querySelector('#handoff-note')?.textContent")
    xor_note = page.text_content("#handoff-note")

    page.select_option("#dataset", "moons")
    page.wait_for_function(
        "() => document.querySelector('#train-status').textContent.startsWith('200 training samples')"
    )
    page.fill("input[name=epochs]", "20000")
    page.fill("input[name=batch_size]", "1")  # slow enough to stop part-way
    page.evaluate("() => { window.__sse = ''; }")
    page.click("#train")
    wait_for_progress(page, 3)
    page.click("#stop")
    page.wait_for_function(
        "() => /Stopped by you after [0-9,]+ epochs \\(/.test(document.querySelector('#train-status').textContent)",
        timeout=10000,
    )
    last = progress_events(page)[-1]
    n = last["epoch"]
    assert 0 < n < 20000 and last["weights"] is not None
    words = status(page)
    assert words.startswith(f"Stopped by you after {n:,} epoch") and "accuracy" in words, words
    assert "loss with the weights it stopped at " in words, words
    assert page.locator("#train").is_enabled() and page.locator("#stop").is_disabled()

    # the moons' 200 points, not XOR's table: too many rows for a table, all 200 in the hand-off
    assert page.locator("#predictions table").count() == 0
    moons = page.request.post(
        f"{base_url}/api/datasets", data={"name": "moons", "samples": 200, "noise": 0.1}
    ).json()
    assert page.locator("#handoff-box").is_visible()
    # the link is final once its note says what it opens (the server is asked first whether it can
    # recompute the run's next iteration: how far that is depends on when Stop was pressed); the
    # XOR run's note is there until then. Read once: the link and its iteration together
    page.wait_for_function(
        "(old) => { const n = document.querySelector('#handoff-note');"
        " return n && n.textContent && n.textContent !== old; }",
        arg=xor_note,
    )
    link = parse_qs(urlsplit(page.get_attribute("#handoff", "href")).fragment)
    s = link["s"][0]
    sc = json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
    assert sc["inputs"] == moons["inputs"] and len(sc["inputs"]) == 200
    iteration = int(link.get("iteration", ["1"])[0])
    if iteration == 1:
        # the trained weights as a new lesson: the last progress event's, to the last digit
        assert sc["weights"] == last["weights"] and sc["biases"] == last["biases"]
        assert sc.get("init") is None  # the weights are the network, not a seed
    else:
        # the run itself, at its next iteration: its parameters there are the stopped network's
        assert iteration == 200 * n + 1  # batches of 1, 200 samples: the update after the last
        body = {"scenario": sc, "iteration": iteration, "cursor": 0}
        params = page.request.post(f"{base_url}/api/step", data=body).json()["parameters"]
        got = {p["id"]: p["value"] for p in params}
        for l, (w, b) in enumerate(zip(last["weights"], last["biases"], strict=True), start=1):
            for j, row in enumerate(w):
                for k, v in enumerate(row):
                    assert abs(got[f"W{l}_{j}_{k}"] - v) <= 1e-12 * max(1, abs(v))
            for j, v in enumerate(b):
                assert abs(got[f"b{l}_{j}"] - v) <= 1e-12 * max(1, abs(v))
    assert page.locator("#handoff-sample option").count() == 51

    # the labs that examine "your network" looked again, at the stopped one
    for lab in ("gradcheck", "blame"):
        which = page.locator(f"#lab-{lab} .which")
        page.wait_for_function(
            f"() => document.querySelector('#lab-{lab} .which').textContent.includes('(stopped)')",
            timeout=20000,
        )
        text = which.text_content()
        assert f"after {n:,} epochs of training (stopped)" in text and "Two moons" in text, text
        assert "before training" not in text

    # a network whose weights are too many to stream: said so, and nothing of the last run stays
    page.fill("input[name=hidden]", "64, 64, 64")  # 8,577 parameters
    page.evaluate("() => { window.__sse = ''; }")
    page.click("#train")
    wait_for_progress(page, 1)
    assert page.locator("#handoff-box").is_hidden()
    page.click("#stop")
    page.wait_for_function(
        "() => /cannot be shown/.test(document.querySelector('#train-status').textContent)",
        timeout=10000,
    )
    events = progress_events(page)
    assert events and all(e["weights"] is None and e["biases"] is None for e in events)
    words = status(page)
    assert f"after {events[-1]['epoch']:,} epoch" in words and "8,577 parameters" in words
    assert f"{MAX_STREAMED_PARAMETERS:,}" in words
    assert page.locator("#handoff-box").is_hidden()
    assert page.locator("#predictions table").count() == 0
