"""The body limit at the ASGI level: streamed bodies are counted and refused before the app
reads them; bodies under the limit reach the app intact, and disconnects still get through."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from app.middleware import BodyLimit, json_depth_exceeds


class Recorder:
    """An inner ASGI app that records what it received."""

    def __init__(self) -> None:
        self.called = False
        self.messages: list[dict] = []

    async def __call__(self, scope, receive, send) -> None:
        self.called = True
        while True:
            m = await receive()
            self.messages.append(m)
            if m["type"] == "http.disconnect" or not m.get("more_body", False):
                break
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def run(chunks: list[bytes], headers=(), limit: int = 100, then_disconnect: bool = False):
    inner = Recorder()
    queue = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    if then_disconnect:
        queue.append({"type": "http.disconnect"})
    pulled = 0
    sent: list[dict] = []

    async def receive():
        nonlocal pulled
        pulled += 1
        return queue.pop(0)

    async def send(m):
        sent.append(m)

    scope = {"type": "http", "method": "POST", "path": "/api/step", "headers": list(headers)}
    # A thread of its own: a browser test may have left an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, BodyLimit(inner, limit)(scope, receive, send)).result()
    return inner, sent, pulled


def test_a_declared_oversize_body_is_refused_without_reading_it():
    inner, sent, pulled = run([b"x" * 1000], headers=[(b"content-length", b"1000")])
    assert not inner.called and pulled == 0
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["limit"] == 100


def test_a_streamed_body_is_counted_and_refused_at_the_chunk_that_crosses_the_limit():
    chunks = [b"x" * 40] * 10  # chunked transfer: no Content-Length
    inner, sent, pulled = run(chunks)
    assert not inner.called
    assert pulled == 3  # 40 + 40 + 40 > 100: stops reading there
    assert sent[0]["status"] == 413


def test_a_body_under_the_limit_reaches_the_app_whole_then_disconnects_pass_through():
    inner, sent, _ = run([b"[1,", b"2]"], then_disconnect=True)
    assert inner.called
    assert inner.messages[0] == {"type": "http.request", "body": b"[1,2]", "more_body": False}
    assert sent[0]["status"] == 204


def test_a_lying_content_length_is_refused():
    inner, sent, _ = run([b"{}"], headers=[(b"content-length", b"-5")])
    assert not inner.called and sent[0]["status"] == 400


def test_json_depth_counts_brackets_outside_strings_only():
    assert json_depth_exceeds(b"[" * 33 + b"]" * 33, 32)
    assert not json_depth_exceeds(b"[" * 32 + b"]" * 32, 32)
    text = json.dumps({"a": ["[" * 50, '\\"[[[' * 20], "b": [[1, 2]] * 40}).encode()
    assert not json_depth_exceeds(text, 32)


def test_the_quick_bracket_count_clears_only_bodies_the_full_checks_clear():
    """_may_exceed (BodyLimit's quick path) against the full checks it skips: a body it clears
    is one they clear; the bodies at and just past each limit go to the full checks."""
    from app.limits import MAX_JSON_CONTAINERS, MAX_JSON_DEPTH
    from app.middleware import _may_exceed, brackets

    def full(body: bytes) -> bool:
        return (
            json_depth_exceeds(body, MAX_JSON_DEPTH)
            or len(brackets(body)) > 2 * MAX_JSON_CONTAINERS
        )

    deep, shallow = MAX_JSON_DEPTH + 1, MAX_JSON_DEPTH
    bodies = [
        b"[" * deep + b"]" * deep,
        b"[" * shallow + b"]" * shallow,
        b"[" + b"[]," * MAX_JSON_CONTAINERS + b"[]]",
        json.dumps({"a": "[" * 50, "b": [[1, 2]] * 5}).encode(),
        json.dumps({"scenario": {"layers": [2, 2, 2], "inputs": [[0.05, 0.1]]}}).encode(),
    ]
    assert [_may_exceed(b) for b in bodies] == [True, False, True, True, False]
    assert [full(b) for b in bodies] == [True, False, True, False, False]
    for b in bodies:
        assert _may_exceed(b) or not full(b)
