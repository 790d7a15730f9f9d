"""Followers' streams across processes sharing a real Redis, and what survives a kill -9 or a
Redis restart; the embedded broker serves one process the same way. The tests that kill no
process share two (backstep_pair); the Redis restart comes last of those, and they recover from
it, which is what it checks."""

from __future__ import annotations

import asyncio
import random
from types import SimpleNamespace

import httpx
import pytest

from app.limits import LIVE_TALLY_WAIT_SECONDS, LIVE_TALLY_WAITERS
from app.main import create_app
from app.settings import Settings
from tests.aio import run_alone
from tests.browser.server import serve_app
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
    a, b = (server.ready() for server in [backstep.launch(), backstep.launch()])
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


def tally(server, code, auth, **params) -> dict:
    r = httpx.get(f"{server.url}/api/live/{code}/tally", params=params, headers=auth, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


async def waiting_tally(server, code, auth, after: str, wait: float = 20) -> asyncio.Task:
    """A presenter's tally request waiting for a change from `after`; it is asserted to wait
    (a change could only come from the test, which makes none meanwhile)."""
    client = httpx.AsyncClient(timeout=30)
    url = f"{server.url}/api/live/{code}/tally"

    async def get() -> dict:
        async with client:
            r = await client.get(url, params={"after": after, "wait": wait}, headers=auth)
            assert r.status_code == 200, r.text
            return r.json()

    task = asyncio.ensure_future(get())
    await asyncio.sleep(0.5)
    assert not task.done(), "the tally did not wait for a change"
    return task


def test_the_tally_waits_for_what_happens_on_another_worker(backstep_pair):
    """A presenter's tally request on one worker waits for a change, and is answered as soon as a
    follower joins or answers on another (Redis pub/sub), not at its next poll: a class sees its
    answers at once."""
    a, b = backstep_pair
    code, auth = go_live(a)
    follower = httpx.post(f"{b.url}/api/live/{code}/join").json()["follower"]
    assert post(a, code, auth, 1, question="q1", open=True).json()["applied"]
    first = tally(a, code, auth)
    assert (first["followers"], first["answered"], first["open"]) == (1, 0, True)
    assert tally(a, code, auth, after=first["token"], wait=0.2) == first  # nothing changed

    async def scenario():
        waiting = await waiting_tally(a, code, auth, first["token"])
        r = httpx.post(
            f"{b.url}/api/live/{code}/answers",
            json={"follower": follower, "question": "q1", "number": 0.5},
        )
        assert r.status_code == 204, r.text
        answered = await asyncio.wait_for(waiting, 15)
        waiting = await waiting_tally(a, code, auth, answered["token"])
        httpx.post(f"{b.url}/api/live/{code}/join")  # a second student
        joined = await asyncio.wait_for(waiting, 15)
        return answered, joined

    answered, joined = run_alone(scenario())
    assert (answered["followers"], answered["answered"], answered["numbers"]) == (1, 1, [0.5])
    assert (joined["followers"], joined["answered"]) == (2, 1)


def test_a_presenter_gone_frees_its_waiting_tally_request(backstep_pair):
    """Tally requests that wait are bounded per session (429 beyond); one whose presenter has
    gone (closed the connection) stops waiting at once and frees its place."""
    a = backstep_pair[0]
    code, auth = go_live(a)
    token = tally(a, code, auth)["token"]
    path = f"/api/live/{code}/tally?after={token}&wait={LIVE_TALLY_WAIT_SECONDS:g}"
    head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Presenter-Secret: "
    request = (head + auth["X-Presenter-Secret"] + "\r\n\r\n").encode()

    async def scenario():
        held = []
        for _ in range(LIVE_TALLY_WAITERS):
            reader, writer = await asyncio.open_connection("127.0.0.1", a.port)
            writer.write(request)
            held.append((reader, writer))
        probe = f"{a.url}/api/live/{code}/tally?after={token}&wait=0.1"
        async with httpx.AsyncClient(timeout=30) as client:
            for _ in range(50):  # until every held request waits
                over = await client.get(probe, headers=auth)
                if over.status_code == 429:
                    break
                await asyncio.sleep(0.1)
            assert over.status_code == 429 and over.headers["Retry-After"] == "1", over.text
            for _, writer in held:
                writer.close()
            # the presenters gone, their places are free (within moments, not after the wait)
            for _ in range(50):
                again = await client.get(probe, headers=auth)
                if again.status_code == 200:
                    break
                await asyncio.sleep(0.1)
            return again

    again = run_alone(scenario())
    assert again.status_code == 200 and again.json()["token"] == token, again.text


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


def test_the_embedded_broker_serves_one_process():
    """One process, no Redis: served in this one (no process of its own to start)."""
    with serve_app(create_app(Settings(access_log=False, broker_url=None))) as url:
        embedded(SimpleNamespace(url=url, port=int(url.rsplit(":", 1)[1])))


def embedded(a) -> None:
    code, auth = go_live(a)

    async def scenario():
        f = await follow(a, code)
        await f.next()
        # the tally waits here too (asyncio, in the process): the follower's answer wakes it
        assert post(a, code, auth, 1, question="q1", open=True).json()["applied"]
        follower = httpx.post(f"{a.url}/api/live/{code}/join").json()["follower"]
        waiting = await waiting_tally(a, code, auth, tally(a, code, auth)["token"])
        body = {"follower": follower, "question": "q1", "sign": "+"}
        assert httpx.post(f"{a.url}/api/live/{code}/answers", json=body).status_code == 204
        woken = await asyncio.wait_for(waiting, 15)
        assert (woken["followers"], woken["answered"], woken["signs"]["+"]) == (2, 1, 1)
        for v in range(2, 6):
            post(a, code, auth, v)
        seen = await versions(f, 5)
        httpx.post(f"{a.url}/api/live/{code}/end", headers=auth)
        end = await f.next()
        await f.close()
        return seen, end

    seen, end = run_alone(scenario())
    assert seen == [1, 2, 3, 4, 5] and end.event == "end"
