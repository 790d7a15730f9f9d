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
    route_answer = lessons._answer
    monkeypatch.setattr(
        lessons, "_answer", lambda *a, **k: calls.append(1) or route_answer(*a, **k)
    )
    again = client.post("/api/step", content=body, headers=kind)
    assert (again.status_code, again.content) == (200, first.content)
    assert headers(again) == headers(first)
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert calls == []
    # other bytes reach the route, even when they mean the same (its own cache answers them)
    spaced = json.dumps({"cursor": 3, "scenario": tutorial}, indent=1).encode()
    other = client.post("/api/step", content=spaced, headers=kind)
    assert calls == [1] and other.content == first.content


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
