"""Sharing built lessons between requests changes no number: every response equals a lesson built
afresh for that request, in any order, from many threads at once, on the event loop or in the
thread pool."""

import copy
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.api import cache
from app.api.convert import to_spec
from app.api.schemas import Scenario, StepResponse
from app.api.serialize import plain
from app.engine.lesson import Lesson
from app.engine.presets import PRESETS


@pytest.fixture(autouse=True)
def empty_cache():
    cache.lessons.clear()
    cache.answers.clear()
    yield
    cache.lessons.clear()
    cache.answers.clear()


def fresh(scenario: dict, cursor: int, granularity: str = "step") -> dict:
    lesson = Lesson.from_spec(to_spec(Scenario.model_validate(scenario)))
    answer = plain(lesson.at(cursor, granularity))
    return StepResponse.model_validate(answer).model_dump(mode="json")


@pytest.mark.parametrize("preset", ["xor", "softmax"])
def test_cached_steps_equal_fresh_ones_in_any_order(client, preset):
    sc = PRESETS[preset]["scenario"]
    total = client.post("/api/graph", json={"scenario": sc}).json()["plan"]["total_steps"]
    order = [total, 0, total // 2, 1, total - 1, total // 2]  # forward and back again
    for cursor in order:
        r = client.post("/api/step", json={"scenario": sc, "cursor": cursor})
        assert r.json() == fresh(sc, cursor)
    layer = client.post("/api/step", json={"scenario": sc, "cursor": 2, "granularity": "layer"})
    assert layer.json() == fresh(sc, 2, "layer")


def test_a_different_scenario_never_gets_another_ones_lesson(client):
    a = PRESETS["tutorial"]["scenario"]
    b = copy.deepcopy(a)
    b["weights"][0][0][0] = 0.41  # one weight differs
    ra = client.post("/api/step", json={"scenario": a, "cursor": 19}).json()
    rb = client.post("/api/step", json={"scenario": b, "cursor": 19}).json()
    assert ra == fresh(a, 19) and rb == fresh(b, 19) and ra != rb


def test_threads_sharing_one_lesson_get_what_fresh_lessons_give(client):
    sc = PRESETS["xor"]["scenario"]
    total = client.post("/api/graph", json={"scenario": sc}).json()["plan"]["total_steps"]
    cursors = list(range(0, total + 1, 3)) * 2
    with ThreadPoolExecutor(8) as pool:
        got = list(
            pool.map(
                lambda c: client.post("/api/step", json={"scenario": sc, "cursor": c}).json(),
                cursors,
            )
        )
    for c, g in zip(cursors, got, strict=True):
        assert g == fresh(sc, c)


@pytest.mark.parametrize("path", ["/api/step", "/api/graph"])
def test_the_event_loop_and_thread_pool_paths_give_the_same_json(client, monkeypatch, path):
    from app.api import offload

    sc = PRESETS["deep"]["scenario"]
    body = {"scenario": sc, "cursor": 17} if path == "/api/step" else {"scenario": sc}
    assert offload.is_small(Scenario.model_validate(sc))
    inline = client.post(path, json=body)
    monkeypatch.setattr(offload, "INLINE_MAX_UNITS", 0)  # now it goes to the thread pool
    assert not offload.is_small(Scenario.model_validate(sc))
    pooled = client.post(path, json=body)
    assert inline.status_code == pooled.status_code == 200
    assert inline.headers["content-type"] == pooled.headers["content-type"]
    assert inline.json() == pooled.json()
    if path == "/api/step":
        assert pooled.json() == fresh(sc, 17)


def test_a_large_network_past_its_end_is_still_a_422(client):
    sc = {
        "layers": [8, 8, 8, 1],
        "activations": ["tanh", "tanh", "sigmoid"],
        "init": {"seed": 3},
        "inputs": [[0.1] * 8],
        "targets": [[1.0]],
    }
    from app.api.offload import is_small

    assert not is_small(Scenario.model_validate(sc))
    total = client.post("/api/graph", json={"scenario": sc}).json()["plan"]["total_steps"]
    assert client.post("/api/step", json={"scenario": sc, "cursor": total}).json() == fresh(
        sc, total
    )
    r = client.post("/api/step", json={"scenario": sc, "cursor": total + 1})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "cursor"]


def test_large_lessons_are_frozen_out_of_collections_yet_freed_when_evicted():
    import gc
    import tracemalloc

    from app.api.convert import FREEZE_NODES, lesson_for

    sc = {
        "layers": [32, 32, 32, 1],
        "activations": ["tanh", "tanh", "sigmoid"],
        "init": {"seed": 11},
        "inputs": [[0.1] * 32],
        "targets": [[1.0]],
    }
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        frozen = gc.get_freeze_count()
        lesson = lesson_for(Scenario.model_validate(sc))
        assert len(lesson.graph.nodes) > FREEZE_NODES
        assert gc.get_freeze_count() > frozen  # a full collection will not walk its objects
        lesson.at(lesson.plan.total)
        held = tracemalloc.get_traced_memory()[0] - base
        del lesson
        cache.lessons.clear()
        cache.answers.clear()
        left = tracemalloc.get_traced_memory()[0] - base
        assert held > 2_000_000 and left < held / 10  # refcounting frees it: nothing leaks
    finally:
        tracemalloc.stop()


def test_only_a_few_steps_from_a_kept_state_stay_on_the_event_loop(client, monkeypatch):
    from app.api.offload import is_small
    from app.api.routes import lessons

    sc = {
        "layers": [8, 8, 8, 1],
        "activations": ["tanh", "tanh", "sigmoid"],
        "init": {"seed": 4},
        "inputs": [[0.2] * 8],
        "targets": [[0.0]],
    }
    assert not is_small(Scenario.model_validate(sc))
    end = client.post("/api/graph", json={"scenario": sc}).json()["plan"]["total_steps"] - 5
    pooled = []
    real = lessons.in_pool

    async def recording(fn, gone=None):
        pooled.append(fn)
        return await real(fn, gone)

    monkeypatch.setattr(lessons, "in_pool", recording)
    ask = lambda cursor, since=None: client.post(  # noqa: E731
        "/api/step", json={"scenario": sc, "cursor": cursor, "since": since}
    )
    assert ask(10).is_success and len(pooled) == 1  # built and replayed in the pool
    r = ask(11, since=10)  # the state at 10 is kept: one step, inline
    assert r.is_success and len(pooled) == 1
    assert {n["id"] for n in r.json()["nodes"] + r.json()["parameters"]} <= {
        n["id"] for n in fresh(sc, 11)["nodes"] + fresh(sc, 11)["parameters"]
    }
    assert ask(end, since=end - 1).is_success and len(pooled) == 2  # nothing kept near: the pool
    assert ask(end - 1).is_success and len(pooled) == 3  # every entry listed: the pool
    assert ask(end + 3, since=end - 1).is_success and len(pooled) == 3  # four steps on: inline


def test_work_whose_client_left_before_its_slot_came_up_is_not_started():
    import asyncio

    from app.api.offload import Abandoned, in_pool

    ran = []

    async def gone() -> bool:
        return True

    async def still_here() -> bool:
        return False

    async def main():
        with pytest.raises(Abandoned):
            await in_pool(lambda: ran.append("abandoned"), gone)
        return await in_pool(lambda: ran.append("answered") or 42, still_here)

    with ThreadPoolExecutor(1) as pool:  # a loop of its own: a browser test may have one running
        assert pool.submit(asyncio.run, main()).result() == 42 and ran == ["answered"]


def test_a_step_serialises_its_scenario_once(client, monkeypatch):
    """The lesson and answer keys share one digest of the scenario, computed once per request."""
    sc = PRESETS["xor"]["scenario"]
    calls = []
    dump_json = Scenario.model_dump_json

    def counted(self, **kw):
        calls.append(kw)
        return dump_json(self, **kw)

    monkeypatch.setattr(Scenario, "model_dump_json", counted)
    # built and answered, then a quick step, then the same bytes again: answered by them alone
    for cursor, digests in ((3, 1), (4, 1), (4, 0)):
        calls.clear()
        r = client.post("/api/step", json={"scenario": sc, "cursor": cursor, "since": 3})
        assert r.status_code == 200 and len(calls) == digests
    assert all(len(k) < 100 for k in cache.lessons._entries)  # a digest, not the scenario


def test_a_lesson_asked_for_by_two_requests_at_once_is_built_once(monkeypatch):
    """The page asks for a large network's graph and its first step together: the second request
    waits for the first one's build of the lesson and shares it, rather than building it again;
    a build that fails leaves nothing behind, and the next request builds afresh."""
    from app.api import convert

    built = []
    real = convert._build

    def slow(*args):
        built.append(args)
        time.sleep(0.3)  # long enough for the other request to ask meanwhile
        return real(*args)

    monkeypatch.setattr(convert, "_build", slow)
    sc = Scenario.model_validate(PRESETS["xor"]["scenario"])
    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(lambda _: convert.lesson_for(sc), range(2))
    assert a is b and len(built) == 1
    assert convert._BUILDING == {}

    def broken(*args):
        built.append(args)
        raise RuntimeError("no lesson")

    monkeypatch.setattr(convert, "_build", broken)
    other = Scenario.model_validate(PRESETS["tutorial"]["scenario"])
    for _ in range(2):
        with pytest.raises(RuntimeError):
            convert.lesson_for(other)
    assert len(built) == 3 and convert._BUILDING == {}
