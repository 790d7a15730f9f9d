"""Followers' streams across processes sharing a real Redis, and what survives a kill -9 or a
Redis restart; the embedded broker serves one process the same way. The tests that kill no
process share two (backstep_pair); the Redis restart comes last of those, and they recover from
it, which is what it checks."""

from __future__ import annotations

import asyncio
import random

import httpx
import pytest

from tests.aio import run_alone
from tests.live.sse import SSE

pytestmark = pytest.mark.slow  # scheduled first: tests/conftest.py


def go_live(server) -> tuple[str, dict]:
    made = httpx.post(server.url + "/api/live").json()
    return made["code"], {"X-Presenter-Secret": made["presenter_secret"]}


def post(server, code, auth, version, **extra):
    body = {"version": version, "state": {"cursor": version, "scenario": "tutorial"}, **extra}
    return httpx.post(f"{server.url}/api/live/{code}/state", json=body, headers=auth, timeout=10)


async def follow(server, code: str, last_id: str | None = None) -> SSE:
    joined = httpx.post(f"{server.url}/api/live/{code}/join").json()
    sse = SSE("127.0.0.1", server.port, joined["events_url"], last_id)
    await sse.connect()
    assert sse.status == 200
    return sse


async def versions(sse: SSE, until: int, timeout: float = 20) -> list[int]:
    got: list[int] = []
    while not got or got[-1] < until:
        event = await sse.next(timeout)
        assert event is not None, f"stream ended after {got}"
        assert event.event == "state"
        got.append(event.json()["version"])
        assert int(event.id) == got[-1]
    return got


def test_followers_on_one_worker_get_every_state_of_a_presenter_on_another(backstep_pair):
    a, b = backstep_pair
    code, auth = go_live(a)

    async def scenario():
        followers = [await follow(b, code) for _ in range(3)]
        for f in followers:  # the state when they joined: version 0
            assert [e.json()["version"] for e in [await f.next()]] == [0]
        async with httpx.AsyncClient(
            timeout=30
        ) as client:  # a fast clicker: one press after another
            for v in range(1, 21):
                body = {"version": v, "state": {"cursor": v}}
                r = await client.post(f"{a.url}/api/live/{code}/state", json=body, headers=auth)
                assert r.json()["applied"]
        seen = [await versions(f, 20) for f in followers]
        for f in followers:
            await f.close()
        return seen

    for seen in run_alone(scenario()):
        assert seen == list(range(1, 21))


def test_posts_arriving_out_of_order_never_go_back(backstep_pair):
    a, b = backstep_pair
    code, auth = go_live(a)

    async def scenario():
        f = await follow(b, code)
        await f.next()
        order = list(range(1, 31))
        random.Random(7).shuffle(order)
        async with httpx.AsyncClient(timeout=30) as client:
            await asyncio.gather(
                *(
                    client.post(
                        f"{(a if v % 2 else b).url}/api/live/{code}/state",
                        json={"version": v, "state": {"cursor": v}},
                        headers=auth,
                    )
                    for v in order
                )
            )
        seen = await versions(f, 30)
        await f.close()
        return seen

    seen = run_alone(scenario())
    assert seen == sorted(set(seen)) and seen[-1] == 30  # strictly increasing, ends at the latest
    assert httpx.get(f"{b.url}/api/live/{code}").json()["state"] == {"cursor": 30}


def test_kill_9_of_a_worker_loses_nothing(backstep, backstep_pair):
    a, b = backstep(), backstep()
    c = backstep_pair[0]  # a worker that has never seen the session
    code, auth = go_live(a)

    async def scenario():
        f = await follow(b, code)
        await f.next()
        post(a, code, auth, 1)
        assert await versions(f, 1) == [1]
        a.kill()  # the presenter's worker dies; the presenter's page posts again, elsewhere
        assert post(b, code, auth, 2).json()["applied"]
        assert await versions(f, 2) == [2]
        b.kill()  # the followers' worker dies: they reconnect with Last-Event-ID, elsewhere
        last = f.last_id
        assert await f.next(5) is None
        again = await follow(c, code, last_id=last)
        post(c, code, auth, 3)
        seen = await versions(again, 3)
        await again.close()
        return seen

    assert run_alone(scenario()) == [3]


def test_a_follower_reconnecting_behind_gets_the_latest_state_at_once(backstep_pair):
    a = backstep_pair[0]
    code, auth = go_live(a)
    for v in range(1, 6):
        post(a, code, auth, v)

    async def scenario():
        f = await follow(a, code, last_id="2")
        first = await f.next()
        await f.close()
        current = await follow(a, code, last_id="5")  # up to date: nothing is sent again
        post(a, code, auth, 6)
        nxt = await current.next()
        await current.close()
        return first, nxt

    first, nxt = run_alone(scenario())
    assert first.json()["version"] == 5 and first.json()["state"]["cursor"] == 5
    assert nxt.json()["version"] == 6


def test_a_redis_restart_loses_nothing(backstep_pair, redis_server):
    a, b = backstep_pair
    code, auth = go_live(a)

    async def scenario():
        f = await follow(b, code)
        await f.next()
        post(a, code, auth, 1)
        assert await versions(f, 1) == [1]
        redis_server.restart()  # without persistence: Redis comes back empty
        # the presenter publishes at once; the workers write back what Redis lost
        for _ in range(100):
            r = post(a, code, auth, 2)
            if r.status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert r.status_code == 200, r.text
        seen = await versions(f, 2, timeout=15)
        post(a, code, auth, 3)
        seen += await versions(f, 3, timeout=15)
        await f.close()
        return seen

    seen = run_alone(scenario())
    assert seen[-2:] == [2, 3] or seen == [2, 3]
    for server in (a, b):
        assert httpx.get(f"{server.url}/api/live/{code}").json()["version"] == 3


def test_the_embedded_broker_serves_one_process(backstep):
    a = backstep(broker=False)
    code, auth = go_live(a)

    async def scenario():
        f = await follow(a, code)
        await f.next()
        for v in range(1, 6):
            post(a, code, auth, v)
        seen = await versions(f, 5)
        httpx.post(f"{a.url}/api/live/{code}/end", headers=auth)
        end = await f.next()
        await f.close()
        return seen, end

    seen, end = run_alone(scenario())
    assert seen == [1, 2, 3, 4, 5] and end.event == "end"
