"""The live-session API on the embedded broker: who may do what, and every limit's answer."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.limits import LIVE_CREATE_ATTEMPTS, LIVE_LOOKUP_FAILURES, MAX_LIVE_STATE_BYTES
from app.main import create_app
from app.settings import Settings
from tests.aio import run_alone


def client(**settings) -> TestClient:
    return TestClient(create_app(Settings(access_log=False, **settings)))


@pytest.fixture
def c():
    with client() as c:
        yield c


def go_live(c: TestClient) -> tuple[str, dict]:
    made = c.post("/api/live")
    assert made.status_code == 201, made.text
    body = made.json()
    return body["code"], {"X-Presenter-Secret": body["presenter_secret"]}


def publish(c, code, auth, version, state=None, question=None, open_=False):
    body = {"version": version, "state": state or {"cursor": version}, "open": open_}
    if question is not None:
        body["question"] = question
    return c.post(f"/api/live/{code}/state", json=body, headers=auth)


def test_go_live_gives_a_code_a_join_url_a_qr_code_and_a_128_bit_secret(c):
    made = c.post("/api/live", headers={"host": "192.168.1.20:8000"}).json()
    code = made["code"]
    assert len(code) == 6 and made["join_url"] == f"http://192.168.1.20:8000/join/{code}"
    assert made["loopback"] is False
    import base64

    assert len(base64.urlsafe_b64decode(made["presenter_secret"] + "==")) == 16
    qr = c.get(made["qr_url"])
    assert qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.text.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    local = c.post("/api/live", headers={"host": "127.0.0.1:8000"}).json()
    assert local["loopback"] is True


def test_a_late_or_repeated_state_is_never_applied(c):
    code, auth = go_live(c)
    assert publish(c, code, auth, 3, {"cursor": 3}).json()["applied"] is True
    late = publish(c, code, auth, 2, {"cursor": 2}).json()
    again = publish(c, code, auth, 3, {"cursor": 99}).json()
    assert late == {"version": 3, "applied": False, "followers": 0}
    assert again["applied"] is False
    assert c.get(f"/api/live/{code}").json()["state"] == {"cursor": 3}
    # lower case, a dash and spaces are forgiven in a typed code
    typed = f" {code[:3].lower()}-{code[3:].lower()} "
    assert c.get(f"/api/live/{typed}").json()["version"] == 3


def test_only_the_presenter_publishes(c):
    code, auth = go_live(c)
    joined = c.post(f"/api/live/{code}/join").json()
    nobody = publish(c, code, {}, 1)
    assert nobody.status_code == 401 and "X-Presenter-Secret" in nobody.json()["detail"]
    follower = publish(c, code, {"X-Presenter-Secret": joined["follower"]}, 1)
    assert follower.status_code == 403
    assert (
        c.get(f"/api/live/{code}/tally", headers={"X-Presenter-Secret": "x" * 22}).status_code
        == 403
    )
    assert c.post(f"/api/live/{code}/end").status_code == 401
    assert c.get(f"/api/live/{code}").json()["version"] == 0


def test_a_prediction_round(c):
    code, auth = go_live(c)
    followers = [c.post(f"/api/live/{code}/join").json()["follower"] for _ in range(3)]
    publish(c, code, auth, 1, question="i1:c8", open_=True)
    answers = [{"number": -0.07}, {"sign": "-"}, {"number": 0.5}]
    for f, a in zip(followers, answers, strict=True):
        r = c.post(f"/api/live/{code}/answers", json={"follower": f, "question": "i1:c8", **a})
        assert r.status_code == 204
    # a follower may change their answer until the reveal: still one answer each
    c.post(
        f"/api/live/{code}/answers",
        json={"follower": followers[2], "question": "i1:c8", "number": -1.25},
    )
    tally = c.get(f"/api/live/{code}/tally", headers=auth).json()
    assert isinstance(tally.pop("token"), str)
    assert tally == {
        "question": "i1:c8",
        "open": True,
        "followers": 3,
        "answered": 3,
        "numbers": [-1.25, -0.07],
        "signs": {"+": 0, "-": 3, "0": 0},
    }
    publish(c, code, auth, 2, question="i1:c8", open_=False)  # the reveal
    late = c.post(
        f"/api/live/{code}/answers",
        json={"follower": followers[0], "question": "i1:c8", "sign": "+"},
    )
    assert late.status_code == 409 and "not open" in late.json()["detail"]
    wrong = c.post(
        f"/api/live/{code}/answers",
        json={"follower": followers[0], "question": "other", "sign": "+"},
    )
    assert wrong.status_code == 409


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        ({"number": 1.5, "sign": "+"}, "exactly one"),
        ({}, "exactly one"),
        ({"number": 1e7}, "number"),
        ({"sign": "maybe"}, "sign"),
        ({"number": "1"}, "number"),
    ],
)
def test_bad_answers_are_named(c, answer, field):
    code, auth = go_live(c)
    f = c.post(f"/api/live/{code}/join").json()["follower"]
    publish(c, code, auth, 1, question="q", open_=True)
    r = c.post(f"/api/live/{code}/answers", json={"follower": f, "question": "q", **answer})
    assert r.status_code == 422
    assert field in str(r.json()["detail"])


def test_a_state_over_the_limit_is_refused_naming_it(c):
    code, auth = go_live(c)
    big = {"scenario": "x" * (MAX_LIVE_STATE_BYTES + 1)}
    r = publish(c, code, auth, 1, big)
    assert r.status_code == 422
    detail = r.json()["detail"][0]
    assert detail["loc"] == ["body", "state"] and f"{MAX_LIVE_STATE_BYTES:,}" in detail["msg"]
    assert publish(c, code, auth, 1, question=None, open_=True).status_code == 422


def test_unknown_codes_are_rate_limited_with_retry_after(c):
    for i in range(LIVE_LOOKUP_FAILURES):
        assert c.get(f"/api/live/ZZZZ{i:02d}").status_code == 404
    blocked = c.get("/api/live/ZZZZZZ")
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    assert "try again in" in blocked.json()["detail"]
    # even a right code waits: the limit is counted before any lookup
    assert c.post("/api/live/ABCDEF/join").status_code == 429


def test_starting_sessions_is_rate_limited():
    with client() as c:
        for _ in range(LIVE_CREATE_ATTEMPTS):
            assert c.post("/api/live").status_code == 201
        assert c.post("/api/live").status_code == 429


def test_a_school_behind_one_address_may_raise_the_start_limit():
    with client(live_create_attempts=LIVE_CREATE_ATTEMPTS + 2) as c:
        for _ in range(LIVE_CREATE_ATTEMPTS + 2):
            assert c.post("/api/live").status_code == 201
        refused = c.post("/api/live")
        assert refused.status_code == 429
        assert f"over {LIVE_CREATE_ATTEMPTS + 2} live sessions" in refused.json()["detail"]


def test_sessions_and_followers_have_limits():
    with client(live_max_sessions=2, live_max_followers=2) as c:
        code, _ = go_live(c)
        go_live(c)
        full = c.post("/api/live")
        assert full.status_code == 429 and "2 live sessions" in full.json()["detail"]
        a = c.post(f"/api/live/{code}/join").json()["follower"]
        c.post(f"/api/live/{code}/join")
        third = c.post(f"/api/live/{code}/join")
        assert third.status_code == 409 and "2 followers" in third.json()["detail"]
        # a follower already counted may come back
        again = c.post(f"/api/live/{code}/join", json={"follower": a})
        assert again.status_code == 200 and again.json()["follower"] == a


def test_ending_a_session_frees_it(c):
    code, auth = go_live(c)
    assert c.post(f"/api/live/{code}/end", headers=auth).status_code == 204
    assert c.get(f"/api/live/{code}").status_code == 404


def test_several_workers_without_a_broker_refuse_live_sessions():
    with client(workers=2) as c:
        r = c.post("/api/live")
        assert r.status_code == 503 and "BACKSTEP_BROKER_URL" in r.json()["detail"]


def test_every_session_endpoint_is_documented(c):
    paths = c.get("/openapi.json").json()["paths"]
    live = {p: sorted(ops) for p, ops in paths.items() if p.startswith("/api/live")}
    assert live == {
        "/api/live": ["post"],
        "/api/live/{code}": ["get"],
        "/api/live/{code}/end": ["post"],
        "/api/live/{code}/state": ["post"],
        "/api/live/{code}/tally": ["get"],
        "/api/live/{code}/join": ["post"],
        "/api/live/{code}/answers": ["post"],
        "/api/live/{code}/events": ["get"],
        "/api/live/{code}/qr.svg": ["get"],
    }


def test_an_idle_session_expires_and_its_followers_are_told():
    import asyncio

    from app.live.memory import MemoryBroker

    async def scenario():
        broker = MemoryBroker(idle_seconds=0.2, max_sessions=5)
        session = await broker.create("0" * 64)
        async with broker.subscribe(session.code) as sub:
            await broker.publish(session.code, 1, "{}", None, False)
            assert (await sub.next(1)).version == 1
            await asyncio.sleep(0.1)
            await broker.touch(session.code)  # the presenter is still there
            await asyncio.sleep(0.15)
            assert await broker.get(session.code) is not None
            await asyncio.sleep(0.1)
            assert await broker.get(session.code) is None  # idle for 0.25 s > 0.2 s
            assert (await sub.next(1)).ended
        assert await broker.sessions() == 0

    run_alone(scenario(), 30)
