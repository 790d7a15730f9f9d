"""Live class sessions over HTTP: the presenter publishes with POST and its secret; followers
join, receive server-sent events, and answer predictions. The state is in app.live's broker."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import math
from collections.abc import AsyncIterator
from typing import Annotated

import segno
from fastapi import APIRouter, Header, HTTPException, Query, Request, Response
from fastapi.responses import StreamingResponse
from redis.exceptions import RedisError

from app.api.schemas.live import (
    AnswerRequest,
    Joined,
    JoinRequest,
    LiveCreated,
    LiveState,
    Published,
    PublishRequest,
    Tally,
)
from app.limits import (
    LIVE_HEARTBEAT_SECONDS,
    LIVE_LOOKUP_FAILURES,
    LIVE_TALLY_WAIT_SECONDS,
    LIVE_TALLY_WAITERS,
    LIVE_WINDOW_SECONDS,
)
from app.live import Broker, Session, codes, make_broker
from app.live.base import Busy, ClassFull, Full

router = APIRouter(prefix="/live", tags=["live"])
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
Secret = Annotated[
    str | None,
    Header(
        alias="X-Presenter-Secret",
        description="The presenter_secret the session was created with.",
        max_length=64,
    ),
]
LIVE_ERRORS = {
    401: {"description": "No X-Presenter-Secret header."},
    403: {"description": "The presenter secret is wrong."},
    404: {"description": "No live session has this code (or it ended)."},
    429: {"description": "Too many unknown codes or wrong secrets from this address: Retry-After."},
    503: {"description": "Live sessions are off, or the broker is unreachable: Retry-After."},
}


async def broker_of(request: Request) -> Broker:
    """The app's broker, started on first use in the serving loop."""
    state = request.app.state
    broker = getattr(state, "live_broker", None)
    if broker is None:
        s = state.settings
        if s.workers > 1 and not s.broker_url:
            raise HTTPException(
                503,
                f"live sessions are off: this server runs {s.workers} workers without "
                "BACKSTEP_BROKER_URL (set it to a Redis, or serve with one worker)",
            )
        broker = make_broker(s.broker_url, s.live_idle_seconds, s.live_max_sessions)
        state.live_broker = broker
        await broker.start()
    return broker


def client(request: Request) -> str:
    return request.client.host if request.client else "?"


def too_many(wait: float, what: str) -> HTTPException:
    seconds = max(1, math.ceil(wait))
    return HTTPException(
        429, f"{what}; try again in {seconds} s", headers={"Retry-After": str(seconds)}
    )


async def lookup(request: Request, code: str, broker: Broker) -> Session:
    """The session of `code`. Unknown codes count against the caller's address, so codes
    cannot be enumerated: beyond LIVE_LOOKUP_FAILURES a window, 429 before any lookup."""
    key = f"miss:{client(request)}"
    wait = await broker.hit(key, LIVE_LOOKUP_FAILURES, LIVE_WINDOW_SECONDS, count=False)
    if wait:
        raise too_many(wait, f"over {LIVE_LOOKUP_FAILURES} unknown codes from this address")
    canonical = codes.normalise(code)
    session = await broker.get(canonical) if canonical else None
    if session is None:
        await broker.hit(key, LIVE_LOOKUP_FAILURES, LIVE_WINDOW_SECONDS)
        raise HTTPException(404, f"no live session has the code {code[:12]!r}; check the code")
    return session


async def presenter(request: Request, code: str, secret: str | None, broker: Broker) -> Session:
    session = await lookup(request, code, broker)
    if not secret:
        raise HTTPException(401, "X-Presenter-Secret is missing: only the presenter may do this")
    if not codes.same_secret(secret, session.secret_digest):
        await broker.hit(f"miss:{client(request)}", LIVE_LOOKUP_FAILURES, LIVE_WINDOW_SECONDS)
        raise HTTPException(403, "the presenter secret is wrong")
    return session


def view(session: Session) -> LiveState:
    return LiveState(
        code=session.code,
        version=session.version,
        question=session.question,
        open=session.open,
        ended=session.ended,
        state=json.loads(session.state),
    )


def join_url(request: Request, code: str) -> str:
    return str(request.base_url).rstrip("/") + f"/join/{code}"


@router.post("", status_code=201, responses=LIVE_ERRORS)
async def create_session(request: Request) -> LiveCreated:
    """Go live: a new session with its join code, join URL and the presenter's secret."""
    broker = await broker_of(request)
    attempts = request.app.state.settings.live_create_attempts
    wait = await broker.hit(f"create:{client(request)}", attempts, LIVE_WINDOW_SECONDS)
    if wait:
        raise too_many(wait, f"over {attempts} live sessions started from here in a minute")
    secret = codes.new_secret()
    try:
        session = await broker.create(codes.digest(secret))
    except Full as exc:
        raise HTTPException(
            429,
            f"this server holds {broker.max_sessions} live sessions, its limit; end one, or "
            "wait for an idle one to expire",
            headers={"Retry-After": "60"},
        ) from exc
    settings = request.app.state.settings
    return LiveCreated(
        code=session.code,
        join_url=join_url(request, session.code),
        qr_url=f"/api/live/{session.code}/qr.svg",
        presenter_secret=secret,
        version=session.version,
        idle_seconds=settings.live_idle_seconds,
        max_followers=settings.live_max_followers,
        loopback=(request.url.hostname or "") in LOOPBACK,
    )


@router.get("/{code}", responses=LIVE_ERRORS)
async def get_session(request: Request, code: str) -> LiveState:
    """The presenter's latest state ("Back to the presenter")."""
    broker = await broker_of(request)
    return view(await lookup(request, code, broker))


@router.post("/{code}/state", responses=LIVE_ERRORS)
async def publish(
    request: Request, code: str, body: PublishRequest, secret: Secret = None
) -> Published:
    """The presenter's whole state, versioned: followers get it at once. A version not higher
    than the session's is ignored (applied false), so late or repeated posts are harmless."""
    broker = await broker_of(request)
    session = await presenter(request, code, secret, broker)
    state = json.dumps(body.state, separators=(",", ":"), allow_nan=False)
    now = await broker.publish(session.code, body.version, state, body.question, body.open)
    if now is None:
        raise HTTPException(404, "the live session has ended")
    return Published(
        version=now.version,
        applied=now.version == body.version and body.version > session.version,
        followers=await broker.followers(session.code),
    )


@router.post("/{code}/end", status_code=204, responses=LIVE_ERRORS)
async def end_session(request: Request, code: str, secret: Secret = None) -> Response:
    """End the session: followers are told, and the code is free again."""
    broker = await broker_of(request)
    session = await presenter(request, code, secret, broker)
    await broker.end(session.code)
    return Response(status_code=204)


TALLY_ERRORS = {
    **LIVE_ERRORS,
    429: {
        "description": "Too many unknown codes or wrong secrets from this address, or "
        f"{LIVE_TALLY_WAITERS} tally requests of this session waiting already: Retry-After."
    },
}


@router.get("/{code}/tally", responses=TALLY_ERRORS)
async def tally(
    request: Request,
    code: str,
    secret: Secret = None,
    after: Annotated[
        str | None,
        Query(
            description="The token of the tally the presenter shows: the answer waits (up to "
            "`wait` seconds) until the tally is another one.",
            min_length=1,
            max_length=32,
            pattern=r"^[0-9a-f]+$",
        ),
    ] = None,
    wait: Annotated[
        float,
        Query(
            description="Seconds to wait for the tally to change from `after` (with `after` "
            f"only); {LIVE_TALLY_WAITERS} requests of one session may wait at once, per worker.",
            ge=0,
            le=LIVE_TALLY_WAIT_SECONDS,
        ),
    ] = 0.0,
) -> Tally:
    """For the presenter: followers connected, and the answers to the open question. With
    `after` and `wait`, a long poll: answered as soon as the tally differs from `after` (an
    answer, a follower joining or leaving, a step), else after `wait` seconds."""
    broker = await broker_of(request)
    session = await presenter(request, code, secret, broker)
    await broker.touch(session.code)
    if after is None or not wait:
        return await count(broker, session)
    try:
        with broker.waiting(session.code, LIVE_TALLY_WAITERS) as changed:
            return await changed_tally(request, broker, session, after, wait, changed)
    except Busy as exc:
        raise HTTPException(
            429,
            f"{LIVE_TALLY_WAITERS} tally requests of this session are waiting already",
            headers={"Retry-After": "1"},
        ) from exc


async def changed_tally(
    request: Request,
    broker: Broker,
    session: Session,
    after: str,
    wait: float,
    changed: asyncio.Event,
) -> Tally:
    """The tally once it differs from `after`, or after `wait` s, or when the client has gone."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    gone = asyncio.ensure_future(left(request))
    try:
        while True:
            changed.clear()  # before reading: a change while it is read wakes the next wait
            now = await count(broker, session)
            if now.token != after or gone.done() or loop.time() >= deadline:
                return now
            woken = asyncio.ensure_future(changed.wait())
            await asyncio.wait(
                {woken, gone}, timeout=deadline - loop.time(), return_when="FIRST_COMPLETED"
            )
            woken.cancel()
            latest = await broker.get(session.code)
            if latest is None:
                raise HTTPException(404, "the live session has ended")
            session = latest
    finally:
        gone.cancel()


async def left(request: Request) -> None:
    """Returns when the client has gone (the request has no body: nothing else comes)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def count(broker: Broker, session: Session) -> Tally:
    answers = await broker.answers(session.code, session.question) if session.question else []
    numbers = sorted(float(a[2:]) for a in answers if a.startswith("n:"))
    signs = {"+": 0, "-": 0, "0": 0}
    for a in answers:
        value = a[2:]
        if a.startswith("s:"):
            signs[value] += 1
        else:
            x = float(value)
            signs["+" if x > 0 else "-" if x < 0 else "0"] += 1
    followers = await broker.followers(session.code)
    seen = json.dumps([session.question, session.open, followers, numbers, signs, len(answers)])
    return Tally(
        question=session.question,
        open=session.open,
        followers=followers,
        answered=len(answers),
        numbers=numbers,
        signs=signs,
        token=hashlib.blake2b(seen.encode(), digest_size=8).hexdigest(),
    )


@router.post("/{code}/join", responses={**LIVE_ERRORS, 409: {"description": "Class full."}})
async def join(request: Request, code: str, body: JoinRequest | None = None) -> Joined:
    """Follow a session: an anonymous follower id, the stream to follow, the state now."""
    broker = await broker_of(request)
    session = await lookup(request, code, broker)
    follower = (body.follower if body else None) or codes.new_follower()
    limit = request.app.state.settings.live_max_followers
    try:
        await broker.join(session.code, follower, limit)
    except ClassFull as exc:
        raise HTTPException(409, f"this class is full: {limit} followers, the limit") from exc
    return Joined(
        follower=follower,
        events_url=f"/api/live/{session.code}/events?follower={follower}",
        session=view(session),
    )


@router.post("/{code}/answers", status_code=204, responses={**LIVE_ERRORS, 409: {}})
async def answer(request: Request, code: str, body: AnswerRequest) -> Response:
    """A follower's prediction for the open question; sent again, it replaces the first."""
    broker = await broker_of(request)
    session = await lookup(request, code, broker)
    if session.question != body.question or not session.open:
        raise HTTPException(
            409, "that question is not open any more: the presenter has moved on or revealed it"
        )
    limit = request.app.state.settings.live_max_followers
    try:
        await broker.join(session.code, body.follower, limit)
    except ClassFull as exc:
        raise HTTPException(409, f"this class is full: {limit} followers, the limit") from exc
    text = f"s:{body.sign}" if body.sign is not None else f"n:{body.number!r}"
    await broker.answer(session.code, body.question, body.follower, text)
    return Response(status_code=204)


@router.get(
    "/{code}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **LIVE_ERRORS, 409: {}},
)
async def events(
    request: Request,
    code: str,
    follower: Annotated[
        str | None, Query(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    ] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=24)] = None,
) -> StreamingResponse:
    """Server-sent events: `state` with the whole versioned state (its version is the event
    id, so a reconnection resumes with the latest state), `end` when the session ends."""
    broker = await broker_of(request)
    session = await lookup(request, code, broker)
    limit = request.app.state.settings.live_max_followers
    if follower is not None:
        try:
            await broker.join(session.code, follower, limit)
        except ClassFull as exc:
            raise HTTPException(409, f"this class is full: {limit} followers, the limit") from exc
    try:
        last = int(last_event_id) if last_event_id else -1
    except ValueError:
        last = -1
    return StreamingResponse(
        stream(broker, session.code, follower, last, limit),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def stream(
    broker: Broker, code: str, follower: str | None, last: int, limit: int
) -> AsyncIterator[bytes]:
    yield b"retry: 1000\n\n"
    try:
        async for chunk in follow(broker, code, follower, last, limit):
            yield chunk
    except (RedisError, OSError):
        return  # the broker is unreachable: the follower's page reconnects (retry: 1 s)
    finally:
        if follower is not None:
            try:
                await asyncio.shield(broker.leave(code, follower))
            except (RedisError, OSError):
                pass  # the follower ages out


async def follow(
    broker: Broker, code: str, follower: str | None, last: int, limit: int
) -> AsyncIterator[bytes]:
    async with broker.subscribe(code) as sub:
        session = await broker.get(code)  # after subscribing: nothing falls in between
        if session is None:
            yield b"event: end\ndata: {}\n\n"
            return
        if session.version > last or last < 0:
            yield session.frame
            last = session.version
        loop = asyncio.get_running_loop()
        beat = loop.time() + LIVE_HEARTBEAT_SECONDS
        while True:
            got = await sub.next(max(0.0, beat - loop.time()))
            if got is None:
                yield b": beat\n\n"
                beat = loop.time() + LIVE_HEARTBEAT_SECONDS
                if follower is not None:
                    try:
                        await broker.join(code, follower, limit)
                    except ClassFull:
                        pass  # already streaming: keep it
                continue
            if got.ended:
                yield got.frame
                return
            if got.version > last:
                yield got.frame
                last = got.version


@router.get(
    "/{code}/qr.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, **LIVE_ERRORS},
)
async def qr(request: Request, code: str) -> Response:
    """The join URL as a QR code (SVG, black on white, with its quiet zone)."""
    broker = await broker_of(request)
    session = await lookup(request, code, broker)
    out = io.BytesIO()
    segno.make(join_url(request, session.code), error="m").save(
        out,
        kind="svg",
        scale=8,
        border=4,
        dark="#000",
        light="#fff",
        xmldecl=False,
        svgclass=None,
        lineclass=None,
        title=f"Join code {session.code}",
    )
    return Response(
        out.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-store"}
    )
