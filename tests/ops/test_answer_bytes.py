"""Same request bytes, same answer bytes: /api/step and /api/graph answered again from the body's
bytes alone, as if the routes had run (app/answer_bytes.py)."""

from __future__ import annotations

import json

from app.api.routes import lessons

PER_REQUEST = {"x-request-id", "date"}


def headers(r) -> dict:
    return {k: v for k, v in r.headers.items() if k not in PER_REQUEST}


def test_the_same_bytes_get_the_same_answer_without_the_route(client, tutorial, monkeypatch):
    body = json.dumps({"scenario": tutorial, "cursor": 3}).encode()
    kind = {"content-type": "application/json"}
    first = client.post("/api/step", content=body, headers=kind)
    assert first.status_code == 200

    calls = []
    inline = lessons.step_inline
    monkeypatch.setattr(lessons, "step_inline", lambda raw: calls.append(1) or inline(raw))
    again = client.post("/api/step", content=body, headers=kind)
    assert (again.status_code, again.content) == (200, first.content)
    assert headers(again) == headers(first)
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert calls == []
    # other bytes are read, even when they mean the same, and answered the same
    spaced = json.dumps({"cursor": 3, "scenario": tutorial}, indent=1).encode()
    other = client.post("/api/step", content=spaced, headers=kind)
    assert calls == [1] and other.content == first.content


def test_a_new_step_is_answered_without_the_route_as_the_route_answers(
    client, tutorial, monkeypatch
):
    """step_inline: the route's validation and work, without FastAPI's routing."""
    routed = []
    route = lessons._answer
    monkeypatch.setattr(lessons, "_answer", lambda *a, **k: routed.append(1) or route(*a, **k))
    kind = {"content-type": "application/json"}
    for k, (cursor, gran) in enumerate([(0, "step"), (7, "step"), (2, "layer"), (3, "pass")]):
        scenario = {**tutorial, "learning_rate": 0.25 + k * 1e-7}
        request = {"scenario": scenario, "cursor": cursor, "granularity": gran, "since": 1}
        r = client.post("/api/step", content=json.dumps(request).encode(), headers=kind)
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        assert r.content == lessons.answer("/api/step", request)
    assert routed == []


def test_what_step_inline_leaves_reaches_the_route(client, tutorial, monkeypatch):
    """Refusals (in the route's words, field named) and heavy work go the route's way."""
    left = []
    inline = lessons.step_inline
    monkeypatch.setattr(
        lessons, "step_inline", lambda raw: (out := inline(raw)) is None and left.append(1) or out
    )
    kind = {"content-type": "application/json"}
    bad = {"scenario": tutorial, "cursor": 1, "colour": "red"}
    r = client.post("/api/step", content=json.dumps(bad).encode(), headers=kind)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "colour"]
    bad = {"scenario": {**tutorial, "learning_rate": "fast"}, "cursor": 1}
    r = client.post("/api/step", content=json.dumps(bad).encode(), headers=kind)
    assert r.status_code == 422 and "learning_rate" in r.json()["detail"][0]["loc"]
    r = client.post("/api/step", content=b"{", headers=kind)
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "json_invalid"
    assert left == [1, 1, 1]
    big = {
        "layers": [64] * 11,
        "activations": ["sigmoid"] * 10,
        "init": {"scheme": "xavier", "seed": 3},
        "inputs": [[0.0] * 64],
        "targets": [[0.5] * 64],
    }
    assert inline(json.dumps({"scenario": big, "cursor": 1}).encode()) is None


def test_a_graph_answer_is_kept_too(client, tutorial, monkeypatch):
    body = json.dumps({"scenario": tutorial, "labels": "text"}).encode()
    kind = {"content-type": "application/json"}
    first = client.post("/api/graph", content=body, headers=kind)
    monkeypatch.setattr(lessons, "lesson_for", lambda *a, **k: 1 / 0)
    again = client.post("/api/graph", content=body, headers=kind)
    assert (again.status_code, again.content) == (200, first.content)


def test_refusals_are_not_kept(client, tutorial):
    body = json.dumps({"scenario": tutorial, "cursor": 10_000}).encode()
    kind = {"content-type": "application/json"}
    for _ in range(2):
        r = client.post("/api/step", content=body, headers=kind)
        assert r.status_code == 422 and "past the end" in r.text


def test_a_head_or_another_path_is_not_answered_from_it(client, tutorial):
    body = json.dumps({"scenario": tutorial}).encode()
    kind = {"content-type": "application/json"}
    assert client.post("/api/graph", content=body, headers=kind).status_code == 200
    # /api/worksheet takes the same body: its own answer, not the graph's
    r = client.post("/api/worksheet", content=body, headers=kind)
    assert r.status_code == 200 and "nodes" not in r.json()


def test_a_new_step_answer_is_kept_once_under_its_bytes(client, tutorial):
    """step_inline answers from the memo by meaning but keeps nothing there: the answer is kept
    once, by app.answer_bytes under the body's bytes (not twice, at twice the memory)."""
    from app.api import cache

    kind = {"content-type": "application/json"}
    scenario = {**tutorial, "learning_rate": 0.3 + 3e-9}
    body = json.dumps({"scenario": scenario, "cursor": 4}).encode()
    before = set(cache.answers._entries)
    r = client.post("/api/step", content=body, headers=kind)
    assert r.status_code == 200
    added = [k for k in cache.answers._entries if k not in before]
    assert len(added) == 1 and added[0].startswith("raw")
    assert cache.answers.get(added[0]) == r.content
